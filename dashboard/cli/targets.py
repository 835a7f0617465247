"""``exchange-atlas targets show | set | remove | reset | undo | history``: the coverage
targets, kept in the workspace as versioned documents (the shipped examples apply until
the first change).

``set DISTRICT --milestone DATE=PERCENT …`` sets (or replaces) the target of a district
(adcode, English or Chinese name, or ``city``) for ``--metric`` and ``--sector``;
``show --status`` adds each target's status at ``--as-of`` (achieved / on track / at
risk / off track: the recent monthly trend projected to the milestone's date, see
:mod:`dashboard.engine.progress`).
"""

from __future__ import annotations

import argparse
import json

import pandas as pd

from dashboard.cli.common import (
    FORMATS,
    as_of_date,
    cli_actor,
    effective_standards,
    emit,
    load_inputs,
    records,
    workspace_home,
)
from dashboard.cli.errors import CliError
from dashboard.core.messages import Msg
from dashboard.core.model import SECTORS
from dashboard.core.safetext import csv_text
from dashboard.core.targets import (
    CITY,
    METRICS,
    Target,
    Targets,
    check_after_data,
    milestones_from_text,
)

# Engine and loader modules are imported inside the commands: at module level they add
# 0.23 s (geopandas, shapely, scipy) to every start, --help and run included (0.42 → 0.65 s).


def _load(args: argparse.Namespace) -> Targets:
    from loaders.targets_store import load_targets

    try:
        return load_targets(workspace_home(args))
    except ValueError as exc:
        raise CliError(f"{exc} (run 'exchange-atlas targets undo' or 'reset')") from None


def targets_frame(targets: Targets) -> pd.DataFrame:
    """One row per target: district, metric, sector, milestones as text, example, note."""
    return pd.DataFrame(
        {
            "district": [t.district for t in targets],
            "metric": [t.metric for t in targets],
            "sector": [t.sector or "" for t in targets],
            "milestones": [
                ", ".join(f"{m.due.isoformat()}={m.percent:g}%" for m in t.milestones)
                for t in targets
            ],
            "example": [t.example for t in targets],
            "note": [t.note for t in targets],
        }
    )


def status_table(args: argparse.Namespace, targets: Targets) -> pd.DataFrame:
    """:func:`dashboard.engine.progress.target_status` of ``targets`` at ``--as-of`` (the
    last in-service date by default), from the first in-service date on."""
    from dashboard.engine.progress import coverage_series, target_status

    std = effective_standards(args)
    demand, supply, districts = load_inputs(args)
    dates = supply["in_service_date"].dropna()
    if dates.empty:
        raise CliError("the payment points have no in-service dates: no progress to measure")
    start, last = dates.min(), dates.max()
    end = as_of_date(args) or last
    if end < start:
        raise CliError(f"--as-of {end.date()} is before the first in-service date {start.date()}")
    series = coverage_series(demand, supply, districts, std, start, end)
    sectors = {t.sector for t in targets if t.sector}
    by_sector = {
        s: coverage_series(demand, supply, districts, std, start, end, sector=s) for s in sectors
    }
    return target_status(series, targets, end, sector_series=by_sector)


def _show(args: argparse.Namespace) -> int:
    targets = _load(args)
    if args.status:
        df = status_table(args, targets)
        df["due"] = df["due"].astype(str)
    else:
        df = targets_frame(targets)
    if args.format == "json":
        if args.status:
            text = json.dumps(records(df), ensure_ascii=False, indent=2)
        else:
            from dashboard.core.targets import targets_to_dict

            text = json.dumps(targets_to_dict(targets), ensure_ascii=False, indent=2)
        text += "\n"
    elif args.format == "csv":
        text = csv_text(df)
    else:
        text = _status_text(df) if args.status else df.to_string(index=False) + "\n"
        if any(t.example for t in targets):
            text += "(example targets, not an official decision: set your own with 'targets set')\n"
    emit(text, args.out)
    return 0


def _status_text(df: pd.DataFrame) -> str:
    """The status table for reading: shares as percentages, the trend in points a month."""
    show = df.copy()
    for col in ("value", "target", "projected", "projected_low", "projected_high", "gap"):
        show[col] = [("—" if pd.isna(v) else f"{100 * v:.1f}%") for v in show[col]]
    show["slope_per_month"] = [f"{100 * v:+.2f} pp" for v in show["slope_per_month"]]
    show["sector"] = show["sector"].fillna("")
    return show.to_string(index=False) + "\n"


def _district(args: argparse.Namespace) -> str:
    value = args.district.strip()
    if value.lower() in ("city", "all", CITY):
        return CITY
    from dashboard.cli.recommend import resolve_district
    from dashboard.engine.layers import read_districts

    return resolve_district(value, read_districts())


def _first_in_service(args: argparse.Namespace) -> pd.Timestamp | None:
    from dashboard.engine.layers import load_layer

    dates = load_layer("payments", workspace_home(args))["in_service_date"].dropna()
    return None if dates.empty else dates.min()


