"""Connections to the database in use: checked once, pooled, one transaction per write.

Before a database is first used in a process it is checked (:func:`check_database`): the
URL is a PostgreSQL one, the server answers and lets us in, PostGIS is installed, and the
schema is not newer than this code; then the migrations it lacks are applied, in one
transaction under an advisory lock. Any failure is a :class:`DatabaseError` naming what is
wrong and how to fix it, and nothing is written. The tables live in the connection's
current schema (the first of its ``search_path`` that exists: ``public`` by default).

:func:`transaction` hands out a pooled connection inside a transaction (psycopg_pool). Each
connection is checked as it is handed out, so one that died with a server restart is
dropped and a new one made; a failed connect is not retried in the background with a
growing delay but given up at once (``reconnect_timeout=0``), so the next transaction
connects afresh: a process recovers as soon as the server is back, without a restart.
While the server cannot be reached, a transaction fails within seconds with one
:class:`DatabaseError` that names the database (password masked) and says it is
unreachable; nothing was written. Inside one, further
:func:`transaction` blocks reuse it as savepoints, so the write gateway
(:mod:`loaders.writes`) makes a store's write and its audit entry one transaction.
:func:`lock` takes a transaction-scoped advisory lock: the database's counterpart of the
workspace's OS file locks, released at commit or rollback, or when the holder dies.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg_pool import ConnectionPool, PoolClosed

from loaders.errors import WorkspaceError
from loaders.pg import ENV_DB, database_url
from loaders.pg.migrations import LATEST, MIGRATIONS

#: Seconds to wait for the server when connecting.
CONNECT_TIMEOUT = 5
#: Most connections one process keeps open to the database.
POOL_MAX = 8
#: Seconds a transaction waits for a connection of a busy pool (the server answering).
ACQUIRE_TIMEOUT = 30.0
#: Seconds of each wait for a pooled connection, between looks at whether it failed.
_POLL = 0.25

_pools: dict[str, ConnectionPool[psycopg.Connection]] = {}
_keys: dict[str, str] = {}
_failed: dict[str, float] = {}  # URL → when its pool last failed to connect (monotonic)
_guard = threading.Lock()
_ambient: ContextVar[psycopg.Connection | None] = ContextVar("atlas_pg_conn", default=None)


class DatabaseError(WorkspaceError):
    """The database named by ``$EXCHANGE_ATLAS_DB`` (or ``--db``) cannot be used: a wrong
    or unreachable URL, no PostGIS, a schema newer than the code, or the server gone.
    The message says what is wrong and how to fix it."""


def masked(url: str) -> str:
    """``url`` with its password replaced by ``***`` (for messages and status)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unreadable URL>"
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def _where(url: str) -> str:
    return f"{ENV_DB}={masked(url)}"


def _check_url(url: str) -> None:
    try:
        scheme = urlsplit(url).scheme
    except ValueError:
        scheme = ""
    if scheme not in ("postgresql", "postgres"):
        raise DatabaseError(
            f"{_where(url)} is not a PostgreSQL URL; give one like "
            "postgresql://USER:PASSWORD@HOST:5432/DATABASE (or unset it to use the "
            "workspace directory)"
        )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _connect(url: str) -> psycopg.Connection:
    try:
        return psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT, autocommit=True)
    except psycopg.OperationalError as exc:
        raise DatabaseError(
            f"cannot connect to the database {_where(url)}: it is unreachable or refused "
            f"the connection ({_first_line(exc)}). Check the "
            "host, port, user, password and database name in the URL, and that the server "
            "is running (pg_isready -h HOST -p PORT)"
        ) from None
    except psycopg.ProgrammingError as exc:  # a URL libpq cannot parse
        raise DatabaseError(
            f"{_where(url)} is not a valid connection URL ({_first_line(exc)}); give one "
            "like postgresql://USER:PASSWORD@HOST:5432/DATABASE"
        ) from None


def _require_postgis(conn: psycopg.Connection, url: str) -> None:
    row = conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'postgis'").fetchone()
    if row is not None:
        return
    db = conn.execute("SELECT current_database()").fetchone()
    name = db[0] if db else "DATABASE"
    available = conn.execute(
        "SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'"
    ).fetchone()
    install = (
        ""
        if available
        else "install PostGIS on the server first (Debian: apt install postgresql-15-postgis-3, "
        "the package matching the server's major version), then "
    )
    raise DatabaseError(
        f"the database {name!r} of {_where(url)} has no PostGIS extension: {install}"
        f"as a superuser run: psql -d {name} -c 'CREATE EXTENSION postgis'. Nothing was written"
    )


