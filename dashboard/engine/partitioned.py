"""Partitioned GeoParquet datasets: spatially sorted partitions with their bounds.

The input of coverage on a cluster (:func:`dashboard.engine.scale.assess_coverage_files`)
for data larger than one machine. Layout (a directory: local, or any path pyarrow's
filesystems read, such as ``s3://bucket/key``)::

    DIR/_bounds.json          the manifest: format, CRS, columns and types, and per
                              partition its file, row count and bounds
    DIR/part-00000.parquet    GeoParquet 1.0: WKB points in WGS-84 plus the lon/lat columns
    DIR/part-00001.parquet    …

Rows are sorted along a Hilbert curve on EPSG:32650 (metric) coordinates and cut into
contiguous partitions, so each partition covers a compact area. ``bounds`` is
``[xmin, ymin, xmax, ymax]`` of a partition's points projected to EPSG:32650 with the
engine's own projection (:func:`dashboard.engine.coverage.project_lonlat`), which is what
the cluster pairs partitions by. The manifest is the one file a client reads: with it the
client plans the work without opening a partition, and a worker that finds its partition
outside the recorded bounds, or with another schema, says so.

Writing: :func:`write_partitioned` (a layer in memory), :class:`PartitionWriter` (partition
by partition, bounded memory) and :func:`write_synthetic` (a large synthetic set generated
tile by tile along the curve). Reading: :func:`open_dataset` (the manifest, checked),
:func:`check_partition` (one file's footer), :func:`read_partition`, :func:`read_dataset`.
Problems are :class:`DatasetError` with a bilingual :class:`~dashboard.core.messages.Msg`.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import shapely

from dashboard.core.messages import Msg
from dashboard.core.model import CATEGORY_SECTOR, METRIC_CRS, WGS84
from dashboard.engine.coverage import project_lonlat

MANIFEST = "_bounds.json"
FORMAT = "exchange-atlas partitioned GeoParquet"
VERSION = 1
#: Rows per partition when none is given: a task's demand and its supply stay ~100 MB.
DEFAULT_ROWS = 250_000
#: Bounds are compared with this slack (metres), so a projection that differs in the last
#: bit (another machine's PROJ) never loses a point at a partition's edge.
SLACK = 1e-3
#: Rows per row group: the unit a worker reads of a supply partition near its own.
GROUP_ROWS = 8_192
#: Hilbert curve order: a 2**16 × 2**16 grid (~3 m cells over Beijing).
CURVE_ORDER = 16
#: Beijing's bounding box (WGS-84), where :func:`write_synthetic` draws points.
BEIJING_BBOX = (115.42, 39.44, 117.51, 41.06)


class DatasetError(Exception):
    """A partitioned dataset that cannot be used; ``args[0]`` is a :class:`Msg`."""


@dataclass(frozen=True)
class Partition:
    """One file of a dataset: its name, row count and EPSG:32650 bounds, and the same of
    each of its row groups (``xmin, ymin, xmax, ymax, rows``; empty: not recorded), so a
    reader that wants only the points inside a box reads only the row groups meeting it."""

    file: str
    rows: int
    bounds: tuple[float, float, float, float]
    groups: tuple[tuple[float, float, float, float, int], ...] = ()

    def groups_meeting(self, box: Sequence[float]) -> list[int] | None:
        """Row groups whose bounds meet ``box`` (grown by the slack); None: all of them."""
        if not self.groups:
            return None
        g = np.array(self.groups, dtype="float64").reshape(-1, 5)
        hit = (
            (g[:, 0] <= box[2] + SLACK)
            & (g[:, 2] >= box[0] - SLACK)
            & (g[:, 1] <= box[3] + SLACK)
            & (g[:, 3] >= box[1] - SLACK)
        )
        return np.flatnonzero(hit).tolist()


@dataclass(frozen=True)
class Dataset:
    """A dataset's manifest: where it is, its CRS, columns (name, Arrow type) and partitions."""

    path: str
    crs: str | None
    columns: tuple[tuple[str, str], ...]
    partitions: tuple[Partition, ...]
    layer: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(p.rows for p in self.partitions)

    @property
    def names(self) -> list[str]:
        return [c for c, _ in self.columns]

    def bounds(self) -> np.ndarray:
        """Partition bounds as an array of shape (partitions, 4)."""
        return np.array([p.bounds for p in self.partitions], dtype="float64").reshape(-1, 4)

    def uri(self, part: Partition) -> str:
        return _join(self.path, part.file)


