"""``exchange-atlas undo | history``: restore the previous version of a layer, list its
versions."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from dashboard.cli.common import cli_actor
from dashboard.cli.errors import CliError
from dashboard.core.model import POINT_LAYERS
from loaders.workspace import home_option

# Engine and loader modules are imported inside the commands: at module level they add
# 0.23 s (geopandas, shapely, scipy) to every start, --help and run included (0.42 → 0.65 s).


def _home(args: argparse.Namespace) -> Path | None:
    return home_option(args.home)


def _run_undo(args: argparse.Namespace) -> int:
    from dashboard.core.rights import PermissionDenied
    from loaders.workspace import WorkspaceError
    from loaders.writes import undo_layer

    try:
        restored = undo_layer(cli_actor(), args.layer, _home(args))
    except (WorkspaceError, PermissionDenied) as exc:
        raise CliError(str(exc)) from None
    if restored is None:
        print(f"{args.layer}: back to the shipped data")
    else:
        print(f"{args.layer}: restored {restored}")
    return 0


def _run_history(args: argparse.Namespace) -> int:
    from loaders.workspace import history

    versions = history(args.layer, _home(args))
    if args.json:
        print(json.dumps([v.to_dict() for v in versions], ensure_ascii=False, indent=2))
        return 0
    if not versions:
        print(f"{args.layer}: no imported versions (the shipped data is in effect)")
        return 0
    if not any(v.current for v in versions):
        print(f"{args.layer}: the shipped data is in effect")
    for v in versions:
        mark = "*" if v.current else " "
        print(f"{mark} {v.name}  {v.created}  {v.action:<7}  {v.rows:>8} rows  {v.source}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``undo`` and ``history`` subcommands."""
    u = sub.add_parser("undo", help="restore the previous version of an imported layer")
    u.add_argument("--layer", required=True, choices=POINT_LAYERS)
    u.add_argument("--home", help="workspace directory (overrides EXCHANGE_ATLAS_HOME)")
    u.set_defaults(func=_run_undo)

    h = sub.add_parser("history", help="list the stored versions of a layer")
    h.add_argument("--layer", required=True, choices=POINT_LAYERS)
    h.add_argument("--json", action="store_true", help="print JSON")
    h.add_argument("--home", help="workspace directory (overrides EXCHANGE_ATLAS_HOME)")
    h.set_defaults(func=_run_history)
