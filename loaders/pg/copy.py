"""Copying a workspace into an empty database (``exchange-atlas store copy``).

What is copied, exactly as the workspace has it, so that every store function answers the
same on the database as on the workspace:

* every layer version that has its record (``v0001.parquet`` + ``v0001.json``; a version
  file without one was never in effect and is left out, as the history leaves it out),
  with its number, time, action, source, ``previous``, row count, added rows, its rows in
  order and the version in effect. A version that adds rows to the one before it stores
  only those rows, chained onto it (as an import into the database does) — after checking
  that its first rows *are* the version before, else it stores all its rows;
* every document (the standards, the targets, the inspection settings, boundary-set
  records: every folder of ``documents/`` with versions) with each version's number,
  time, action, source, ``previous`` and content, and the one in effect; a standards
  file of an earlier version (``standards.json``, before there were versions) becomes the
  standards document's first version, as the next change would make it;
* the users in effect and every kept version, under the same numbers (named
  ``users.v0001.json`` … as in the database; ``previous`` renamed so when the file had
  another name, ``$EXCHANGE_ATLAS_USERS``);
* the audit log, entry by entry, in order (a torn line is skipped, as when reading);
* the inspection batches in effect or not, with their numbers, times, sources, actors,
  ids and chains, and the latest in effect (:func:`loaders.inspections_store.copy_batches`);
* every stored photo, under its sha256 (checked against its bytes);
* every zones file of every boundary set (in effect or not), under its name, so that the
  sets' records — documents, copied with the others — name them
  (:func:`loaders.boundaries.copy_zones`).

All of it is one transaction on one connection: the schema is created (or checked) in it
under the migrations' advisory lock, every table of the store is locked against writers,
the database is checked to hold nothing of exchange-atlas (nor other tables in its
schema), and only then are the rows written; any failure rolls everything back, so the
database is left as it was. The workspace is only read: each folder under its writers'
OS lock for the moment its pointers and records are read (write-once files after).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import psycopg
import pyarrow as pa
import pyarrow.parquet as pq
from psycopg import sql
from psycopg.types.json import Jsonb

from dashboard.core.model import LAYERS
from loaders.errors import WorkspaceError
from loaders.pg import layers as pg_layers
from loaders.pg import users as pg_users
from loaders.pg import using
from loaders.pg.connection import (
    DatabaseError,
    _check_url,
    _connect,
    _first_line,
    _require_postgis,
    _where,
    adopted,
    masked,
    migrate,
)

#: Tables that may be in the database's schema beside the store's (PostGIS's own).
ALLOWED_TABLES = frozenset({"spatial_ref_sys"})
_VERSION_FIELDS = ("created", "action", "rows", "source", "previous", "added")


class CopyRefused(WorkspaceError):
    """A copy that cannot be made (the database holds something; a record, pointer or file
    of the workspace cannot be read); the message says what and why. Nothing was
    written."""


@dataclass
class CopySummary:
    """What a copy wrote: the database (password masked), the workspace, and how many of
    each kind."""

    database: str
    home: str
    layers: int = 0
    layer_versions: int = 0
    layer_rows_stored: int = 0
    documents: int = 0
    document_versions: int = 0
    users: int = 0
    users_versions: int = 0
    audit_entries: int = 0
    inspection_batches: int = 0
    inspections: int = 0
    photos: int = 0
    boundary_sets: int = 0
    zones_files: int = 0
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# --------------------------------------------------------------------------- reading


@dataclass
class _LayerVersion:
    number: int
    record: dict[str, Any]
    file: Path


@dataclass
class _Layer:
    name: str
    versions: list[_LayerVersion]
    current: int | None


@dataclass
class _Document:
    name: str
    versions: list[dict[str, Any]]  # number, created, action, source, previous, content
    current: int | None


@dataclass
class _Users:
    state: dict[str, Any] | None
    kept: list[tuple[int, dict[str, Any], float]]  # number, content, mtime


@dataclass
class _Workspace:
    home: Path
    layers: list[_Layer] = field(default_factory=list)
    documents: list[_Document] = field(default_factory=list)
    users: _Users = field(default_factory=lambda: _Users(None, []))
    audit: list[dict[str, str]] = field(default_factory=list)
    inspections: list[tuple[Any, Any]] = field(default_factory=list)  # (batch, rows)
    inspections_current: int | None = None
    photos: list[tuple[str, Path]] = field(default_factory=list)  # (digest, file)
    zones: list[tuple[str, str, Any]] = field(default_factory=list)  # (set, file, zones)
    notes: list[str] = field(default_factory=list)


def _refuse(text: str) -> CopyRefused:
    return CopyRefused(f"{text}. Nothing was copied")


def _json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise _refuse(f"{path} cannot be read ({exc}); fix or remove it first") from None


def _pointer(d: Path, rx) -> str | None:
    """The name ``CURRENT`` in ``d`` holds (None: none), as the stores read it."""
    try:
        name = (d / "CURRENT").read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return name if rx.fullmatch(name) and (d / name).is_file() else None


def _named(path: Path, rx) -> str | None:
    """The version name the pointer file ``path`` holds (None: none)."""
    try:
        name = path.read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    return name if rx.fullmatch(name) else None


def _read_layer(d: Path) -> _Layer:
    from loaders.workspace import RECORD_RE, VERSION_RE, dir_lock

    with dir_lock(d, f"the {d.name} layer"):
        cur = _pointer(d, VERSION_RE)
        files = {p.name: p for p in d.iterdir() if p.is_file()}
        pending = _named(d / "PENDING", VERSION_RE)
        records = {n: _json(files[n]) for n in files if RECORD_RE.fullmatch(n)}
    versions = []
    for name in sorted(files):
        m = VERSION_RE.fullmatch(name)
        rec_name = name.replace(".parquet", ".json")
        if not m or rec_name not in records:
            continue  # a version file without its record was never in effect
        if name == pending and name != cur:
            continue  # being made, or left by a killed commit: never in effect
        number = int(m.group(1))
        rec = records[rec_name]
        where = d / rec_name
        if not isinstance(rec, dict) or int(rec.get("number", -1)) != number:
            raise _refuse(f"{where}: its record does not name version {number}")
        missing = [k for k in _VERSION_FIELDS if k not in rec]
        if missing or rec["action"] not in ("add", "replace"):
            raise _refuse(f"{where}: not a version record ({', '.join(missing) or 'action'})")
        versions.append(_LayerVersion(number, rec, files[name]))
    versions.sort(key=lambda v: v.number)
    current = None
    if cur is not None:
        current = int(VERSION_RE.fullmatch(cur).group(1))  # type: ignore[union-attr]
        if current not in {v.number for v in versions}:
            raise _refuse(
                f"{d / 'CURRENT'} names {cur}, which has no record ({cur[:-8]}.json); "
                "undo it or restore the record first"
            )
    return _Layer(d.name, versions, current)


def _document_dirs(root: Path) -> list[Path]:
    """The folders under ``root`` that hold a document's versions or pointer."""
    from loaders.documents import VERSION_RE

    out = []
    for d in sorted(p for p in root.rglob("*") if p.is_dir()):
        if d.name.startswith("."):
            continue
        if (d / "CURRENT").is_file() or any(VERSION_RE.fullmatch(p.name) for p in d.iterdir()):
            out.append(d)
    return out


