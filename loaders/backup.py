"""Backup and restore of a workspace: a consistent copy taken while writers run, put back
into an empty workspace.

What a workspace holds is either **write-once** (layer versions ``v0001.parquet`` and
their records, document versions, inspection batches, zones files, kept users files,
photos: created whole by one rename and never changed) or **a pointer or log that
changes** (``CURRENT``, ``users.json``, the legacy ``standards.json``; ``audit.jsonl``,
append-only). Every directory a writer changes has an OS lock (``.lock``,
:func:`loaders.workspace.dir_lock`) held for the whole of each write. So the backup takes
each directory's lock for a moment only: it lists the files, reads the changing ones
(the audit log: its length) and lets go; the write-once files listed are then copied
without the lock. Each object (a layer, a document, the inspections, the users and the
audit log) is copied as it was at one instant, and no writer waits for a big copy.

The backup is a tar archive (``PATH`` ending in ``.tar``, or ``.tar.gz``/``.tgz``,
gzip-compressed) or else a directory, with ``MANIFEST.json`` listing every file, its size
and SHA-256. It is built under a hidden temporary name next to ``PATH`` and renamed into
place when complete: a backup that fails or is killed never leaves anything at ``PATH``.
Files are created readable by their owner only (the users file holds password hashes).

:func:`restore` checks the whole backup against its manifest in a hidden staging
directory, then renames it into place; the workspace must be empty (or absent). A damaged
backup writes nothing. Locks and interrupted writers' temporary files are not copied.
"""

from __future__ import annotations

import errno
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import stat
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from loaders.audit import AUDIT_FILE
from loaders.users_store import users_path
from loaders.workspace import LOCK_NAME, WorkspaceError, _fsync_dir, dir_lock

FORMAT = "exchange-atlas-workspace-backup"
FORMAT_VERSION = 1
MANIFEST = "MANIFEST.json"
TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz")
#: Files created whole once and never changed afterwards (copied after the lock is let go).
WRITE_ONCE = re.compile(
    r"^(v\d{4,}\.(parquet|json)|b\d{6,}\.(parquet|json)|zones-[0-9a-f]{32}\.parquet"
    r"|[0-9a-f]{64}\.jpg|[^/]+\.v\d{4,}\.json)$"
)
#: Files only ever appended to (copied up to the length they had under the lock).
APPEND_ONLY = frozenset({AUDIT_FILE})
#: How long the backup waits for a writer's lock before it gives up.
LOCK_TIMEOUT = 120.0
_CHUNK = 1 << 20


class BackupError(ValueError):
    """A backup or restore that cannot be made; the message names the path and what is
    wrong. Nothing was written."""


@dataclass(frozen=True)
class _Entry:
    """One file of the copy: its path in the backup, and either its bytes (read under
    the lock) or the file and how many of its bytes to copy."""

    name: str
    size: int
    data: bytes | None = None
    source: Path | None = None


@dataclass
class BackupSummary:
    """What a backup or a restore wrote: where, which kind, how many files and bytes,
    and notes for the operator (e.g. a users file outside the workspace)."""

    path: Path
    kind: str
    files: int = 0
    bytes: int = 0
    notes: list[str] = field(default_factory=list)


def backup_kind(path: Path) -> str:
    """``tar``, ``tar.gz`` or ``directory``: what a backup at ``path`` is, by its name."""
    name = path.name.lower()
    if name.endswith((".tar.gz", ".tgz")):
        return "tar.gz"
    if name.endswith(".tar"):
        return "tar"
    return "directory"


# --------------------------------------------------------------------------- snapshot


def _rel(path: Path, home: Path) -> str:
    return PurePosixPath(*path.relative_to(home).parts).as_posix()


def _listed(d: Path) -> list[Path]:
    """The regular files of ``d`` a backup keeps (not locks, not writers' temporary
    files, which start with a dot; not links)."""
    out = []
    for p in sorted(d.iterdir()):
        if p.name.startswith(".") or p.is_symlink() or not p.is_file():
            continue
        out.append(p)
    return out