def _set(args: argparse.Namespace) -> int:
    from dashboard.core.rights import PermissionDenied
    from dashboard.core.targets import set_target
    from loaders.workspace import WorkspaceError
    from loaders.writes import save_targets

    for item in args.milestone:
        if "=" not in item:  # one message naming the option and the item
            raise CliError(f"--milestone {Msg('tg_pair', item=repr(item))}")
    try:
        milestones = milestones_from_text(args.milestone)
    except ValueError as exc:
        raise CliError(f"--milestone: {exc}") from None
    first = _first_in_service(args)
    try:
        check_after_data(milestones, None if first is None else first.date())
    except ValueError as exc:
        raise CliError(f"--milestone {exc}") from None
    target = Target(_district(args), milestones, args.metric, args.sector, note=args.note or "")
    try:
        new = set_target(_load(args), target)
        version = save_targets(
            cli_actor(), new, workspace_home(args), source="exchange-atlas targets set"
        )
    except (ValueError, WorkspaceError, PermissionDenied) as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:
        raise CliError(f"cannot save the targets: {exc.strerror or exc}") from None
    print(
        f"target {target.district} {target.metric}"
        f"{' ' + target.sector if target.sector else ''}: "
        + ", ".join(f"{m.due}={m.percent:g}%" for m in milestones)
        + f" (version {version})"
    )
    return 0


def _remove(args: argparse.Namespace) -> int:
    from dashboard.core.rights import PermissionDenied
    from dashboard.core.targets import remove_target
    from loaders.workspace import WorkspaceError
    from loaders.writes import save_targets

    try:
        new = remove_target(_load(args), _district(args), args.metric, args.sector)
        version = save_targets(
            cli_actor(), new, workspace_home(args), source="exchange-atlas targets remove"
        )
    except (ValueError, WorkspaceError, PermissionDenied) as exc:
        raise CliError(str(exc)) from None
    print(f"removed; {len(new)} target(s) in effect (version {version})")
    return 0


def _reset(args: argparse.Namespace) -> int:
    from dashboard.core.rights import PermissionDenied
    from loaders.workspace import WorkspaceError
    from loaders.writes import reset_targets

    try:
        done = reset_targets(cli_actor(), workspace_home(args))
    except (WorkspaceError, PermissionDenied) as exc:
        raise CliError(str(exc)) from None
    print("targets reset to the shipped examples" if done else "the shipped examples apply already")
    return 0


def _undo(args: argparse.Namespace) -> int:
    from dashboard.core.rights import PermissionDenied
    from loaders.workspace import WorkspaceError
    from loaders.writes import undo_targets

    try:
        back = undo_targets(cli_actor(), workspace_home(args))
    except (WorkspaceError, PermissionDenied) as exc:
        raise CliError(str(exc)) from None
    print(f"targets: restored {back}" if back else "targets: back to the shipped examples")
    return 0


def _history(args: argparse.Namespace) -> int:
    from loaders.targets_store import targets_history

    versions = targets_history(workspace_home(args))
    if args.json:
        print(json.dumps([v.to_dict() for v in versions], ensure_ascii=False, indent=2))
        return 0
    if not versions:
        print("targets: never changed (the shipped examples apply)")
    for v in versions:
        print(f"{'*' if v.current else ' '} {v.name}  {v.created}  {v.action:<6}  {v.source}")
    return 0


def _scope(p: argparse.ArgumentParser) -> None:
    p.add_argument("district", metavar="DISTRICT", help="adcode, name, or 'city'")
    p.add_argument("--metric", choices=METRICS, default="coverage")
    p.add_argument("--sector", choices=tuple(SECTORS), help="one sector (default: all)")
    p.add_argument("--home", help="workspace directory (overrides EXCHANGE_ATLAS_HOME)")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("targets", help="show, set or reset the coverage targets")
    ss = p.add_subparsers(dest="action", metavar="ACTION")
    ss.required = True
    show = ss.add_parser("show", help="print the targets in effect (and their status)")
    show.add_argument("--status", action="store_true", help="add each target's status")
    show.add_argument("--as-of", metavar="DATE", help="status on DATE (default: latest data)")
    show.add_argument("--use-standards", action="store_true", default=True, help=argparse.SUPPRESS)
    show.add_argument("--radius", type=float, help=argparse.SUPPRESS)
    show.add_argument("--require", nargs="+", action="extend", help=argparse.SUPPRESS)
    show.add_argument("--format", choices=FORMATS, default="table")
    show.add_argument("--out", metavar="FILE")
    show.add_argument("--home", help="workspace directory (overrides EXCHANGE_ATLAS_HOME)")
    show.set_defaults(func=_show)
    st = ss.add_parser("set", help="set or replace one target (saved as a new version)")
    _scope(st)
    st.add_argument(
        "--milestone",
        action="append",
        required=True,
        metavar="DATE=PERCENT",
        help="reach PERCENT by DATE (repeatable, rising dates)",
    )
    st.add_argument("--note", help="who set it, the decision it comes from")
    st.set_defaults(func=_set)
    rm = ss.add_parser("remove", help="remove one target (saved as a new version)")
    _scope(rm)
    rm.set_defaults(func=_remove)
    rs = ss.add_parser("reset", help="the shipped examples apply again (undoable)")
    rs.add_argument("--home", help="workspace directory (overrides EXCHANGE_ATLAS_HOME)")
    rs.set_defaults(func=_reset)
    un = ss.add_parser("undo", help="step back to the previous version of the targets")
    un.add_argument("--home", help="workspace directory (overrides EXCHANGE_ATLAS_HOME)")
    un.set_defaults(func=_undo)
    hi = ss.add_parser("history", help="list the stored versions of the targets")
    hi.add_argument("--json", action="store_true", help="print JSON")
    hi.add_argument("--home", help="workspace directory (overrides EXCHANGE_ATLAS_HOME)")
    hi.set_defaults(func=_history)