def _read_document(d: Path, name: str) -> _Document:
    from loaders.documents import VERSION_RE
    from loaders.workspace import dir_lock

    with dir_lock(d, f"the {name}"):
        cur = _pointer(d, VERSION_RE)
        names = [p.name for p in d.iterdir() if VERSION_RE.fullmatch(p.name)]
        records = {n: _json(d / n) for n in names}
    versions = []
    for n in sorted(names, key=lambda n: int(VERSION_RE.fullmatch(n).group(1))):  # type: ignore[union-attr]
        number = int(VERSION_RE.fullmatch(n).group(1))  # type: ignore[union-attr]
        rec = records[n]
        if not isinstance(rec, dict) or int(rec.get("number", -1)) != number:
            raise _refuse(f"{d / n}: its record does not name version {number}")
        action, content, previous = rec.get("action"), rec.get("content"), rec.get("previous")
        if action not in ("save", "reset") or not (content is None or isinstance(content, dict)):
            raise _refuse(f"{d / n}: not a document version (action {action!r})")
        if previous is not None and not isinstance(previous, str):
            raise _refuse(f"{d / n}: its 'previous' is not a version's name")
        versions.append(
            {
                "number": number,
                "created": str(rec.get("created", "")),
                "action": action,
                "source": str(rec.get("source", "")),
                "previous": previous,
                "content": content,
            }
        )
    current = None if cur is None else int(VERSION_RE.fullmatch(cur).group(1))  # type: ignore[union-attr]
    return _Document(name, versions, current)


