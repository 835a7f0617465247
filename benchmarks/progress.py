"""How long the progress series and the target status take: shipped data and a city-wide
survey's size.

Prints, for the shipped layers and for 100k key locations × 50k payment points (the
shipped ones resampled with a few hundred metres of jitter, in-service dates spread over
three years; seeded), the time of :func:`dashboard.engine.progress.coverage_series` for
every district and the city at each month's end (cold: the first call, warm: the median
of the next ``--repeat``), and of :func:`target_status` on it. Not part of the test suite:
it prints figures, it asserts nothing.

Usage::

    python benchmarks/progress.py [--repeat 5] [--sizes 100k×50k]
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

from dashboard.engine.layers import load_all  # noqa: E402
from dashboard.engine.progress import coverage_series, target_status  # noqa: E402
from loaders.standards_store import shipped_standards  # noqa: E402
from loaders.targets_store import shipped_targets  # noqa: E402


def resample(df: pd.DataFrame, n: int, seed: int, dates: bool) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    out = df.iloc[rng.integers(0, len(df), n)].reset_index(drop=True).copy()
    out["lon"] = out["lon"].to_numpy() + rng.normal(0, 0.004, n)
    out["lat"] = out["lat"].to_numpy() + rng.normal(0, 0.003, n)
    out["id"] = [f"X{i}" for i in range(n)]
    if dates:
        start = pd.Timestamp("2023-01-01").value
        span = pd.Timedelta(days=3 * 365).value
        out["in_service_date"] = pd.to_datetime(start + rng.integers(0, span, n))
    return out


def timed(fn, repeat: int) -> tuple[float, float, object]:
    t0 = time.perf_counter()
    result = fn()
    cold = time.perf_counter() - t0
    warm = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        warm.append(time.perf_counter() - t0)
    return cold, statistics.median(warm) if warm else cold, result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--demand", type=int, default=100_000)
    ap.add_argument("--supply", type=int, default=50_000)
    args = ap.parse_args()
    layers = load_all()
    std, targets = shipped_standards(), shipped_targets()
    cases = [("shipped", layers["key-locations"], layers["payments"])]
    cases.append(
        (
            f"{args.demand // 1000}k×{args.supply // 1000}k",
            resample(layers["key-locations"], args.demand, 1, dates=False),
            resample(layers["payments"], args.supply, 2, dates=True),
        )
    )
    print("case            places  points  months   series cold / warm s   status warm s")
    for name, demand, supply in cases:
        start = supply["in_service_date"].min()
        end = start + pd.DateOffset(months=35)

        def series(demand=demand, supply=supply, start=start, end=end):
            return coverage_series(demand, supply, layers["districts"], std, start, end)

        cold, warm, s = timed(series, args.repeat)
        _, st_warm, _ = timed(lambda s=s, end=end: target_status(s, targets, end), args.repeat)
        months = s["date"].nunique()
        print(
            f"{name:<14}{len(demand):>8,}{len(supply):>8,}{months:>8}"
            f"{cold:>12.3f} / {warm:.3f}{st_warm:>16.4f}"
        )


if __name__ == "__main__":
    main()
