"""Add field checks to a benchmark workspace, so that the Work list has every reason.

Adds ``--checks`` inspections (one batch, through :func:`loaders.writes.add_inspections`
as a local admin, after :func:`loaders.inspections_store.prepare_inspections`): mostly
payment points (random results over ``--years`` before now, so that some are verified,
some expired, some failed, recent refusals making key locations newly uncovered), a few
percent key-location visits (which close a newly uncovered item) and new points found in
the field (virtual supply). Seeded, so a run is reproducible for the same workspace.

Usage::

    python benchmarks/citygen.py /tmp/ws100k --size 100k×50k
    python benchmarks/field_checks.py /tmp/ws100k --checks 20000
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from dashboard.core.inspections import CHECKS, result_column  # noqa: E402
from dashboard.core.rights import Actor  # noqa: E402
from dashboard.engine.layers import load_layer  # noqa: E402
from loaders import writes  # noqa: E402
from loaders.inspections_store import load_inspections, prepare_inspections  # noqa: E402

#: What a check found, drawn uniformly: mostly accepted, some refused or out of order, some
#: checks not tried ("").
RESULTS = np.array(["", "", "accepted", "accepted", "accepted", "refused", "out_of_order"])


def add_results(out: pd.DataFrame, rng: np.random.Generator) -> None:
    """Fill every check's result column of ``out`` from :data:`RESULTS` (in place)."""
    for c in CHECKS:
        out[result_column(c)] = RESULTS[rng.integers(0, len(RESULTS), len(out))]


def field_checks(
    payments: pd.DataFrame,
    key_locations: pd.DataFrame,
    n: int,
    seed: int,
    now: pd.Timestamp,
    years: float = 2.0,
) -> pd.DataFrame:
    """``n`` raw inspection rows: 90% payment points, 6% key locations, 4% new points."""
    rng = np.random.default_rng(seed)
    n_key, n_new = int(n * 0.06), int(n * 0.04)
    n_pay = n - n_key - n_new
    minutes = int(years * 365 * 24 * 60)
    at = now - pd.to_timedelta(rng.integers(60, minutes, n), "min")
    pi = rng.integers(0, len(payments), n_pay)
    ki = rng.integers(0, len(key_locations), n_key)
    # new points: a quarter as many places, each found about four times
    found = max(1, n_new // 4)
    base = rng.integers(0, len(payments), found)[rng.integers(0, found, n_new)]
    kind = np.array(["payment"] * n_pay + ["key_location"] * n_key + ["new"] * n_new, dtype=object)
    pid = np.concatenate(
        [
            payments["id"].astype(str).to_numpy()[pi],
            key_locations["id"].astype(str).to_numpy()[ki],
            np.full(n_new, "", dtype=object),
        ]
    )
    # the places' own positions (the store takes them from the layer), new points nearby
    lon = np.concatenate(
        [
            payments["lon"].to_numpy()[pi],
            key_locations["lon"].to_numpy()[ki],
            payments["lon"].to_numpy()[base] + 0.002,
        ]
    )
    lat = np.concatenate(
        [
            payments["lat"].to_numpy()[pi],
            key_locations["lat"].to_numpy()[ki],
            payments["lat"].to_numpy()[base] + 0.001,
        ]
    )
    out = pd.DataFrame(
        {
            "place_kind": kind,
            "place_id": pid,
            "inspected_at": at,
            "inspector": "bench",
            "lon": lon,
            "lat": lat,
            "name": np.where(kind == "new", "field point", ""),
            "notes": "",
            "photo": "",
            "source": "benchmark",
        }
    )
    add_results(out, rng)
    first = result_column(CHECKS[0])
    empty = (out[[result_column(c) for c in CHECKS]] == "").all(axis=1)
    out.loc[empty, first] = "accepted"  # every row tries something
    return out.sort_values("inspected_at", kind="stable").reset_index(drop=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("home", type=Path)
    ap.add_argument("--checks", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--years", type=float, default=2.0)
    args = ap.parse_args()
    pay = load_layer("payments", args.home)
    kl = load_layer("key-locations", args.home)
    now = pd.Timestamp.now(tz="Asia/Shanghai").tz_localize(None).floor("min")
    raw = field_checks(pay, kl, args.checks, args.seed, now, args.years)
    prepared, problems = prepare_inspections(
        raw,
        payments=pay,
        key_locations=kl,
        now=datetime.now(timezone.utc),
        file="benchmark",
        known=load_inspections(args.home),
    )
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise SystemExit(f"{len(errors)} rows refused, e.g. {errors[0]}")
    batch = writes.add_inspections(Actor("bench", "admin"), prepared, args.home, source="bench")
    print(f"batch {batch.number}: {batch.rows:,} checks added to {args.home}")


if __name__ == "__main__":
    main()