def _legacy_standards(home: Path, docs: list[_Document]) -> _Document | None:
    """A standards file of an earlier version as the standards' first version (what the
    next change would make of it), when no standards document exists."""
    from dashboard.core.standards import standards_to_dict
    from loaders.standards_store import DOCUMENT, legacy_standards_path, read_standards

    legacy = legacy_standards_path(home)
    if not legacy.is_file() or any(d.name == DOCUMENT and d.versions for d in docs):
        return None
    try:
        content = standards_to_dict(read_standards(legacy))
    except ValueError as exc:
        raise _refuse(f"{exc}; fix or remove it first") from None
    version = {
        "number": 1,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "action": "save",
        "source": f"migrated from {legacy.name}",
        "previous": None,
        "content": content,
    }
    return _Document(DOCUMENT, [version], 1)


def _renamed(previous: Any, rx, stem: str) -> Any:
    """A users file's ``previous`` (``people.v0002.json``) named as in the database."""
    if isinstance(previous, str):
        m = rx.match(previous)
        if m:
            return pg_users.version_name(int(m.group(1)))
    return previous


def _read_users(home: Path) -> _Users:
    from loaders import users_store
    from loaders.workspace import dir_lock

    path = users_store.users_path(home)
    if not path.parent.is_dir():
        return _Users(None, [])
    with dir_lock(path.parent, "the users file"):
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raw = None
        kept = [(n, p.read_bytes(), p.stat().st_mtime) for n, p in users_store._versions(path)]
    rx = users_store._version_re(path)
    state = None
    if raw is not None:
        try:
            state = users_store._parse(path, raw)
        except users_store.UsersError as exc:
            raise _refuse(f"{path} cannot be read ({exc.args[0]})") from None
        state["previous"] = _renamed(state.get("previous"), rx, path.stem)
    versions = []
    for n, data, mtime in kept:
        try:
            content = json.loads(data)
        except ValueError as exc:
            where = path.with_name(f"{path.stem}.v{n:04d}{path.suffix}")
            raise _refuse(f"{where} cannot be read ({exc}); fix or remove it first") from None
        if isinstance(content, dict):
            content["previous"] = _renamed(content.get("previous"), rx, path.stem)
        versions.append((n, content, mtime))
    return _Users(state, versions)


def _read_audit(home: Path) -> list[dict[str, str]]:
    from loaders.audit import _since, audit_path, read_audit

    out = []
    for i, entry in enumerate(read_audit(home), 1):
        try:
            _since(entry.time)
        except ValueError:
            raise _refuse(
                f"{audit_path(home)}: entry {i} has the time {entry.time!r}, not an ISO time"
            ) from None
        out.append(entry.to_dict())
    return out


def _read_inspections(ws: _Workspace) -> None:
    from loaders.inspections_store import batch_rows, inspections_dir, inspections_history
    from loaders.workspace import dir_lock

    d = inspections_dir(ws.home)
    if not d.is_dir():
        return
    with dir_lock(d, "the inspections"):  # no add or undo meanwhile
        batches = inspections_history(ws.home)
        ws.inspections = [(b, batch_rows(b.number, ws.home)) for b in batches]
    ws.inspections_current = next((b.number for b in batches if b.current), None)


def _read_photos(ws: _Workspace) -> None:
    import hashlib

    from loaders.photos import photo_path, stored_photos

    for rel in stored_photos(ws.home):
        path = photo_path(rel, ws.home)
        if path is None:
            continue
        digest = path.stem
        if hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            raise _refuse(f"{path}: its bytes are not the photo its name says (damaged)")
        ws.photos.append((digest, path))