def _entries_of(d: Path, home: Path) -> list[_Entry]:
    """The entries of one directory as they are now (the caller holds its lock, if any)."""
    out = []
    for p in _listed(d):
        name = _rel(p, home)
        if WRITE_ONCE.fullmatch(p.name):
            out.append(_Entry(name, p.stat().st_size, source=p))
        elif p.name in APPEND_ONLY:
            out.append(_Entry(name, p.stat().st_size, source=p))
        else:
            try:
                data = p.read_bytes()
            except FileNotFoundError:  # removed meanwhile (the legacy standards file)
                continue
            out.append(_Entry(name, len(data), data=data))
    return out


def snapshot(home: Path, lock_timeout: float = LOCK_TIMEOUT) -> list[_Entry]:
    """Every file of the workspace ``home``, each directory as it was at one instant
    (under its writers' lock, held while listing and reading the pointers only).

    Raises
    ------
    BackupError
        When a writer holds a lock longer than ``lock_timeout`` seconds, or a directory
        cannot be read.
    """
    out: list[_Entry] = []
    dirs = [home]
    while dirs:
        d = dirs.pop(0)
        try:
            subdirs = sorted(p for p in d.iterdir() if p.is_dir() and not p.is_symlink())
            if (d / LOCK_NAME).is_file():
                with dir_lock(d, _rel(d, home) if d != home else "the workspace", lock_timeout):
                    out.extend(_entries_of(d, home))
            else:
                out.extend(_entries_of(d, home))
        except WorkspaceError as exc:
            raise BackupError(f"{exc}; the backup was not made") from None
        except OSError as exc:
            raise BackupError(
                f"{d} cannot be read ({exc.strerror or exc}); run the backup as the "
                "workspace's owner (the service's user)"
            ) from None
        dirs.extend(p for p in subdirs if not p.name.startswith("."))
    return out


def _chunks(entry: _Entry) -> Iterator[bytes]:
    """The entry's bytes, a chunk at a time (exactly ``entry.size`` of them)."""
    if entry.data is not None:
        yield entry.data
        return
    assert entry.source is not None
    left = entry.size
    with open(entry.source, "rb") as fh:
        while left:
            chunk = fh.read(min(_CHUNK, left))
            if not chunk:
                raise BackupError(
                    f"{entry.source} became shorter while it was copied; it was changed "
                    "outside the app — stop whatever writes it and back up again"
                )
            left -= len(chunk)
            yield chunk


class _HashingReader(io.RawIOBase):
    """A file-like reader over an entry's chunks that hashes what it hands out."""

    def __init__(self, entry: _Entry) -> None:
        self._it = _chunks(entry)
        self._chunk = b""
        self._pos = 0
        self.sha = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        parts = []
        want = size
        while want != 0:
            if self._pos >= len(self._chunk):
                try:
                    self._chunk, self._pos = next(self._it), 0
                except StopIteration:
                    break
                continue
            end = len(self._chunk) if want < 0 else min(len(self._chunk), self._pos + want)
            parts.append(self._chunk[self._pos : end])
            want = want if want < 0 else want - (end - self._pos)
            self._pos = end
        out = b"".join(parts)
        self.sha.update(out)
        return out


# --------------------------------------------------------------------------- backup


def _manifest(home: Path, files: list[dict]) -> bytes:
    data = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "source": str(home),
        "files": files,
    }
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"


