"""``exchange-atlas``: the scriptable interface.

A contract: names, options and JSON keys are stable.

Each subcommand lives in its own module exposing ``register(subparsers)``; this
module only assembles them, so adding a command never touches another's code.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from dashboard.cli.common import add_db_options, apply_store_options
from dashboard.cli.errors import CliError

__all__ = ["CliError", "build_parser", "main"]

#: Modules that provide subcommands, in the order ``--help`` lists them.
COMMAND_MODULES: tuple[str, ...] = (
    "dashboard.cli.run",
    "dashboard.cli.export",
    "dashboard.cli.importing",
    "dashboard.cli.history",
    "dashboard.cli.coverage",
    "dashboard.cli.recommend",
    "dashboard.cli.standards",
    "dashboard.cli.targets",
    "dashboard.cli.report",
    "dashboard.cli.inspect",
    "dashboard.cli.users",
    "dashboard.cli.audit",
    "dashboard.cli.boundaries",
    "dashboard.cli.backup",
    "dashboard.cli.store",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="exchange-atlas",
        description="Beijing Exchange Atlas: venues, organizations, events and "
        "payment-service coverage on Beijing's 16 districts.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:  # a command whose module is not built yet
            if exc.name != name:
                raise
            continue
        module.register(sub)
    add_db_options(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        apply_store_options(args)
        return int(args.func(args) or 0)
    except CliError as exc:
        print(f"exchange-atlas {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