def _read_zones(ws: _Workspace) -> None:
    from loaders.boundaries import boundary_names, read_zones, set_dir, zones_files
    from loaders.workspace import dir_lock

    for name in boundary_names(ws.home, every=True):
        with dir_lock(set_dir(name, ws.home), f"boundary set {name!r}"):
            files = zones_files(name, ws.home)
        ws.zones += [(name, f, read_zones(name, f, ws.home)) for f in files]  # write-once


def read_workspace(home: Path) -> _Workspace:
    """Everything :func:`copy_workspace` copies from the workspace ``home``, read through
    the workspace's files (each folder under its lock while its pointers are read).

    Raises
    ------
    CopyRefused
        When ``home`` is no workspace, or a record, pointer or file cannot be read.
    """
    home = Path(home)
    if not home.is_dir():
        raise _refuse(f"{home}: no workspace there (not a directory); check --home")
    try:
        return _read(home)
    except OSError as exc:
        raise _refuse(f"{exc.filename or home} cannot be read ({exc.strerror or exc})") from None


def _read(home: Path) -> _Workspace:
    ws = _Workspace(home)
    with using(None):
        layers_dir = home / "layers"
        if layers_dir.is_dir():
            for d in sorted(p for p in layers_dir.iterdir() if p.is_dir()):
                if d.name not in LAYERS:
                    raise _refuse(f"{d}: no layer of that name; move it out of the workspace")
                layer = _read_layer(d)
                if layer.versions:
                    ws.layers.append(layer)
        docs_dir = home / "documents"
        if docs_dir.is_dir():
            for d in _document_dirs(docs_dir):
                name = d.relative_to(docs_dir).as_posix()
                doc = _read_document(d, name)
                if doc.versions:
                    ws.documents.append(doc)
        legacy = _legacy_standards(home, ws.documents)
        if legacy is not None:
            ws.documents.append(legacy)
            ws.notes.append(
                "standards.json (saved by an earlier version) became the standards' first version"
            )
        ws.users = _read_users(home)
        from loaders.users_store import users_path

        if ws.users.state is not None and users_path(home).parent != home:
            ws.notes.append(f"the users came from {users_path(home)} (EXCHANGE_ATLAS_USERS)")
        ws.audit = _read_audit(home)
        _read_inspections(ws)
        _read_photos(ws)
        _read_zones(ws)
    return ws


# --------------------------------------------------------------------------- writing


def _store_tables(conn) -> list[str]:
    rows = conn.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
    ).fetchall()
    return [str(r[0]) for r in rows]


def _require_empty(conn, url: str) -> None:
    """Lock the store's tables against writers and refuse a database that holds anything."""
    tables = _store_tables(conn)
    ours = [t for t in tables if t.startswith("atlas_") and t != "atlas_migrations"]
    others = [t for t in tables if not t.startswith("atlas_") and t not in ALLOWED_TABLES]
    if others:
        raise _refuse(
            f"the database {_to(url)} is not empty: its schema holds the tables "
            f"{', '.join(others[:5])}; store copy copies only into an empty database "
            "(createdb -O USER NAME, then psql -d NAME -c 'CREATE EXTENSION postgis')"
        )
    names = [sql.Identifier(t) for t in ours]
    conn.execute(sql.SQL("LOCK TABLE {} IN EXCLUSIVE MODE").format(sql.SQL(", ").join(names)))
    full = []
    for t, name in zip(ours, names, strict=True):
        row = conn.execute(sql.SQL("SELECT EXISTS (SELECT 1 FROM {})").format(name)).fetchone()
        if row and row[0]:
            full.append(t)
    if full:
        raise _refuse(
            f"the database {_to(url)} already holds exchange-atlas data ({', '.join(full)}); "
            "store copy copies only into an empty database: create a new one "
            "(createdb -O USER NAME, then psql -d NAME -c 'CREATE EXTENSION postgis') and "
            "give it to --to"
        )


def _fixed(batches, size: int):
    """Tables of exactly ``size`` rows (the last one fewer) from record ``batches``."""
    held: list[pa.RecordBatch] = []
    n = 0
    for b in batches:
        held.append(b)
        n += b.num_rows
        while n >= size:
            t = pa.Table.from_batches(held)
            yield t.slice(0, size)
            rest = t.slice(size)
            held, n = rest.to_batches(), rest.num_rows
    if n:
        yield pa.Table.from_batches(held)