# --------------------------------------------------------------------------- filesystems


def _is_uri(path: str) -> bool:
    return "://" in path


def _join(base: str, name: str) -> str:
    return f"{base.rstrip('/')}/{name}" if _is_uri(base) else str(Path(base) / name)


def filesystem(path: str):
    """(pyarrow filesystem, path inside it) of a local path or a URI."""
    from pyarrow import fs

    if _is_uri(path):
        return fs.FileSystem.from_uri(path)
    return fs.LocalFileSystem(), str(Path(path).absolute())


# --------------------------------------------------------------------------- the curve


def hilbert_key(
    x: np.ndarray,
    y: np.ndarray,
    extent: Sequence[float] | None = None,
    order: int = CURVE_ORDER,
) -> np.ndarray:
    """Position of each point along a Hilbert curve on a ``2**order`` grid over ``extent``
    (``xmin, ymin, xmax, ymax``; default: the points' bounds). Sorting by it keeps
    neighbours together with no long jumps (unlike a Z-order curve)."""
    x = np.asarray(x, dtype="float64")
    y = np.asarray(y, dtype="float64")
    if x.size == 0:
        return np.zeros(0, dtype=np.uint64)
    x0, y0, x1, y1 = extent if extent is not None else (x.min(), y.min(), x.max(), y.max())
    side = 2**order

    def grid(v: np.ndarray, lo: float, hi: float) -> np.ndarray:
        scale = (side - 1) / (hi - lo) if hi > lo else 0.0
        return np.clip((v - lo) * scale, 0, side - 1).astype(np.int64)

    ix, iy = grid(x, x0, x1), grid(y, y0, y1)
    d = np.zeros(x.size, dtype=np.uint64)
    s = side // 2
    while s > 0:
        rx = (ix & s) > 0
        ry = (iy & s) > 0
        d += np.uint64(s) * np.uint64(s) * ((3 * rx.astype(np.uint64)) ^ ry.astype(np.uint64))
        # rotate the quadrant so the curve stays continuous
        flip = ~ry & rx
        ix = np.where(flip, side - 1 - ix, ix)
        iy = np.where(flip, side - 1 - iy, iy)
        swap = ~ry
        ix, iy = np.where(swap, iy, ix), np.where(swap, ix, iy)
        s //= 2
    return d


# --------------------------------------------------------------------------- manifest


def _geo_metadata(lon: np.ndarray, lat: np.ndarray) -> bytes:
    from pyproj import CRS

    bbox = (
        [float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())] if lon.size else []
    )
    meta = {
        "version": "1.0.0",
        "primary_column": "geometry",
        "columns": {
            "geometry": {
                "encoding": "WKB",
                "geometry_types": ["Point"],
                "crs": CRS.from_user_input(WGS84).to_json_dict(),
                **({"bbox": bbox} if bbox else {}),
            }
        },
    }
    return json.dumps(meta).encode()


def manifest_json(ds: Dataset) -> str:
    doc = {
        "format": FORMAT,
        "version": VERSION,
        "layer": ds.layer,
        "crs": ds.crs,
        "bounds_crs": METRIC_CRS,
        "curve": "hilbert",
        "rows": ds.rows,
        "columns": [list(c) for c in ds.columns],
        "partitions": [
            {
                "file": p.file,
                "rows": p.rows,
                "bounds": list(p.bounds),
                **({"groups": [list(g) for g in p.groups]} if p.groups else {}),
            }
            for p in ds.partitions
        ],
        **({"extra": ds.extra} if ds.extra else {}),
    }
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"


