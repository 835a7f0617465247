"""Benchmark: import a 1,000,000-row CSV with Chinese headers in GCJ-02.

Generates the file (points inside Beijing's districts, converted WGS-84 → GCJ-02,
a 区 column naming each point's district), then imports it with ``--crs auto``
semantics in a fresh child process and prints the import's wall time and peak
memory (the child's maximum resident set size). Targets: ≤ 15 s and ≤ 1.5 GB on a
2-core machine.

Usage: ``python benchmarks/import_csv.py [--rows N] [--keep FILE]``
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from loaders.chinacrs import wgs84_to_gcj02
from loaders.columns import DISTRICT_NAMES
from loaders.crsdetect import locate

TYPES = np.array(["酒店", "购物中心", "博物馆", "地铁站", "餐厅", "景区"])


def generate(path: Path, rows: int, seed: int = 7) -> None:
    """Write ``rows`` points inside Beijing, in GCJ-02, with Chinese headers (UTF-8)."""
    rng = np.random.default_rng(seed)
    lon_parts, lat_parts, code_parts, have = [], [], [], 0
    while have < rows:
        lon = rng.uniform(115.42, 117.50, rows)
        lat = rng.uniform(39.45, 41.05, rows)
        code = locate(lon, lat)
        ok = code != ""
        lon_parts.append(lon[ok])
        lat_parts.append(lat[ok])
        code_parts.append(code[ok])
        have += int(ok.sum())
    lon = np.concatenate(lon_parts)[:rows]
    lat = np.concatenate(lat_parts)[:rows]
    code = np.concatenate(code_parts)[:rows]
    glon, glat = wgs84_to_gcj02(lon, lat)
    zh = {a: names[0] + "区" for a, names in DISTRICT_NAMES.items()}
    ids = np.char.add("B", np.arange(rows).astype(str))
    df = pd.DataFrame(
        {
            "编号": ids,
            "名称": np.char.add("测试场所", np.arange(rows).astype(str)),
            "地址": "北京市",
            "类型": TYPES[rng.integers(0, len(TYPES), rows)],
            "区": pd.Series(code).map(zh).to_numpy(),
            "经度": np.round(glon, 6),
            "纬度": np.round(glat, 6),
        }
    )
    df.to_csv(path, index=False, encoding="utf-8")


def run_import(path: str) -> None:
    """Child process: import ``path`` and print timing and the report summary as JSON."""
    from loaders.importer import ImportOptions, import_file

    t0 = time.perf_counter()
    result = import_file(Path(path), ImportOptions(layer="key-locations"))
    elapsed = time.perf_counter() - t0
    rep = result.report
    print(
        json.dumps(
            {
                "seconds": round(elapsed, 2),
                "rows_read": rep.rows_read,
                "rows_kept": rep.rows_kept,
                "crs": rep.crs,
                "confidence": rep.crs_confidence,
                "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--keep", help="keep the generated CSV at this path")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        run_import(args.child)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.keep) if args.keep else Path(tmp) / "bench.csv"
        t0 = time.perf_counter()
        generate(path, args.rows)
        print(
            f"generated {args.rows:,} rows ({path.stat().st_size / 1e6:.0f} MB) "
            f"in {time.perf_counter() - t0:.1f} s"
        )
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(path)],
            check=True,
            capture_output=True,
            text=True,
        )
        stats = json.loads(out.stdout.strip().splitlines()[-1])
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(
            f"import: {stats['seconds']:.2f} s, peak memory {peak:,.0f} MB; "
            f"{stats['rows_read']:,} read, {stats['rows_kept']:,} kept; "
            f"system {stats['crs']} ({stats['confidence']})"
        )
        ok = stats["seconds"] <= 15 and peak <= 1536
        print("within target (≤ 15 s, ≤ 1.5 GB)" if ok else "OVER TARGET (≤ 15 s, ≤ 1.5 GB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