def _tar_info(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = 0o600
    info.mtime = int(datetime.now(timezone.utc).timestamp())
    return info


def _write_tar(out: BinaryIO, entries: list[_Entry], home: Path, gz: bool) -> list[dict]:
    files = []
    with tarfile.open(fileobj=out, mode="w:gz" if gz else "w", format=tarfile.PAX_FORMAT) as tar:
        for e in entries:
            reader = _HashingReader(e)
            tar.addfile(_tar_info(e.name, e.size), reader)
            files.append({"path": e.name, "size": e.size, "sha256": reader.sha.hexdigest()})
        manifest = _manifest(home, files)
        tar.addfile(_tar_info(MANIFEST, len(manifest)), io.BytesIO(manifest))
    return files


def _write_private(path: Path, chunks: Iterator[bytes]) -> str:
    """Create ``path`` (owner-only, never replacing a file) from ``chunks``; its SHA-256."""
    sha = hashlib.sha256()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    with os.fdopen(fd, "wb") as fh:
        for chunk in chunks:
            sha.update(chunk)
            fh.write(chunk)
        fh.flush()
        os.fsync(fh.fileno())
    return sha.hexdigest()


def _write_dir(root: Path, entries: list[_Entry], home: Path) -> list[dict]:
    files = []
    made: set[Path] = set()
    for e in entries:
        target = root / e.name
        if target.parent not in made:
            target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            made.add(target.parent)
        digest = _write_private(target, _chunks(e))
        files.append({"path": e.name, "size": e.size, "sha256": digest})
    _write_private(root / MANIFEST, iter([_manifest(home, files)]))
    for d in sorted(made, key=lambda p: len(p.parts), reverse=True):
        _fsync_dir(d)
    _fsync_dir(root)
    return files


def _is_within(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def backup(home: Path, path: Path, lock_timeout: float = LOCK_TIMEOUT) -> BackupSummary:
    """Write a consistent copy of the workspace ``home`` to ``path`` (a tar archive or a
    directory, by :func:`backup_kind`), atomically: complete, or nothing at ``path``.

    Raises
    ------
    BackupError
        When ``home`` is no directory, ``path`` exists, lies inside the workspace, or its
        folder is missing, or the workspace cannot be read (nothing is left at ``path``).
    """
    home, path = Path(home), Path(path)
    if not home.is_dir():
        raise BackupError(f"{home}: no workspace there (not a directory); check --home")
    if path.exists() or path.is_symlink():
        raise BackupError(f"{path} exists; a backup never replaces anything: choose a new name")
    if not path.parent.is_dir():
        raise BackupError(f"{path.parent}: no such directory for the backup")
    if _is_within(path, home):
        raise BackupError(f"{path} lies inside the workspace {home}; put the backup elsewhere")
    kind = backup_kind(path)
    summary = BackupSummary(path, kind)
    users = users_path(home)
    if not _is_within(users, home) and users.exists():
        summary.notes.append(
            f"the users file {users} (EXCHANGE_ATLAS_USERS) is outside the workspace and "
            "not in this backup: copy it and its versions separately"
        )
    entries = snapshot(home, lock_timeout)
    try:
        files = _write_backup(path, kind, entries, home)
    except OSError as exc:
        raise BackupError(
            f"the backup could not be written to {path} ({exc.strerror or exc}); "
            "nothing was left there"
        ) from None
    _fsync_dir(path.parent)
    summary.files = len(files)
    summary.bytes = sum(f["size"] for f in files)
    return summary


def _write_backup(path: Path, kind: str, entries: list[_Entry], home: Path) -> list[dict]:
    """Write ``entries`` as the backup ``path`` of ``kind`` under a hidden temporary name
    and rename it into place; the manifest's files."""
    if kind == "directory":
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent))
        try:
            files = _write_dir(tmp, entries, home)
            if path.exists():
                raise BackupError(f"{path} appeared meanwhile; the backup was not put there")
            os.rename(tmp, path)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    else:
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
        tmp = Path(name)
        try:
            with os.fdopen(fd, "wb") as fh:
                files = _write_tar(fh, entries, home, gz=kind == "tar.gz")
                fh.flush()
                os.fsync(fh.fileno())
            try:
                os.link(tmp, path)  # never replaces a file that appeared meanwhile
            except FileExistsError:
                raise BackupError(
                    f"{path} appeared meanwhile; the backup was not put there"
                ) from None
            except OSError:  # no hard links on this file system
                if path.exists():
                    raise BackupError(f"{path} appeared meanwhile") from None
                os.rename(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    return files


# --------------------------------------------------------------------------- restore


def _safe_name(name: str, where: Path) -> PurePosixPath:
    """A member's path, refused unless it is plain, relative and inside the backup."""
    p = PurePosixPath(name)
    if (
        not name
        or p.is_absolute()
        or "\\" in name
        or any(part in ("", ".", "..") or part.startswith(".") for part in p.parts)
    ):
        raise BackupError(f"{where}: holds a file named {name!r}, which no backup holds")
    return p


def _staged_members(source: Path, staging: Path) -> dict[str, tuple[int, str]]:
    """Copy every file of the backup ``source`` into ``staging``; each one's size and
    SHA-256 by its path (the manifest among them)."""
    got: dict[str, tuple[int, str]] = {}

    def put(name: str, chunks: Iterator[bytes]) -> None:
        rel = _safe_name(name, source)
        if rel.as_posix() in got:
            raise BackupError(f"{source}: holds {name!r} twice; it is not a backup of a workspace")
        target = staging.joinpath(*rel.parts)
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        size = 0

        def counted() -> Iterator[bytes]:
            nonlocal size
            for c in chunks:
                size += len(c)
                yield c

        digest = _write_private(target, counted())
        got[rel.as_posix()] = (size, digest)

    if source.is_dir():
        for p in sorted(source.rglob("*")):
            if p.is_symlink() or (not p.is_file() and not p.is_dir()):
                raise BackupError(f"{p}: not a regular file; a backup holds only files")
            if p.is_file():
                put(_rel(p, source), _file_chunks(p))
        return got
    try:
        with tarfile.open(source, mode="r:*") as tar:
            for member in tar:
                if member.isdir():
                    continue
                if not member.isfile():
                    raise BackupError(f"{source}: {member.name!r} is not a regular file")
                fh = tar.extractfile(member)
                assert fh is not None
                put(member.name, iter(lambda fh=fh: fh.read(_CHUNK), b""))
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise BackupError(
            f"{source} is not a complete backup archive ({exc}); it is damaged or truncated"
        ) from None
    except OSError as exc:
        raise BackupError(f"{source} cannot be read ({exc.strerror or exc})") from None
    return got


def _file_chunks(p: Path) -> Iterator[bytes]:
    with open(p, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            yield chunk


def _check_manifest(source: Path, staging: Path, got: dict[str, tuple[int, str]]) -> list[dict]:
    """The manifest's files, once every one of them is there with its size and hash and
    nothing else is."""
    if MANIFEST not in got:
        raise BackupError(f"{source}: no {MANIFEST}; not a backup made by exchange-atlas backup")
    try:
        data = json.loads((staging / MANIFEST).read_text(encoding="utf-8"))
        files = data["files"]
        if data.get("format") != FORMAT or not isinstance(files, list):
            raise ValueError("not a workspace backup")
    except (ValueError, KeyError, TypeError) as exc:
        raise BackupError(f"{source}: {MANIFEST} cannot be read ({exc})") from None
    if int(data.get("version", 0)) > FORMAT_VERSION:
        raise BackupError(
            f"{source} was made by a newer exchange-atlas (backup format "
            f"{data.get('version')}); restore it with that version"
        )
    listed = {str(f["path"]): (int(f["size"]), str(f["sha256"])) for f in files}
    for name, (size, digest) in listed.items():
        if name not in got:
            raise BackupError(f"{source}: {name} is missing; the backup is incomplete")
        if got[name] != (size, digest):
            raise BackupError(f"{source}: {name} differs from its manifest; the backup is damaged")
    extra = sorted(set(got) - set(listed) - {MANIFEST})
    if extra:
        raise BackupError(f"{source}: {extra[0]} is not in the manifest; the backup is damaged")
    return files


def _own_like(root: Path, ref: os.stat_result) -> None:
    """Give every file and folder under ``root`` the owner of ``ref`` (a restore run as
    root into the service's directory leaves files the service can write)."""
    if os.name != "posix" or os.geteuid() != 0 or ref.st_uid == 0:
        return
    for dirpath, dirnames, filenames in os.walk(root):
        for n in [*dirnames, *filenames]:
            os.chown(os.path.join(dirpath, n), ref.st_uid, ref.st_gid)
    os.chown(root, ref.st_uid, ref.st_gid)


def _present(dest: Path) -> list[str]:
    return sorted(p.name for p in dest.iterdir())


def restore(path: Path, home: Path) -> BackupSummary:
    """Put the backup at ``path`` back as the workspace ``home``, which must be empty or
    absent; every file is checked against the manifest before anything is in place.

    Raises
    ------
    BackupError
        When ``home`` is not empty, the backup is missing, damaged or of a newer format:
        nothing is written to ``home``.
    """
    path, home = Path(path), Path(home)
    if not path.exists():
        raise BackupError(f"{path}: no such backup")
    if home.exists() and not home.is_dir():
        raise BackupError(f"{home} is a file, not a workspace directory")
    if home.is_dir():
        present = _present(home)
        if present:
            shown = ", ".join(present[:5]) + (" …" if len(present) > 5 else "")
            raise BackupError(
                f"{home} is not empty (it holds {shown}); restore only into an empty "
                "workspace: choose a new directory, or move this one away first"
            )
    if _is_within(home, path) or (path.is_dir() and _is_within(path, home)):
        raise BackupError(f"{home} and the backup {path} overlap; restore elsewhere")
    parent = home.parent
    if not parent.is_dir():
        raise BackupError(f"{parent}: no such directory for the workspace")
    # stage next to the workspace (one rename puts it in place), else inside it
    beside = os.access(parent, os.W_OK | os.X_OK)
    if not beside and not home.is_dir():
        raise BackupError(
            f"{home} cannot be created ({parent} is not writable by this user); create it "
            "empty first, owned by the service's user"
        )
    try:
        try:
            files = _restore_in(path, home, parent if beside else home)
        except OSError as exc:
            if not (beside and home.is_dir() and exc.errno in (errno.EXDEV, errno.EBUSY)):
                raise
            files = _restore_in(path, home, home)  # a mount point: staged inside it
    except OSError as exc:
        raise BackupError(
            f"the restore into {home} failed ({exc.strerror or exc}); nothing was restored"
        ) from None
    return BackupSummary(
        home,
        backup_kind(path) if path.is_file() else "directory",
        len(files),
        sum(int(f["size"]) for f in files),
    )


def _restore_in(path: Path, home: Path, where: Path) -> list[dict]:
    """Stage the backup ``path`` in a hidden folder of ``where``, check it, and put it in
    place as ``home``: one rename of the folder (``where`` is home's parent), else a rename
    of each entry (``where`` is home). The manifest's files."""
    staging = Path(tempfile.mkdtemp(prefix=f".{home.name}.", suffix=".restore", dir=where))
    try:
        got = _staged_members(path, staging)
        files = _check_manifest(path, staging, got)
        (staging / MANIFEST).unlink()
        _fsync_tree(staging)
        if where != home:
            if home.is_dir():
                ref = home.stat()
                if _present(home):
                    raise BackupError(f"{home} was written to meanwhile; nothing was restored")
                os.chmod(staging, stat.S_IMODE(ref.st_mode))
                _own_like(staging, ref)
            os.rename(staging, home)  # replaces the empty directory in one step
            _fsync_dir(where)
        else:
            _own_like(staging, home.stat())
            _move_into(staging, home)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return files


def _move_into(staging: Path, home: Path) -> None:
    """Move the staged workspace's entries into ``home`` (the staging folder lies in it);
    on an error, move back what was moved."""
    moved: list[str] = []
    try:
        for p in sorted(staging.iterdir()):
            os.rename(p, home / p.name)
            moved.append(p.name)
    except BaseException:
        for n in moved:
            os.rename(home / n, staging / n)
        raise
    staging.rmdir()
    _fsync_dir(home)


def _fsync_tree(root: Path) -> None:
    for dirpath, _dirs, _files in os.walk(root):
        _fsync_dir(Path(dirpath))
