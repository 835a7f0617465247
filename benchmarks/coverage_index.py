"""The coverage index on a workspace: build time and memory, then radius and date steps
answered from it against :func:`assess_coverage` (and covered_from), with equality checked.

Usage::

    python benchmarks/citygen.py /tmp/ws100k --size 100k×50k
    python benchmarks/coverage_index.py /tmp/ws100k [--horizon 5000] [--no-compare]

Prints the build (seconds, records per place, the index's arrays in MB, the process's
peak RSS before and after), then per step the engine's and the index's seconds.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dashboard.core.standards import uniform_standards  # noqa: E402
from dashboard.engine import layers as data  # noqa: E402
from dashboard.engine.coverage import assess_coverage, covered_from  # noqa: E402
from dashboard.engine.coverage_index import (  # noqa: E402
    assess_from_index,
    build_coverage_index,
    covered_from_index,
    requirement_structure,
)
from loaders.standards_store import load_standards  # noqa: E402


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="The coverage index on a workspace.")
    ap.add_argument("home", type=Path)
    ap.add_argument("--horizon", type=float, default=5000.0)
    ap.add_argument("--no-compare", action="store_true", help="only build the index")
    args = ap.parse_args(argv)
    home = args.home
    lay = {k: data.load_layer(k, home) for k in ("key-locations", "payments", "districts")}
    demand, supply, districts = lay["key-locations"], lay["payments"], lay["districts"]
    standards = load_standards(home)
    print(f"{len(demand):,} places × {len(supply):,} points; peak RSS {_peak_mb():.0f} MB")
    t = time.perf_counter()
    index = build_coverage_index(
        demand, supply, districts, requirement_structure(standards), horizon=args.horizon
    )
    dt = time.perf_counter() - t
    print(
        f"build {dt:.2f} s, {index.records:,} records ({index.records / max(len(demand), 1):.1f}"
        f" per place), arrays {index.nbytes / 2**20:.0f} MB, peak RSS {_peak_mb():.0f} MB"
    )
    if args.no_compare:
        return
    dates = supply["in_service_date"].dropna()
    middle = dates.min() + (dates.max() - dates.min()) / 2
    for radius in (None, 300, 550):
        std = standards if radius is None else uniform_standards(standards, radius_m=radius)
        for as_of in (None, middle):
            t = time.perf_counter()
            ref = assess_coverage(demand, supply, districts, std, as_of=as_of)
            t1 = time.perf_counter() - t
            t = time.perf_counter()
            got = assess_from_index(index, std, as_of, districts)
            t2 = time.perf_counter() - t
            pd.testing.assert_frame_equal(got.places, ref.places)
            pd.testing.assert_frame_equal(got.districts, ref.districts)
            when = "all" if as_of is None else str(pd.Timestamp(as_of).date())
            print(f"radius {radius or 'standards'}, {when}: engine {t1:.2f} s, index {t2:.3f} s")
        t = time.perf_counter()
        since = covered_from(demand, supply, std)
        t1 = time.perf_counter() - t
        t = time.perf_counter()
        got_since = covered_from_index(index, std)
        t2 = time.perf_counter() - t
        pd.testing.assert_series_equal(got_since, since)
        print(f"radius {radius or 'standards'}, covered_from: engine {t1:.2f} s, index {t2:.3f} s")
    print("equal: every answer frame for frame")


if __name__ == "__main__":
    main()
