"""Versioned JSON documents in the workspace: settings a user edits (the targets), kept
the way layers are.

Each document ``name`` lives in ``<workspace>/documents/<name>/``: write-once version files
``v0001.json``, ``v0002.json``, … and a ``CURRENT`` pointer switched by an atomic rename,
all under the directory's OS lock (:func:`loaders.workspace.dir_lock`). A save or a reset
is a new version (a reset is a version without content: the shipped default applies
again), so every change can be undone and the history shows who changed what when.
A reader sees the old or the new version, never a partial one.

With a database in use (:func:`loaders.pg.database_url`) the same functions keep the
documents in it (:mod:`loaders.pg.documents`): the same version names, history and undo.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TypeVar

from loaders.pg import database_url
from loaders.workspace import (
    WorkspaceError,
    _fsync_dir,
    _number,
    atomic_write_bytes,
    default_home,
    dir_lock,
)

VERSION_RE = re.compile(r"^v(\d{4,})\.json$")
T = TypeVar("T")


def read_json_file(path: Path, parse: Callable[[Mapping], T]) -> T:
    """``parse`` of the JSON in ``path`` (a shipped default or a user's file).

    Raises
    ------
    ValueError
        When the file is not valid JSON or ``parse`` refuses it; the message names the file.
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not valid JSON ({exc.msg}, line {exc.lineno})") from None
    try:
        return parse(data)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


def document_dir(name: str, home: Path | None = None) -> Path:
    """Directory holding the versions of document ``name``."""
    return (home or default_home()) / "documents" / name


@dataclass(frozen=True)
class DocumentVersion:
    """One saved version: its file, number, time (UTC, ISO), action (``save`` or
    ``reset``), what it came from, the version before it, and whether it is in effect."""

    name: str
    number: int
    created: str
    action: str
    source: str
    previous: str | None
    current: bool = False

    def to_dict(self) -> dict:
        return asdict(self)


def _current(d: Path) -> str | None:
    try:
        name = (d / "CURRENT").read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return name if VERSION_RE.fullmatch(name) and (d / name).is_file() else None


def document_signature(name: str, home: Path | None = None) -> str:
    """What identifies the version of document ``name`` in effect (``default``: none), for
    caches: a new save, reset or undo changes it."""
    if database_url():
        from loaders.pg import documents as pg

        return pg.signature(name)
    d = document_dir(name, home)
    cur = _current(d)
    return f"{d / cur}:{(d / cur).stat().st_mtime_ns}" if cur else "default"


def _read(d: Path, name: str) -> dict:
    try:
        return json.loads((d / name).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise WorkspaceError(f"{d / name} cannot be read ({exc}); undo to the previous") from None


def load_document(name: str, home: Path | None = None) -> dict | None:
    """The content of the version in effect, or None (never saved, or reset: the shipped
    default applies)."""
    if database_url():
        from loaders.pg import documents as pg

        return pg.load(name)
    d = document_dir(name, home)
    cur = _current(d)
    return None if cur is None else _read(d, cur).get("content")


def _versions(d: Path) -> list[str]:
    names = [p.name for p in d.glob("v*.json") if VERSION_RE.fullmatch(p.name)]
    return sorted(names, key=lambda n: _number(VERSION_RE, n))


def _write(name: str, content: dict | None, action: str, source: str, home: Path | None) -> str:
    if database_url():
        from loaders.pg import documents as pg

        return pg.write(name, content, action, source)
    d = document_dir(name, home)
    with dir_lock(d, f"the {name}"):
        previous = _current(d)
        taken = [_number(VERSION_RE, n) for n in _versions(d)]
        number = max(taken, default=0) + 1
        version = f"v{number:04d}.json"
        record = {
            "number": number,
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "action": action,
            "source": source,
            "previous": previous,
            "content": content,
        }
        data = json.dumps(record, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"
        atomic_write_bytes(d / version, data, exclusive=True)
        atomic_write_bytes(d / "CURRENT", version.encode())
        return version


def save_document(name: str, content: dict, home: Path | None = None, source: str = "") -> str:
    """Store ``content`` as a new version in effect; return the version's file name."""
    return _write(name, content, "save", source, home)


def reset_document(name: str, home: Path | None = None, source: str = "") -> str | None:
    """Make the shipped default apply again, as a new (undoable) version; None when it
    already applies (nothing is written)."""
    if load_document(name, home) is None:
        return None
    return _write(name, None, "reset", source, home)


def undo_document(name: str, home: Path | None = None) -> str | None:
    """Put the version before the one in effect back in effect; return its name (None:
    back to the shipped default).

    Raises
    ------
    WorkspaceError
        When nothing was saved.
    """
    if database_url():
        from loaders.pg import documents as pg

        return pg.undo(name)
    d = document_dir(name, home)
    with dir_lock(d, f"the {name}"):
        cur = _current(d)
        if cur is None:
            raise WorkspaceError(f"nothing to undo: the {name} were never changed")
        prev = _read(d, cur).get("previous")
        if prev and VERSION_RE.fullmatch(prev) and (d / prev).is_file():
            atomic_write_bytes(d / "CURRENT", prev.encode())
            return prev
        (d / "CURRENT").unlink()
        _fsync_dir(d)
        return None


def document_history(name: str, home: Path | None = None) -> list[DocumentVersion]:
    """Every stored version, oldest first, the one in effect marked ``current``."""
    if database_url():
        from loaders.pg import documents as pg

        return [DocumentVersion(**v) for v in pg.history(name)]
    d = document_dir(name, home)
    cur = _current(d)
    out = []
    for v in _versions(d):
        rec = _read(d, v)
        out.append(
            DocumentVersion(
                v,
                int(rec.get("number", 0)),
                str(rec.get("created", "")),
                str(rec.get("action", "")),
                str(rec.get("source", "")),
                rec.get("previous"),
                v == cur,
            )
        )
    return out


def document_names(prefix: str = "", home: Path | None = None, *, every: bool = False) -> list[str]:
    """The names of the documents starting with ``prefix`` that have a version in effect
    (a reset counts: a version without content), sorted; with ``every``, also those with
    versions but none in effect (undone back to the default)."""
    if database_url():
        from loaders.pg import documents as pg

        return sorted(pg.all_names(prefix) if every else pg.names(prefix))
    root = (home or default_home()) / "documents"
    if not root.is_dir():
        return []
    out = []
    for d in {p.parent for p in root.rglob("v*.json") if VERSION_RE.fullmatch(p.name)}:
        name = d.relative_to(root).as_posix()
        if name.startswith(prefix) and (every or _current(d) is not None):
            out.append(name)
    return sorted(out)