def _starts_with(file: Path, prev: Path) -> bool:
    """Whether the version ``file`` begins with every row of ``prev``, equal in each of
    prev's columns, and its own other columns empty there (an import onto ``prev``)."""
    f, p = pq.ParquetFile(file), pq.ParquetFile(prev)
    fcols = [c for c in f.schema_arrow.names if c != "geometry"]
    pcols = [c for c in p.schema_arrow.names if c != "geometry"]
    if not set(pcols) <= set(fcols) or p.metadata.num_rows > f.metadata.num_rows:
        return False
    extra = [c for c in fcols if c not in pcols]
    size = 65_536
    mine = _fixed(f.iter_batches(batch_size=size, columns=fcols), size)
    for theirs in _fixed(p.iter_batches(batch_size=size, columns=pcols), size):
        head = next(mine, None)
        if head is None:
            return False
        head = head.slice(0, theirs.num_rows)
        for c in pcols:
            a, b = head.column(c), theirs.column(c)
            if a.type != b.type or not a.equals(b):
                return False
        if any(head.column(c).null_count != head.num_rows for c in extra):
            return False
    return True


def _copy_layer(conn, layer: _Layer) -> tuple[int, int]:
    """Store ``layer``'s versions and pointer; (versions, rows stored)."""
    chains: dict[int, list[int]] = {}
    files = {v.number: v.file for v in layer.versions}
    stored = 0
    for v in layer.versions:
        try:
            stored += _copy_version(conn, layer.name, v, chains, files)
        except (OSError, pa.ArrowException) as exc:
            raise _refuse(f"{v.file} cannot be read ({_first_line(exc)})") from None
    pg_layers.set_current(conn, layer.name, layer.current)
    return len(layer.versions), stored


def _copy_version(
    conn, layer: str, v: _LayerVersion, chains: dict[int, list[int]], files: dict[int, Path]
) -> int:
    """Store version ``v`` of ``layer`` (chained onto the one before when it adds to it);
    the rows stored."""
    from loaders.workspace import VERSION_RE, _batches, storable_table

    rec = v.record
    columns = [c for c in pq.read_schema(v.file).names if c != "geometry"]
    rows, added = int(rec["rows"]), int(rec["added"])
    if pq.ParquetFile(v.file).metadata.num_rows != rows:
        raise _refuse(f"{v.file}: holds a number of rows other than its record says")
    prev = rec["previous"]
    m = VERSION_RE.fullmatch(prev) if isinstance(prev, str) else None
    base = int(m.group(1)) if m else -1
    skip = 0
    if (
        rec["action"] == "add"
        and base in chains
        and rows - added == pq.ParquetFile(files[base]).metadata.num_rows
        and _starts_with(v.file, files[base])
    ):
        chain, skip, base_rows = [*chains[base], v.number], rows - added, 0
    else:  # all its rows (a first import's include the shipped ones it was made onto)
        chain = [v.number]
        base_rows = rows - added if rec["action"] == "add" else 0
    pg_layers.add_version(
        conn,
        layer,
        {
            "number": v.number,
            "created": str(rec["created"]),
            "action": str(rec["action"]),
            "rows": rows,
            "source": str(rec["source"]),
            "previous": prev,
            "added": added,
            "columns": columns,
            "chain": chain,
            "base_rows": base_rows,
            "actor": str(rec.get("actor", "")),
        },
    )

    def batches():
        left = skip
        for b in _batches(v.file):
            if left >= len(b):
                left -= len(b)
                continue
            yield storable_table(b.iloc[left:], layer, columns)
            left = 0

    n = pg_layers.copy_in(conn, layer, v.number, columns, batches())
    if n != rows - skip:
        raise _refuse(f"{v.file}: stored {n} rows of {rows - skip}")
    chains[v.number] = chain
    return n


def _copy_document(conn, doc: _Document) -> None:
    for v in doc.versions:
        conn.execute(
            "INSERT INTO atlas_documents (name, number, created, action, source, previous, "
            "content) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (
                doc.name,
                v["number"],
                v["created"],
                v["action"],
                v["source"],
                v["previous"],
                None if v["content"] is None else Jsonb(v["content"]),
            ),
        )
    if doc.current is not None:
        conn.execute(
            "INSERT INTO atlas_document_current (name, number) VALUES (%s, %s)",
            (doc.name, doc.current),
        )


