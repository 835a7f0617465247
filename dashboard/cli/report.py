"""``exchange-atlas report``: the leading group's progress report as PDF, HTML or XLSX.

Contents: a cover (date, scope, data sources, synthetic layers named), the city against
its target and the previous period, the ranking, the trend, the target statuses, a city
gap map, one page per district (KPIs, trend against target, gap map, worst gaps by
sector, recommended sites), readiness around upcoming events (the four major ones
first) and method notes. Every figure is the engine's
(:func:`dashboard.engine.briefing.build_briefing`); the file is written whole or not at
all (a temporary file renamed into place).
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from pathlib import Path

from dashboard.cli.common import parse_date, workspace_home
from dashboard.cli.coverage import add_verified_option, field_supply
from dashboard.cli.errors import CliError
from dashboard.core.state import DEFAULT_LANG, LANGS

FORMATS = ("pdf", "html", "xlsx")

# Engine, views and loader modules are imported inside the command: at module level they
# add 0.23 s (geopandas, shapely, scipy) to every start of every subcommand.


def _format(args: argparse.Namespace, out: Path) -> str:
    if args.format:
        return args.format
    suffix = out.suffix.lower().lstrip(".")
    if suffix == "htm":
        return "html"
    return suffix if suffix in FORMATS else "pdf"


def _check_out(out: Path) -> None:
    """Refuse an output path that cannot be written before any work is done."""
    parent = out.parent if str(out.parent) else Path(".")
    if out.is_dir():
        raise CliError(f"--out {out}: is a directory; name a file")
    if not parent.is_dir():
        raise CliError(f"--out {out}: the folder {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise CliError(f"--out {out}: the folder {parent} is not writable")
    if out.exists() and not os.access(out, os.W_OK):
        raise CliError(f"--out {out}: the file exists and is not writable")


def _day(value: str | None, option: str) -> date | None:
    ts = parse_date(value, option)
    return None if ts is None else ts.date()


def build(args: argparse.Namespace):
    """The :class:`~dashboard.engine.briefing.Briefing` the command reports on, and the
    layers it was made from."""
    from dashboard.core.standards import uniform_standards
    from dashboard.engine.briefing import build_briefing, resolve_districts
    from dashboard.engine.layers import load_all
    from loaders.standards_store import load_standards
    from loaders.targets_store import load_targets

    home = workspace_home(args)
    try:
        standards = uniform_standards(
            load_standards(home),
            radius_m=args.radius,
            require=[] if args.std == "any" else None,
        )
        targets = load_targets(home)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    layers = load_all(home)
    from loaders.inspections_store import load_inspections

    pay = layers["payments"]
    evidence = args.verified or not load_inspections(home).empty
    supply_at = (lambda when: field_supply(args, pay, when)) if evidence else None
    try:
        chosen = resolve_districts(args.district or [], layers["districts"])
        briefing = build_briefing(
            layers,
            standards,
            targets,
            as_of=_day(args.as_of, "--as-of"),
            since=_day(args.since, "--since"),
            districts=chosen,
            sites_per_district=args.sites,
            top_uncovered=args.top,
            supply_at=supply_at,
            basis="verified" if args.verified else "claimed",
        )
    except ValueError as exc:
        raise CliError(str(exc)) from None
    return briefing, layers


def _run_report(args: argparse.Namespace) -> int:
    from dashboard.views.report_formats import make_report
    from loaders.workspace import atomic_write_bytes

    out = Path(args.out)
    _check_out(out)
    fmt = _format(args, out)
    if args.sites < 0 or args.top < 1:
        raise CliError("--sites must be 0 or more and --top 1 or more")
    briefing, layers = build(args)
    data = make_report(
        briefing, args.lang, fmt, districts=layers["districts"], payments=layers["payments"]
    )
    try:
        atomic_write_bytes(out, data)
    except OSError as exc:
        raise CliError(f"cannot write {out}: {exc.strerror or exc}") from None
    print(f"wrote {out} ({fmt}, {len(data):,} bytes)", file=sys.stderr)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report",
        help="the progress report (PDF, HTML or XLSX) for the leading group's meeting",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
    )
    p.add_argument("--as-of", metavar="DATE", help="the report's date (default: the latest data)")
    p.add_argument(
        "--since",
        metavar="DATE",
        help="the previous period's date (default: one year before --as-of)",
    )
    p.add_argument(
        "--district",
        nargs="+",
        action="extend",
        metavar="ADCODE|NAME",
        help="only these districts' pages, in this order (adcode, Chinese or English name)",
    )
    p.add_argument("--lang", choices=LANGS, default=DEFAULT_LANG)
    p.add_argument(
        "--format",
        choices=FORMATS,
        help="default: from the --out file's suffix, else pdf",
    )
    p.add_argument("--out", metavar="FILE", required=True, help="the file to write")
    p.add_argument(
        "--std",
        choices=("standards", "any"),
        default="standards",
        help="'standards': each category's radius and capabilities in force (default); "
        "'any': any payment point counts",
    )
    p.add_argument(
        "--radius", type=float, metavar="M", help="one radius (metres) for every category"
    )
    add_verified_option(p)
    p.add_argument(
        "--sites", type=int, default=5, metavar="K", help="recommended sites per district"
    )
    p.add_argument(
        "--top", type=int, default=5, metavar="N", help="uncovered places listed per sector"
    )
    p.add_argument("--home", help="workspace directory (overrides EXCHANGE_ATLAS_HOME)")
    p.set_defaults(func=_run_report)
