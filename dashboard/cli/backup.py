"""``exchange-atlas backup PATH`` and ``exchange-atlas restore PATH --home DIR``: a
consistent copy of the workspace while the app runs, and that copy put back into an empty
workspace (:mod:`loaders.backup`).

A PostgreSQL store (``EXCHANGE_ATLAS_DB``) is backed up with ``pg_dump`` instead
(docs/deploy.md); these commands copy the workspace directory only, and say so.
"""

from __future__ import annotations

import argparse
import os
import sys

from dashboard.cli.errors import CliError

ENV_DB = "EXCHANGE_ATLAS_DB"


def _size(n: int) -> str:
    return f"{n / 2**20:.1f} MB" if n >= 2**20 else f"{n / 2**10:.1f} kB"


def _db_note() -> None:
    if os.environ.get(ENV_DB):
        print(
            f"note: {ENV_DB} is set: what the database holds is not in the workspace; "
            "back it up with pg_dump (docs/deploy.md)",
            file=sys.stderr,
        )


def _backup(args: argparse.Namespace) -> int:
    from pathlib import Path

    from loaders.backup import BackupError, backup
    from loaders.workspace import default_home, home_option

    home = home_option(args.home) or default_home()
    _db_note()
    try:
        summary = backup(home, Path(args.path).expanduser())
    except BackupError as exc:
        raise CliError(str(exc)) from None
    for note in summary.notes:
        print(f"note: {note}", file=sys.stderr)
    print(
        f"backed up {home}: {summary.files} files, {_size(summary.bytes)}, "
        f"to {summary.path} ({summary.kind})"
    )
    return 0


def _restore(args: argparse.Namespace) -> int:
    from pathlib import Path

    from loaders.backup import BackupError, restore
    from loaders.workspace import home_option

    home = home_option(args.home)
    assert home is not None  # --home is required
    _db_note()
    try:
        summary = restore(Path(args.path).expanduser(), home)
    except BackupError as exc:
        raise CliError(str(exc)) from None
    print(
        f"restored {summary.files} files, {_size(summary.bytes)}, from {args.path} "
        f"into {summary.path}"
    )
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``backup`` and ``restore`` subcommands."""
    b = sub.add_parser(
        "backup",
        help="copy the workspace consistently while the app runs (a .tar, .tar.gz or a folder)",
    )
    b.add_argument(
        "path",
        metavar="PATH",
        help="the backup to create: PATH.tar, PATH.tar.gz (or .tgz), else a directory; "
        "never replaced when it exists",
    )
    b.add_argument("--home", help="workspace directory (overrides EXCHANGE_ATLAS_HOME)")
    b.set_defaults(func=_backup)
    r = sub.add_parser("restore", help="put a backup back into an empty workspace")
    r.add_argument("path", metavar="PATH", help="a backup made by exchange-atlas backup")
    r.add_argument(
        "--home",
        required=True,
        help="the workspace to restore into: absent or empty (a non-empty one is refused)",
    )
    r.set_defaults(func=_restore)
