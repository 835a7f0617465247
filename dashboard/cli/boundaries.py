"""``exchange-atlas boundaries import|list|show|history|undo|remove``: named boundary sets.

``import FILE --name NAME`` reads a polygon file (subdistricts, planning zones), detects
or takes (``--crs``) its coordinate system, rectifies it to WGS-84, checks every zone and
stores the set as a new version, all or nothing (any error: every problem by file, row
and column on stderr and in ``--report``, exit 2, nothing written). ``coverage --by NAME``
then works by the set. Writes go through the gateway (:mod:`loaders.writes`) as
``cli:<login>`` and are audit-logged.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from dashboard.cli.common import cli_actor, workspace_home
from dashboard.cli.errors import CliError
from dashboard.cli.reports import error_texts, give_report, print_summary
from dashboard.core.i18n import LANGS, t
from dashboard.core.messages import localize

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from dashboard.engine.coverage import CoverageResult

CRS_CHOICES = "auto|wgs84|cgcs2000|gcj02|bd09|EPSG:N"
#: Keys of each zone in ``show --json``.
ZONE_KEYS = ("zone_id", "name_zh", "name_en", "adcode", "district_share", "area_km2", "source")

# Engine and loader modules are imported inside the commands: at module level they add
# 0.23 s (geopandas, shapely, scipy) to every start, --help and run included (0.42 → 0.65 s).


def _name(value: str) -> str:
    from loaders.boundaries import valid_name

    try:
        return valid_name(value)
    except ValueError as exc:
        raise CliError(str(exc)) from None


def _print_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def _run_import(args: argparse.Namespace) -> int:
    from dashboard.core.rights import PermissionDenied
    from loaders.boundaries import read_boundaries
    from loaders.errors import LoaderError
    from loaders.workspace import WorkspaceError
    from loaders.writes import import_boundaries

    name, lang = _name(args.name), args.lang
    try:
        result = read_boundaries(Path(args.file), name, crs=args.crs, layer_name=args.source_layer)
    except LoaderError as exc:
        raise CliError(str(exc)) from None
    rep = result.report
    give_report(rep, lang, args.report)
    if not rep.ok:
        errors = error_texts(rep, lang)
        for text in errors:
            print(text, file=sys.stderr)
        first = "; ".join(errors[:3])[:600]
        raise CliError(t("bnd_cli_errors", lang, file=args.file, n=rep.errors, first=first))
    stored = None
    if not args.dry_run:
        try:
            stored = import_boundaries(
                cli_actor(), name, result, workspace_home(args), source=Path(args.file).name
            )
        except PermissionDenied as exc:
            raise CliError(localize(exc.message, lang)) from None
        except (WorkspaceError, ValueError) as exc:
            raise CliError(str(exc)) from None
        except OSError as exc:
            raise CliError(f"cannot write the workspace: {exc.strerror or exc}") from None
    if args.json:
        _print_json(
            {
                "name": name,
                "stored": stored is not None,
                "version": stored.version if stored else None,
                "zone_count": rep.rows_kept,
                "synthetic": rep.synthetic,
                "report": rep.to_dict(lang),
            }
        )
        return 0
    print_summary(rep, lang)
    if rep.synthetic:
        print(t("bnd_cli_synthetic", lang, name=name))
    if stored is None:
        print(t("bnd_cli_checked", lang))
    else:
        print(t("bnd_cli_stored", lang, name=name, version=stored.version, zones=stored.zone_count))
    return 0


def _run_list(args: argparse.Namespace) -> int:
    from loaders.boundaries import list_boundaries

    sets = list_boundaries(workspace_home(args))
    if args.json:
        _print_json([s.to_dict() for s in sets])
        return 0
    if not sets:
        print(
            "no boundary sets (import one with 'exchange-atlas boundaries import FILE --name NAME')"
        )
        return 0
    for s in sets:
        flag = "  SYNTHETIC" if s.synthetic else ""
        print(
            f"{s.name:<24} {s.zone_count:>6} zones in {len(s.districts):>2} districts  "
            f"{s.version}  {s.created}  from {s.source} ({s.crs}){flag}"
        )
    return 0


def _run_show(args: argparse.Namespace) -> int:
    from dashboard.cli.common import records, table_text
    from loaders.boundaries import boundary_info, load_boundaries
    from loaders.workspace import WorkspaceError

    name, home = _name(args.name), workspace_home(args)
    try:
        zones = load_boundaries(name, home)
    except WorkspaceError as exc:
        raise CliError(str(exc)) from None
    info = boundary_info(name, home)
    assert info is not None  # the zones were just loaded
    table = zones[list(ZONE_KEYS)]
    if args.json:
        _print_json({**info.to_dict(), "zones": records(table)})
        return 0
    if info.synthetic:
        print(t("bnd_cli_synthetic", "en", name=name))
    print(f"{name}: {info.zone_count} zones, {info.version} ({info.created}), from {info.source}")
    sys.stdout.write(table_text(table.drop(columns="source")))
    return 0


def _run_history(args: argparse.Namespace) -> int:
    from loaders.boundaries import boundary_history

    versions = boundary_history(_name(args.name), workspace_home(args))
    if args.json:
        _print_json([v.to_dict() for v in versions])
        return 0
    if not versions:
        print(f"{args.name}: never imported")
    for v in versions:
        mark = "*" if v.current else " "
        action = {"save": "import", "reset": "remove"}.get(v.action, v.action)
        print(f"{mark} {v.name}  {v.created}  {action:<7}  {v.source}")
    return 0


def _run_undo(args: argparse.Namespace) -> int:
    from dashboard.core.rights import PermissionDenied
    from loaders.workspace import WorkspaceError
    from loaders.writes import undo_boundaries

    name = _name(args.name)
    try:
        back = undo_boundaries(cli_actor(), name, workspace_home(args))
    except (WorkspaceError, PermissionDenied) as exc:
        raise CliError(str(exc)) from None
    print(f"{name}: {back} in effect" if back else f"{name}: undone, the set is not in effect")
    return 0


def _run_remove(args: argparse.Namespace) -> int:
    from dashboard.core.rights import PermissionDenied
    from loaders.workspace import WorkspaceError
    from loaders.writes import remove_boundaries

    name = _name(args.name)
    try:
        version = remove_boundaries(cli_actor(), name, workspace_home(args))
    except (WorkspaceError, PermissionDenied) as exc:
        raise CliError(str(exc)) from None
    print(f"{name}: removed ({version}; 'exchange-atlas boundaries undo {name}' restores it)")
    return 0


def _home_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--home", help="workspace directory (overrides EXCHANGE_ATLAS_HOME)")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``boundaries`` subcommand and its actions."""
    b = sub.add_parser(
        "boundaries",
        help="your own boundary sets (subdistricts, planning zones): import, list, undo",
        description="Named boundary sets: polygons that coverage, the comparison and the "
        "district profile can work by ('coverage --by NAME').",
    )
    acts = b.add_subparsers(dest="action", metavar="ACTION")
    acts.required = True

    i = acts.add_parser("import", help="import a polygon file as a boundary set")
    i.add_argument("file", help="GeoJSON, GeoPackage, zipped Shapefile, GeoParquet, KML …")
    i.add_argument("--name", required=True, help="the set's name (lower-case, digits, - and _)")
    i.add_argument("--crs", default="auto", help=f"coordinate system: {CRS_CHOICES} (default auto)")
    i.add_argument("--report", metavar="PATH", help="write the validation report as JSON")
    i.add_argument("--json", action="store_true", help="print the outcome and report as JSON")
    i.add_argument("--dry-run", action="store_true", help="check and report; write nothing")
    i.add_argument("--source-layer", help="GeoPackage/zip/KML layer to read")
    i.add_argument(
        "--lang", choices=LANGS, default="en", help="language of the messages (default en)"
    )
    _home_option(i)
    i.set_defaults(func=_run_import)

    ls = acts.add_parser("list", help="the boundary sets in effect")
    ls.add_argument("--json", action="store_true", help="print JSON")
    _home_option(ls)
    ls.set_defaults(func=_run_list)

    for action, helptext, func in (
        ("show", "a set's record and its zones", _run_show),
        ("history", "a set's versions", _run_history),
        ("undo", "put a set's previous version back (an import or a removal undone)", _run_undo),
        ("remove", "take a set out of effect (undoable)", _run_remove),
    ):
        p = acts.add_parser(action, help=helptext)
        p.add_argument("name", help="the set's name")
        if action in ("show", "history"):
            p.add_argument("--json", action="store_true", help="print JSON")
        _home_option(p)
        p.set_defaults(func=func)


