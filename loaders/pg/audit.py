"""The audit log in the database: ``atlas_audit``, one row per write, append-only.

An entry is inserted in the transaction of the write it records when the write gateway
(:mod:`loaders.writes`) opened one, so the write and its entry are kept together or not
at all. Rows are returned as dicts with the fields of :class:`loaders.audit.AuditEntry`.
"""

from __future__ import annotations

from datetime import datetime

from loaders.pg.connection import transaction

FIELDS = ("time", "actor", "role", "via", "action", "target", "detail", "version")
_COLUMNS = ", ".join(FIELDS)


def append(entry: dict[str, str]) -> None:
    """Insert ``entry`` (the fields of :data:`FIELDS`) at the end of the log."""
    with transaction() as conn:
        conn.execute(
            "INSERT INTO atlas_audit (at, time, actor, role, via, action, target, detail, "
            "version) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (entry["time"], *(entry[k] for k in FIELDS)),
        )


def read(
    *,
    since: datetime | None = None,
    limit: int | None = None,
    actor: str | None = None,
    action: str | None = None,
) -> list[dict[str, str]]:
    """The entries, oldest first, filtered as :func:`loaders.audit.read_audit` says."""
    where, params = ["true"], []
    if since is not None:
        where.append("at >= %s")
        params.append(since)
    if actor is not None:
        where.append("actor = %s")
        params.append(actor)
    if action is not None:
        where.append("(action = %s OR starts_with(action, %s))")
        params += [action, action + "_"]
    sql = f"SELECT {_COLUMNS} FROM atlas_audit WHERE {' AND '.join(where)} ORDER BY id DESC"
    if limit is not None:
        sql += " LIMIT %s"
        params.append(max(limit, 0))
    with transaction() as conn:
        rows = conn.execute(sql.encode(), params).fetchall()  # pyright: ignore[reportArgumentType]
    return [dict(zip(FIELDS, (str(v) for v in r), strict=True)) for r in reversed(rows)]


def creator(actions: tuple[str, ...], target: str, version: str) -> str | None:
    """The actor of the latest entry of one of ``actions`` that made ``version`` of
    ``target`` (None: not on record)."""
    with transaction() as conn:
        row = conn.execute(
            "SELECT actor FROM atlas_audit WHERE action = ANY(%s) AND target = %s AND "
            "version = %s ORDER BY id DESC LIMIT 1",
            (list(actions), target, version),
        ).fetchone()
    return None if row is None else str(row[0])
