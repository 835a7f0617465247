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
    if args.partitioned:
        return _partitioned(args, gdf)
    try:
        path = write_layer(gdf, Path(args.out), layer=args.layer)
    except UnsupportedFormat as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:
        raise CliError(f"cannot write {args.out}: {exc.strerror or exc}") from None
    print(f"wrote {len(gdf)} {args.layer} to {path}")
    return 0


def _partitioned(args: argparse.Namespace, gdf) -> int:
    """``--partitioned DIR``: the layer as a spatially sorted partitioned GeoParquet
    dataset with each partition's bounds (the input of ``coverage --demand/--supply``)."""
    from dashboard.core.messages import Msg
    from dashboard.engine.partitioned import DatasetError, write_partitioned

    try:
        if "lon" not in gdf.columns or (gdf.geom_type != "Point").any():
            raise DatasetError(Msg("part_not_points", layer=args.layer))
        ds = write_partitioned(
            gdf, args.partitioned, rows_per_partition=args.partition_rows, layer=args.layer
        )
    except DatasetError as exc:
        raise CliError(str(exc.args[0])) from None
    print(f"wrote {ds.rows} {args.layer} to {args.partitioned} ({len(ds.partitions)} partitions)")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export",
        help="write a layer as GeoJSON, CSV, GeoParquet or GeoPackage (by extension), WGS-84",
    )
    p.add_argument("layer", choices=ALL_LAYERS)
    dest = p.add_mutually_exclusive_group(required=True)
    dest.add_argument("--out", help="output file: .geojson .csv .parquet .gpkg")
    dest.add_argument(
        "--partitioned",
        metavar="DIR",
        help="a point layer as a partitioned GeoParquet dataset (Hilbert-sorted, bounds in "
        "DIR/_bounds.json), for coverage --backend dask --demand/--supply",
    )
    p.add_argument(
        "--partition-rows",
        type=int,
        default=250_000,
        metavar="N",
        help="rows per partition with --partitioned (default 250000)",
    )
    p.add_argument("--home", help="workspace directory (overrides EXCHANGE_ATLAS_HOME)")
    p.set_defaults(func=_run)