def table_by_set(
    args: argparse.Namespace, end: CoverageResult, start: CoverageResult | None, table: pd.DataFrame
) -> pd.DataFrame:
    """``coverage --by NAME``: the coverage table by zone of set NAME
    (:func:`dashboard.engine.zones.coverage_by`: the per-district columns with ``zone_id``
    first, the ``outside`` row and the city total last), with the ``--since`` columns when
    ``start`` (the answer at the ``--since`` date) is given, and ``synthetic`` (whether the
    set is generated). ``--by districts`` is the per-district ``table`` itself."""
    from dashboard.engine.zones import assign_zones, coverage_by

    zones, synthetic = zones_for(args)
    if zones is None:
        return table
    ids = assign_zones(end.places, zones)
    table = coverage_by(end, zones, zone_of=ids)
    if start is not None:
        before = coverage_by(start, zones, zone_of=ids)
        newly = start.places["covered"].to_numpy(dtype=bool) < end.places["covered"].to_numpy(
            dtype=bool
        )
        gained = coverage_by(end.places.assign(covered=newly), zones, zone_of=ids)
        table = table.assign(
            covered_since=before["covered"].to_numpy(),
            coverage_since=before["coverage"].to_numpy(),
            newly_covered=gained["covered"].to_numpy(),
            change=table["coverage"].to_numpy() - before["coverage"].to_numpy(),
        )
    return table.assign(synthetic=synthetic)


def zones_for(args: argparse.Namespace) -> tuple[gpd.GeoDataFrame | None, bool]:
    """``--by NAME``'s zones and whether the set is synthetic (said on standard error);
    (None, False) for ``--by districts`` (the per-district table itself).

    Raises
    ------
    CliError
        When no such set is in effect.
    """
    from loaders.boundaries import RESERVED, boundary_info, load_boundaries
    from loaders.workspace import WorkspaceError

    if args.by in RESERVED:
        return None, False
    name, home = _name(args.by), workspace_home(args)
    try:
        zones = load_boundaries(name, home)
    except WorkspaceError as exc:
        raise CliError(f"--by {name}: {exc}") from None
    info = boundary_info(name, home)
    synthetic = bool(info is not None and info.synthetic)
    if synthetic:
        print(t("bnd_cli_synthetic", "en", name=name), file=sys.stderr)
    return zones, synthetic