def _applied(conn: psycopg.Connection) -> int:
    """The highest migration applied in the current schema (0: none, no table)."""
    row = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = current_schema() "
        "AND tablename = 'atlas_migrations')"
    ).fetchone()
    if not row or not row[0]:
        return 0
    got = conn.execute("SELECT coalesce(max(number), 0) FROM atlas_migrations").fetchone()
    return int(got[0]) if got else 0


def _too_new(url: str, have: int) -> DatabaseError:
    return DatabaseError(
        f"the database {_where(url)} has schema version {have}, newer than this version of "
        f"exchange-atlas knows ({LATEST}): upgrade exchange-atlas (pip install -U "
        "exchange-atlas), or point it at another database. Nothing was written"
    )


def migrate(conn: psycopg.Connection, url: str) -> int:
    """Apply the migrations the current schema lacks, in one transaction under an advisory
    lock (concurrent starts wait for each other); return the schema version.

    Raises
    ------
    DatabaseError
        When the schema is newer than the code, or a migration fails (nothing applied).
    """
    with conn.transaction():
        conn.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended('exchange-atlas:migrate:' "
            "|| current_schema(), 0))"
        )
        have = _applied(conn)
        if have > LATEST:
            raise _too_new(url, have)
        if have == LATEST:
            return have
        try:
            if have == 0:
                conn.execute(
                    "CREATE TABLE atlas_migrations (number integer PRIMARY KEY, name text NOT "
                    "NULL, applied timestamptz NOT NULL DEFAULT clock_timestamp())"
                )
            for number, name, sql in MIGRATIONS:
                if number > have:
                    conn.execute(sql.encode())  # pyright: ignore[reportArgumentType]
                    conn.execute(
                        "INSERT INTO atlas_migrations (number, name) VALUES (%s, %s)",
                        (number, name),
                    )
        except psycopg.errors.InsufficientPrivilege as exc:
            raise DatabaseError(
                f"cannot create the tables in {_where(url)}: {_first_line(exc)}. Give the "
                "user the right to create tables in its schema (GRANT CREATE ON SCHEMA "
                "public TO USER, or make it the database's owner). Nothing was written"
            ) from None
    return LATEST


def check_database(url: str) -> str:
    """Check the database at ``url`` and bring its schema up to date (see the module);
    return its identity for cache keys (server, database, schema).

    Raises
    ------
    DatabaseError
        As the module says: one message naming what is wrong and how to fix it.
    """
    _check_url(url)
    conn = _connect(url)
    try:
        _require_postgis(conn, url)
        have = _applied(conn)
        if have > LATEST:
            raise _too_new(url, have)
        migrate(conn, url)
        row = conn.execute(
            "SELECT coalesce(host(inet_server_addr()), 'socket') || ':' || "
            "coalesce(inet_server_port(), 0) || '/' || current_database() || '/' || "
            "current_schema()"
        ).fetchone()
        return str(row[0]) if row else url
    except psycopg.Error as exc:
        raise DatabaseError(f"the database {_where(url)} failed: {_first_line(exc)}") from None
    finally:
        conn.close()


def pool(url: str | None = None) -> ConnectionPool[psycopg.Connection]:
    """The process's pool for the database in use (checked and migrated on first use).

    Raises
    ------
    DatabaseError
        When no database is configured, or it cannot be used (:func:`check_database`).
    """
    url = url or database_url()
    if not url:
        raise DatabaseError(f"no database is configured ({ENV_DB} is not set)")
    with _guard:
        got = _pools.get(url)
        if got is not None:
            return got
        key = check_database(url)
        got = _new_pool(url)
        _pools[url] = got
        _keys[url] = hashlib.sha256(key.encode()).hexdigest()[:16]
        return got


def _new_pool(url: str) -> ConnectionPool[psycopg.Connection]:
    """A pool for ``url`` whose connections are checked as they are handed out and whose
    failed connects are given up at once (noted in ``_failed``), never retried in the
    background with a growing delay: the next request connects afresh (see the module)."""

    def failed(_pool: ConnectionPool) -> None:
        _failed[url] = time.monotonic()

    return ConnectionPool(
        url,
        connection_class=psycopg.Connection,
        min_size=1,
        max_size=POOL_MAX,
        kwargs={"connect_timeout": CONNECT_TIMEOUT},
        check=ConnectionPool.check_connection,
        timeout=ACQUIRE_TIMEOUT,
        reconnect_timeout=0.0,
        reconnect_failed=failed,
        open=True,
        name="exchange-atlas",
    )


def unreachable(url: str, why: str) -> DatabaseError:
    """The error of a database that stopped answering (the server stopped, restarting, or
    the network between), with ``why`` (libpq's words)."""
    return DatabaseError(
        f"the database {_where(url)} is unreachable ({why}); nothing was read or written. "
        "Check that the server is running (pg_isready -h HOST -p PORT); the app connects "
        "again by itself once it is back"
    )


