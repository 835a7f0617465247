"""Inspection photos in the database: ``atlas_photos``, one row per stored JPEG, keyed by
the sha256 of its bytes (checked by the database, migration 2) and write-once (an update
is refused; the same picture stored twice is one row).

Storage only: :mod:`loaders.photos` cleans the pictures and reads them back into a local
cache file, so pages and reports open a file as with the workspace.
"""

from __future__ import annotations


def put(conn, digest: str, jpeg: bytes) -> bool:
    """Store ``jpeg`` under ``digest`` unless it is stored; whether this call stored it."""
    got = conn.execute(
        "INSERT INTO atlas_photos (digest, jpeg) VALUES (%s, %s) ON CONFLICT (digest) DO NOTHING",
        (digest, jpeg),
    )
    return got.rowcount == 1


def get(conn, digest: str) -> bytes | None:
    """The JPEG stored under ``digest`` (None: none)."""
    row = conn.execute("SELECT jpeg FROM atlas_photos WHERE digest = %s", (digest,)).fetchone()
    return None if row is None else bytes(row[0])


def digests(conn) -> list[str]:
    """The digests of every stored photo, in order."""
    rows = conn.execute("SELECT digest FROM atlas_photos ORDER BY digest").fetchall()
    return [str(r[0]) for r in rows]
