"""The user's workspace: imported datasets, versioned per layer.

Layout (``EXCHANGE_ATLAS_HOME``, default ``~/.local/share/exchange-atlas`` or
``%LOCALAPPDATA%\\exchange-atlas``)::

    HOME/layers/<layer>/v0001.parquet   one GeoParquet file per version (WGS-84)
    HOME/layers/<layer>/v0001.json      its record (what made it, the version before)
    HOME/layers/<layer>/CURRENT         the file name of the version in use
    HOME/layers/<layer>/.lock           the writers' lock (never deleted)

Guarantees:

* Atomic switch: readers only ever follow ``CURRENT``; a writer finishes and fsyncs a
  new version file and its record before replacing ``CURRENT`` with one ``os.replace``,
  so a crash at any moment leaves the previous version in effect.
* Mutual exclusion: writers of one layer (commit, undo) hold an OS file lock on
  ``.lock`` (``flock``; ``msvcrt.locking`` on Windows), one process at a time; the kernel
  releases it when the holder exits or is killed, so a dead import never blocks the
  next and a held lock is never taken over. No update is lost.
* Versions are write-once: each is created under a number no file or record has
  used, with a create-exclusive step, so no commit ever overwrites another's version.
"""

from __future__ import annotations

import io
import json
import os
import re
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

import geopandas as gpd
import pandas as pd

from dashboard.core.model import LAYERS, validate_points

WINDOWS = sys.platform.startswith("win")
if WINDOWS:
    import msvcrt
else:
    import fcntl

ENV_HOME = "EXCHANGE_ATLAS_HOME"


def default_home() -> Path:
    """The workspace directory: ``$EXCHANGE_ATLAS_HOME`` or a per-user data directory."""
    env = os.environ.get(ENV_HOME)
    if env:
        return Path(env).expanduser()
    if sys.platform.startswith("win"):
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    else:
        base = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share"))
    return base / "exchange-atlas"


def home_option(value: str | os.PathLike[str] | None) -> Path | None:
    """The workspace a ``--home`` option names (``~`` expanded), or None for the default."""
    return Path(value).expanduser() if value else None


def layer_dir(layer: str, home: Path | None = None) -> Path:
    """Directory holding the versions of ``layer``."""
    return (home or default_home()) / "layers" / layer


def current_layer_file(layer: str, home: Path | None = None) -> Path | None:
    """The GeoParquet file of the layer's current version, or None when never imported."""
    d = layer_dir(layer, home)
    name = _current_name(d)
    return d / name if name else None


# --------------------------------------------------------------------------- writing

VERSION_RE = re.compile(r"^v(\d{4,})\.parquet$")
RECORD_RE = re.compile(r"^v(\d{4,})\.json$")
LOCK_NAME = ".lock"


class WorkspaceError(RuntimeError):
    """A workspace operation that cannot proceed (locked, nothing to undo, invalid data)."""


@dataclass
class Version:
    """One stored version of a layer and what made it."""

    name: str
    number: int
    created: str
    action: str
    rows: int
    source: str
    previous: str | None
    current: bool = False
    added: int = 0

    def to_dict(self) -> dict:
        return asdict(self)


def _versions(d: Path) -> list[Path]:
    return sorted(
        (p for p in d.glob("v*.parquet") if VERSION_RE.match(p.name)),
        key=lambda p: _number(VERSION_RE, p.name),
    )


def _number(rx: re.Pattern[str], name: str) -> int:
    """The version number in ``name``, which the caller has already matched with ``rx``."""
    m = rx.match(name)
    assert m is not None, name
    return int(m.group(1))


def _current_name(d: Path) -> str | None:
    try:
        name = (d / "CURRENT").read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    # only a version file of this directory counts (not a hand-edited or foreign path)
    return name if VERSION_RE.fullmatch(name) and (d / name).is_file() else None


def _records(d: Path) -> list[Path]:
    return [p for p in d.glob("v*.json") if RECORD_RE.match(p.name)]


def _next_number(d: Path) -> int:
    """One more than the highest number any version file or record in ``d`` uses."""
    taken = [_number(VERSION_RE, p.name) for p in _versions(d)]
    taken += [_number(RECORD_RE, p.name) for p in _records(d)]
    return max(taken, default=0) + 1


def atomic_write_bytes(path: Path, data: bytes, *, exclusive: bool = False) -> None:
    """Write ``path`` whole or not at all (fsynced temporary file, then renamed).

    With ``exclusive`` the file is only created, never replaced: the temporary file is
    hard-linked to ``path``, which fails with FileExistsError when ``path`` exists.
    """
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if not exclusive:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)  # FileExistsError when taken
            except FileExistsError:
                raise
            except OSError:  # no hard links on this file system: checked under the lock
                if path.exists():
                    raise FileExistsError(path) from None
                os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    _fsync_dir(path.parent)


