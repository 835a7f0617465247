"""Write the SYNTHETIC sample subdistricts as a GeoJSON boundary file.

No published WGS-84 source of Beijing's subdistricts (街道/乡镇) is reachable offline, so
nothing real is shipped. This writes a clearly synthetic stand-in for tests,
demonstrations and screenshots: each of the 16 shipped districts cut into 4–12 pieces
by seeded Voronoi cells (:func:`loaders.examples.synthetic_subdistricts`), named
"<district>示例街道 N" / "<district> sample subdistrict N", every feature with
``synthetic: true`` and a ``source`` that says how it was made. Imported as a boundary
set, every page and report that shows it says it is synthetic.

Usage::

    python geodata/examples/sample_subdistricts.py OUT.geojson [--system gcj02] [--seed N]
    exchange-atlas boundaries import OUT.geojson --name sample-subdistricts
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run from a checkout

from loaders.examples import synthetic_subdistricts_geojson  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out", type=Path, help="the GeoJSON file to write")
    p.add_argument(
        "--system",
        choices=("wgs84", "gcj02", "bd09"),
        default="wgs84",
        help="coordinates as WGS-84, or as AMap (GCJ-02) / Baidu (BD-09) would publish them",
    )
    p.add_argument("--seed", type=int, default=0, help="the cut's random seed (default 0)")
    args = p.parse_args(argv)
    args.out.write_bytes(synthetic_subdistricts_geojson(args.system, args.seed))
    print(f"wrote {args.out} (synthetic sample subdistricts, {args.system})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
