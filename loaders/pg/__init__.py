"""The PostgreSQL + PostGIS store: everything the app keeps, in a database.

Chosen in one place, :func:`database_url`: ``$EXCHANGE_ATLAS_DB`` (``postgresql://…``;
the command line's ``--db`` sets it for the process). Unset, the workspace directory
(:mod:`loaders.workspace`) is the store, as before. The store modules of :mod:`loaders`
(workspace, documents, audit, users_store, inspections_store, …) keep their functions and
dispatch here when a database is configured; ``home`` then still holds local things
(caches of layer versions, exports).

Modules: :mod:`~loaders.pg.connection` (pools, transactions, advisory locks, the checks of
a database before use), :mod:`~loaders.pg.migrations` (numbered schema migrations), and one
module per kind of thing kept: :mod:`~loaders.pg.documents`, :mod:`~loaders.pg.audit`,
:mod:`~loaders.pg.users`, :mod:`~loaders.pg.inspections`, :mod:`~loaders.pg.layers`,
:mod:`~loaders.pg.photos`, :mod:`~loaders.pg.boundaries` (the zones of boundary sets);
:mod:`~loaders.pg.copy` copies a workspace into a database.
Nothing here is imported (nor psycopg) unless a database is configured.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

ENV_DB = "EXCHANGE_ATLAS_DB"

_override: ContextVar[str | None] = ContextVar("atlas_db_override", default=None)


def database_url() -> str | None:
    """The database in use (``$EXCHANGE_ATLAS_DB``), or None: the workspace is the store."""
    forced = _override.get()
    if forced is not None:
        return forced or None
    url = os.environ.get(ENV_DB, "").strip()
    return url or None


@contextmanager
def using(url: str | None) -> Iterator[None]:
    """Within the block (this thread or task), use the database ``url``, or the workspace
    when None, whatever ``$EXCHANGE_ATLAS_DB`` says (``store copy`` reads a workspace so)."""
    token = _override.set(url or "")
    try:
        yield
    finally:
        _override.reset(token)
