"""``exchange-atlas store``: which store is in use, and copying a workspace into a database.

``store status`` says whether the workspace directory or a PostgreSQL database keeps
everything (and the database's schema version). ``store copy --to postgresql://…`` copies
a workspace (``--home``, else ``$EXCHANGE_ATLAS_HOME``; never the database in use) — every
version of every layer and document, the users and their kept versions, the audit log,
the inspection batches, the photos and the boundary sets' zones — into an empty
database, in one transaction (:mod:`loaders.pg.copy`): a database that already holds
anything is refused, and a failure leaves it as it was.
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


def _copy(args: argparse.Namespace) -> int:
    from loaders.pg.connection import masked
    from loaders.pg.copy import copy_workspace
    from loaders.workspace import WorkspaceError, default_home, home_option

    if args.copy_db:
        raise CliError("store copy writes into the database --to names; --db is not used here")
    home = home_option(args.source_home) or default_home()
    try:
        summary = copy_workspace(home, args.to)
    except WorkspaceError as exc:  # CopyRefused and DatabaseError among them
        raise CliError(str(exc)) from None
    if args.format == "json":
        print(json.dumps(summary.to_dict(), ensure_ascii=False))
        return 0
    print(f"copied {home} into {masked(args.to)}:")
    print(
        f"  layers: {summary.layers} ({summary.layer_versions} versions, "
        f"{summary.layer_rows_stored} rows stored)"
    )
    print(f"  documents: {summary.documents} ({summary.document_versions} versions)")
    print(f"  users: {summary.users} ({summary.users_versions} kept versions)")
    print(f"  audit entries: {summary.audit_entries}")
    print(
        f"  inspections: {summary.inspections} ({summary.inspection_batches} batches), "
        f"photos: {summary.photos}"
    )
    print(f"  boundary sets: {summary.boundary_sets} ({summary.zones_files} zones files)")
    for note in summary.notes:
        print(f"  note: {note}")
    print(f"next: set EXCHANGE_ATLAS_DB={masked(args.to)} (with its password) for the app")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("store", help="the store in use; copy a workspace into PostgreSQL")
    ss = p.add_subparsers(dest="store_command", metavar="ACTION")
    ss.required = True
    st = ss.add_parser("status", help="which store is in use (and its schema version)")
    st.add_argument("--home", help="workspace directory (overrides EXCHANGE_ATLAS_HOME)")
    st.add_argument("--format", choices=("table", "json"), default="table")
    st.set_defaults(func=_status)
    cp = ss.add_parser(
        "copy", help="copy a workspace into an empty PostgreSQL database (one transaction)"
    )
    cp.add_argument(
        "--to",
        required=True,
        metavar="URL",
        help="the empty database, postgresql://USER:PASSWORD@HOST/DB (PostGIS installed)",
    )
    # not dest "home": the workspace is only read, the database in use is not checked
    cp.add_argument(
        "--home",
        dest="source_home",
        metavar="DIR",
        help="the workspace to copy (overrides EXCHANGE_ATLAS_HOME)",
    )
    cp.add_argument("--format", choices=("table", "json"), default="table")
    cp.add_argument("--db", dest="copy_db", help=argparse.SUPPRESS)  # refused: --to names it
    cp.set_defaults(func=_copy)
