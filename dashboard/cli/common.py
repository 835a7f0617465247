"""What the coverage, recommend and standards commands share: options, dates, output."""

from __future__ import annotations

import argparse
import getpass
import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from dashboard.cli.errors import CliError
from loaders.workspace import home_option

if TYPE_CHECKING:
    from dashboard.core.rights import Actor

FORMATS = ("table", "csv", "json")


# Engine and loader modules are imported inside the commands: at module level they add
# 0.23 s (geopandas, shapely, scipy) to every start, --help and run included (0.42 → 0.65 s).


def workspace_home(args: argparse.Namespace) -> Path | None:
    return home_option(getattr(args, "home", None))


def cli_actor() -> Actor:
    """Who the command line writes as: an admin named after the login (``cli:<login>``),
    since whoever runs it can change the workspace's files anyway."""
    from dashboard.core.rights import Actor

    try:
        login = getpass.getuser()
    except (OSError, KeyError):  # no login name in the environment or the passwd file
        login = "unknown"
    return Actor(f"cli:{login}", "admin", via="cli")


def effective_standards(args: argparse.Namespace):
    """The standards the command uses (workspace standards modified by the options)."""
    from dashboard.core.standards import uniform_standards
    from loaders.standards_store import load_standards

    try:
        std = load_standards(workspace_home(args))
        require = args.require
        if require is None and not args.use_standards:
            require = []  # any payment point qualifies
        return uniform_standards(std, radius_m=args.radius, require=require)
    except ValueError as exc:
        raise CliError(str(exc)) from None


def parse_date(value: str | None, option: str) -> pd.Timestamp | None:

    if not value:
        return None
    try:
        return pd.Timestamp(value)
    except (ValueError, TypeError):
        raise CliError(f"{option}: not a date: {value!r} (use YYYY-MM-DD)") from None


def as_of_date(args: argparse.Namespace) -> pd.Timestamp | None:
    return parse_date(args.as_of, "--as-of")


def clean(v):
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        v = float(v)
        return None if (math.isnan(v) or math.isinf(v)) else v
    if isinstance(v, (np.bool_,)):
        return bool(v)
    if isinstance(v, pd.Timestamp):
        return v.date().isoformat()
    if v is pd.NA or v is None:
        return None
    return v


def records(df: pd.DataFrame) -> list[dict]:
    """JSON-safe row dicts (NaN/inf → null, numpy scalars → Python)."""
    return [{k: clean(v) for k, v in row.items()} for row in df.to_dict(orient="records")]


def emit(text: str, out: str | None) -> None:

    if out:
        try:
            Path(out).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CliError(f"cannot write {out}: {exc.strerror or exc}") from None
        print(f"wrote {out}", file=sys.stderr)
    else:
        sys.stdout.write(text)


def table_text(df: pd.DataFrame) -> str:
    show = df.copy()
    for col in show.columns:
        if col in ("coverage", "weighted_coverage", "change") or col.startswith("coverage_"):
            show[col] = [("—" if pd.isna(v) else f"{100 * v:5.1f}%") for v in show[col]]
        elif col in ("lon", "lat"):
            show[col] = show[col].round(6)
        elif show[col].dtype.kind == "f":
            show[col] = show[col].round(2)
    return show.to_string(index=False) + "\n"


def load_inputs(args: argparse.Namespace):
    from dashboard.engine.layers import load_layer

    home = workspace_home(args)
    return (
        load_layer("key-locations", home),
        load_layer("payments", home),
        load_layer("districts", home),
    )


def add_common_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--radius", type=float, metavar="M", help="one radius (metres) for every category"
    )
    p.add_argument(
        "--require",
        nargs="+",
        action="extend",
        metavar="CAPABILITY",
        help="required capabilities: each argument is a clause that must be met; "
        "alternatives joined by '|' (e.g. 'foreign_card|foreign_wallet' cash). "
        "Default: any payment point qualifies",
    )
    p.add_argument(
        "--use-standards",
        action="store_true",
        help="apply each category's own required capabilities from the service standards",
    )
    p.add_argument("--as-of", metavar="DATE", help="count points in service on DATE (YYYY-MM-DD)")
    p.add_argument("--format", choices=FORMATS, default="table")
    p.add_argument("--out", metavar="FILE", help="write to FILE instead of standard output")
    p.add_argument("--home", help="workspace directory (overrides EXCHANGE_ATLAS_HOME)")


DB_HELP = (
    "PostgreSQL + PostGIS database to keep everything in, postgresql://USER:PASSWORD@HOST/DB "
    "(overrides EXCHANGE_ATLAS_DB; without either, the workspace directory is the store)"
)


def add_db_options(parser: argparse.ArgumentParser) -> None:
    """Give every command that takes ``--home`` a ``--db URL`` option beside it (the store
    to use: a PostgreSQL database instead of the workspace's files)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):
                add_db_options(sub)
    options = parser._option_string_actions
    if "--home" in options and "--db" not in options:
        parser.add_argument("--db", metavar="URL", help=DB_HELP)


def apply_store_options(args: argparse.Namespace) -> None:
    """Make ``--db`` the store of this process (it sets ``EXCHANGE_ATLAS_DB``, which the
    server a command starts inherits too) and check a configured database before the
    command runs, so that a wrong URL, a database without PostGIS or a schema newer than
    the code stops it with one message and nothing written.

    Raises
    ------
    CliError
        When the database cannot be used.
    """
    import os

    from loaders.pg import ENV_DB, database_url

    db = getattr(args, "db", None)
    if db:
        os.environ[ENV_DB] = db
    if database_url() is None or not hasattr(args, "home"):
        return
    from loaders.pg.connection import DatabaseError, pool

    try:
        pool()
    except DatabaseError as exc:
        raise CliError(str(exc)) from None
