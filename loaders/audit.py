"""The audit log: who changed what, when, and which version it made.

``<workspace>/audit.jsonl`` holds one JSON object a line, one line per write that went
through the gateway (:mod:`loaders.writes`): ``time`` (UTC, ISO 8601), ``actor``,
``role``, ``via``, ``action``, ``target``, ``detail`` (a short text the gateway builds;
never a password or a hash) and ``version`` (the version the write created or put in
effect). Append-only: each entry is one ``write`` to a file opened with ``O_APPEND``,
fsynced, under the workspace's OS lock (:func:`loaders.workspace.dir_lock`), so entries of
concurrent writers never interleave. A line torn by a crash mid-append is skipped when
reading (and the next entry starts on a line of its own), never fatal.

With a database in use the log is its table ``atlas_audit`` (:mod:`loaders.pg.audit`),
each entry written in the transaction of the write it records.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass
from datetime import date, datetime, timezone
from pathlib import Path

from dashboard.core.rights import Actor
from loaders.pg import database_url
from loaders.workspace import default_home, dir_lock

AUDIT_FILE = "audit.jsonl"
#: The longest detail kept (the gateway's texts are far shorter).
MAX_DETAIL = 500
FIELDS = ("time", "actor", "role", "via", "action", "target", "detail", "version")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AuditEntry:
    """One write: when (UTC, ISO), who (name, role, way in), what, on what, and the
    version it made."""

    time: str
    actor: str
    role: str
    via: str
    action: str
    target: str
    detail: str = ""
    version: str = ""

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


def audit_path(home: Path | None = None) -> Path:
    """Where the audit log of the workspace ``home`` is."""
    return (home or default_home()) / AUDIT_FILE


def _one_line(text: object, limit: int) -> str:
    """``text`` as one short line: control characters as spaces, at most ``limit``."""
    s = "".join(" " if ord(c) < 32 or ord(c) == 127 else c for c in str(text))
    return s if len(s) <= limit else s[: limit - 1] + "…"


def append(
    home: Path | None,
    actor: Actor,
    action: str,
    target: str,
    detail: str = "",
    version: str = "",
) -> AuditEntry:
    """Add one entry at the end of the log (created on first use) and return it."""
    entry = AuditEntry(
        time=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        actor=_one_line(actor.name, 200),
        role=actor.role,
        via=_one_line(actor.via, 50),
        action=_one_line(action, 50),
        target=_one_line(target, 200),
        detail=_one_line(detail, MAX_DETAIL),
        version=_one_line(version, 200),
    )
    if database_url():
        from loaders.pg import audit as pg

        pg.append(entry.to_dict())
        return entry
    line = json.dumps(entry.to_dict(), ensure_ascii=False).encode("utf-8") + b"\n"
    path = audit_path(home)
    with dir_lock(path.parent, "the audit log"):
        flags = os.O_RDWR | os.O_APPEND | os.O_CREAT | getattr(os, "O_BINARY", 0)
        fd = os.open(path, flags, 0o644)
        try:
            size = os.fstat(fd).st_size
            if size and _last_byte(fd, size) != b"\n":
                line = b"\n" + line  # the last line was torn: start on a line of our own
            view = memoryview(line)
            while view:  # one write at the end (O_APPEND); a short write goes on after it
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
    return entry


def _last_byte(fd: int, size: int) -> bytes:
    os.lseek(fd, size - 1, os.SEEK_SET)  # writes still go to the end (O_APPEND)
    return os.read(fd, 1)


def _since(value: str | date | datetime) -> datetime:
    """``value`` as an aware UTC datetime (a date: its midnight, UTC; naive: UTC)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _parse(line: bytes) -> AuditEntry | None:
    try:
        data = json.loads(line)
        return AuditEntry(**{k: str(data.get(k, "")) for k in FIELDS})
    except (ValueError, TypeError, AttributeError):
        return None


def read_audit(
    home: Path | None = None,
    *,
    since: str | date | datetime | None = None,
    limit: int | None = None,
    actor: str | None = None,
    action: str | None = None,
) -> list[AuditEntry]:
    """The log's entries, oldest first: those at or after ``since`` (a date is its
    midnight, UTC), by ``actor``, whose action is ``action`` or starts with ``action_``
    (``standards`` matches ``standards_save`` …), the last ``limit`` of them. Lines that
    cannot be read (a torn last line) are skipped. An absent log is empty.

    Raises
    ------
    ValueError
        When ``since`` is text that is not an ISO date or time.
    """
    start = _since(since) if since is not None else None
    if database_url():
        from loaders.pg import audit as pg

        rows = pg.read(since=start, limit=limit, actor=actor, action=action)
        return [AuditEntry(**r) for r in rows]
    path = audit_path(home)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return []
    out: list[AuditEntry] = []
    skipped = 0
    for line in raw.splitlines():
        if not line.strip():
            continue
        entry = _parse(line)
        if entry is None:
            skipped += 1
            continue
        if actor is not None and entry.actor != actor:
            continue
        if action is not None and not (
            entry.action == action or entry.action.startswith(action + "_")
        ):
            continue
        if start is not None:
            try:
                when = _since(entry.time)
            except ValueError:
                continue
            if when < start:
                continue
        out.append(entry)
    if skipped:
        log.warning("%s: %d line(s) that cannot be read were skipped", path, skipped)
    if limit is not None:
        out = out[-limit:] if limit > 0 else []
    return out


def creator_of(
    home: Path | None, actions: tuple[str, ...], target: str, version: str
) -> str | None:
    """Who made ``version`` of ``target``: the actor of the latest entry of one of
    ``actions`` that created it (None: not on record)."""
    if database_url():
        from loaders.pg import audit as pg

        return pg.creator(actions, target, version)
    for entry in reversed(read_audit(home)):
        if entry.action in actions and entry.target == target and entry.version == version:
            return entry.actor
    return None
