"""How long verified coverage and the work list take: shipped data and a city-wide survey.

Prints, for the shipped layers with a few hundred field checks, and for 100k key
locations × 50k payment points with 20k field checks (the shipped places resampled with a
few hundred metres of jitter, checks on random points over the last year with random
results; seeded), the time of :func:`effective_supply` (claimed and verified basis),
:func:`point_status`, :func:`work_list` and of a coverage run on the verified supply
(cold: the first call, warm: the median of the next ``--repeat``). Not part of the test
suite: it prints figures, it asserts nothing.

Usage::

    python benchmarks/verification.py [--repeat 3] [--demand 100000] [--supply 50000]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from benchmarks.field_checks import add_results  # noqa: E402
from benchmarks.progress import resample, timed  # noqa: E402
from dashboard.engine.coverage import assess_coverage  # noqa: E402
from dashboard.engine.layers import load_all  # noqa: E402
from dashboard.engine.verification import effective_supply, point_status, work_list  # noqa: E402
from loaders.standards_store import shipped_standards  # noqa: E402

AS_OF = pd.Timestamp("2026-12-01")


def checks(payments: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    """``n`` field checks of random payment points over the year before :data:`AS_OF`."""
    rng = np.random.default_rng(seed)
    at = rng.integers(0, len(payments), n)
    out = pd.DataFrame(
        {
            "id": [f"I{i:010x}" for i in range(n)],
            "place_kind": "payment",
            "place_id": payments["id"].astype(str).to_numpy()[at],
            "inspected_at": AS_OF - pd.to_timedelta(rng.integers(0, 365 * 24 * 60, n), "min"),
            "inspector": "bench",
            "adcode": payments["adcode"].astype(str).to_numpy()[at],
            "lon": payments["lon"].to_numpy()[at],
            "lat": payments["lat"].to_numpy()[at],
            "name": "",
            "notes": "",
            "photo": "",
            "source": "benchmark",
        }
    )
    add_results(out, rng)
    return out.sort_values("inspected_at", kind="stable").reset_index(drop=True)


def _steps(demand, supply, ins, std, districts) -> dict:
    """The timed steps on one case's data."""
    return {
        "effective_supply (claimed)": lambda: effective_supply(supply, ins, as_of=AS_OF),
        "effective_supply (verified)": lambda: effective_supply(
            supply, ins, as_of=AS_OF, basis="verified"
        ),
        "point_status": lambda: point_status(supply, ins, as_of=AS_OF),
        "coverage on verified supply": lambda: assess_coverage(
            demand,
            effective_supply(supply, ins, as_of=AS_OF, basis="verified"),
            districts,
            std,
            as_of=AS_OF,
        ),
        "work_list": lambda: work_list(demand, supply, ins, std, districts, as_of=AS_OF),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--demand", type=int, default=100_000)
    ap.add_argument("--supply", type=int, default=50_000)
    ap.add_argument("--checks", type=int, default=20_000)
    args = ap.parse_args()
    layers = load_all()
    std, districts = shipped_standards(), layers["districts"]
    big_pay = resample(layers["payments"], args.supply, 2, dates=True)
    cases = [
        ("shipped", layers["key-locations"], layers["payments"], 300),
        (
            f"{args.demand // 1000}k×{args.supply // 1000}k",
            resample(layers["key-locations"], args.demand, 1, dates=False),
            big_pay,
            args.checks,
        ),
    ]
    print(f"{'size':>12} {'checks':>7} {'step':>28} {'cold s':>8} {'warm s':>8}")
    for name, demand, supply, n in cases:
        ins = checks(supply, n, 3)
        steps = _steps(demand, supply, ins, std, districts)
        for step, fn in steps.items():
            cold, warm, _ = timed(fn, args.repeat)
            print(f"{name:>12} {n:>7,} {step:>28} {cold:8.2f} {warm:8.2f}", flush=True)


if __name__ == "__main__":
    main()