def _copy_users(conn, users: _Users) -> None:
    for n, content, mtime in users.kept:
        conn.execute(
            "INSERT INTO atlas_users_versions (number, content, kept) VALUES (%s, %s, %s)",
            (n, Jsonb(content), datetime.fromtimestamp(mtime, timezone.utc)),
        )
    pg_users.set_state(conn, users.state)


def _copy_audit(conn, entries: list[dict[str, str]]) -> None:
    from loaders.audit import _since
    from loaders.pg.audit import FIELDS

    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO atlas_audit (at, time, actor, role, via, action, target, detail, "
            "version) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [(_since(e["time"]), *(e[k] for k in FIELDS)) for e in entries],
        )


def _write(conn, ws: _Workspace, summary: CopySummary) -> None:
    for layer in ws.layers:
        versions, rows = _copy_layer(conn, layer)
        summary.layers += 1
        summary.layer_versions += versions
        summary.layer_rows_stored += rows
    for doc in ws.documents:
        _copy_document(conn, doc)
        summary.documents += 1
        summary.document_versions += len(doc.versions)
    _copy_users(conn, ws.users)
    summary.users = len((ws.users.state or {}).get("users", {}))
    summary.users_versions = len(ws.users.kept)
    _copy_audit(conn, ws.audit)
    summary.audit_entries = len(ws.audit)
    if ws.inspections:
        from loaders.inspections_store import copy_batches

        summary.inspection_batches = copy_batches(ws.inspections, ws.inspections_current)
        summary.inspections = sum(len(rows) for _, rows in ws.inspections)
    from loaders.pg import photos as pg_photos

    for digest, path in ws.photos:
        pg_photos.put(conn, digest, path.read_bytes())
    summary.photos = len(ws.photos)
    if ws.zones:
        from loaders.boundaries import copy_zones

        for name, file, zones in ws.zones:
            copy_zones(name, file, zones)
        summary.boundary_sets = len({name for name, _, _ in ws.zones})
        summary.zones_files = len(ws.zones)


def _to(url: str) -> str:
    return f"--to {masked(url)}"


def _for_to(exc: DatabaseError, url: str) -> DatabaseError:
    """``exc`` (which names the database as the one in use) naming it as ``--to``."""
    text = str(exc).replace(_where(url), _to(url))
    text = text.replace(" (or unset it to use the workspace directory)", "")
    return DatabaseError(text)


def copy_workspace(home: Path, url: str) -> CopySummary:
    """Copy the workspace ``home`` into the empty database ``url``, in one transaction
    (see the module); return what was copied.

    Raises
    ------
    CopyRefused
        When the database already holds anything, or the workspace cannot be read
        (nothing is written).
    DatabaseError
        When the database cannot be used or fails meanwhile (nothing is written).
    """
    ws = read_workspace(home)
    try:
        _check_url(url)
        conn = _connect(url)
    except DatabaseError as exc:
        raise _for_to(exc, url) from None
    summary = CopySummary(masked(url), str(home), notes=list(ws.notes))
    try:
        with conn.transaction(), using(url), adopted(conn):  # the stores' functions join it
            _require_postgis(conn, url)
            migrate(conn, url)  # a savepoint of this transaction: rolled back with it
            _require_empty(conn, url)
            _write(conn, ws, summary)
    except DatabaseError as exc:  # no PostGIS, a newer schema, no right to create tables
        raise _for_to(exc, url) from None
    except psycopg.OperationalError as exc:
        if conn.broken or conn.closed:
            raise DatabaseError(
                f"the database {_to(url)} became unreachable during the copy "
                f"({_first_line(exc)}); nothing was written (the copy is one transaction): "
                "run it again when the server is back"
            ) from None
        raise DatabaseError(
            f"the copy into {_to(url)} failed ({_first_line(exc)}); nothing was written"
        ) from None
    except psycopg.Error as exc:
        raise DatabaseError(
            f"the copy into {_to(url)} failed ({_first_line(exc)}); nothing was written"
        ) from None
    finally:
        conn.close()
    return summary