def _probe(url: str) -> str | None:
    """Whether the server lets us in now: None, else libpq's reason."""
    try:
        psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT, autocommit=True).close()
    except psycopg.Error as exc:
        return _first_line(exc)
    return None


def _checkout(url: str) -> tuple[ConnectionPool[psycopg.Connection], psycopg.Connection]:
    """A checked connection of the pool of ``url`` (and the pool, to give it back to).

    Waits while the pool is busy (up to :data:`ACQUIRE_TIMEOUT`); once the pool failed to
    connect, asks the server directly, and when that fails too raises at once.

    Raises
    ------
    DatabaseError
        When the server cannot be reached, or no connection came free in time.
    """
    start = time.monotonic()
    deadline = start + ACQUIRE_TIMEOUT
    while True:
        p = pool(url)
        try:
            return p, p.getconn(timeout=_POLL)
        except PoolClosed:  # closed meanwhile (close_pools): the next one
            continue
        except psycopg.OperationalError:  # PoolTimeout: nothing ready yet
            pass
        now = time.monotonic()
        if _failed.get(url, -1.0) >= start or now >= deadline:
            why = _probe(url)
            if why is not None:
                raise unreachable(url, why)
            if now >= deadline:
                raise DatabaseError(
                    f"the database {_where(url)} answers, but no connection of this "
                    f"process came free within {ACQUIRE_TIMEOUT:.0f} s (all {POOL_MAX} "
                    "busy); nothing was read or written. Try again"
                )
            start = now  # it answers again: the pool connects on the next request


def store_key(url: str | None = None) -> str:
    """A short identity of the database in use (server, database, schema) for cache keys
    and cache file names."""
    url = url or database_url() or ""
    pool(url)
    return _keys[url]


def close_pools() -> None:
    """Close every pool of the process (tests; a server shutting down)."""
    with _guard:
        for p in _pools.values():
            p.close()
        _pools.clear()
        _keys.clear()
        _failed.clear()


@contextmanager
def transaction() -> Iterator[psycopg.Connection]:
    """A connection inside a transaction, committed when the block ends, rolled back when
    it raises. Nested blocks (in the same thread or task) share the outer transaction as
    savepoints.

    Raises
    ------
    DatabaseError
        When the database cannot be reached (:func:`unreachable`: the server stopped or
        restarted; once it is back the next call gets a new connection).
    """
    outer = _ambient.get()
    if outer is not None:
        with outer.transaction():
            yield outer
        return
    url = database_url() or ""
    p, conn = _checkout(url)
    try:
        with conn.transaction():
            token = _ambient.set(conn)
            try:
                yield conn
            finally:
                _ambient.reset(token)
    except psycopg.OperationalError as exc:
        if conn.closed or conn.broken:
            raise unreachable(url, _first_line(exc)) from None
        raise DatabaseError(
            f"the database {_where(url)} failed ({_first_line(exc)}); nothing of this change "
            "was written. Try again"
        ) from None
    finally:
        p.putconn(conn)  # a broken connection is dropped, not kept


@contextmanager
def adopted(conn: psycopg.Connection) -> Iterator[None]:
    """Within the block (this thread or task), :func:`transaction` joins ``conn``'s open
    transaction (as savepoints) instead of taking a pooled connection: a copy that holds
    its own connection (:mod:`loaders.pg.copy`) calls the stores' functions in it."""
    token = _ambient.set(conn)
    try:
        yield
    finally:
        _ambient.reset(token)


def in_transaction() -> bool:
    """Whether a :func:`transaction` is open in this thread or task."""
    return _ambient.get() is not None


def lock(conn: psycopg.Connection, what: str, timeout: float = 10.0) -> None:
    """Take the advisory lock named ``what`` (in this schema) until the transaction ends;
    writers of one thing never interleave, as under the workspace's file locks.

    Raises
    ------
    WorkspaceError
        When another writer holds it for longer than ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    while True:
        row = conn.execute(
            "SELECT pg_try_advisory_xact_lock(hashtextextended("
            "'exchange-atlas:' || current_schema() || ':' || %s, 0))",
            (what,),
        ).fetchone()
        if row and row[0]:
            return
        if time.monotonic() > deadline:
            raise WorkspaceError(
                f"{what} is locked by another writer (in the database); try again when it "
                "has finished"
            )
        time.sleep(0.05)


def schema_version(url: str | None = None) -> int:
    """The schema version of the database in use (the highest migration applied)."""
    with transaction() as conn:
        return _applied(conn)
