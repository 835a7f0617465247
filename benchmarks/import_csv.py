"""Benchmark: import a 1,000,000-row (or 10,000,000-row) CSV with Chinese headers in GCJ-02.

Generates the file (points inside Beijing's districts, converted WGS-84 → GCJ-02,
a 区 column naming each point's district) a million rows at a time, then imports it
with ``--crs auto`` semantics in a fresh child process and prints the import's wall
time and peak memory (the child's maximum resident set size). A file up to
``loaders.importer.STREAM_BYTES`` is imported whole (:func:`import_file`, what the data
page and ``exchange-atlas import`` do); a larger one is streamed in chunks
(:func:`import_stream`, what ``exchange-atlas import`` does above that size) and its
rows are then committed to a temporary workspace (:func:`commit_file`), timed apart.
Targets: 1M rows ≤ 8 s and ≤ 600 MB on a 2-core machine; 10M rows streamed with
memory bounded (no more than at 1M rows plus 16 bytes a row for the duplicate checks).

Usage: ``python benchmarks/import_csv.py [--rows 1M [10M ...]] [--chunk-rows N] [--keep DIR]``
"""

from __future__ import annotations

import argparse
import json
import os
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
#: Rows generated and written at a time (the generator's memory is this size's).
GEN_ROWS = 1_000_000
TARGET_S, TARGET_MB = 8.0, 600.0


def _part(rows: int, first: int, rng: np.random.Generator) -> pd.DataFrame:
    """``rows`` points inside Beijing in GCJ-02, numbered from ``first``."""
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
    numbers = np.arange(first, first + rows).astype(str)
    return pd.DataFrame(
        {
            "编号": np.char.add("B", numbers),
            "名称": np.char.add("测试场所", numbers),
            "地址": "北京市",
            "类型": TYPES[rng.integers(0, len(TYPES), rows)],
            "区": pd.Series(code).map(zh).to_numpy(),
            "经度": np.round(glon, 6),
            "纬度": np.round(glat, 6),
        }
    )


def generate(path: Path, rows: int, seed: int = 7) -> None:
    """Write ``rows`` points inside Beijing, in GCJ-02, with Chinese headers (UTF-8),
    :data:`GEN_ROWS` at a time (the first million are those of a 1M file)."""
    rng = np.random.default_rng(seed)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        for first in range(0, rows, GEN_ROWS):
            part = _part(min(GEN_ROWS, rows - first), first, rng)
            part.to_csv(fh, index=False, header=first == 0, lineterminator="\n")


def _mb() -> float:
    """This process's peak resident memory in MB: Linux's VmHWM, which counts only its
    own address space (``ru_maxrss`` keeps the parent's peak across ``exec``: a child
    started by a parent that generated the file inherits the generator's memory)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_import(path: str, chunk_rows: int | None) -> None:
    """Child process: import ``path`` (whole, or streamed when large or ``chunk_rows``),
    then commit a streamed import; print timings, peaks and the report as JSON."""
    from loaders import importer
    from loaders.importer import ImportOptions, import_file, import_stream
    from loaders.workspace import commit_file

    options = ImportOptions(layer="key-locations")
    streamed = chunk_rows is not None or Path(path).stat().st_size > importer.STREAM_BYTES
    out: dict = {"streamed": streamed}
    with tempfile.TemporaryDirectory(prefix="import-bench-") as tmp:
        t0 = time.perf_counter()
        if streamed:
            result = import_stream(Path(path), options, Path(tmp) / "rows.parquet", chunk_rows)
            out["chunks"] = result.chunks
        else:
            result = import_file(Path(path), options)
        out["seconds"] = round(time.perf_counter() - t0, 2)
        out["import_mb"] = round(_mb())
        rep = result.report
        out.update(
            rows_read=rep.rows_read,
            rows_kept=rep.rows_kept,
            crs=rep.crs,
            confidence=rep.crs_confidence,
            evidence=rep.crs_evidence[0]["text"] if rep.crs_evidence else "",
        )
        if streamed:
            assert isinstance(result, importer.StreamedImport)
            t1 = time.perf_counter()
            version, _ = commit_file("key-locations", result.path, home=Path(tmp) / "home")
            out["commit_seconds"] = round(time.perf_counter() - t1, 2)
            out["version_rows"] = version.rows
        out["maxrss_mb"] = round(_mb())
    print(json.dumps(out, ensure_ascii=False))


def _rows(text: str) -> int:
    t = text.strip().upper().replace(",", "").replace("_", "")
    scale = {"K": 1_000, "M": 1_000_000}.get(t[-1:], 1)
    return int(float(t[:-1] if scale > 1 else t) * scale)


def load() -> str:
    """The machine's load averages, for reading the figures (a shared machine)."""
    try:
        return "load {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    except OSError:
        return "load unknown"


def bench(rows: int, tmp: Path, chunk_rows: int | None, keep: Path | None) -> bool:
    """Generate, import in a fresh child, print; True when within the 1M target."""
    path = (keep or tmp) / f"bench-{rows}.csv"
    t0 = time.perf_counter()
    if not path.exists():
        generate(path, rows)
    size = path.stat().st_size
    print(
        f"{rows:,} rows ({size / 1e6:,.0f} MB) ready in {time.perf_counter() - t0:.1f} s; {load()}"
    )
    env = dict(os.environ)
    # the import size limit (512 MiB) is raised for a file above it, as a user would
    env["EXCHANGE_ATLAS_MAX_IMPORT_BYTES"] = str(max(size + 1, 512 * 1024 * 1024))
    cmd = [sys.executable, __file__, "--child", str(path)]
    if chunk_rows is not None:
        cmd += ["--chunk-rows", str(chunk_rows)]
    proc = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env)
    stats = json.loads(proc.stdout.strip().splitlines()[-1])
    how = f"streamed in {stats['chunks']} chunks" if stats["streamed"] else "read whole"
    print(
        f"import ({how}): {stats['seconds']:.2f} s, peak memory {stats['import_mb']:,} MB; "
        f"{stats['rows_read']:,} read, {stats['rows_kept']:,} kept; "
        f"system {stats['crs']} ({stats['confidence']}): {stats['evidence']}"
    )
    if stats["streamed"]:
        print(
            f"commit (a version of {stats['version_rows']:,} rows): "
            f"{stats['commit_seconds']:.2f} s; peak of import and commit "
            f"{stats['maxrss_mb']:,} MB; {load()}"
        )
    if rows != 1_000_000 or stats["streamed"]:
        return True
    ok = stats["seconds"] <= TARGET_S and stats["import_mb"] <= TARGET_MB
    target = f"≤ {TARGET_S:.0f} s, ≤ {TARGET_MB:.0f} MB"
    print(f"within target ({target})" if ok else f"OVER TARGET ({target})")
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--rows", nargs="+", default=["1M"], help="sizes, e.g. 1M 10M (default 1M)")
    ap.add_argument("--chunk-rows", type=int, help="stream in chunks of N rows whatever the size")
    ap.add_argument("--keep", help="generate the CSVs into (and reuse them from) this directory")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        run_import(args.child, args.chunk_rows)
        return 0
    keep = Path(args.keep) if args.keep else None
    if keep:
        keep.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for text in args.rows:
            bench(_rows(text), Path(tmp), args.chunk_rows, keep)
    return 0


if __name__ == "__main__":
    sys.exit(main())
