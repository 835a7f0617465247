"""``exchange-atlas audit``: who changed what and when, from the workspace's audit log
(:mod:`loaders.audit`; every write through :mod:`loaders.writes` adds one entry).

A table (time, actor, role, action, target, version, detail), or with ``--json`` a list
of objects with those keys and ``via``; ``--since``, ``--actor``, ``--action`` (a name or
its family: ``standards`` matches ``standards_save``, ``standards_reset`` …) and
``--limit`` (the latest N) select entries, oldest first.
"""

from __future__ import annotations

import argparse
import json

from dashboard.cli.common import workspace_home
from dashboard.cli.errors import CliError

COLUMNS = ("time", "actor", "role", "action", "target", "version", "detail")
JSON_KEYS = ("time", "actor", "role", "via", "action", "target", "version", "detail")


def _limit(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if n < 0:
        raise argparse.ArgumentTypeError(f"not zero or more: {value!r}")
    return n


def _table(rows: list[dict[str, str]]) -> str:
    widths = {c: max([len(c), *(len(r[c]) for r in rows)]) for c in COLUMNS}
    widths["detail"] = 0  # the last column is not padded
    lines = ["  ".join(c.ljust(widths[c]) for c in COLUMNS).rstrip()]
    lines += ["  ".join(r[c].ljust(widths[c]) for c in COLUMNS).rstrip() for r in rows]
    return "\n".join(lines)


def _run_audit(args: argparse.Namespace) -> int:
    from loaders.audit import read_audit

    try:
        entries = read_audit(
            workspace_home(args),
            since=args.since,
            limit=args.limit,
            actor=args.actor,
            action=args.action,
        )
    except ValueError:
        raise CliError(
            f"--since: not a date or time: {args.since!r} (use YYYY-MM-DD or an ISO time)"
        ) from None
    rows = [e.to_dict() for e in entries]
    if args.json:
        out = [{k: r[k] for k in JSON_KEYS} for r in rows]
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print("no audit entries")
        return 0
    print(_table(rows))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``audit`` subcommand."""
    p = sub.add_parser("audit", help="list who changed what and when (the audit log)")
    p.add_argument("--since", metavar="DATE", help="entries at or after DATE (UTC; YYYY-MM-DD)")
    p.add_argument("--actor", metavar="NAME", help="entries of one actor (e.g. cli:alice)")
    p.add_argument(
        "--action", metavar="A", help="entries of one action or family (import, standards, users…)"
    )
    p.add_argument("--limit", type=_limit, metavar="N", help="the latest N entries only")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--home", help="workspace directory (overrides EXCHANGE_ATLAS_HOME)")
    p.set_defaults(func=_run_audit)