def _parse_manifest(path: str, text: str) -> Dataset:
    def bad(detail: str) -> DatasetError:
        return DatasetError(Msg("part_bad_bounds", path=path, detail=detail))

    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise bad(f"not JSON: {exc}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise bad(f"'format' is not {FORMAT!r}")
    if doc.get("version") != VERSION:
        raise bad(f"version {doc.get('version')!r}, this release reads {VERSION}")
    if doc.get("bounds_crs") != METRIC_CRS:
        raise bad(f"bounds_crs {doc.get('bounds_crs')!r}, expected {METRIC_CRS}")
    try:
        columns = tuple((str(n), str(t)) for n, t in doc["columns"])
        parts = tuple(
            Partition(
                str(p["file"]),
                int(p["rows"]),
                tuple(float(v) for v in p["bounds"]),  # type: ignore[arg-type]
                tuple(
                    (float(a), float(b), float(c), float(d), int(n))
                    for a, b, c, d, n in p.get("groups", ())
                ),
            )
            for p in doc["partitions"]
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise bad(f"{type(exc).__name__}: {exc}") from None
    for p in parts:
        b = p.bounds
        if len(b) != 4 or not np.isfinite(b).all() or b[0] > b[2] or b[1] > b[3]:
            raise bad(f"partition {p.file}: bounds {list(b)} are not xmin, ymin, xmax, ymax")
        if p.groups and sum(g[4] for g in p.groups) != p.rows:
            raise bad(f"partition {p.file}: its row groups do not add up to {p.rows} rows")
        if "/" in p.file or "\\" in p.file or p.file.startswith("."):
            raise bad(f"partition file {p.file!r} is not a file name in the dataset")
    crs = doc.get("crs")
    extra = doc.get("extra") or {}
    layer = doc.get("layer")
    return Dataset(path, None if crs is None else str(crs), columns, parts, layer, dict(extra))


def open_dataset(path: str | os.PathLike[str], role: str | None = None) -> Dataset:
    """The manifest of the dataset at ``path``, checked without opening a partition.

    Checks that it is a dataset, that its bounds metadata is there and valid, that it has
    a CRS (WGS-84), that every listed partition exists (a listing, no read) and, with
    ``role`` ``"demand"`` or ``"supply"``, that the coverage engine's columns are there.

    Raises
    ------
    DatasetError
        With a message naming the path and what to do.
    """
    path = str(path)
    if not _is_uri(path):  # workers resolve paths in their own working directory
        path = str(Path(path).absolute())
    fs, root = filesystem(path)
    from pyarrow import fs as pafs

    info = fs.get_file_info(root)
    if info.type == pafs.FileType.NotFound:
        raise DatasetError(Msg("part_not_found", path=path))
    if info.type != pafs.FileType.Directory:
        raise DatasetError(Msg("part_not_dataset", path=path))
    listing = {
        Path(i.path).name: i for i in fs.get_file_info(pafs.FileSelector(root, recursive=False))
    }
    if MANIFEST not in listing:
        if any(n.endswith(".parquet") for n in listing):
            raise DatasetError(Msg("part_no_bounds", path=path))
        raise DatasetError(Msg("part_not_dataset", path=path))
    with fs.open_input_stream(_join(root, MANIFEST)) as f:
        text = f.read().decode("utf-8", errors="replace")
    ds = _parse_manifest(path, text)
    for p in ds.partitions:
        if p.file not in listing or listing[p.file].type != pafs.FileType.File:
            raise DatasetError(Msg("part_missing_partition", path=path, file=p.file))
    if ds.crs is None:
        raise DatasetError(Msg("part_no_crs", path=path, file=MANIFEST))
    if not _is_wgs84(ds.crs):
        raise DatasetError(Msg("part_wrong_crs", path=path, file=MANIFEST, crs=ds.crs))
    if role is not None:
        need = ("lon", "lat", "category") if role == "demand" else ("lon", "lat")
        missing = [c for c in need if c not in ds.names]
        if missing:
            raise DatasetError(
                Msg(
                    "part_columns",
                    path=path,
                    role=Msg(f"part_role_{role}"),
                    columns=", ".join(missing),
                )
            )
    return ds


_WGS84_SEEN: dict[str, bool] = {}


def _is_wgs84(crs: object) -> bool:
    """Whether a CRS (text or PROJJSON) is WGS-84 longitude/latitude (either axis order)."""
    key = json.dumps(crs, sort_keys=True) if not isinstance(crs, str) else crs
    if key not in _WGS84_SEEN:
        from pyproj import CRS
        from pyproj.exceptions import CRSError

        try:
            c = CRS.from_json_dict(crs) if isinstance(crs, dict) else CRS.from_user_input(crs)
            _WGS84_SEEN[key] = c.equals(CRS.from_user_input(WGS84), ignore_axis_order=True)
        except (CRSError, TypeError, ValueError):
            _WGS84_SEEN[key] = False
    return _WGS84_SEEN[key]


def _schema_columns(schema: pa.Schema) -> tuple[tuple[str, str], ...]:
    return tuple((f.name, str(f.type)) for f in schema)


def check_partition(ds: Dataset, part: Partition, bounds: bool = True) -> Msg | None:
    """What is wrong with one partition file (None: nothing). Runs on a worker.

    From the footer: its columns and types must be the manifest's, its rows and row groups
    the recorded ones, and its GeoParquet metadata must carry a WGS-84 CRS. With
    ``bounds``, its lon/lat columns are read too and every point must lie inside its
    partition's and its row group's recorded bounds: a reader skips partitions and row
    groups by those bounds, so metadata that no longer matches the data would lose points
    silently.
    """
    fs, uri = _file(ds, part)
    try:
        meta = pq.read_metadata(uri, filesystem=fs)
        schema = meta.schema.to_arrow_schema()
    except (OSError, pa.ArrowException) as exc:
        return Msg("part_unreadable", path=ds.path, file=part.file, detail=str(exc))
    cols = _schema_columns(schema)
    if cols != ds.columns:
        return Msg("part_schema", path=ds.path, file=part.file, detail=_diff(ds.columns, cols))
    if meta.num_rows != part.rows:
        return Msg(
            "part_rows", path=ds.path, file=part.file, found=meta.num_rows, expected=part.rows
        )
    geo = (schema.metadata or {}).get(b"geo")
    try:
        gmeta = json.loads(geo) if geo else None
        col = gmeta["columns"][gmeta["primary_column"]] if gmeta else None
    except (ValueError, KeyError, TypeError):
        col = None
    if col is None or ("crs" in col and col["crs"] is None):
        return Msg("part_no_crs", path=ds.path, file=part.file)
    crs = col.get("crs", "OGC:CRS84")  # GeoParquet: no crs key means OGC:CRS84
    if not _is_wgs84(crs):
        name = crs.get("name", "?") if isinstance(crs, dict) else str(crs)
        return Msg("part_wrong_crs", path=ds.path, file=part.file, crs=name)
    sizes = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
    if part.groups and sizes != [g[4] for g in part.groups]:
        return Msg("part_stale_bounds", path=ds.path, file=part.file)
    if bounds:
        frame = read_partition(ds, part, ["lon", "lat"])
        x, y = project_lonlat(frame["lon"].to_numpy("float64"), frame["lat"].to_numpy("float64"))
        if outside(part.bounds, x, y):
            return Msg("part_stale_bounds", path=ds.path, file=part.file)
        start = 0
        for g in part.groups:
            sl = slice(start, start + g[4])
            if outside(g, x[sl], y[sl]):
                return Msg("part_stale_bounds", path=ds.path, file=part.file)
            start += g[4]
    return None


def _diff(want: Sequence[tuple[str, str]], got: Sequence[tuple[str, str]]) -> str:
    w, g = dict(want), dict(got)
    out = [f"no column {c}" for c in w if c not in g]
    out += [f"extra column {c}" for c in g if c not in w]
    out += [f"{c} is {g[c]}, not {w[c]}" for c in w if c in g and g[c] != w[c]]
    if not out:
        out = ["columns in another order"]
    return "; ".join(out[:4]) + ("; …" if len(out) > 4 else "")


# --------------------------------------------------------------------------- reading


def _file(ds: Dataset, part: Partition):
    fs, _ = filesystem(ds.path)
    return fs, filesystem(ds.uri(part))[1]


def read_partition(
    ds: Dataset,
    part: Partition,
    columns: Sequence[str] | None = None,
    box: Sequence[float] | None = None,
) -> pd.DataFrame:
    """One partition as a DataFrame: ``columns`` only (the WKB geometry is never decoded),
    and with ``box`` (EPSG:32650 ``xmin, ymin, xmax, ymax``) only the row groups whose
    recorded bounds meet it — a superset of the points inside the box."""
    fs, uri = _file(ds, part)
    cols = [c for c in columns if c in ds.names] if columns is not None else None
    if cols is None:
        cols = [c for c in ds.names if c != "geometry"]
    groups = part.groups_meeting(box) if box is not None else None
    try:
        pf = pq.ParquetFile(uri, filesystem=fs)
        if groups is None:
            table = pf.read(columns=cols)
        else:
            table = pf.read_row_groups(groups, columns=cols)
        return table.to_pandas()
    except (OSError, pa.ArrowException) as exc:
        raise DatasetError(
            Msg("part_unreadable", path=ds.path, file=part.file, detail=str(exc))
        ) from None


def read_dataset(path: str | os.PathLike[str], columns: Sequence[str] | None = None):
    """A whole dataset as one DataFrame in partition order (for data that fits), with the
    categorical columns its manifest names (``extra["categories"]``) restored."""
    ds = open_dataset(path)
    frames = [read_partition(ds, p, columns) for p in ds.partitions]
    if frames:
        out = pd.concat(frames, ignore_index=True)
    else:
        names = [c for c in (columns or ds.names) if c != "geometry"]
        out = pd.DataFrame({c: pd.Series(dtype="object") for c in names})
    for col, cats in (ds.extra.get("categories") or {}).items():
        if col in out.columns:
            out[col] = pd.Categorical(out[col].astype(object), categories=pd.Index(cats))
    return out


def projected_bounds(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float, float]:
    return float(x.min()), float(y.min()), float(x.max()), float(y.max())


def outside(bounds: Sequence[float], x: np.ndarray, y: np.ndarray) -> bool:
    """Whether any point lies outside recorded ``bounds`` (beyond the slack)."""
    if x.size == 0:
        return False
    x0, y0, x1, y1 = bounds[:4]
    return bool(
        x.min() < x0 - SLACK or x.max() > x1 + SLACK or y.min() < y0 - SLACK or y.max() > y1 + SLACK
    )


# --------------------------------------------------------------------------- writing


def _check_out(out: Path) -> None:
    """``out`` must be new, an empty directory, or a dataset this module wrote (replaced)."""
    if out.exists() and (
        not out.is_dir() or (any(out.iterdir()) and not (out / MANIFEST).exists())
    ):
        raise DatasetError(Msg("part_out_dataset_exists", out=str(out)))


def replace_dir(staging: Path, out: Path) -> None:
    """Move the finished ``staging`` directory to ``out``, replacing what ``out`` held."""
    trash = None
    if out.exists():
        trash = out.with_name(f".{out.name}.old-{uuid.uuid4().hex[:8]}")
        out.rename(trash)
    staging.rename(out)
    if trash is not None:
        shutil.rmtree(trash, ignore_errors=True)


class PartitionWriter:
    """Writes a dataset one partition at a time (bounded memory), the manifest last.

    Partitions go into a hidden sibling directory that :meth:`close` renames to ``out``;
    after an error (or :meth:`abort`) nothing is left. Every partition is cast to the
    first one's schema, so a chunk whose column happens to be all empty keeps the type.
    """

    def __init__(
        self,
        out: str | os.PathLike[str],
        layer: str | None = None,
        group_rows: int = GROUP_ROWS,
    ) -> None:
        self.out = Path(out)
        self.group_rows = max(1, int(group_rows))
        _check_out(self.out)
        self.layer = layer
        self.staging = self.out.with_name(f".{self.out.name}.partial-{uuid.uuid4().hex[:8]}")
        try:
            self.staging.mkdir(parents=True)
        except OSError as exc:
            raise DatasetError(
                Msg("part_cannot_write", out=str(self.out), detail=exc.strerror or str(exc))
            ) from None
        self.parts: list[Partition] = []
        self.schema: pa.Schema | None = None

    def write(
        self, frame: pd.DataFrame, x: np.ndarray | None = None, y: np.ndarray | None = None
    ) -> Partition | None:
        """Write ``frame`` (WGS-84 ``lon``/``lat``, rows already in curve order) as the
        next partition; ``x``/``y`` are its EPSG:32650 coordinates when already known."""
        if len(frame) == 0:
            return None
        lon = frame["lon"].to_numpy(dtype="float64")
        lat = frame["lat"].to_numpy(dtype="float64")
        if x is None or y is None:
            x, y = project_lonlat(lon, lat)
        data = pd.DataFrame(frame)  # the WKB points are rebuilt from lon/lat below
        data = data.drop(
            columns=[c for c in data.columns if c == "geometry" or data[c].dtype == "geometry"]
        )
        table = pa.Table.from_pandas(data, preserve_index=False)
        wkb = shapely.to_wkb(shapely.points(lon, lat))
        table = table.append_column("geometry", pa.array(wkb, type=pa.binary()))
        if self.schema is None:
            self.schema = table.schema.remove_metadata()
            self._pandas_meta = (table.schema.metadata or {}).get(b"pandas")
        else:
            table = table.cast(self.schema)
        meta = {b"geo": _geo_metadata(lon, lat)}
        if self._pandas_meta:
            meta[b"pandas"] = self._pandas_meta
        table = table.replace_schema_metadata(meta)
        n = len(frame)
        cuts = list(range(0, n, self.group_rows)) + [n]
        groups = tuple((*projected_bounds(x[a:b], y[a:b]), b - a) for a, b in zip(cuts, cuts[1:]))
        name = f"part-{len(self.parts):05d}.parquet"
        part = Partition(name, n, projected_bounds(x, y), groups)
        try:
            with pq.ParquetWriter(self.staging / name, table.schema) as pw:
                for a, b in zip(cuts, cuts[1:]):  # one row group per slice, as recorded
                    pw.write_table(table.slice(a, b - a), row_group_size=b - a)
        except OSError as exc:
            self.abort()
            raise DatasetError(
                Msg("part_cannot_write", out=str(self.out), detail=exc.strerror or str(exc))
            ) from None
        self.parts.append(part)
        return part

    def close(self, extra: dict[str, Any] | None = None) -> Dataset:
        """Write the manifest and move the dataset into place."""
        cols = _schema_columns(self.schema) if self.schema is not None else ()
        ds = Dataset(str(self.out), WGS84, cols, tuple(self.parts), self.layer, extra or {})
        try:
            (self.staging / MANIFEST).write_text(manifest_json(ds), encoding="utf-8")
            replace_dir(self.staging, self.out)
        except OSError as exc:
            self.abort()
            raise DatasetError(
                Msg("part_cannot_write", out=str(self.out), detail=exc.strerror or str(exc))
            ) from None
        return ds

    def abort(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)

    def __enter__(self) -> PartitionWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.abort()


def write_partitioned(
    frame: pd.DataFrame,
    out: str | os.PathLike[str],
    *,
    rows_per_partition: int = DEFAULT_ROWS,
    layer: str | None = None,
    group_rows: int = GROUP_ROWS,
) -> Dataset:
    """Write a point layer (WGS-84 ``lon``/``lat`` columns) as a dataset: rows sorted
    along the Hilbert curve on EPSG:32650 coordinates, cut every ``rows_per_partition``
    rows, each partition's bounds in the manifest."""
    if rows_per_partition < 1:
        raise DatasetError(Msg("part_bad_rows", rows=rows_per_partition))
    if "lon" not in frame.columns or "lat" not in frame.columns:
        raise DatasetError(Msg("part_not_points", layer=layer or "the table"))
    x, y = project_lonlat(frame["lon"].to_numpy("float64"), frame["lat"].to_numpy("float64"))
    order = np.argsort(hilbert_key(x, y), kind="stable")
    with PartitionWriter(out, layer, group_rows) as w:
        for a in range(0, len(order), rows_per_partition):
            rows = order[a : a + rows_per_partition]
            w.write(frame.iloc[rows], x[rows], y[rows])
        return w.close()


# --------------------------------------------------------------------------- synthetic data

#: Capability cells of synthetic payment points (``;``-joined, as the layer stores them).
_SYNTHETIC_CAPS = np.array(
    [
        "foreign_card",
        "foreign_card;foreign_wallet",
        "foreign_wallet",
        "cash;foreign_card",
        "cash;foreign_card;foreign_wallet",
        "cash",
        "atm_withdrawal;cash",
        "cash;currency_exchange;foreign_card",
    ],
    dtype=object,
)


def _tiles(side: int) -> np.ndarray:
    """The ``side × side`` tile indices (ix, iy) in Hilbert-curve order."""
    iy, ix = np.divmod(np.arange(side * side), side)
    order = int(np.log2(side)) if side > 1 else 1
    key = hilbert_key(ix.astype("float64"), iy.astype("float64"), (0, 0, side - 1, side - 1), order)
    o = np.argsort(key, kind="stable")
    return np.column_stack([ix[o], iy[o]])


def synthetic_chunks(
    kind: str,
    rows: int,
    *,
    rows_per_partition: int = DEFAULT_ROWS,
    seed: int = 0,
    bbox: Sequence[float] = BEIJING_BBOX,
    categories: Sequence[str] | None = None,
) -> Iterator[pd.DataFrame]:
    """Uniform random demand (``kind="demand"``: id, category, sector, lon, lat) or supply
    (``"supply"``: id, lon, lat, capabilities, in_service_date) over ``bbox``, one
    partition-sized chunk at a time, already in curve order: the box is cut into tiles
    visited along a Hilbert curve, each tile draws its share of points (multinomial), and
    consecutive tiles fill a chunk. Memory stays at one chunk whatever ``rows`` is."""
    if kind not in ("demand", "supply"):
        raise ValueError(f"kind must be 'demand' or 'supply', not {kind!r}")
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = bbox
    target = max(1, rows // max(1, rows_per_partition))
    side = 1
    while side * side < 4 * target:
        side *= 2
    counts = rng.multinomial(rows, np.full(side * side, 1.0 / (side * side)))
    tiles = _tiles(side)
    cats = np.array(list(categories or CATEGORY_SECTOR), dtype=object)
    sector_of = np.array([CATEGORY_SECTOR.get(str(c), "shopping") for c in cats], dtype=object)
    tw, th = (x1 - x0) / side, (y1 - y0) / side
    start = 0
    pending: list[tuple[np.ndarray, np.ndarray]] = []
    size = 0
    last = len(tiles) - 1
    for t, (ix, iy) in enumerate(tiles):
        n = int(counts[iy * side + ix])
        if n:
            pending.append(
                (
                    rng.uniform(x0 + ix * tw, x0 + (ix + 1) * tw, n),
                    rng.uniform(y0 + iy * th, y0 + (iy + 1) * th, n),
                )
            )
            size += n
        if size and (size >= rows_per_partition or t == last):
            lon = np.concatenate([p[0] for p in pending])
            lat = np.concatenate([p[1] for p in pending])
            ids = np.arange(start, start + size)
            frame = pd.DataFrame({"id": pd.Series(ids).astype("str")})
            frame["id"] = ("D" if kind == "demand" else "S") + frame["id"]
            if kind == "demand":
                c = rng.integers(0, len(cats), size)
                frame["category"] = pd.array(cats[c], dtype="str")
                frame["sector"] = pd.array(sector_of[c], dtype="str")
                frame["lon"], frame["lat"] = lon, lat
            else:
                frame["lon"], frame["lat"] = lon, lat
                caps = _SYNTHETIC_CAPS[rng.integers(0, len(_SYNTHETIC_CAPS), size)]
                frame["capabilities"] = pd.array(caps, dtype="str")
                days = rng.integers(0, 7 * 365, size)
                frame["in_service_date"] = (
                    np.datetime64("2019-01-01", "D") + days.astype("timedelta64[D]")
                ).astype("datetime64[us]")
            yield frame
            start += size
            pending, size = [], 0


def write_synthetic(
    out: str | os.PathLike[str],
    kind: str,
    rows: int,
    *,
    rows_per_partition: int = DEFAULT_ROWS,
    seed: int = 0,
    bbox: Sequence[float] = BEIJING_BBOX,
    group_rows: int = GROUP_ROWS,
) -> Dataset:
    """A synthetic dataset of ``rows`` points written chunk by chunk (see
    :func:`synthetic_chunks`); each chunk is sorted along the curve before it is written."""
    if rows_per_partition < 1:
        raise DatasetError(Msg("part_bad_rows", rows=rows_per_partition))
    with PartitionWriter(out, f"synthetic-{kind}", group_rows) as w:
        for chunk in synthetic_chunks(
            kind, rows, rows_per_partition=rows_per_partition, seed=seed, bbox=bbox
        ):
            x, y = project_lonlat(chunk["lon"].to_numpy(), chunk["lat"].to_numpy())
            o = np.argsort(hilbert_key(x, y), kind="stable")
            w.write(chunk.iloc[o].reset_index(drop=True), x[o], y[o])
        return w.close({"synthetic": True, "seed": seed})
