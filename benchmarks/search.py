"""How fast search and per-place details are with the index, against the scans they replace.

For the shipped layers and synthetic cities of ``--sizes`` (``benchmarks/citygen.py``,
seeded), prints the time to build the indexes (the Inspect page's places, the Map
explorer's layers, a place's row by id, the latest inspection per place) and, for a set of
queries (Chinese, Latin, ids, one character, no match, near a position), the median and
the slowest query time with the index and with the scan (:func:`brute_inspect`,
:func:`dashboard.engine.explore.search_places`). Not part of the test suite: it prints
figures, it asserts nothing.

Usage::

    python benchmarks/search.py [--sizes 100k×50k,1M×500k] [--repeat 3] [--no-scan]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from benchmarks.citygen import city_tables, parse_size, size_label  # noqa: E402
from dashboard.core.model import POINT_LAYERS  # noqa: E402
from dashboard.engine import explore  # noqa: E402
from dashboard.engine import search as S  # noqa: E402
from dashboard.engine.layers import load_all, points_frame  # noqa: E402

#: Queries typed into the boxes: a Chinese name, Latin words, an id, one character, none.
QUERIES = (
    "王府",
    "北京饭店",
    "合成酒店",
    "hotel",
    "Station",
    "synthetic restaurant 0001",
    "k001",
    "sp000123",
    "王",
    "a",
    "no such place",
)
HOTEL = (116.404454, 39.908012)


def _timed(fn, repeat: int) -> float:
    best = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best.append(time.perf_counter() - t0)
    return min(best)


def _layers(size: str | None) -> dict[str, pd.DataFrame]:
    layers: dict[str, pd.DataFrame] = dict(load_all())
    if size:
        demand, supply = parse_size(size)
        places, points = city_tables(demand, supply, seed=7)
        layers["key-locations"] = points_frame(places, "key-locations")
        layers["payments"] = points_frame(points, "payments")
    return layers


def _inspections(payments: pd.DataFrame, n: int) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    at = rng.integers(0, len(payments), n)
    return pd.DataFrame(
        {
            "place_id": payments["id"].astype(str).to_numpy()[at],
            "inspected_at": pd.Timestamp("2026-01-01")
            + pd.to_timedelta(rng.integers(0, 300 * 24 * 60, n), "min"),
            "inspector": "bench",
            "name": None,
        }
    )


def case(size: str | None, repeat: int, scan: bool) -> dict:
    layers = _layers(size)
    point = {k: layers[k] for k in POINT_LAYERS}
    out: dict = {"size": size_label(*parse_size(size)) if size else "shipped"}
    t0 = time.perf_counter()
    li = S.layer_index(point)
    out["explore_build_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    places = S.inspect_places(layers["payments"], layers["key-locations"])
    pi = S.place_index(places, li)  # the Map explorer's text index, shared
    out["inspect_build_s"] = time.perf_counter() - t0
    out["places"] = li.index.size
    out["index_mb"] = li.index.nbytes / 1e6
    t0 = time.perf_counter()
    pos = S.id_lookup(layers["payments"]["id"])
    ins = _inspections(layers["payments"], 20_000)
    latest = S.latest_by_place(ins)
    out["details_build_s"] = time.perf_counter() - t0
    some = layers["payments"]["id"].astype(str).iloc[len(layers["payments"]) // 2]
    out["details_s"] = _timed(
        lambda: (pos.first([some]), latest.index.get_indexer(pd.Index([some]))), max(repeat, 20)
    )
    if scan:
        # what the Inspect page did per rerun: a name by a dict of every place, the last
        # inspector by filtering and sorting every inspection
        out["details_scan_s"] = _timed(
            lambda: (
                dict(zip(places["id"], places["name_en"], strict=True)).get(some),
                ins[ins["place_id"].astype(str) == some].sort_values("inspected_at", kind="stable"),
            ),
            repeat,
        )
    calls = []
    for q in QUERIES:
        calls.append(("inspect", lambda q=q: S.search_inspect(pi, "payment", None, q)))
        calls.append(("near", lambda q=q: S.search_inspect(pi, "key_location", None, q, HOTEL)))
        calls.append(("explore", lambda q=q: S.search_layers(li, q)))
    brute = {
        "inspect": lambda q: S.brute_inspect(places, "payment", None, q),
        "near": lambda q: S.brute_inspect(places, "key_location", None, q, HOTEL),
        "explore": lambda q: explore.search_places(point, q),
    }
    for kind in ("inspect", "near", "explore"):
        times = [_timed(fn, repeat) for k, fn in calls if k == kind]
        out[f"{kind}_median_s"] = statistics.median(times)
        out[f"{kind}_max_s"] = max(times)
        if scan:
            scans = [_timed(lambda q=q, f=brute[kind]: f(q), 1) for q in QUERIES]
            out[f"{kind}_scan_s"] = statistics.median(scans)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--sizes", default="100k×50k,1M×500k", help="comma-separated PLACES×POINTS")
    ap.add_argument("--repeat", type=int, default=3, help="samples per query (the best kept)")
    ap.add_argument("--no-scan", action="store_true", help="skip timing the scans")
    args = ap.parse_args()
    sizes: list[str | None] = [None]
    sizes += [s for s in args.sizes.split(",") if s.strip()]
    print(
        f"{'data':<10}{'places':>10}{'index MB':>10}{'build s':>9}{'':>3}"
        f"{'Inspect ms':>22}{'near me ms':>22}{'Map explorer ms':>22}{'details ms':>16}"
    )
    print(f"{'':<42}" + f"{'median/max (scan)':>22}" * 3 + f"{'(scan)':>16}")
    for size in sizes:
        r = case(size, args.repeat, not args.no_scan)

        def cell(kind: str, r=r) -> str:
            scan = f" ({r[f'{kind}_scan_s'] * 1e3:.0f})" if f"{kind}_scan_s" in r else ""
            return f"{r[f'{kind}_median_s'] * 1e3:.1f}/{r[f'{kind}_max_s'] * 1e3:.0f}{scan}"

        build = r["inspect_build_s"] + r["explore_build_s"] + r["details_build_s"]
        det = f"{r['details_s'] * 1e3:.2f}"
        if "details_scan_s" in r:
            det += f" ({r['details_scan_s'] * 1e3:.0f})"
        print(
            f"{r['size']:<10}{r['places']:>10,}{r['index_mb']:>10.0f}{build:>9.2f}{'':>3}"
            f"{cell('inspect'):>22}{cell('near'):>22}{cell('explore'):>22}{det:>16}",
            flush=True,
        )
    print("places: every point layer's rows (the Map explorer's index, which the Inspect page")
    print("shares); build: both indexes + the details lookups, once per data version;")
    print("queries: " + ", ".join(repr(q) for q in QUERIES))


if __name__ == "__main__":
    main()