def _fsync_dir(d: Path) -> None:
    try:
        fd = os.open(d, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextmanager
def layer_lock(layer: str, home: Path | None = None, timeout: float = 10.0) -> Iterator[Path]:
    """Hold the layer's lock so that writers of one layer never interleave.

    An OS lock (``flock`` on POSIX, ``msvcrt.locking`` on Windows) on ``.lock``, a file
    that is never deleted: only one process can hold it, and the kernel releases it
    when the holder exits or dies, so a crashed import never blocks the next one and no
    waiter can take a lock that is still held. The holder's pid is written into the
    file for the message others see.

    Raises
    ------
    WorkspaceError
        When another process holds the lock for longer than ``timeout`` seconds.
    """
    with dir_lock(layer_dir(layer, home), f"the {layer} layer", timeout) as lock:
        yield lock


@contextmanager
def dir_lock(d: Path, what: str, timeout: float = 10.0) -> Iterator[Path]:
    """Hold the OS lock of directory ``d`` (see :func:`layer_lock`); ``what`` names it in
    the message a waiter sees.

    Raises
    ------
    WorkspaceError
        When another process holds the lock for longer than ``timeout`` seconds.
    """
    d.mkdir(parents=True, exist_ok=True)
    lock = d / LOCK_NAME
    fd = os.open(lock, os.O_CREAT | os.O_RDWR, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while not _try_lock(fd):
            if time.monotonic() > deadline:
                raise WorkspaceError(
                    f"{what} is locked by another writer ({lock}"
                    f"{_holder(lock)}); try again when it has finished"
                )
            time.sleep(0.05)
        try:
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, str(os.getpid()).encode())
            yield lock
        finally:
            _unlock(fd)
    finally:
        os.close(fd)


def _try_lock(fd: int) -> bool:
    """Take the exclusive lock on ``fd`` without waiting; False when another holds it."""
    try:
        if sys.platform == "win32":  # WINDOWS, in the form type checkers narrow on
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        else:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:  # BlockingIOError on POSIX, PermissionError on Windows
        return False
    return True


def _unlock(fd: int) -> None:
    if sys.platform == "win32":  # WINDOWS, in the form type checkers narrow on
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)


def _holder(lock: Path) -> str:
    try:
        pid = lock.read_text().strip()
    except OSError:
        return ""
    return f", held by process {pid}" if pid.isdigit() else ""


def shipped_table(layer: str) -> pd.DataFrame:
    """The shipped CSV of ``layer`` as strings (empty when the project ships none)."""
    path = Path(__file__).resolve().parents[1] / "geodata" / LAYERS[layer].file
    if not path.is_file():
        return pd.DataFrame(columns=list(LAYERS[layer].columns))
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])


def effective_table(layer: str, home: Path | None = None) -> pd.DataFrame:
    """The layer in effect as a plain table: the current version, else the shipped file."""
    current = current_layer_file(layer, home)
    if current is not None:
        return pd.read_parquet(current).drop(columns="geometry", errors="ignore")
    return shipped_table(layer)


def _storable(df: pd.DataFrame, layer: str) -> gpd.GeoDataFrame:
    """Model columns with stable dtypes: text as strings, lon/lat/precision as floats."""
    spec = LAYERS[layer]
    cols = list(spec.columns) + [c for c in df.columns if c not in spec.columns and c != "geometry"]
    out = pd.DataFrame(index=df.index)
    for c in cols:
        s = df[c] if c in df.columns else pd.Series(pd.NA, index=df.index)
        if c in ("lon", "lat", "coord_precision_m"):
            out[c] = pd.to_numeric(s, errors="coerce").astype("float64")
        else:
            out[c] = s.astype("string")
    out = out.reset_index(drop=True)
    geom = gpd.points_from_xy(out["lon"], out["lat"])
    return gpd.GeoDataFrame(out, geometry=geom, crs="EPSG:4326")


def merge_ids(base: pd.DataFrame, new: pd.DataFrame, tag: str) -> tuple[pd.DataFrame, int]:
    """Rename ``new`` ids that clash with ``base`` (or each other) as ``ID~tag``, ``ID~tag2``…

    Returns the renamed copy and the number of ids changed.
    """
    new = new.copy()
    taken = set(base["id"].astype(str)) if "id" in base.columns else set()
    ids = new["id"].astype(str)
    clash = ids.isin(taken) | ids.duplicated(keep="first")
    if not clash.any():
        return new, 0
    used = taken | set(ids[~clash])
    renamed = []
    for old in ids[clash]:  # only the clashing ids: few, and each needs a free name
        k, cand = 1, f"{old}~{tag}"
        while cand in used:
            k += 1
            cand = f"{old}~{tag}{k}"
        used.add(cand)
        renamed.append(cand)
    new.loc[clash.to_numpy(), "id"] = renamed
    return new, int(clash.sum())


