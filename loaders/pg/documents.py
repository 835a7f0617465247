"""Versioned JSON documents in the database, kept as :mod:`loaders.documents` keeps them.

``atlas_documents`` holds every version (``v0001.json``, … by number; content NULL for a
reset), ``atlas_document_current`` the one in effect (no row: none, the shipped default).
A save, reset or undo is one transaction under the document's advisory lock, so writers
never interleave and a reader sees the old or the new version. Records are returned as
dicts with the fields of :class:`loaders.documents.DocumentVersion`.
"""

from __future__ import annotations

from datetime import datetime, timezone

from psycopg.types.json import Jsonb

from loaders.errors import WorkspaceError
from loaders.pg.connection import lock, store_key, transaction


def version_name(number: int) -> str:
    """The file name the workspace gives version ``number`` (the same in both stores)."""
    return f"v{number:04d}.json"


def _number(name: str | None) -> int | None:
    if not name or not name.startswith("v") or not name.endswith(".json"):
        return None
    digits = name[1:-5]
    return int(digits) if digits.isdigit() else None


def _current(conn, name: str) -> tuple[int, str] | None:
    row = conn.execute(
        "SELECT number, changed::text FROM atlas_document_current WHERE name = %s", (name,)
    ).fetchone()
    return None if row is None else (int(row[0]), str(row[1]))


def signature(name: str) -> str:
    """What identifies the version in effect (``default``: none), for caches: its number,
    time and content's hash (versions are write-once, so an undo back to one gives its
    signature again)."""
    with transaction() as conn:
        row = conn.execute(
            "SELECT d.number, d.created, md5(coalesce(d.content::text, '')) FROM "
            "atlas_document_current c JOIN atlas_documents d USING (name, number) "
            "WHERE c.name = %s",
            (name,),
        ).fetchone()
    return "default" if row is None else f"pg:{store_key()}:{name}:{row[0]}:{row[1]}:{row[2]}"


def load(name: str) -> dict | None:
    """The content in effect (None: never saved, or reset)."""
    with transaction() as conn:
        row = conn.execute(
            "SELECT d.content FROM atlas_document_current c JOIN atlas_documents d "
            "USING (name, number) WHERE c.name = %s",
            (name,),
        ).fetchone()
    return None if row is None else row[0]


def write(name: str, content: dict | None, action: str, source: str) -> str:
    """Store a new version in effect (``save``, or ``reset`` with no content); its name."""
    with transaction() as conn:
        lock(conn, f"the {name}")
        cur = _current(conn, name)
        row = conn.execute(
            "SELECT coalesce(max(number), 0) FROM atlas_documents WHERE name = %s", (name,)
        ).fetchone()
        number = (int(row[0]) if row else 0) + 1
        conn.execute(
            "INSERT INTO atlas_documents (name, number, created, action, source, previous, "
            "content) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (
                name,
                number,
                datetime.now(timezone.utc).isoformat(timespec="seconds"),
                action,
                source,
                None if cur is None else version_name(cur[0]),
                None if content is None else Jsonb(content),
            ),
        )
        _point(conn, name, number)
    return version_name(number)


def _point(conn, name: str, number: int | None) -> None:
    if number is None:
        conn.execute("DELETE FROM atlas_document_current WHERE name = %s", (name,))
        return
    conn.execute(
        "INSERT INTO atlas_document_current (name, number) VALUES (%s, %s) ON CONFLICT (name) "
        "DO UPDATE SET number = excluded.number, changed = clock_timestamp()",
        (name, number),
    )


def undo(name: str) -> str | None:
    """Put the version before the one in effect back; its name (None: the default).

    Raises
    ------
    WorkspaceError
        When nothing was saved.
    """
    with transaction() as conn:
        lock(conn, f"the {name}")
        cur = _current(conn, name)
        if cur is None:
            raise WorkspaceError(f"nothing to undo: the {name} were never changed")
        row = conn.execute(
            "SELECT previous FROM atlas_documents WHERE name = %s AND number = %s", (name, cur[0])
        ).fetchone()
        prev = _number(row[0] if row else None)
        if prev is not None:
            there = conn.execute(
                "SELECT 1 FROM atlas_documents WHERE name = %s AND number = %s", (name, prev)
            ).fetchone()
            if there:
                _point(conn, name, prev)
                return version_name(prev)
        _point(conn, name, None)
        return None


def history(name: str) -> list[dict]:
    """Every version, oldest first, as :class:`~loaders.documents.DocumentVersion` fields."""
    with transaction() as conn:
        cur = _current(conn, name)
        rows = conn.execute(
            "SELECT number, created, action, source, previous FROM atlas_documents "
            "WHERE name = %s ORDER BY number",
            (name,),
        ).fetchall()
    return [
        {
            "name": version_name(n),
            "number": int(n),
            "created": str(created),
            "action": str(action),
            "source": str(source),
            "previous": previous,
            "current": cur is not None and n == cur[0],
        }
        for n, created, action, source, previous in rows
    ]


def names(prefix: str) -> list[str]:
    """The names of the documents that start with ``prefix`` and have a version in effect."""
    with transaction() as conn:
        rows = conn.execute(
            "SELECT name FROM atlas_document_current WHERE starts_with(name, %s) ORDER BY name",
            (prefix,),
        ).fetchall()
    return [str(r[0]) for r in rows]


def all_names(prefix: str) -> list[str]:
    """The names of every document that starts with ``prefix`` and has a version, in
    effect or not (a document undone back to its default has none in effect)."""
    with transaction() as conn:
        rows = conn.execute(
            "SELECT DISTINCT name FROM atlas_documents WHERE starts_with(name, %s) ORDER BY name",
            (prefix,),
        ).fetchall()
    return [str(r[0]) for r in rows]
