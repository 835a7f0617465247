"""``exchange-atlas export LAYER --out FILE``: write a layer in WGS-84, format by extension."""

from __future__ import annotations

import argparse
from pathlib import Path

from dashboard.cli.errors import CliError
from dashboard.core.model import ALL_LAYERS
from loaders.workspace import home_option

# Engine and loader modules are imported inside the commands: at module level they add
# 0.23 s (geopandas, shapely, scipy) to every start, --help and run included (0.42 → 0.65 s).


def _run(args: argparse.Namespace) -> int:
    from dashboard.engine.layers import load_layer
    from loaders.writers import UnsupportedFormat, write_layer

    gdf = load_layer(args.layer, home_option(args.home))
    try:
        path = write_layer(gdf, Path(args.out), layer=args.layer)
    except UnsupportedFormat as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:
        raise CliError(f"cannot write {args.out}: {exc.strerror or exc}") from None
    print(f"wrote {len(gdf)} {args.layer} to {path}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export",
        help="write a layer as GeoJSON, CSV, GeoParquet or GeoPackage (by extension), WGS-84",
    )
    p.add_argument("layer", choices=ALL_LAYERS)
    p.add_argument("--out", required=True, help="output file: .geojson .csv .parquet .gpkg")
    p.add_argument("--home", help="workspace directory (overrides EXCHANGE_ATLAS_HOME)")
    p.set_defaults(func=_run)