def commit(
    layer: str,
    frame: pd.DataFrame,
    *,
    replace: bool = False,
    home: Path | None = None,
    source: str = "",
    lock_timeout: float = 10.0,
) -> tuple[Version, int]:
    """Store a new version of ``layer``: ``frame`` added to the layer in effect, or
    replacing it. Atomic: the version file and its record are complete on disk before
    ``CURRENT`` is switched with one ``os.replace``; a crash before that leaves the
    previous version in effect. Runs under the layer's lock, which makes the read of
    the layer in effect, the choice of the version number and the switch one step that
    no other writer interleaves with; the version file is created, never replaced.

    Returns
    -------
    (Version, int)
        The new version and the number of imported ids renamed to avoid clashes.

    Raises
    ------
    WorkspaceError
        When the layer is locked, the merged layer fails the model check, or the
        version's file name is already taken (then nothing is written).
    """
    d = layer_dir(layer, home)
    with layer_lock(layer, home, timeout=lock_timeout):
        prev = _current_name(d)
        number = _next_number(d)  # under the lock: no other commit can choose it
        name = f"v{number:04d}.parquet"
        new = pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))
        renamed = 0
        if replace:
            merged = new
        else:
            base = effective_table(layer, home)
            new, renamed = merge_ids(base, new, f"imp{number}")
            merged = pd.concat([base, new], ignore_index=True)
        errors = [
            p for p in validate_points(merged, layer, "merged layer") if p.severity == "error"
        ]
        if errors:
            raise WorkspaceError(
                "the merged layer would not pass the model check, nothing was written: "
                + "; ".join(str(p) for p in errors[:3])
            )
        gdf = _storable(merged, layer)
        buf = io.BytesIO()
        gdf.to_parquet(buf)
        info = Version(
            name=name,
            number=number,
            created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            action="replace" if replace else "add",
            rows=len(gdf),
            source=source,
            previous=prev,
            added=len(new),
        )
        record = json.dumps(info.to_dict(), ensure_ascii=False).encode()
        _write_version(d, layer, name, buf.getvalue(), record)
        atomic_write_bytes(d / "CURRENT", name.encode())
        info.current = True
        return info, renamed


def _write_version(d: Path, layer: str, name: str, data: bytes, record: bytes) -> None:
    """Create the version file, then its record; never replace an existing one."""
    path = d / name
    try:
        atomic_write_bytes(path, data, exclusive=True)
    except FileExistsError:
        raise _taken(layer, name) from None
    try:
        atomic_write_bytes(path.with_suffix(".json"), record, exclusive=True)
    except FileExistsError:
        path.unlink()  # ours, created just above and never in effect
        raise _taken(layer, path.with_suffix(".json").name) from None


def _taken(layer: str, name: str) -> WorkspaceError:
    return WorkspaceError(
        f"{name} of the {layer} layer already exists and is never overwritten; "
        "nothing was written, try the import again"
    )


def _read_meta(d: Path, name: str) -> Version:
    meta = d / name.replace(".parquet", ".json")
    try:
        data = json.loads(meta.read_text(encoding="utf-8"))
        data.pop("current", None)
        return Version(**data)
    except (OSError, ValueError, TypeError):
        number = _number(VERSION_RE, name)  # a version's name (see _current_name)
        return Version(name, number, "", "unknown", -1, "", None)


def history(layer: str, home: Path | None = None) -> list[Version]:
    """Every stored version of ``layer``, oldest first; ``current`` marks the one in use.

    A version file without its record (an import killed mid-way) was never in effect
    and is not listed.
    """
    d = layer_dir(layer, home)
    cur = _current_name(d)
    out = []
    for p in _versions(d):
        if not p.with_suffix(".json").is_file():
            continue  # an import interrupted before its record was written: never in effect
        v = _read_meta(d, p.name)
        v.current = p.name == cur
        out.append(v)
    return out


def undo(layer: str, home: Path | None = None) -> str | None:
    """Restore the version that was in effect before the current one.

    Returns the restored version's file name, or None when the layer is back to the
    shipped data. Versions are never deleted, so an undo loses nothing.

    Raises
    ------
    WorkspaceError
        When the layer has nothing to undo.
    """
    d = layer_dir(layer, home)
    with layer_lock(layer, home):
        cur = _current_name(d)
        if cur is None:
            raise WorkspaceError(f"nothing to undo: the {layer} layer has no imported version")
        prev = _read_meta(d, cur).previous
        if prev and (d / prev).is_file():
            atomic_write_bytes(d / "CURRENT", prev.encode())
            return prev
        (d / "CURRENT").unlink()
        _fsync_dir(d)
        return None
