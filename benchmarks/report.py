"""How long the progress report takes: the briefing (every figure) and each format.

Prints, for the shipped layers, the time of
:func:`dashboard.engine.briefing.build_briefing` (coverage now and at the previous
period, ranking, monthly series, statuses, a page per district with recommended sites,
events) and of writing the report as PDF, HTML and XLSX in both languages, with the
file sizes; ``--sizes 100k×50k`` adds a city-wide survey's size (the shipped places
resampled with jitter, as benchmarks/progress.py does). Not part of the test suite: it
prints figures, it asserts nothing.

Usage::

    python benchmarks/report.py [--sizes 100k×50k] [--formats pdf html xlsx]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.progress import resample  # noqa: E402
from dashboard.engine.briefing import build_briefing  # noqa: E402
from dashboard.engine.layers import load_all  # noqa: E402
from dashboard.views.report_formats import make_report  # noqa: E402
from loaders.standards_store import shipped_standards  # noqa: E402
from loaders.targets_store import shipped_targets  # noqa: E402


def _count(s: str) -> int:
    scale = {"k": 1_000, "m": 1_000_000}.get(s[-1], 1)
    return int(float(s.rstrip("km")) * scale)


def _size(text: str) -> tuple[int, int]:
    k, p = text.lower().split("×")
    return _count(k), _count(p)


def measure(label: str, layers: dict, formats: list[str]) -> None:
    std, targets = shipped_standards(), shipped_targets()
    t0 = time.perf_counter()
    briefing = build_briefing(layers, std, targets)
    t_brief = time.perf_counter() - t0
    print(f"{label}: briefing {t_brief:6.2f} s")
    for lang in ("zh", "en"):
        for fmt in formats:
            t0 = time.perf_counter()
            data = make_report(
                briefing, lang, fmt, districts=layers["districts"], payments=layers["payments"]
            )
            took = time.perf_counter() - t0
            total = t_brief + took
            print(
                f"{label}: {lang} {fmt:4s} {took:6.2f} s to write, {total:6.2f} s in all, "
                f"{len(data) / 1e6:6.2f} MB"
            )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", nargs="*", default=[], help="e.g. 100k×50k")
    ap.add_argument("--formats", nargs="+", default=["pdf", "html", "xlsx"])
    args = ap.parse_args()
    shipped = load_all()
    n_k, n_p = len(shipped["key-locations"]), len(shipped["payments"])
    measure(f"shipped {n_k}×{n_p}", shipped, args.formats)
    for size in args.sizes:
        k, p = _size(size)
        layers = dict(shipped)
        layers["key-locations"] = resample(shipped["key-locations"], k, 1, dates=False)
        layers["payments"] = resample(shipped["payments"], p, 2, dates=True)
        measure(size, layers, args.formats)


if __name__ == "__main__":
    main()
