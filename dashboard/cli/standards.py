"""``exchange-atlas standards show | set | reset | undo | history``: view or edit the service
standards
saved in the workspace (the shipped ``geodata/standards.json`` stays the default)."""

from __future__ import annotations

import argparse
import json

import pandas as pd

from dashboard.cli.common import (
    FORMATS,
    cli_actor,
    emit,
    workspace_home,
)
from dashboard.cli.errors import CliError
from dashboard.core.safetext import csv_text

# Engine and loader modules are imported inside the commands: at module level they add
# 0.23 s (geopandas, shapely, scipy) to every start, --help and run included (0.42 → 0.65 s).


def _run_standards(args: argparse.Namespace) -> int:
    from dashboard.core.rights import PermissionDenied
    from dashboard.core.standards import set_standard, standards_table, standards_to_dict
    from loaders.standards_store import load_standards, standards_history
    from loaders.workspace import WorkspaceError
    from loaders.writes import reset_standards, save_standards, undo_standards

    home = workspace_home(args)
    try:
        std = load_standards(home)
    except ValueError as exc:
        raise CliError(
            f"{exc} (run 'exchange-atlas standards reset' to restore defaults)"
        ) from None
    if args.action == "show":
        if args.format == "json":
            text = json.dumps(standards_to_dict(std), ensure_ascii=False, indent=2) + "\n"
        else:
            df = pd.DataFrame(standards_table(std)).drop(columns="label")
            if args.format == "csv":
                text = csv_text(df)
            else:
                text = df.to_string(index=False) + "\n"
        emit(text, getattr(args, "out", None))
        return 0
    if args.action == "reset":
        try:
            removed = reset_standards(cli_actor(), home)
        except (WorkspaceError, PermissionDenied) as exc:
            raise CliError(str(exc)) from None
        print("standards reset to the shipped defaults" if removed else "standards already default")
        return 0
    if args.action == "undo":
        try:
            back = undo_standards(cli_actor(), home)
        except (WorkspaceError, PermissionDenied) as exc:
            raise CliError(str(exc)) from None
        print(f"standards back to version {back}" if back else "shipped default standards apply")
        return 0
    if args.action == "history":
        rows = [h.to_dict() for h in standards_history(home)]
        if args.json:
            emit(json.dumps(rows, ensure_ascii=False, indent=2) + "\n", None)
        else:
            emit(
                pd.DataFrame(rows).to_string(index=False) + "\n" if rows else "no versions\n", None
            )
        return 0
    # set
    if args.radius is None and args.require is None and args.weight is None:
        raise CliError("nothing to set: give --radius, --require and/or --weight")
    try:
        new = set_standard(
            std, args.category, radius_m=args.radius, require=args.require, weight=args.weight
        )
        version = save_standards(cli_actor(), new, home)
    except (ValueError, WorkspaceError, PermissionDenied) as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:
        raise CliError(f"cannot save standards: {exc.strerror or exc}") from None
    s = new[args.category]
    from dashboard.core.standards import format_requirement

    print(
        f"{args.category}: radius {s.radius_m:g} m, require {format_requirement(s.require)}, "
        f"weight {s.weight:g} (saved as version {version})"
    )
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("standards", help="show, set or reset the service standards")
    ss = s.add_subparsers(dest="action", metavar="ACTION")
    ss.required = True
    show = ss.add_parser("show", help="print the standards in effect")
    show.add_argument("--format", choices=FORMATS, default="table")
    show.add_argument("--out", metavar="FILE")
    show.add_argument("--home", help="workspace directory (overrides EXCHANGE_ATLAS_HOME)")
    st = ss.add_parser("set", help="change one category's standard (saved in the workspace)")
    st.add_argument("category")
    st.add_argument("--radius", type=float, metavar="M")
    st.add_argument("--require", nargs="+", action="extend", metavar="CAPABILITY")
    st.add_argument("--weight", type=float)
    st.add_argument("--home", help="workspace directory (overrides EXCHANGE_ATLAS_HOME)")
    rs = ss.add_parser(
        "reset", help="make the shipped defaults apply again (a new version, undoable)"
    )
    rs.add_argument("--home", help="workspace directory (overrides EXCHANGE_ATLAS_HOME)")
    un = ss.add_parser("undo", help="step back to the previous version of the standards")
    un.add_argument("--home", help="workspace directory (overrides EXCHANGE_ATLAS_HOME)")
    hi = ss.add_parser("history", help="list the stored versions of the standards")
    hi.add_argument("--json", action="store_true", help="as JSON")
    hi.add_argument("--home", help="workspace directory (overrides EXCHANGE_ATLAS_HOME)")
    s.set_defaults(func=_run_standards)
