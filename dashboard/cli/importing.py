"""``exchange-atlas import``: bring your own data into the workspace.

``import FILE --layer L`` reads any supported file, recognises its columns, converts
its coordinates to WGS-84 (declared or detected system), validates every row and adds
the result to the layer (or replaces it with ``--replace``) as a new workspace
version (``undo`` and ``history``: :mod:`dashboard.cli.history`).
Exit status: 0 when rows were kept (and stored unless ``--dry-run``), 2 with a
one-paragraph message when the file or the workspace cannot be used.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from dashboard.cli.common import cli_actor
from dashboard.cli.errors import CliError
from dashboard.cli.reports import error_texts, give_report, print_summary, write_json
from dashboard.cli.reports import problem_text as problem_text  # re-exported: cli.inspect
from dashboard.core.i18n import LANGS, t
from dashboard.core.messages import localize
from dashboard.core.model import POINT_LAYERS
from loaders.workspace import home_option

CRS_CHOICES = "auto|wgs84|cgcs2000|gcj02|bd09|EPSG:N|FILE.prj"


# Engine and loader modules are imported inside the commands: at module level they add
# 0.23 s (geopandas, shapely, scipy) to every start, --help and run included (0.42 → 0.65 s).


def _pairs(values: list[str] | None, option: str) -> dict[str, str]:

    out: dict[str, str] = {}
    for v in values or []:
        key, sep, val = v.partition("=")
        if not sep or not key.strip():
            raise CliError(f"{option} {v!r}: expected FIELD=VALUE")
        out[key.strip()] = val.strip()
    return out


def _write_json(path: Path, data: dict) -> None:
    """Write JSON atomically, with no final newline (the import's ``--report`` form; also
    :mod:`dashboard.cli.inspect`'s)."""
    write_json(path, data, end="")


def _home(args: argparse.Namespace) -> Path | None:
    return home_option(getattr(args, "home", None))


def _run_import(args: argparse.Namespace) -> int:
    from loaders.importer import STREAM_BYTES
    from loaders.readers import sniff_format

    path = Path(args.file)
    chunk_rows = getattr(args, "chunk_rows", None)
    if chunk_rows is None and path.is_file() and path.stat().st_size > STREAM_BYTES:
        with open(path, "rb") as fh:
            if sniff_format(path, fh.read(4096)) == "csv":
                return _run_streamed(args, None)  # a large text file: streamed by default
    if chunk_rows is not None:
        return _run_streamed(args, chunk_rows)
    return _run_whole(args)


def _options(args: argparse.Namespace):
    from loaders.importer import ImportOptions

    return ImportOptions(
        layer=args.layer,
        crs=args.crs,
        mapping=_pairs(args.map, "--map"),
        fixed=_pairs(args.set, "--set"),
        encoding=args.encoding,
        delimiter=args.delimiter.replace("\\t", "\t") if args.delimiter else None,
        sheet=args.sheet,
        layer_name=args.source_layer,
    )


def _report(args: argparse.Namespace, rep) -> None:
    """Write ``--report``, print the warnings; refuse a file that kept no row."""
    lang = args.lang
    give_report(rep, lang, args.report, end="")
    if rep.rows_kept == 0:
        first = "; ".join(error_texts(rep, lang))[:600]
        raise CliError(
            t(
                "imp_cli_no_rows",
                lang,
                file=args.file,
                read=rep.rows_read,
                first=f" ({first})" if first else "",
            )
        )


def _summary(args: argparse.Namespace, rep) -> None:
    lang = args.lang
    fmt, enc = rep.format, rep.encoding or "-"
    print_summary(rep, lang, t("imp_cli_format", lang, fmt=fmt, encoding=enc, columns=rep.columns))


def _run_streamed(args: argparse.Namespace, chunk_rows: int | None) -> int:
    """A large delimited text file (or ``--chunk-rows N``): read, checked and stored
    chunk by chunk (memory bounded by the chunk, not the file); the rows kept go to a
    temporary file that becomes the new version only when everything succeeded."""
    from dashboard.core.rights import PermissionDenied
    from loaders.errors import LoaderError
    from loaders.importer import import_stream
    from loaders.workspace import WorkspaceError, rows_to_geoparquet
    from loaders.writes import import_layer_file

    lang = args.lang
    with tempfile.TemporaryDirectory(prefix="exchange-atlas-import-") as tmp:
        try:
            result = import_stream(
                Path(args.file), _options(args), Path(tmp) / "rows.parquet", chunk_rows
            )
        except LoaderError as exc:
            raise CliError(str(exc)) from None
        rep = result.report
        _report(args, rep)
        if args.export:
            out = Path(args.export)
            if out.suffix.lower() not in (".parquet", ".geoparquet"):
                raise CliError(
                    f"--export {out.name}: a streamed import exports GeoParquet (.parquet); "
                    "convert it afterwards, or import without --chunk-rows"
                )
            try:
                rows_to_geoparquet(result.path, out, args.layer)
            except OSError as exc:
                raise CliError(f"cannot write {args.export}: {exc.strerror or exc}") from None
        _summary(args, rep)
        if args.dry_run:
            print(t("imp_cli_dry_run", lang))
            return 0
        try:
            version, renamed = import_layer_file(
                cli_actor(),
                args.layer,
                result.path,
                replace=args.replace,
                home=_home(args),
                source=str(Path(args.file).name),
            )
        except PermissionDenied as exc:
            raise CliError(localize(exc.message, lang)) from None
        except WorkspaceError as exc:
            raise CliError(str(exc)) from None
        except OSError as exc:
            raise CliError(f"cannot write the workspace: {exc.strerror or exc}") from None
    if renamed:
        print(t("imp_cli_renamed", lang, n=renamed))
    done = "imp_cli_replaced" if args.replace else "imp_cli_added"
    print(t(done, lang, layer=args.layer, version=version.name, rows=version.rows))
    return 0


def _run_whole(args: argparse.Namespace) -> int:
    from dashboard.core.rights import PermissionDenied
    from loaders.errors import LoaderError
    from loaders.importer import import_file
    from loaders.workspace import WorkspaceError
    from loaders.writers import UnsupportedFormat, write_layer
    from loaders.writes import import_layer

    try:
        result = import_file(Path(args.file), _options(args))
    except LoaderError as exc:
        raise CliError(str(exc)) from None
    rep = result.report
    lang = args.lang
    _report(args, rep)
    if args.export:
        try:
            write_layer(result.frame, Path(args.export), layer=args.layer)
        except UnsupportedFormat as exc:
            raise CliError(str(exc)) from None
        except OSError as exc:
            raise CliError(f"cannot write {args.export}: {exc.strerror or exc}") from None
    _summary(args, rep)
    if args.dry_run:
        print(t("imp_cli_dry_run", lang))
        return 0
    kept = result.preview["row"].to_numpy()[result.preview["kept"].to_numpy(dtype=bool)]
    try:
        version, renamed = import_layer(
            cli_actor(),
            args.layer,
            result.table,  # no geometry objects: the workspace writes the points from lon/lat
            replace=args.replace,
            home=_home(args),
            source=str(Path(args.file).name),
            file=str(Path(args.file).name),
            rows=kept if len(kept) == len(result.table) else None,
        )
    except PermissionDenied as exc:
        raise CliError(localize(exc.message, lang)) from None
    except WorkspaceError as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:
        raise CliError(f"cannot write the workspace: {exc.strerror or exc}") from None
    if renamed:
        print(t("imp_cli_renamed", lang, n=renamed))
    done = "imp_cli_replaced" if args.replace else "imp_cli_added"
    print(t(done, lang, layer=args.layer, version=version.name, rows=version.rows))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``import`` subcommand."""
    p = sub.add_parser(
        "import",
        help="import a CSV/Excel/GeoJSON/Shapefile/GeoPackage/GeoParquet/KML/OSM file",
        description="Import a file into a layer of the workspace, converting coordinates "
        "to WGS-84 and reporting every problem.",
    )
    p.add_argument("file", help="the file to import")
    p.add_argument("--layer", required=True, choices=POINT_LAYERS)
    p.add_argument("--crs", default="auto", help=f"coordinate system: {CRS_CHOICES} (default auto)")
    p.add_argument(
        "--map", action="append", metavar="FIELD=COLUMN", help="use COLUMN for FIELD (repeatable)"
    )
    p.add_argument("--set", action="append", metavar="FIELD=VALUE", help="fill FIELD for every row")
    p.add_argument("--replace", action="store_true", help="replace the layer instead of adding")
    p.add_argument("--dry-run", action="store_true", help="check and report; write nothing")
    p.add_argument("--export", metavar="OUT", help="write the cleaned WGS-84 rows (by extension)")
    p.add_argument("--report", metavar="OUT.json", help="write the validation report as JSON")
    p.add_argument("--encoding", help="text encoding (default: detected)")
    p.add_argument("--delimiter", help="CSV delimiter (default: detected; \\t for tab)")
    p.add_argument("--sheet", help="Excel sheet (default: the first with data)")
    p.add_argument("--source-layer", help="GeoPackage/zip/KML layer to read")
    p.add_argument("--home", help="workspace directory (overrides EXCHANGE_ATLAS_HOME)")
    p.add_argument(
        "--chunk-rows",
        type=int,
        metavar="N",
        help="read, check and store the file N rows at a time (memory bounded whatever its "
        "size; a delimited text file over 128 MiB is streamed in chunks of 131,072 anyway)",
    )
    p.add_argument(
        "--lang",
        choices=LANGS,
        default="en",
        help="language of the report's messages, printed and in --report (default en)",
    )
    p.set_defaults(func=_run_import)
