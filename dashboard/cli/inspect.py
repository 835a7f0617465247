"""``exchange-atlas inspect add | import | list | undo | history | settings``: field
inspections (what an inspector found when trying to pay at a place).

``add`` records one visit (a payment point, a key location, or a point found in the
field with ``--kind new --lon --lat``; ``--photo`` is stored without its metadata and,
for a new point without a position, places it by its GPS). ``import FILE`` reads a
sheet with Chinese or English headers and is all-or-nothing: any row with an error
stores nothing, prints every problem by file, row and column and exits 2. Writes go
through :mod:`loaders.writes` as ``cli:<login>`` (an admin) and are in the audit log.
Exit status: 0 done, 2 with a one-paragraph message for anything the user can fix.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from dashboard.cli.common import cli_actor, emit, records, workspace_home
from dashboard.cli.errors import CliError
from dashboard.core.i18n import LANGS, t
from dashboard.core.inspections import CHECKS, PLACE_KINDS, result_column
from dashboard.core.messages import localize

if TYPE_CHECKING:
    import pandas as pd

# Engine and loader modules are imported inside the commands: at module level they add
# 0.23 s (geopandas, shapely, scipy) to every start, --help and run included (0.42 → 0.65 s).

RESULT_HELP = "accepted|refused|out_of_order (or 通过/拒绝/故障, yes/no/broken)"
CRS_CHOICES = "auto|wgs84|cgcs2000|gcj02|bd09|EPSG:N|FILE.prj"
SOURCE = "exchange-atlas inspect"
#: Columns ``inspect list`` prints (the JSON has every column).
LIST_COLUMNS = ("id", "inspected_at", "place_kind", "place_id", "name", "adcode", "inspector")


def _now():
    """Now in Beijing, naive (the inspections' clock)."""
    import pandas as pd

    return pd.Timestamp.now(tz="Asia/Shanghai").tz_localize(None).to_pydatetime()


def _inputs(args: argparse.Namespace):
    """The payments, key locations, districts and inspections in effect."""
    from dashboard.engine.layers import load_layer
    from loaders.inspections_store import load_inspections
    from loaders.workspace import WorkspaceError

    home = workspace_home(args)
    try:
        return (
            load_layer("payments", home),
            load_layer("key-locations", home),
            load_layer("districts", home),
            load_inspections(home),
        )
    except (WorkspaceError, ValueError) as exc:
        raise CliError(str(exc)) from None


def _problem_lines(problems, lang: str) -> list[str]:
    from dashboard.cli.importing import problem_text

    return [problem_text(p, lang) for p in problems]


def _store(args: argparse.Namespace, frame: pd.DataFrame, source: str, lang: str):
    """Add ``frame`` through the write gateway; the store's and the rights' refusals as
    CliError."""
    from dashboard.core.rights import PermissionDenied
    from loaders.workspace import WorkspaceError
    from loaders.writes import add_inspections

    try:
        return add_inspections(cli_actor(), frame, workspace_home(args), source=source)
    except PermissionDenied as exc:
        raise CliError(localize(exc.message, lang)) from None
    except WorkspaceError as exc:
        raise CliError(localize(exc.args[0], lang) if exc.args else str(exc)) from None
    except OSError as exc:
        raise CliError(f"cannot write the workspace: {exc.strerror or exc}") from None


def _json_rows(frame: pd.DataFrame) -> list[dict]:
    """Inspection rows as JSON objects (the time with its hour and minute)."""
    out = frame.copy()
    out["inspected_at"] = out["inspected_at"].dt.strftime("%Y-%m-%dT%H:%M:%S")
    return records(out)


# --------------------------------------------------------------------------- add


def _photo(args: argparse.Namespace, lang: str) -> tuple[bytes, tuple[float, float] | None]:
    """The cleaned photo of ``--photo`` (not yet stored) and its GPS position."""
    from loaders.photos import PhotoError, check_size, clean_photo

    path = Path(args.photo)
    try:
        check_size(path.stat().st_size, path.name)  # before reading a byte
        jpeg, _size, gps = clean_photo(path.read_bytes(), path.name)
    except PhotoError as exc:
        raise CliError(localize(exc.args[0], lang)) from None
    except OSError as exc:
        raise CliError(f"--photo {args.photo}: {exc.strerror or exc}") from None
    return jpeg, gps


def _position(args: argparse.Namespace, gps: tuple[float, float] | None, lang: str):
    """The new point's WGS-84 position: ``--lon/--lat`` in ``--crs``, else the photo's GPS."""
    from loaders.chinacrs import to_wgs84

    if args.lon is None and args.lat is None:
        if gps is not None and args.kind == "new" and not args.place:
            print(t("insp_cli_photo_gps", lang, lon=gps[0], lat=gps[1]), file=sys.stderr)
            return gps
        return None
    if args.lon is None or args.lat is None:
        raise CliError(t("insp_cli_lon_lat", lang))
    system = args.crs.lower().replace("-", "")
    if system not in ("wgs84", "cgcs2000", "gcj02", "bd09"):
        raise CliError(t("insp_cli_add_crs", lang, crs=args.crs))
    if system in ("gcj02", "bd09"):
        lon, lat = to_wgs84(args.lon, args.lat, system)
        return float(lon), float(lat)
    return args.lon, args.lat


def _add(args: argparse.Namespace) -> int:
    import pandas as pd

    from loaders.inspections_store import prepare_inspections
    from loaders.photos import save_photo

    lang = args.lang
    jpeg, gps = _photo(args, lang) if args.photo else (None, None)
    kind = args.kind or ("new" if not args.place else "")
    args.kind = kind
    pos = _position(args, gps, lang)
    row: dict[str, object] = {
        "place_kind": kind,
        "place_id": args.place or "",
        "inspected_at": args.at or _now().strftime("%Y-%m-%d %H:%M:%S"),
        "inspector": args.inspector,
        "name": args.name or "",
        "notes": args.notes or "",
        "lon": pos[0] if pos else None,
        "lat": pos[1] if pos else None,
        "source": SOURCE,
    }
    for c in CHECKS:
        row[result_column(c)] = getattr(args, c) or ""
    option = {"place_id": "--place", "place_kind": "--kind", "inspected_at": "--at"}
    option.update({"inspector": "--inspector", "lon": "--lon", "lat": "--lat"})
    option.update({result_column(c): "--" + c.replace("_", "-") for c in CHECKS})
    payments, key_locations, districts, known = _inputs(args)
    frame, problems = prepare_inspections(
        pd.DataFrame([row]),
        payments=payments,
        key_locations=key_locations,
        now=_now(),
        file="inspect add",
        districts=districts,
        known=known,
        columns=option,
    )
    for p in problems:
        if p.severity != "error":
            print(t("imp_cli_warning", lang, text=localize(p.message, lang)), file=sys.stderr)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise CliError("; ".join(_option_text(p, lang) for p in errors))
    if jpeg is not None:
        try:
            frame["photo"] = save_photo(jpeg, workspace_home(args))
        except OSError as exc:
            raise CliError(f"cannot store the photo: {exc.strerror or exc}") from None
    batch = _store(args, frame, SOURCE + " add", lang)
    frame["id"] = list(batch.ids)
    if args.json:
        out = {"batch": batch.to_dict(), "inspections": _json_rows(frame)}
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    r = frame.iloc[0]
    print(t("insp_stored", lang, number=batch.number, rows=batch.rows))
    print(
        t(
            "insp_cli_added",
            lang,
            id=r["id"],
            kind=r["place_kind"],
            place=r["place_id"],
            adcode=r["adcode"],
            when=r["inspected_at"].strftime("%Y-%m-%d %H:%M"),
        )
    )
    return 0


def _option_text(p, lang: str) -> str:
    """A problem of ``inspect add``: the option (its column) and the message."""
    where = f"{p.column}: " if p.column else ""
    return where + localize(p.message, lang)


# --------------------------------------------------------------------------- import


def _pairs(values: list[str] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for v in values or []:
        key, sep, val = v.partition("=")
        if not sep or not key.strip():
            raise CliError(f"--map {v!r}: expected FIELD=COLUMN")
        out[key.strip()] = val.strip()
    return out


def _import(args: argparse.Namespace) -> int:
    from loaders.errors import LoaderError
    from loaders.inspection_import import import_inspections

    lang = args.lang
    payments, key_locations, districts, known = _inputs(args)
    try:
        result = import_inspections(
            Path(args.file),
            payments=payments,
            key_locations=key_locations,
            districts=districts,
            now=_now(),
            crs=args.crs,
            mapping=_pairs(args.map),
            lang=lang,
            known=known,
        )
    except LoaderError as exc:
        raise CliError(localize(exc.args[0], lang) if exc.args else str(exc)) from None
    rep = result.report
    data = result.to_dict()
    for w in rep.warnings:
        print(t("imp_cli_warning", lang, text=localize(w, lang)), file=sys.stderr)
    errors = [p for p in rep.problems if p.severity == "error"]
    name = Path(args.file).name
    if errors or rep.rows_kept == 0:
        if args.report:
            _report(args.report, data)
        for line in _problem_lines(rep.problems, lang):
            print(line, file=sys.stderr)
        raise CliError(t("insp_all_or_nothing", lang, file=name, errors=result.errors or 1))
    for line in _problem_lines(rep.problems, lang):  # warnings only
        print(line, file=sys.stderr)
    batch = None
    if not args.dry_run:
        batch = _store(args, result.frame, name, lang)
        data["batch"] = batch.to_dict()
    if args.report:
        _report(args.report, data)
    if args.json:
        data.setdefault("batch", None)
        print(json.dumps(data, ensure_ascii=False, indent=2, default=str))
        return 0
    summary = t("insp_summary", lang, read=rep.rows_read, kept=rep.rows_kept, errors=0)
    print(summary)
    print(
        t("imp_cli_format", lang, fmt=rep.format, encoding=rep.encoding or "-", columns=rep.columns)
    )
    if batch is None:
        print(t("imp_cli_dry_run", lang))
    else:
        print(t("insp_stored", lang, number=batch.number, rows=batch.rows))
    return 0


def _report(path: str, data: dict) -> None:
    from dashboard.cli.importing import _write_json

    try:
        _write_json(Path(path), data)
    except OSError as exc:
        raise CliError(f"cannot write the report {path}: {exc.strerror or exc}") from None


# --------------------------------------------------------------------------- list, undo, history


def _list(args: argparse.Namespace) -> int:
    import pandas as pd

    from dashboard.cli.common import parse_date
    from loaders.inspections_store import load_inspections
    from loaders.workspace import WorkspaceError

    home = workspace_home(args)
    try:
        df = load_inspections(home)
    except WorkspaceError as exc:
        raise CliError(str(exc)) from None
    if args.district:
        from dashboard.cli.recommend import resolve_district
        from dashboard.engine.layers import read_districts

        d = read_districts()
        codes = {resolve_district(v, d) for v in args.district}
        df = df[df["adcode"].isin(codes)]
    since = parse_date(args.since, "--since")
    if since is not None:
        df = df[df["inspected_at"] >= since]
    df = df.sort_values("inspected_at", kind="stable").reset_index(drop=True)
    if args.json:
        print(json.dumps(_json_rows(df), ensure_ascii=False, indent=2))
        return 0
    if df.empty:
        print("no inspections")
        return 0
    show = df[list(LIST_COLUMNS)].copy()
    show["inspected_at"] = df["inspected_at"].dt.strftime("%Y-%m-%d %H:%M")
    short = {"accepted": "✓", "refused": "✗", "out_of_order": "!", "": "·"}
    show["checks"] = pd.Series("", index=df.index)
    for c in CHECKS:
        show["checks"] = show["checks"] + df[result_column(c)].map(short).fillna("?")
    emit(show.to_string(index=False) + "\n", args.out)
    print("checks: " + " ".join(CHECKS) + " (✓ accepted, ✗ refused, ! out of order, · not tried)")
    return 0


def _undo(args: argparse.Namespace) -> int:
    from dashboard.core.rights import PermissionDenied
    from loaders.workspace import WorkspaceError
    from loaders.writes import undo_inspections

    try:
        back = undo_inspections(cli_actor(), workspace_home(args))
    except PermissionDenied as exc:
        raise CliError(localize(exc.message, "en")) from None
    except WorkspaceError as exc:
        raise CliError(str(exc)) from None
    if args.json:
        print(json.dumps({"current": back}))
    elif back is None:
        print(t("insp_undone_all", "en"))
    else:
        print(t("insp_undone", "en", number=back))
    return 0


def _history(args: argparse.Namespace) -> int:
    from loaders.inspections_store import inspections_history

    batches = inspections_history(workspace_home(args))
    if args.json:
        print(json.dumps([b.to_dict() for b in batches], ensure_ascii=False, indent=2))
        return 0
    if not batches:
        print("no inspection batches stored")
    for b in batches:
        mark = "*" if b.current else " "
        print(f"{mark} {b.number:>6}  {b.created}  {b.rows:>6} rows  {b.actor}  {b.source}")
    return 0


def _settings(args: argparse.Namespace) -> int:
    from dashboard.core.rights import PermissionDenied
    from loaders.inspections_store import InspectionSettings, load_settings
    from loaders.workspace import WorkspaceError
    from loaders.writes import save_inspection_settings

    home = workspace_home(args)
    version = None
    if args.validity_days is not None:
        try:
            version = save_inspection_settings(
                cli_actor(),
                InspectionSettings(validity_days=args.validity_days),
                home,
                source=SOURCE + " settings",
            )
        except (ValueError, WorkspaceError) as exc:
            raise CliError(localize(exc.args[0], "en") if exc.args else str(exc)) from None
        except PermissionDenied as exc:
            raise CliError(localize(exc.message, "en")) from None
    try:
        settings = load_settings(home)
    except ValueError as exc:
        raise CliError(f"{exc} (run 'exchange-atlas inspect settings --validity-days N')") from None
    if args.json:
        print(json.dumps({"validity_days": settings.validity_days, "version": version}))
    else:
        print(t("insp_cli_settings", "en", days=settings.validity_days))
        if version:
            print(t("insp_cli_saved", "en", version=version))
    return 0


# --------------------------------------------------------------------------- parser


def _home(p: argparse.ArgumentParser) -> None:
    p.add_argument("--home", help="workspace directory (overrides EXCHANGE_ATLAS_HOME)")


def _lang(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--lang", choices=LANGS, default="en", help="language of the messages (default en)"
    )


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``inspect`` subcommand and its actions."""
    p = sub.add_parser(
        "inspect",
        help="record, import, list or undo field inspections",
        description="Field inspections: what an inspector found when trying to pay.",
    )
    ss = p.add_subparsers(dest="action", metavar="ACTION")
    ss.required = True

    a = ss.add_parser("add", help="record one inspection of a place")
    a.add_argument(
        "--place", metavar="ID", help="payment id, key-location id, or a new point's F id"
    )
    a.add_argument("--kind", choices=tuple(PLACE_KINDS), help="default: from the id")
    a.add_argument("--at", metavar="ISO", help="when (YYYY-MM-DD HH:MM, Beijing time; default now)")
    a.add_argument("--inspector", required=True, metavar="NAME")
    for c in CHECKS:
        a.add_argument(f"--{c.replace('_', '-')}", dest=c, metavar="RESULT", help=RESULT_HELP)
    a.add_argument("--lon", type=float, help="longitude of a new point")
    a.add_argument("--lat", type=float, help="latitude of a new point")
    a.add_argument("--crs", default="wgs84", help="system of --lon/--lat: wgs84|gcj02|bd09")
    a.add_argument("--name", help="name of a new point")
    a.add_argument("--notes")
    a.add_argument("--photo", metavar="FILE", help="a photo (JPEG/PNG/WebP), stored without EXIF")
    a.add_argument("--json", action="store_true", help="print JSON")
    _lang(a)
    _home(a)
    a.set_defaults(func=_add)

    i = ss.add_parser("import", help="import a sheet of inspections (all or nothing)")
    i.add_argument("file", help="CSV or Excel file")
    i.add_argument("--crs", default="auto", help=f"system of new points: {CRS_CHOICES}")
    i.add_argument(
        "--map", action="append", metavar="FIELD=COLUMN", help="use COLUMN for FIELD (repeatable)"
    )
    i.add_argument("--report", metavar="OUT.json", help="write the validation report as JSON")
    i.add_argument("--dry-run", action="store_true", help="check and report; write nothing")
    i.add_argument("--json", action="store_true", help="print the report (and batch) as JSON")
    _lang(i)
    _home(i)
    i.set_defaults(func=_import)

    ls = ss.add_parser("list", help="list the inspections in effect")
    ls.add_argument("--district", nargs="+", action="extend", metavar="ADCODE", help="only these")
    ls.add_argument("--since", metavar="DATE", help="only inspections on or after DATE")
    ls.add_argument("--json", action="store_true", help="print JSON (every column)")
    ls.add_argument("--out", metavar="FILE", help="write the table to FILE")
    _home(ls)
    ls.set_defaults(func=_list)

    u = ss.add_parser("undo", help="take the latest inspection batch out of effect")
    u.add_argument("--json", action="store_true", help="print JSON")
    _home(u)
    u.set_defaults(func=_undo)

    h = ss.add_parser("history", help="list the stored inspection batches")
    h.add_argument("--json", action="store_true", help="print JSON")
    _home(h)
    h.set_defaults(func=_history)

    s = ss.add_parser("settings", help="show or set how long an accepted check stays valid")
    s.add_argument("--validity-days", type=int, metavar="N", help="days (1..3650)")
    s.add_argument("--json", action="store_true", help="print JSON")
    _home(s)
    s.set_defaults(func=_settings)
