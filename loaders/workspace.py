"""The user's workspace: imported datasets, versioned per layer.

Layout (``EXCHANGE_ATLAS_HOME``, default ``~/.local/share/exchange-atlas`` or
``%LOCALAPPDATA%\\exchange-atlas``)::

    HOME/layers/<layer>/v0001.parquet   one GeoParquet file per version (WGS-84)
    HOME/layers/<layer>/v0001.json      its record (what made it, the version before)
    HOME/layers/<layer>/CURRENT         the file name of the version in use
    HOME/layers/<layer>/PENDING         the version a commit is making (only meanwhile)
    HOME/layers/<layer>/.lock           the writers' lock (never deleted)

Guarantees:

* Atomic switch: readers only ever follow ``CURRENT``; a writer finishes and fsyncs a
  new version file and its record before replacing ``CURRENT`` with one ``os.replace``,
  so a crash at any moment leaves the previous version in effect.
* Only versions that were in effect are listed: a commit names its version in
  ``PENDING`` before it creates any of its files and removes ``PENDING`` after the
  switch. :func:`history` leaves out the version ``PENDING`` names unless ``CURRENT``
  names it too, so a commit that failed or was killed before its switch leaves no
  version in the history. A commit that fails removes its own files; the next writer
  (commit or undo, under the lock) finishes what a killed one left: ``PENDING`` naming
  the version in effect is removed, naming another its version file and record are
  removed, and stale temporary files of the layer are deleted. Each step is one
  create-exclusive link, one ``os.replace`` or one unlink, so no moment is half-written.
* The creator is never lost: a version's record names who made it (``actor``) and is
  on disk before the switch, so a kill between the switch and the audit entry
  (:mod:`loaders.writes`) leaves the new version in effect with its creator known.
* Mutual exclusion: writers of one layer (commit, undo) hold an OS file lock on
  ``.lock`` (``flock``; ``msvcrt.locking`` on Windows), one process at a time; the kernel
  releases it when the holder exits or is killed, so a dead import never blocks the
  next and a held lock is never taken over. No update is lost.
* Versions are write-once: each is created under a number no file or record uses (nor
  that of a version a killed commit left, removed just before), with a create-exclusive
  step, so no commit ever overwrites another's version.
* Memory does not grow with the layer: a commit reads the layer in effect and the new
  rows (:func:`commit`'s frame, or a streamed import's :class:`RowWriter` file given to
  :func:`commit_file`) a batch at a time and writes the version as row groups, the
  points' WKB built from lon/lat; ids are compared as 64-bit hashes.

With a database in use (:func:`loaders.pg.database_url`) the same functions keep the
layers in PostGIS (:mod:`loaders.pg.layers`): the same versions, records, renames and
checks, each commit or undo one transaction under the layer's advisory lock. The version
in effect is read back into ``HOME/cache/pg/<database>/<layer>/<token>/v0001.parquet`` (written
once per version, the same GeoParquet file a workspace version is), which
:func:`current_layer_file` returns: readers and caches keyed by it work unchanged.
"""

from __future__ import annotations

import io
import itertools
import json
import os
import re
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from dashboard.core.model import LAYERS, validate_points
from loaders.errors import WorkspaceError
from loaders.pg import database_url

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
    if database_url():
        return _pg_current_file(layer, home)
    d = layer_dir(layer, home)
    name = _current_name(d)
    return d / name if name else None


@contextmanager
def returning_pool() -> Iterator[None]:
    """Arrow allocates from jemalloc, set to return freed memory at once, while an
    import or a commit runs (then the previous default pool again).

    The default pool (mimalloc) keeps the pages that an import's many temporary
    columns freed: 150 MB more at the peak of a million rows. Buffers remember their
    pool, so those that outlive the block are freed right later too. Should two threads
    overlap here, the default may stay jemalloc, which is harmless."""
    try:
        pool = pa.jemalloc_memory_pool()
        pa.jemalloc_set_decay_ms(0)
    except (NotImplementedError, pa.ArrowNotImplementedError):  # a build without jemalloc
        yield
        return
    before = pa.default_memory_pool()
    pa.set_memory_pool(pool)
    try:
        yield
    finally:
        pa.set_memory_pool(before)


def trim_heap() -> None:
    """Give the C heap's free memory back to the system (glibc keeps what large
    temporary arrays freed; after each chunk that is tens of MB). Elsewhere a no-op."""
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def _libc():
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        lib = ctypes.CDLL("libc.so.6")
        return lib if hasattr(lib, "malloc_trim") else None
    except OSError:
        return None


_LIBC = _libc()


# --------------------------------------------------------------------------- hashing

_M1 = np.uint64(0xFF51AFD7ED558CCD)
_M2 = np.uint64(0xC4CEB9FE1A85EC53)
NULL_HASH = np.uint64(0x9E3779B97F4A7C15)


