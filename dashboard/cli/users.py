"""``exchange-atlas users add | passwd | remove | list | undo``: the accounts that may sign
in to a shared dashboard (:mod:`loaders.users_store`), changed through the write gateway
(:mod:`loaders.writes`) as the command line's admin, each change in the audit log.

Passwords are read with ``getpass`` (asked twice) or, with ``--password-stdin``, as the
first line of standard input; they are never printed, and ``list`` never shows hashes.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys

from dashboard.cli.common import cli_actor, workspace_home
from dashboard.cli.errors import CliError

ROLE_CHOICES = ("viewer", "editor", "admin")


def _password(args: argparse.Namespace) -> str:
    """The new password: standard input's first line, or asked twice."""
    if args.password_stdin:
        line = sys.stdin.readline()
        password = line.rstrip("\r\n")
        if not password:
            raise CliError("--password-stdin: standard input holds no password")
        return password
    try:
        first = getpass.getpass(f"password for {args.name}: ")
        second = getpass.getpass("repeat the password: ")
    except EOFError:
        raise CliError("no password given (type it, or use --password-stdin)") from None
    if first != second:
        raise CliError("the two passwords differ; nothing was changed")
    return first


def _fail(exc: Exception) -> CliError:
    return CliError(str(exc))


def _add(args: argparse.Namespace) -> int:
    from dashboard.core.messages import Msg
    from dashboard.core.rights import PermissionDenied
    from loaders import users_store
    from loaders.workspace import WorkspaceError
    from loaders.writes import add_user

    home = workspace_home(args)
    districts = args.district or []
    try:  # refuse a bad name, role or district before asking for the password
        name = users_store.validate_name(args.name)
        users_store.validate_access(args.role, districts)
        if any(u.name.casefold() == name.casefold() for u in users_store.list_users(home)):
            raise users_store.UsersError(Msg("users_exists", name=name))
    except users_store.UsersError as exc:
        raise _fail(exc) from None
    password = _password(args)
    try:
        add_user(cli_actor(), name, password, args.role, districts, home)
    except (users_store.UsersError, WorkspaceError, PermissionDenied) as exc:
        raise _fail(exc) from None
    where = f" for {', '.join(users_store.validate_access(args.role, districts))}"
    path = users_store.users_path(home)
    print(f"added {name} as {args.role}{where if districts else ''} ({path})")
    return 0


def _passwd(args: argparse.Namespace) -> int:
    from dashboard.core.messages import Msg
    from dashboard.core.rights import PermissionDenied
    from loaders import users_store
    from loaders.workspace import WorkspaceError
    from loaders.writes import set_password

    home = workspace_home(args)
    try:
        if users_store.get_user(args.name, home) is None:
            raise users_store.UsersError(Msg("users_unknown", name=args.name))
    except users_store.UsersError as exc:
        raise _fail(exc) from None
    password = _password(args)
    try:
        set_password(cli_actor(), args.name, password, home)
    except (users_store.UsersError, WorkspaceError, PermissionDenied) as exc:
        raise _fail(exc) from None
    print(f"password of {users_store.normal_name(args.name)} changed")
    return 0


def _remove(args: argparse.Namespace) -> int:
    from dashboard.core.rights import PermissionDenied
    from loaders import users_store
    from loaders.workspace import WorkspaceError
    from loaders.writes import remove_user

    home = workspace_home(args)
    try:
        remove_user(cli_actor(), args.name, home)
    except (users_store.UsersError, WorkspaceError, PermissionDenied) as exc:
        raise _fail(exc) from None
    left = len(users_store.list_users(home))
    off = "" if left else "; no users left: sign-in is off"
    print(f"removed {users_store.normal_name(args.name)}{off}")
    return 0


def _list(args: argparse.Namespace) -> int:
    from loaders import users_store

    try:
        users = users_store.list_users(workspace_home(args))
    except users_store.UsersError as exc:
        raise _fail(exc) from None
    if args.json:
        print(json.dumps([u.to_dict() for u in users], ensure_ascii=False, indent=2))
        return 0
    if not users:
        print("no users: sign-in is off (everyone on this machine is an admin)")
        return 0
    width = max(len(u.name) for u in users)
    for u in users:
        districts = ",".join(u.districts) or "-"
        print(f"{u.name:<{width}}  {u.role:<6}  {districts:<20}  {u.created}  {u.changed}")
    return 0


def _undo(args: argparse.Namespace) -> int:
    from dashboard.core.rights import PermissionDenied
    from loaders import users_store
    from loaders.workspace import WorkspaceError
    from loaders.writes import undo_users

    try:
        back = undo_users(cli_actor(), workspace_home(args))
    except (users_store.UsersError, WorkspaceError, PermissionDenied) as exc:
        raise _fail(exc) from None
    print(f"users: restored {back}" if back else "users: no users file any more (sign-in is off)")
    return 0


def _home_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--home",
        help="workspace directory (overrides EXCHANGE_ATLAS_HOME; the users file is "
        "<home>/users.json unless EXCHANGE_ATLAS_USERS names another)",
    )


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``users`` subcommand."""
    p = sub.add_parser("users", help="add, change, remove or list the dashboard's accounts")
    ss = p.add_subparsers(dest="action", metavar="ACTION")
    ss.required = True
    add = ss.add_parser("add", help="add an account (the password is asked twice)")
    add.add_argument("name", metavar="NAME", help="letters, digits and . _ - @ (at most 64)")
    add.add_argument("--role", required=True, choices=ROLE_CHOICES)
    add.add_argument(
        "--district",
        nargs="+",
        action="extend",
        metavar="ADCODE",
        help="a district the editor works in (repeatable; an editor needs one)",
    )
    add.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    _home_option(add)
    add.set_defaults(func=_add)
    pw = ss.add_parser("passwd", help="set a new password for an account")
    pw.add_argument("name", metavar="NAME")
    pw.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    _home_option(pw)
    pw.set_defaults(func=_passwd)
    rm = ss.add_parser("remove", help="remove an account")
    rm.add_argument("name", metavar="NAME")
    _home_option(rm)
    rm.set_defaults(func=_remove)
    ls = ss.add_parser("list", help="list the accounts (never their password hashes)")
    ls.add_argument("--json", action="store_true", help="print JSON")
    _home_option(ls)
    ls.set_defaults(func=_list)
    un = ss.add_parser("undo", help="put the users file back as before its last change")
    _home_option(un)
    un.set_defaults(func=_undo)
