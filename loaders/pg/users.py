"""The users in the database: ``atlas_users`` holds the content the users file holds (one
row; none: sign-in off) and ``atlas_users_versions`` the write-once kept versions.

Storage only; :mod:`loaders.users_store` keeps the rules (names, roles, hashes, undo) and
calls these inside one :func:`~loaders.pg.connection.transaction` under the users' lock.
"""

from __future__ import annotations

from typing import Any

from psycopg.types.json import Jsonb

PREFIX, SUFFIX = "users.v", ".json"


def version_name(number: int) -> str:
    """The name of kept version ``number`` (as the workspace names the users file's)."""
    return f"{PREFIX}{number:04d}{SUFFIX}"


def version_number(name: str) -> int | None:
    """The number in a kept version's name (None: not such a name)."""
    if not (name.startswith(PREFIX) and name.endswith(SUFFIX)):
        return None
    digits = name[len(PREFIX) : -len(SUFFIX)]
    return int(digits) if digits.isdigit() and len(digits) >= 4 else None


def state(conn) -> dict[str, Any] | None:
    """The users' content in effect (None: none, sign-in off)."""
    row = conn.execute("SELECT content FROM atlas_users").fetchone()
    return None if row is None else row[0]


def set_state(conn, content: dict[str, Any] | None) -> None:
    """Put ``content`` in effect (None: remove it)."""
    if content is None:
        conn.execute("DELETE FROM atlas_users")
        return
    conn.execute(
        "INSERT INTO atlas_users (only_row, content) VALUES (true, %s) ON CONFLICT (only_row) "
        "DO UPDATE SET content = excluded.content",
        (Jsonb(content),),
    )


def keep(conn, content: dict[str, Any]) -> str:
    """Keep ``content`` as the next write-once version; its name."""
    row = conn.execute("SELECT coalesce(max(number), 0) + 1 FROM atlas_users_versions").fetchone()
    number = int(row[0]) if row else 1
    conn.execute(
        "INSERT INTO atlas_users_versions (number, content) VALUES (%s, %s)",
        (number, Jsonb(content)),
    )
    return version_name(number)


def kept(conn, name: str) -> dict[str, Any] | None:
    """The content of kept version ``name`` (None: no such version)."""
    number = version_number(name)
    if number is None:
        return None
    row = conn.execute(
        "SELECT content FROM atlas_users_versions WHERE number = %s", (number,)
    ).fetchone()
    return None if row is None else row[0]


def versions(conn) -> list[str]:
    """The kept versions' names, oldest first."""
    rows = conn.execute("SELECT number FROM atlas_users_versions ORDER BY number").fetchall()
    return [version_name(int(r[0])) for r in rows]