def mix_hash(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finaliser: a bijection of uint64 that spreads every bit."""
    h = h ^ (h >> np.uint64(33))
    h = h * _M1
    h ^= h >> np.uint64(33)
    h *= _M2
    h ^= h >> np.uint64(33)
    return h


def hash_text(values: pd.Series) -> np.ndarray:
    """A 64-bit hash of each text (missing values: a hash of their own), vectorised
    over the Arrow buffers: the length, then the bytes 8 at a time, each folded in with
    :func:`mix_hash`. Equal texts have equal hashes; two different ones collide with odds of
    about 2⁻⁶⁴, so 10 million rows hold a false pair with odds of about 1 in 400,000."""
    arr = pa.array(values.astype("string"), type=pa.large_string())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    n = len(arr)
    _, off_buf, data_buf = arr.buffers()
    assert off_buf is not None
    offsets = np.frombuffer(off_buf, dtype=np.int64, count=n + 1, offset=arr.offset * 8)
    starts, lens = offsets[:-1], np.diff(offsets)
    data = np.zeros((0 if data_buf is None else data_buf.size) + 16, dtype=np.uint8)
    if data_buf is not None:
        data[: data_buf.size] = np.frombuffer(data_buf, dtype=np.uint8)
    # every 8 bytes from every offset, as one little-endian word (a view, no copy)
    words = np.lib.stride_tricks.as_strided(data, (len(data) - 7, 8), (1, 1)).view("<u8")[:, 0]
    with np.errstate(over="ignore"):
        h = mix_hash(lens.astype(np.uint64) ^ NULL_HASH)
        live = np.flatnonzero(lens > 0)
        k = 0
        while len(live):
            w = words[starts[live] + 8 * k].copy()
            rest = lens[live] - 8 * k
            short = rest < 8
            if short.any():
                bits = (rest[short] * 8).astype(np.uint64)
                w[short] &= (np.uint64(1) << bits) - np.uint64(1)
            h[live] = mix_hash(h[live] ^ w)
            k += 1
            live = live[rest > 8]
    if arr.null_count:
        h[arr.is_null().to_numpy(zero_copy_only=False)] = NULL_HASH
    return h


class HashSet:
    """A set of 64-bit hashes: 8 bytes a value, in 256 sorted buckets by the top byte.

    Adding merges each bucket with its new values (timsort on two sorted runs: a linear
    merge), so growing the set never copies more than a 256th of it at once; a lookup
    is one binary search in one bucket."""

    _SHIFT = np.uint64(56)

    def __init__(self) -> None:
        self.buckets: list[np.ndarray] = [np.zeros(0, dtype=np.uint64)] * 256

    def __len__(self) -> int:
        return sum(len(b) for b in self.buckets)

    def _bounds(self, hs: np.ndarray) -> np.ndarray:
        """Where each bucket's values start in the sorted ``hs`` (257 bounds)."""
        return np.searchsorted(hs >> self._SHIFT, np.arange(257, dtype=np.uint64))

    def _has(self, hs: np.ndarray) -> np.ndarray:
        """Which of the sorted ``hs`` are in the set."""
        hit = np.zeros(len(hs), dtype=bool)
        bounds = self._bounds(hs)
        for k in np.flatnonzero(np.diff(bounds)):
            b = self.buckets[k]
            if len(b):
                lo, hi = bounds[k], bounds[k + 1]
                i = np.minimum(np.searchsorted(b, hs[lo:hi]), len(b) - 1)
                hit[lo:hi] = b[i] == hs[lo:hi]
        return hit

    def contains(self, h: np.ndarray) -> np.ndarray:
        """Which of ``h`` are in the set."""
        found = np.zeros(len(h), dtype=bool)
        if len(h) == 0:
            return found
        order = np.argsort(h, kind="stable")
        found[order] = self._has(h[order])
        return found

    def add(self, h: np.ndarray) -> None:
        """Add ``h`` (values already in the set are left alone)."""
        new = np.sort(h)  # np.unique hashes first: ten times slower on a million values
        if len(new) > 1:
            new = new[np.concatenate([[True], new[1:] != new[:-1]])]
        new = new[~self._has(new)]
        bounds = self._bounds(new)
        for k in np.flatnonzero(np.diff(bounds)):
            part = new[bounds[k] : bounds[k + 1]]
            old = self.buckets[k]
            self.buckets[k] = (
                np.sort(np.concatenate([old, part]), kind="stable") if len(old) else part.copy()
            )


# --------------------------------------------------------------------------- writing

VERSION_RE = re.compile(r"^v(\d{4,})\.parquet$")
RECORD_RE = re.compile(r"^v(\d{4,})\.json$")
LOCK_NAME = ".lock"
PENDING_NAME = "PENDING"
#: Temporary files of a layer's writers (``mkstemp`` names ``.<target>.<random>``).
TEMPORARY_RE = re.compile(r"^\.(v\d{4,}\.(parquet|json)|CURRENT|PENDING)\..+$")


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
    actor: str = ""  # who made it (the gateway's actor; "" when committed directly)

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


def _pending_name(d: Path) -> str | None:
    """The version a commit named in ``PENDING`` (being made, or left by a dead commit)."""
    try:
        name = (d / PENDING_NAME).read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    return name if VERSION_RE.fullmatch(name) else None


def _finish_interrupted(d: Path) -> int:
    """Under the layer's lock: finish what a commit that failed or was killed left.

    ``PENDING`` naming the version in effect (killed after its switch) is removed; naming
    another version (killed before its switch: never in effect), that version's record,
    then its file, then ``PENDING`` are removed, in that order, so :func:`history` never
    lists it at any moment. Then every temporary file of the layer's writers
    (``.v0003.parquet.*``, ``.CURRENT.*`` …) is deleted: none can be live, the lock is ours.
    Returns the abandoned version's number (0: none), which the next commit does not take.
    """
    abandoned = 0
    if (d / PENDING_NAME).exists():
        name = _pending_name(d)
        if name is not None and name != _current_name(d):
            abandoned = _number(VERSION_RE, name)
            (d / name).with_suffix(".json").unlink(missing_ok=True)
            (d / name).unlink(missing_ok=True)
        (d / PENDING_NAME).unlink(missing_ok=True)
    for p in d.iterdir():
        if TEMPORARY_RE.match(p.name):
            p.unlink(missing_ok=True)
    _fsync_dir(d)
    return abandoned


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


def atomic_write_file(
    path: Path, write: Callable[[Path], None], *, exclusive: bool = False
) -> None:
    """:func:`atomic_write_bytes` for a file too large to hold in memory: ``write``
    writes it to a temporary path next to ``path``, which is then fsynced and renamed
    (with ``exclusive``, hard-linked: never replacing ``path``)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        with open(tmp, "rb") as fh:
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
    if database_url():  # the database's advisory lock, for a transaction of this thread
        from loaders.pg.connection import lock, transaction

        with transaction() as conn:
            lock(conn, f"the {layer} layer", timeout)
            yield layer_dir(layer, home)
        return
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
        columns = [c for c in pq.read_schema(current).names if c != "geometry"]
        return pd.read_parquet(current, columns=columns)  # the points' WKB is not read
    return shipped_table(layer)


#: Columns stored as floats; every other column is stored as text.
FLOAT_COLUMNS = ("lon", "lat", "coord_precision_m")
#: Rows converted and written at a time (a row group of the version file).
WRITE_ROWS = 131_072


def storable_table(df: pd.DataFrame, layer: str, columns: list[str] | None = None) -> pd.DataFrame:
    """Model columns (then any others, or ``columns``) with stable dtypes: text as
    strings, lon/lat/precision as floats; no geometry. What a version file holds."""
    spec = LAYERS[layer]
    cols = columns or list(spec.columns) + [
        c for c in df.columns if c not in spec.columns and c != "geometry"
    ]
    out: dict[str, pd.Series] = {}
    for c in cols:
        s = df[c] if c in df.columns else pd.Series(pd.NA, index=df.index)
        if c in FLOAT_COLUMNS:
            out[c] = pd.to_numeric(s, errors="coerce").astype("float64")
        else:
            out[c] = s.astype("string")
    return pd.DataFrame(out, index=df.index).reset_index(drop=True)


@lru_cache(maxsize=32)
def _template(layer: str, columns: tuple[str, ...]) -> pa.Schema:
    """The schema geopandas writes for a layer of ``columns`` (types, the geometry's
    GeoArrow field metadata, the ``pandas`` and ``geo`` metadata), taken from a
    one-point file geopandas writes itself."""
    one = storable_table(pd.DataFrame({"lon": [116.4], "lat": [39.9]}), layer, list(columns))
    gdf = gpd.GeoDataFrame(
        one, geometry=gpd.points_from_xy(one["lon"], one["lat"]), crs="EPSG:4326"
    )
    buf = io.BytesIO()
    gdf.to_parquet(buf)
    return pq.read_schema(pa.BufferReader(buf.getvalue()))


def geoparquet_schema(
    layer: str, columns: list[str], rows: int, bbox: tuple[float, float, float, float] | None
) -> pa.Schema:
    """The schema of a version file of ``rows`` points within ``bbox`` (lon/lat
    bounds): exactly what ``GeoDataFrame.to_parquet`` writes for such a table."""
    schema = _template(layer, tuple(columns))
    meta = dict(schema.metadata or {})
    pandas_meta = json.loads(meta[b"pandas"])
    pandas_meta["index_columns"] = [
        {"kind": "range", "name": None, "start": 0, "stop": int(rows), "step": 1}
    ]
    geo = json.loads(meta[b"geo"])
    col = geo["columns"][geo["primary_column"]]
    col["geometry_types"] = ["Point"] if rows else []
    col.pop("bbox", None)
    if rows and bbox is not None and np.isfinite(bbox).all():
        col["bbox"] = [float(v) for v in bbox]
    meta[b"pandas"] = json.dumps(pandas_meta).encode()
    meta[b"geo"] = json.dumps(geo).encode()
    return schema.with_metadata(meta)


def wkb_points(lon: np.ndarray, lat: np.ndarray) -> pa.Array:
    """Little-endian 2D WKB points (what shapely writes), built from the coordinates
    without making a geometry object: a million points in 20 ms instead of 1 s."""
    n = len(lon)
    buf = np.empty((n, 21), dtype=np.uint8)
    buf[:, 0] = 1
    buf[:, 1:5] = np.frombuffer(np.uint32(1).astype("<u4").tobytes(), dtype=np.uint8)
    buf[:, 5:13] = np.ascontiguousarray(lon, dtype="<f8").view(np.uint8).reshape(n, 8)
    buf[:, 13:21] = np.ascontiguousarray(lat, dtype="<f8").view(np.uint8).reshape(n, 8)
    offsets = np.arange(0, 21 * n + 1, 21, dtype=np.int32)
    return pa.Array.from_buffers(
        pa.binary(), n, [None, pa.py_buffer(offsets), pa.py_buffer(buf.reshape(-1))]
    )


def _arrow(table: pd.DataFrame, schema: pa.Schema) -> pa.Table:
    """``table`` (a :func:`storable_table`) with its points as WKB, in ``schema``."""
    arrays = []
    for f in schema:
        if f.name == "geometry":
            lon = table["lon"].to_numpy(dtype="float64", na_value=np.nan)
            lat = table["lat"].to_numpy(dtype="float64", na_value=np.nan)
            arrays.append(wkb_points(lon, lat))
        else:
            arrays.append(pa.array(table[f.name], type=f.type, from_pandas=True))
    return pa.Table.from_arrays(arrays, schema=schema)


def write_geoparquet(
    path: Path,
    layer: str,
    columns: list[str],
    rows: int,
    bbox: tuple[float, float, float, float] | None,
    batches: Iterable[pd.DataFrame],
) -> None:
    """Write ``batches`` (:func:`storable_table` frames of ``columns``, ``rows`` in
    all) as one GeoParquet file, a row group at a time: the file ``to_parquet`` writes
    for the whole table, without holding it or its geometries."""
    schema = geoparquet_schema(layer, columns, rows, bbox)
    written = 0
    with pq.ParquetWriter(path, schema, compression="snappy") as writer:
        for batch in batches:
            if len(batch):
                writer.write_table(_arrow(batch, schema))
                written += len(batch)
    if written != rows:  # pragma: no cover (the callers count the rows they hand over)
        raise WorkspaceError(f"wrote {written} rows of {rows}; nothing was stored")


def _bbox(frames: Iterable[pd.DataFrame]) -> tuple[float, float, float, float] | None:
    """The lon/lat bounds of ``frames`` (None when there are no points)."""
    x0 = y0 = np.inf
    x1 = y1 = -np.inf
    for f in frames:
        if len(f):
            lon = pd.to_numeric(f["lon"], errors="coerce").to_numpy(dtype="float64")
            lat = pd.to_numeric(f["lat"], errors="coerce").to_numpy(dtype="float64")
            x0, x1 = min(x0, np.nanmin(lon)), max(x1, np.nanmax(lon))
            y0, y1 = min(y0, np.nanmin(lat)), max(y1, np.nanmax(lat))
    return None if not np.isfinite(x0) else (float(x0), float(y0), float(x1), float(y1))


def _slices(df: pd.DataFrame, size: int = WRITE_ROWS) -> Iterator[pd.DataFrame]:
    for start in range(0, len(df), size):
        yield df.iloc[start : start + size]


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
    actor: str = "",
) -> tuple[Version, int]:
    """Store a new version of ``layer``: ``frame`` added to the layer in effect, or
    replacing it; ``actor`` (who makes it) goes into the version's record. Atomic: the
    version file and its record are complete on disk before ``CURRENT`` is switched with
    one ``os.replace``; a crash before that leaves the previous version in effect. Runs
    under the layer's lock, which makes the read of the layer in effect, the choice of
    the version number and the switch one step that no other writer interleaves with;
    the version file is created, never replaced.

    Returns
    -------
    (Version, int)
        The new version and the number of imported ids renamed to avoid clashes.

    The rows are written to a temporary file first and stored by :func:`commit_file`
    (the layer in effect and the new rows are read and written a batch at a time, so a
    commit's memory does not grow with the layer).

    Raises
    ------
    WorkspaceError
        When the layer is locked, the merged layer fails the model check, or the
        version's file name is already taken (then nothing is written).
    """
    with tempfile.TemporaryDirectory(prefix="exchange-atlas-commit-") as tmp:
        rows = Path(tmp) / "rows.parquet"
        writer = RowWriter(rows, layer)  # written before the lock is taken
        for part in _slices(pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))):
            writer.write(part)
        writer.close()
        return commit_file(
            layer,
            rows,
            replace=replace,
            home=home,
            source=source,
            lock_timeout=lock_timeout,
            actor=actor,
        )


class RowWriter:
    """The rows of an import written a batch at a time to a Parquet file (the layer's
    columns as :func:`storable_table` makes them, no geometry), for
    :func:`commit_file`: a streamed import never holds all its rows."""

    def __init__(self, path: Path, layer: str):
        self.path, self.layer = Path(path), layer
        self.rows = 0
        self._writer: pq.ParquetWriter | None = None
        self._schema: pa.Schema | None = None

    def write(self, frame: pd.DataFrame) -> None:
        """Append ``frame``'s rows (model columns; geometry, if any, is ignored)."""
        table = storable_table(frame, self.layer)
        if self._schema is not None:
            table = storable_table(table, self.layer, list(self._schema.names))
        arrow = pa.Table.from_pandas(table, preserve_index=False, schema=self._schema)
        if self._writer is None:
            self._schema = arrow.schema
            self._writer = pq.ParquetWriter(self.path, self._schema, compression="snappy")
        self._writer.write_table(arrow)
        self.rows += len(table)

    def close(self) -> None:
        """Finish the file (an empty one with the layer's columns when nothing came)."""
        if self._writer is None:
            self.write(pd.DataFrame(columns=list(LAYERS[self.layer].columns)))
        assert self._writer is not None
        self._writer.close()

    def discard(self) -> None:
        """Close and remove the file (an import that failed leaves nothing)."""
        if self._writer is not None:
            self._writer.close()
        self.path.unlink(missing_ok=True)


def read_rows(path: Path, columns: list[str] | None = None) -> pd.DataFrame:
    """A :class:`RowWriter` file (or a version file, without its points) read whole, as
    :func:`storable_table` made it."""
    names = [c for c in pq.read_schema(path).names if c != "geometry"]
    return pd.read_parquet(path, columns=columns or names)


def _batches(path: Path, columns: list[str] | None = None) -> Iterator[pd.DataFrame]:
    """The rows of a Parquet file (a version or a :class:`RowWriter` file) a batch at a
    time, text as strings (the geometry column is never read)."""
    f = pq.ParquetFile(path)
    names = [c for c in f.schema_arrow.names if c != "geometry"]
    for batch in f.iter_batches(batch_size=WRITE_ROWS, columns=columns or names):
        yield batch.to_pandas(
            types_mapper=lambda t: (
                pd.StringDtype("pyarrow") if t in (pa.string(), pa.large_string()) else None
            )
        )


def _source_batches(source: Path | pd.DataFrame, columns: list[str] | None = None):
    """The batches of a version file, or of the shipped table."""
    if isinstance(source, pd.DataFrame):
        frame = source if columns is None else source[[c for c in columns if c in source.columns]]
        return _slices(frame)
    return _batches(source, columns)


def _source_columns(source: Path | pd.DataFrame) -> list[str]:
    if isinstance(source, pd.DataFrame):
        return [str(c) for c in source.columns]
    return [c for c in pq.read_schema(source).names if c != "geometry"]


def _id_hashes(source: Path | pd.DataFrame) -> tuple[HashSet, HashSet, int, tuple | None]:
    """The 64-bit hashes of a source's ids (a :class:`HashSet`), those that occur more
    than once (few), its number of rows and its lon/lat bounds, read a batch at a time."""
    ids, repeated, rows, box = HashSet(), HashSet(), 0, None
    for b in _source_batches(source, ["id", "lon", "lat"]):
        h = hash_text(b["id"])
        again = ids.contains(h) | pd.Series(h).duplicated(keep="first").to_numpy()
        repeated.add(h[again])
        ids.add(h)
        rows += len(b)
        box = _union(box, _bbox([b]))
    return ids, repeated, rows, box


def _union(a: tuple | None, b: tuple | None) -> tuple | None:
    if a is None or b is None:
        return a if b is None else b
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


def rows_to_geoparquet(rows_file: Path, out: Path, layer: str) -> Path:
    """Write a :class:`RowWriter` file as a GeoParquet file ``out`` (what a version
    file is), a batch at a time; ``out`` appears whole or not at all."""
    _, _, rows, bbox = _id_hashes(rows_file)
    columns = _source_columns(rows_file)  # the layer's columns first, as RowWriter wrote
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)

    def write(tmp: Path) -> None:
        batches = (storable_table(b, layer, columns) for b in _batches(rows_file))
        write_geoparquet(tmp, layer, columns, rows, bbox, batches)

    atomic_write_file(out, write)
    return out


def commit_file(
    layer: str,
    rows_file: Path,
    *,
    replace: bool = False,
    home: Path | None = None,
    source: str = "",
    lock_timeout: float = 10.0,
    actor: str = "",
) -> tuple[Version, int]:
    """:func:`commit` for rows in a file (a :class:`RowWriter`'s: a streamed import's
    output), read and written a batch at a time: memory stays bounded whatever the
    number of rows (the ids are held as 64-bit hashes, 8 bytes a row).

    The same version, record and guarantees as :func:`commit`: the merged layer is
    checked batch by batch as it is written to a temporary file, which becomes the
    version only when complete and checked (nothing is written otherwise); imported
    ids that clash with the layer in effect (or repeat) are renamed ``ID~tagN``.

    Raises
    ------
    WorkspaceError
        As :func:`commit`.
    """
    rows_file = Path(rows_file)
    if database_url():
        return _commit_file_pg(layer, rows_file, replace, home, source, lock_timeout, actor)
    d = layer_dir(layer, home)
    with layer_lock(layer, home, timeout=lock_timeout), returning_pool():
        abandoned = _finish_interrupted(d)
        prev = _current_name(d)
        # under the lock: no other commit can choose it
        number = max(_next_number(d), abandoned + 1)
        name = f"v{number:04d}.parquet"
        base: Path | pd.DataFrame | None = None
        if not replace:
            current = current_layer_file(layer, home)
            base = current if current is not None else shipped_table(layer)
        plan = _Merge(layer, rows_file, base, number)
        info = plan.version(name, replace, source, prev)
        info.actor = actor

        def write(tmp: Path) -> None:
            write_geoparquet(tmp, layer, plan.columns, plan.rows, plan.bbox, plan.everything())

        record = json.dumps(info.to_dict(), ensure_ascii=False).encode()
        _write_version(d, layer, name, write, record)
        info.current = True
        return info, plan.renamed


class _Merge:
    """What a commit stores: the layer in effect (``base``: a version file, the shipped
    table, or None for a replace) and the new rows of ``rows_file``, the new ids that
    clash renamed ``ID~impN``, every batch checked against the model as it is read."""

    def __init__(self, layer: str, rows_file: Path, base: Path | pd.DataFrame | None, number: int):
        spec = LAYERS[layer]
        self.layer, self.rows_file, self.base = layer, rows_file, base
        tag = f"imp{number}"
        sources = ([] if base is None else [base]) + [rows_file]
        extra: list[str] = []
        for src in sources:
            extra += [c for c in _source_columns(src) if c not in spec.columns and c not in extra]
        columns = list(spec.columns) + extra
        taken, _, base_rows, base_box = (
            _id_hashes(base) if base is not None else (HashSet(), HashSet(), 0, None)
        )
        new_ids, repeated, new_rows, new_box = _id_hashes(rows_file)
        bbox = _union(base_box, new_box)
        rows = base_rows + new_rows
        renamed = 0
        given = HashSet()  # the new names given so far
        earlier = HashSet()  # the repeated imported ids met in the batches before

        def rename(batch: pd.DataFrame) -> pd.DataFrame:
            nonlocal renamed
            ids = batch["id"].astype("string")
            h = hash_text(ids)
            again = repeated.contains(h)  # only those can repeat one before them
            clash = taken.contains(h) | (again & earlier.contains(h))
            clash |= pd.Series(h).duplicated(keep="first").to_numpy()
            earlier.add(h[again])
            if not clash.any():
                return batch
            batch = batch.copy()
            at = int(batch.columns.get_loc("id"))  # pyright: ignore[reportArgumentType]
            todo = np.flatnonzero(clash)
            old = ids.iloc[todo].reset_index(drop=True)
            k = 1
            while len(todo):  # vectorised: every clashing id tries ID~tag, then ~tag2, ...
                cand = old + (f"~{tag}" if k == 1 else f"~{tag}{k}")
                hc = hash_text(cand)
                free = ~(taken.contains(hc) | new_ids.contains(hc) | given.contains(hc))
                free &= ~pd.Series(hc).duplicated(keep="first").to_numpy()
                batch.iloc[todo[free], at] = cand[free].to_numpy()
                given.add(hc[free])
                todo, old = todo[~free], old[~free].reset_index(drop=True)
                k += 1
            renamed += int(clash.sum())
            return batch

        def checked(batches: Iterable[pd.DataFrame], start: int) -> Iterator[pd.DataFrame]:
            at = start
            for b in batches:
                table = storable_table(b, layer, columns)
                problems = [
                    p
                    for p in validate_points(table, layer, "merged layer")
                    if p.severity == "error"
                ]
                if problems:
                    for p in problems:
                        p.row = None if p.row is None else p.row + at
                    raise WorkspaceError(
                        "the merged layer would not pass the model check, nothing was written: "
                        + "; ".join(str(p) for p in problems[:3])
                    )
                at += len(table)
                yield table
                trim_heap()

        self.columns, self.rows, self.bbox = columns, rows, bbox
        self.base_rows, self.new_rows = base_rows, new_rows
        self._rename, self._checked = rename, checked
        self._renamed = lambda: renamed

    @property
    def renamed(self) -> int:
        """How many imported ids were renamed (all, once the new rows were read)."""
        return self._renamed()

    def base_batches(self) -> Iterator[pd.DataFrame]:
        """The layer in effect, checked, a batch at a time (nothing for a replace)."""
        if self.base is not None:
            yield from self._checked(_source_batches(self.base), 0)

    def new_batches(self) -> Iterator[pd.DataFrame]:
        """The new rows, renamed and checked, a batch at a time."""
        rows = (self._rename(b) for b in _batches(self.rows_file))
        yield from self._checked(rows, self.base_rows)

    def everything(self) -> Iterator[pd.DataFrame]:
        """The whole new version: the layer in effect, then the new rows."""
        yield from self.base_batches()
        yield from self.new_batches()

    def version(self, name: str, replace: bool, source: str, prev: str | None) -> Version:
        """The new version's record."""
        return Version(
            name=name,
            number=_number(VERSION_RE, name),
            created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            action="replace" if replace else "add",
            rows=self.rows,
            source=source,
            previous=prev,
            added=self.new_rows,
        )


def _write_version(
    d: Path, layer: str, name: str, data: bytes | Callable[[Path], None], record: bytes
) -> None:
    """Make ``name`` the layer's version in effect: ``PENDING`` names it, then the version
    file (``data``, or what ``data(path)`` writes) and its record are created (never
    replacing a file), ``CURRENT`` is switched to it, and ``PENDING`` is removed.

    Should any step before the switch fail (a full disk, the model check), the files
    this call created are removed, record first, then ``PENDING``: nothing of the
    version stays and the previous one stays in effect. A kill leaves ``PENDING``, which
    hides the version from :func:`history` until the next writer removes it
    (:func:`_finish_interrupted`)."""
    path = d / name
    rec = path.with_suffix(".json")
    pending = d / PENDING_NAME
    atomic_write_bytes(pending, name.encode())
    made: list[Path] = []
    switching = False
    try:
        try:
            if isinstance(data, bytes):
                atomic_write_bytes(path, data, exclusive=True)
            else:
                atomic_write_file(path, data, exclusive=True)
        except FileExistsError:
            raise _taken(layer, name) from None
        made.append(path)
        try:
            atomic_write_bytes(rec, record, exclusive=True)
        except FileExistsError:
            raise _taken(layer, rec.name) from None
        made.append(rec)
        switching = True
        atomic_write_bytes(d / "CURRENT", name.encode())  # the switch
    except BaseException:
        if not (switching and _current_name(d) == name):  # never in effect: remove ours
            try:
                for p in [*reversed(made), pending]:
                    p.unlink(missing_ok=True)
                _fsync_dir(d)
            except OSError:  # PENDING stays: still hidden, the next writer removes it
                pass
        raise
    try:
        pending.unlink()
        _fsync_dir(d)
    except OSError:  # the switch is made; the next writer removes PENDING
        pass


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

    Only versions that were in effect are listed: not the one a commit is making, nor
    one whose commit failed or was killed before its switch (``PENDING`` names it, see
    the module's guarantees), nor a version file without its record.
    """
    if database_url():
        from loaders.pg import layers as pg
        from loaders.pg.connection import transaction

        with transaction() as conn:
            cur = pg.current(conn, layer)
            recs = pg.history(conn, layer)
        return [_pg_version(r, cur) for r in recs]
    d = layer_dir(layer, home)
    # in this order: a version listed here was named in PENDING before its files existed,
    # and its record is removed before PENDING when its commit is abandoned
    versions = _versions(d)
    pending = _pending_name(d)
    cur = _current_name(d)
    out = []
    for p in versions:
        if p.name == pending and p.name != cur:
            continue  # a commit under way, or one that failed or died before its switch
        if not p.with_suffix(".json").is_file():
            continue  # an import interrupted before its record was written: never in effect
        v = _read_meta(d, p.name)
        v.current = p.name == cur
        out.append(v)
    return out


def current_version(layer: str, home: Path | None = None) -> Version | None:
    """The version in effect with its record (who made it: ``actor``), or None when the
    shipped data applies."""
    if database_url():
        return next((v for v in history(layer, home) if v.current), None)
    d = layer_dir(layer, home)
    name = _current_name(d)
    if name is None:
        return None
    v = _read_meta(d, name)
    v.current = True
    return v


def undo(layer: str, home: Path | None = None) -> str | None:
    """Restore the version that was in effect before the current one.

    Returns the restored version's file name, or None when the layer is back to the
    shipped data. Versions are never deleted, so an undo loses nothing.

    Raises
    ------
    WorkspaceError
        When the layer has nothing to undo.
    """
    if database_url():
        return _pg_undo(layer)
    d = layer_dir(layer, home)
    with layer_lock(layer, home):
        _finish_interrupted(d)
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


# --------------------------------------------------------------------------- PostgreSQL


def _pg_version(rec: dict, cur: dict | None) -> Version:
    return Version(
        name=f"v{rec['number']:04d}.parquet",
        number=int(rec["number"]),
        created=str(rec["created"]),
        action=str(rec["action"]),
        rows=int(rec["rows"]),
        source=str(rec["source"]),
        previous=rec["previous"],
        current=cur is not None and cur["number"] == rec["number"],
        added=int(rec["added"]),
        actor=str(rec.get("actor") or ""),
    )


#: One lock per read-back file: the sessions of one server that need a new version at once
#: wait for one thread to read it from the database instead of each reading it, each
#: holding a pooled connection meanwhile (20 sessions exhausted the pool and waited for
#: the writers to stop; found by benchmarks/load.py --db).
_READ_BACK_LOCKS: dict[str, threading.Lock] = {}
_READ_BACK_GUARD = threading.Lock()


def _read_back_lock(path: Path) -> threading.Lock:
    with _READ_BACK_GUARD:
        return _READ_BACK_LOCKS.setdefault(str(path), threading.Lock())


def _pg_current_file(layer: str, home: Path | None) -> Path | None:
    """The version in effect read back from the database into the local cache (once per
    version: the file is named by the version's token). The version's record is read in
    one short transaction; its rows, when the file is not there yet, in another, by one
    thread of the process at a time (versions are write-once: the second transaction
    reads the same rows)."""
    from loaders.pg import layers as pg
    from loaders.pg.connection import store_key, transaction

    with transaction() as conn:
        rec = pg.current(conn, layer)
        key = store_key()
    if rec is None:
        return None
    d = (home or default_home()) / "cache" / "pg" / key / layer / rec["token"]
    path = d / f"v{rec['number']:04d}.parquet"  # named as the version, as in a workspace
    if path.is_file():
        return path
    with _read_back_lock(path):
        if path.is_file():  # another thread read it meanwhile
            return path
        d.mkdir(parents=True, exist_ok=True)
        columns = rec["columns"]
        chain = [int(n) for n in rec["chain"]]
        with transaction() as conn:
            bbox = pg.bounds(conn, layer, chain)
            # an import onto the version before: that version's file, when read back
            # already, holds the chain's rows but the last version's (write-once rows in
            # chain order), so only the new rows come from the database
            prefix = None
            if len(chain) > 1:
                before = pg.version(conn, layer, chain[-2])
                if before is not None and list(before["columns"]) == list(columns):
                    p = path.parent.parent / before["token"] / f"v{chain[-2]:04d}.parquet"
                    prefix = p if p.is_file() else None

            def write(tmp: Path) -> None:
                scratch = tmp.with_name(tmp.name + ".csv")  # the temporary's own: readers race
                from_db = chain[-1:] if prefix is not None else chain
                batches = pg.copy_out(conn, layer, from_db, columns, scratch)
                tables = (storable_table(b, layer, columns) for b in batches)
                if prefix is not None:
                    tables = itertools.chain(_stored_batches(prefix, layer, columns), tables)
                write_geoparquet(tmp, layer, columns, int(rec["rows"]), bbox, tables)

            with returning_pool():
                atomic_write_file(path, write)
    return path


def _stored_batches(path: Path, layer: str, columns: list[str]) -> Iterator[pd.DataFrame]:
    """A version file's rows as :func:`storable_table` frames, a row group at a time."""
    for batch in pq.ParquetFile(path).iter_batches(columns=columns):
        yield storable_table(batch.to_pandas(), layer, columns)


def _commit_file_pg(
    layer: str,
    rows_file: Path,
    replace: bool,
    home: Path | None,
    source: str,
    timeout: float,
    actor: str = "",
) -> tuple[Version, int]:
    """:func:`commit_file` into the database: one transaction under the layer's advisory
    lock; the version stores the rows it adds (and the shipped rows when it is the first)."""
    from loaders.pg import layers as pg
    from loaders.pg.connection import lock, transaction

    with transaction() as conn, returning_pool():
        lock(conn, f"the {layer} layer", timeout)
        cur = pg.current(conn, layer)
        number = pg.next_number(conn, layer)
        name = f"v{number:04d}.parquet"
        base: Path | pd.DataFrame | None = None
        if not replace:
            base = _pg_current_file(layer, home) if cur is not None else shipped_table(layer)
        plan = _Merge(layer, rows_file, base, number)
        prev = None if cur is None else f"v{cur['number']:04d}.parquet"
        info = plan.version(name, replace, source, prev)
        info.actor = actor
        own_base = not replace and cur is None  # the shipped rows become this version's
        chain = [number] if replace or cur is None else [*cur["chain"], number]
        rec = {
            **info.to_dict(),
            "columns": plan.columns,
            "chain": chain,
            "base_rows": plan.base_rows if own_base else 0,
        }
        pg.add_version(conn, layer, rec)
        batches = plan.everything() if own_base else plan.new_batches()
        if cur is not None and not replace:
            for _ in plan.base_batches():  # the layer in effect is checked, as in the workspace
                pass
        stored = pg.copy_in(conn, layer, number, plan.columns, batches)
        if stored != (plan.rows if own_base or replace else plan.new_rows):
            raise WorkspaceError(f"stored {stored} rows of {plan.rows}; nothing was written")
        pg.set_current(conn, layer, number)
        info.current = True
        return info, plan.renamed


def _pg_undo(layer: str) -> str | None:
    """:func:`undo` in the database (one transaction, the layer's advisory lock)."""
    from loaders.pg import layers as pg
    from loaders.pg.connection import lock, transaction

    with transaction() as conn:
        lock(conn, f"the {layer} layer")
        cur = pg.current(conn, layer)
        if cur is None:
            raise WorkspaceError(f"nothing to undo: the {layer} layer has no imported version")
        prev = cur["previous"]
        m = VERSION_RE.match(prev or "")
        back = pg.version(conn, layer, int(m.group(1))) if m else None
        pg.set_current(conn, layer, None if back is None else int(back["number"]))
        return None if back is None else str(prev)


def pg_new_districts(layer: str, version: Version) -> list[str | None]:
    """The distinct adcodes of the rows ``version`` added to ``layer`` in the database (for
    the write gateway's check inside the transaction of the write)."""
    from loaders.pg import layers as pg
    from loaders.pg.connection import transaction

    with transaction() as conn:
        rec = pg.version(conn, layer, version.number)
        start = 0 if rec is None or rec["action"] == "replace" else int(rec["base_rows"])
        return pg.new_row_districts(conn, layer, version.number, start)
