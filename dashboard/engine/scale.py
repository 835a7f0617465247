"""Scale-out backend: the coverage engine on a dask cluster (needs the ``[scale]`` extra).

Design (see ``docs/coverage.md``):

1. Demand and in-service supply points are projected (EPSG:32650), sorted along a
   Z-order curve and cut into contiguous chunks: spatially compact partitions of
   dask-geopandas frames, persisted on the cluster.
2. Each partition's bounding box is computed on the workers. A demand partition is
   paired with the supply partitions whose boxes meet its box grown by a **halo of
   one radius** (the largest radius in force, or ``max_distance`` if larger).
3. Each demand partition runs the *same* local kernel
   (:func:`dashboard.engine.coverage.place_coverage`) against the supply points of those
   partitions inside its halo box. Every qualifying point within any place's radius
   lies in that box, so coverage is identical to the local backend. Supply is never
   broadcast: each task receives only the partitions near it.
4. A reported distance is exact when it does not exceed the place's distance to the
   edge of the halo box; the few places where it might (only when exact unbounded
   distances are asked for) are re-queried against all supply on the client.
5. Per-place results are gathered in input order and aggregated with
   :func:`dashboard.engine.coverage.district_coverage`: the figures equal the local ones.

dask-geopandas 0.5 offers neither a distance join nor ``sjoin_nearest`` (upstream
issue #223), its ``sjoin`` misbehaves with pandas 3.1 after ``read_parquet``, and its
``spatial_shuffle`` spent minutes computing divisions for 1M in-memory points (no
numba here); this backend therefore uses it to hold the partitions, never to join or
shuffle. Inputs are in-memory tables on the client; per-place results come back to
the client.

From files (:func:`assess_coverage_files`): for data larger than one machine, demand and
supply are partitioned GeoParquet datasets (:mod:`dashboard.engine.partitioned`) that the
workers read themselves. The client reads only the two manifests and gathers per-partition
counts; each demand partition's task reads the supply row groups within a halo of one
radius of its bounds, runs the same kernel, makes its distances exact when per-place
results are written, and writes them. The per-district table is built from the counts
(:func:`district_table`); both equal the local engine's. The same run can count by the
zones of a boundary set (``zones``: :func:`zone_table`), at a second date (``since``: the
progress columns of ``coverage --since``) and with the field checks' correction of the
supply (``evidence``: :class:`FieldEvidence`), each as the local engine does.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from dashboard.core.messages import Msg
from dashboard.core.model import METRIC_CRS, WGS84
from dashboard.core.standards import Standards
from dashboard.engine.coverage import (
    CITY_ADCODE,
    CITY_NAME,
    DISTRICT_COLUMNS,
    CoverageResult,
    DateLike,
    demand_categories,
    district_coverage,
    in_service,
    nearest_ids,
    place_coverage,
    project_lonlat,
)
from dashboard.engine.partitioned import (
    MANIFEST,
    SLACK,
    Dataset,
    DatasetError,
    Partition,
    check_partition,
    manifest_json,
    open_dataset,
    outside,
    read_dataset,
    read_partition,
    replace_dir,
)
from dashboard.engine.verification import effective_supply
from dashboard.engine.zones import as_zone_table, assign_zones, zone_key

DEMAND_COLUMNS = ("id", "category", "sector", "adcode", "lon", "lat")
SUPPLY_COLUMNS = ("id", "lon", "lat", "capabilities", "in_service_date")


@contextmanager
def dask_client(scheduler: str | None = None, n_workers: int = 2, client=None):
    """A ``distributed.Client``: the one given, one connected to ``scheduler``, or a
    local cluster of ``n_workers`` single-threaded worker processes (closed on exit)."""
    from distributed import Client, LocalCluster

    if client is not None:
        yield client
        return
    if scheduler:
        c = Client(scheduler, timeout="10s")
        try:
            yield c
        finally:
            c.close()
        return
    cluster = LocalCluster(
        n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=":0"
    )
    c = Client(cluster)
    try:
        yield c
    finally:
        c.close()
        cluster.close()


def _bounds(part: pd.DataFrame) -> pd.DataFrame:
    """Bounding box and size of one partition (on its projected ``_x``/``_y``)."""
    n = len(part)
    if n == 0:
        return pd.DataFrame(
            {"xmin": [np.nan], "ymin": [np.nan], "xmax": [np.nan], "ymax": [np.nan], "n": [0]}
        )
    x, y = part["_x"].to_numpy(), part["_y"].to_numpy()
    return pd.DataFrame(
        {"xmin": [x.min()], "ymin": [y.min()], "xmax": [x.max()], "ymax": [y.max()], "n": [n]}
    )


def _partition_kernel(
    part: pd.DataFrame,
    supply_pieces: list[pd.DataFrame],
    districts: gpd.GeoDataFrame | None,
    standards: Standards,
    as_of,
    halo: float,
    max_distance: float | None,
) -> pd.DataFrame:
    """Run the local engine on one spatial partition with its halo of supply."""
    if len(part) == 0:
        return pd.DataFrame()
    px, py = part["_x"].to_numpy(), part["_y"].to_numpy()
    x0, x1 = px.min() - halo, px.max() + halo
    y0, y1 = py.min() - halo, py.max() + halo
    pieces = []
    for piece in supply_pieces:
        sx, sy = piece["_x"].to_numpy(), piece["_y"].to_numpy()
        pieces.append(piece[(sx >= x0) & (sx <= x1) & (sy >= y0) & (sy <= y1)])
    cols = [c for c in SUPPLY_COLUMNS if c in (supply_pieces[0].columns if supply_pieces else ())]
    sub = pd.concat(pieces, ignore_index=True) if pieces else pd.DataFrame(columns=["lon", "lat"])
    sub = pd.DataFrame(sub[cols]) if cols else sub
    demand = pd.DataFrame(part.drop(columns=["geometry", "_x", "_y"], errors="ignore"))
    out = place_coverage(
        demand,
        sub,
        standards,
        as_of=as_of,
        districts=districts,
        max_distance=max_distance,
        workers=1,
    )
    edge = np.minimum.reduce([px - x0, x1 - px, py - y0, y1 - py])
    out["_row"] = part["_row"].to_numpy()
    out["_unresolved"] = out["distance_m"].to_numpy() > edge
    return out


def assess_coverage_dask(
    demand: pd.DataFrame,
    supply: pd.DataFrame,
    districts: gpd.GeoDataFrame | None,
    standards: Standards,
    *,
    as_of: DateLike | None = None,
    max_distance: float | None = None,
    scheduler: str | None = None,
    n_workers: int = 2,
    npartitions: int | None = None,
    client=None,
) -> CoverageResult:
    """:func:`dashboard.engine.coverage.assess_coverage` on a dask cluster; same answer.

    Parameters
    ----------
    scheduler : str, optional
        Address of an existing scheduler (``tcp://host:8786``). Default: a local
        cluster of ``n_workers`` processes, started and closed here.
    npartitions : int, optional
        Spatial partitions of the demand (default: ``2 × n_workers``, at least one
        per 250 000 places).
    client : distributed.Client, optional
        Use this client instead (neither started nor closed here).
    """
    _, cats = demand_categories(demand, supply, standards)
    halo = max(standards[c].radius_m for c in cats) if cats else 0.0
    if max_distance is not None:
        halo = max(halo, float(max_distance))

    dcols = [c for c in DEMAND_COLUMNS if c in demand.columns]
    d = pd.DataFrame(demand[dcols]).reset_index(drop=True)
    dx, dy = project_lonlat(d["lon"].to_numpy(), d["lat"].to_numpy())
    d["_x"], d["_y"], d["_row"] = dx, dy, np.arange(len(d))
    gd = gpd.GeoDataFrame(d, geometry=gpd.points_from_xy(dx, dy), crs=METRIC_CRS)

    # only points in service on the date travel, with the columns the kernel reads
    scols = [c for c in SUPPLY_COLUMNS if c in supply.columns and c != "in_service_date"]
    s_rows = np.flatnonzero(in_service(supply, as_of))
    s = pd.DataFrame(supply[scols].iloc[s_rows]).reset_index(drop=True)
    s["id"] = s_rows  # positions travel; ids are restored on the client with their dtype
    sx, sy = project_lonlat(s["lon"].to_numpy(), s["lat"].to_numpy())
    s["_x"], s["_y"] = sx, sy
    gs = gpd.GeoDataFrame(s, geometry=gpd.points_from_xy(sx, sy), crs=METRIC_CRS)
    dist_frame = None
    if districts is not None:
        dist_frame = gpd.GeoDataFrame(
            districts[["adcode", "name_zh", "name_en", "geometry"]].copy(), crs=districts.crs
        )

    if len(d) == 0:
        places = place_coverage(demand, supply, standards, as_of=as_of, districts=districts)
        return CoverageResult(places, district_coverage(places, districts), _ts(as_of))

    nparts = npartitions or max(2 * n_workers, len(d) // 250_000 + 1)
    nparts = max(1, min(nparts, len(d)))
    sparts = max(1, min(npartitions or max(2 * n_workers, len(s) // 250_000 + 1), max(len(s), 1)))
    from dask.delayed import delayed

    with dask_client(scheduler, n_workers, client) as c:
        ddf = _partitioned(gd, nparts)
        sdf = _partitioned(gs, sparts)
        ddf, sdf = c.persist([ddf, sdf])
        meta = pd.DataFrame(
            {k: pd.Series(dtype="float64") for k in ("xmin", "ymin", "xmax", "ymax")}
        )
        meta["n"] = pd.Series(dtype="int64")
        dbox, sbox = cast(  # sync=True: the results, not futures
            "list[pd.DataFrame]",
            c.compute(
                [ddf.map_partitions(_bounds, meta=meta), sdf.map_partitions(_bounds, meta=meta)],
                sync=True,
            ),
        )
        dist_f = c.scatter(dist_frame, broadcast=True) if dist_frame is not None else None
        d_parts, s_parts = ddf.to_delayed(), sdf.to_delayed()
        tasks = [
            delayed(_partition_kernel)(
                d_parts[i], [s_parts[j] for j in js], dist_f, standards, None, halo, max_distance
            )
            for i, js in halo_pairs(dbox, sbox, halo)
        ]
        done = cast("list[pd.DataFrame]", c.gather(c.compute(tasks)))  # a synchronous client
        pieces = [p for p in done if len(p)]
    return _gathered(pieces, demand, supply, standards, as_of, districts, max_distance)


class _Box(Protocol):
    """A row of a :func:`_bounds` table as :meth:`pandas.DataFrame.itertuples` gives it."""

    xmin: float
    ymin: float
    xmax: float
    ymax: float
    n: int


def _boxes(table: pd.DataFrame) -> Iterator[_Box]:
    return cast("Iterator[_Box]", table.itertuples(index=False))


def halo_pairs(dbox: pd.DataFrame, sbox: pd.DataFrame, halo: float) -> list[tuple[int, list[int]]]:
    """For each non-empty demand partition, the supply partitions whose bounds meet its
    box grown by ``halo`` (``xmin``, ``ymin``, ``xmax``, ``ymax``, ``n`` per partition).

    Every point within ``halo`` of a demand point lies in one of them. A partition with
    none still gets the first supply partition, so its result keeps the supply columns.
    """
    pairs = []
    for i, box in enumerate(_boxes(dbox)):
        if box.n == 0:
            continue
        near = [
            j
            for j, sb in enumerate(_boxes(sbox))
            if sb.n
            and sb.xmin <= box.xmax + halo
            and sb.xmax >= box.xmin - halo
            and sb.ymin <= box.ymax + halo
            and sb.ymax >= box.ymin - halo
        ]
        if not near and len(sbox):
            near = [0]
        pairs.append((i, near))
    return pairs


def _gathered(
    pieces: list[pd.DataFrame],
    demand: pd.DataFrame,
    supply: pd.DataFrame,
    standards: Standards,
    as_of,
    districts: gpd.GeoDataFrame | None,
    max_distance: float | None,
) -> CoverageResult:
    """The workers' per-partition results as one table in the demand's order: supply
    ids restored, places the halo could not decide re-queried on the client, the
    demand's columns carried over with their dtypes, and the per-district table."""
    res = pd.concat(pieces, ignore_index=True).sort_values("_row", kind="stable")
    unresolved = res["_unresolved"].to_numpy()
    res = res.drop(columns=["_unresolved"]).set_index("_row")
    pos = pd.to_numeric(pd.Series(res["nearest_id"].to_numpy(), dtype="object"), errors="coerce")
    res["nearest_id"] = nearest_ids(supply, pos.fillna(-1).to_numpy(dtype=np.int64))
    if unresolved.any():
        rows = res.index.to_numpy()[unresolved]
        fix = place_coverage(
            demand.iloc[rows],
            supply,
            standards,
            as_of=as_of,
            districts=districts,
            max_distance=max_distance,
        )
        for col in ("distance_m", "nearest_id", "covered"):
            res.loc[rows, col] = fix[col].to_numpy()
    for col in ("id", "category", "sector"):  # carried over unchanged, with their dtypes
        if col in demand.columns:
            res[col] = demand[col].array
    res.index = demand.index
    res.index.name = demand.index.name
    if districts is not None:
        cats_ad = [str(a) for a in districts["adcode"]]
        vals = res["adcode"].astype(object)
        extra = sorted({str(v) for v in vals.dropna()} - set(cats_ad))
        res["adcode"] = pd.Categorical(vals, categories=cats_ad + extra)
    res["covered"] = res["covered"].astype(bool)
    return CoverageResult(res, district_coverage(res, districts, total=True), _ts(as_of))


def morton_key(x: np.ndarray, y: np.ndarray, level: int = 16) -> np.ndarray:
    """Z-order (Morton) key of each point on a ``2**level`` grid over the points' bounds.

    Sorting by it and cutting into contiguous chunks gives compact spatial partitions.
    """
    if x.size == 0:
        return np.zeros(0, dtype=np.uint64)
    side = float(2**level - 1)

    def grid(v: np.ndarray) -> np.ndarray:
        lo, hi = float(v.min()), float(v.max())
        scale = side / (hi - lo) if hi > lo else 0.0
        return ((v - lo) * scale).astype(np.uint64)

    def spread(v: np.ndarray) -> np.ndarray:
        v = (v | (v << np.uint64(16))) & np.uint64(0x0000FFFF0000FFFF)
        v = (v | (v << np.uint64(8))) & np.uint64(0x00FF00FF00FF00FF)
        v = (v | (v << np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
        v = (v | (v << np.uint64(2))) & np.uint64(0x3333333333333333)
        return (v | (v << np.uint64(1))) & np.uint64(0x5555555555555555)

    return spread(grid(x)) | (spread(grid(y)) << np.uint64(1))


def _partitioned(gdf: gpd.GeoDataFrame, nparts: int):
    """A dask-geopandas frame of ``gdf`` cut into ``nparts`` spatially compact partitions
    (rows sorted along a Z-order curve, then split into contiguous chunks).

    dask-geopandas' own ``spatial_shuffle`` gives the same kind of partitions but, for
    data that already sits in one process, computing its divisions took minutes at
    1M points (no numba here); sorting locally takes a fraction of a second.
    """
    import dask_geopandas

    order = np.argsort(morton_key(gdf["_x"].to_numpy(), gdf["_y"].to_numpy()), kind="stable")
    ddf = dask_geopandas.from_geopandas(gdf.iloc[order], npartitions=nparts, sort=False)
    # the kernel reads the projected _x/_y columns; shapely geometries would only cost
    # serialisation between workers, so they do not travel
    return ddf.drop(columns=ddf.geometry.name)


def _ts(as_of: DateLike | None) -> pd.Timestamp | None:
    return None if as_of is None else pd.Timestamp(as_of)


# --------------------------------------------------------------------------- from files


@dataclass(frozen=True)
class FilesResult:
    """Coverage of a partitioned demand dataset by a partitioned supply dataset.

    ``districts`` is :func:`dashboard.engine.coverage.district_coverage`'s table (city
    total last); ``places`` the per-place dataset written under ``out`` (``None`` without
    ``out``); ``rounds`` the most rounds of distance refinement a partition needed;
    ``timings`` seconds per phase (``check``, ``cover``, ``write``) and the tasks' summed
    wall and CPU seconds (``tasks_wall``, ``tasks_cpu``).
    """

    districts: pd.DataFrame
    places: str | None
    rows: int
    partitions: int
    rounds: int
    timings: dict[str, float]
    as_of: pd.Timestamp | None = None


#: How long the client waits for a scheduler before giving up (``distributed`` timeout).
SCHEDULER_TIMEOUT = "10s"
#: Growth of the search box per refinement round for places with no point found yet.
GROWTH = 4.0


@contextmanager
def _cluster(scheduler: str | None, n_workers: int, client):
    """:func:`dask_client`, with an unreachable scheduler as a :class:`DatasetError`."""
    if client is not None or not scheduler:
        with dask_client(None, n_workers, client) as c:
            yield c
        return
    from distributed import Client

    try:
        c = Client(scheduler, timeout=SCHEDULER_TIMEOUT)
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DatasetError(Msg("part_scheduler", address=scheduler, detail=detail)) from None
    try:
        yield c
    finally:
        c.close()


def _near(
    bounds: tuple[float, float, float, float], sbounds: np.ndarray, reach: float
) -> list[int]:
    """Positions of the supply partitions whose bounds meet ``bounds`` grown by ``reach``
    (and the slack on both sides)."""
    x0, y0, x1, y1 = bounds
    r = reach + 2 * SLACK
    hit = (
        (sbounds[:, 0] <= x1 + r)
        & (sbounds[:, 2] >= x0 - r)
        & (sbounds[:, 1] <= y1 + r)
        & (sbounds[:, 3] >= y0 - r)
    )
    return np.flatnonzero(hit).tolist()


def _grown(bounds: tuple[float, float, float, float], reach: float) -> tuple[float, ...]:
    r = reach + SLACK
    return (bounds[0] - r, bounds[1] - r, bounds[2] + r, bounds[3] + r)


def _covers(box: Sequence[float], extent: Sequence[float]) -> bool:
    return (
        box[0] <= extent[0] and box[1] <= extent[1] and box[2] >= extent[2] and box[3] >= extent[3]
    )


def _supply_in_box(sd: Dataset, parts: Sequence[Partition], box: Sequence[float] | None):
    """The supply points of ``parts`` inside ``box`` (all of them when None), with the
    columns the kernel reads; each partition checked against its recorded bounds."""
    cols = [c for c in SUPPLY_COLUMNS if c in sd.names]
    pieces = []
    for part in parts:
        s = read_partition(sd, part, cols, box)  # only the row groups meeting the box
        x, y = project_lonlat(s["lon"].to_numpy("float64"), s["lat"].to_numpy("float64"), workers=1)
        if outside(part.bounds, x, y):
            raise DatasetError(Msg("part_stale_bounds", path=sd.path, file=part.file))
        if box is not None:
            keep = (x >= box[0]) & (x <= box[2]) & (y >= box[1]) & (y <= box[3])
            s = s[keep]
        pieces.append(s)
    if not pieces:  # no supply partition near (or none at all): no point, same columns
        if sd.partitions:
            return read_partition(sd, sd.partitions[0], cols).iloc[:0]
        return pd.DataFrame({c: pd.Series(dtype=_EMPTY_DTYPES.get(c, "str")) for c in cols})
    return pd.concat(pieces, ignore_index=True) if len(pieces) > 1 else pieces[0]


_EMPTY_DTYPES = {"lon": "float64", "lat": "float64", "in_service_date": "datetime64[us]"}


def _edge(x: np.ndarray, y: np.ndarray, box: Sequence[float]) -> np.ndarray:
    """Each point's distance to the nearest side of ``box``: a nearer qualifying point
    than this would lie inside the box."""
    return np.minimum.reduce([x - box[0], box[2] - x, y - box[1], box[3] - y])


def _counts(
    group: np.ndarray | pd.Series,
    category: np.ndarray | pd.Series,
    covered: np.ndarray,
    covered_start: np.ndarray | None = None,
) -> pd.DataFrame:
    """Places per (``adcode`` — a district, or a zone with ``zones`` —, ``category``,
    ``covered``, ``covered_start``): what the per-district (per-zone) tables at the two
    dates are made of. ``covered_start`` is ``covered`` when there is no second date."""
    ad, ads = pd.factorize(np.asarray(pd.Series(group).astype(object), dtype=object))
    cat, cats = pd.factorize(np.asarray(pd.Series(category).astype(object), dtype=object))
    cov = np.asarray(covered, dtype=bool).astype(np.int64)
    start = cov if covered_start is None else np.asarray(covered_start, dtype=bool).astype(np.int64)
    key = (((ad.astype(np.int64) + 1) * (len(cats) + 1) + cat) * 2 + cov) * 2 + start
    uniq, n = np.unique(key, return_counts=True)
    a, rest = np.divmod(uniq // 4, len(cats) + 1)
    ad_values = np.concatenate([np.array([None], dtype=object), np.asarray(ads, dtype=object)])
    return pd.DataFrame(
        {
            "adcode": ad_values[a],
            "category": np.asarray(cats, dtype=object)[rest] if len(cats) else rest,
            "covered": ((uniq // 2) % 2).astype(bool),
            "covered_start": (uniq % 2).astype(bool),
            "n": n.astype(np.int64),
        }
    )


@dataclass(frozen=True)
class FieldEvidence:
    """The field checks that correct the supply, shipped to the workers: each task's
    supply is :func:`dashboard.engine.verification.effective_supply` of its points (the
    checks are looked up by point id, so a partition is corrected on its own; the virtual
    points of visits and new points come from the checks alone and join every task)."""

    inspections: pd.DataFrame
    basis: str = "claimed"
    validity_days: int = 180

    def supply(self, points: pd.DataFrame, when: DateLike | None) -> pd.DataFrame:
        """``points`` as coverage counts them on ``when``."""
        out = effective_supply(
            points,
            self.inspections,
            as_of=when,
            basis=self.basis,
            validity_days=self.validity_days,
        )
        return out[[c for c in points.columns if c in out.columns]]


def _effective(points: pd.DataFrame, evidence: FieldEvidence | None, when) -> pd.DataFrame:
    return points if evidence is None else evidence.supply(points, when)


def _places_for_file(places: pd.DataFrame) -> pd.DataFrame:
    out = places.reset_index(drop=True)
    out["adcode"] = pd.array(np.asarray(out["adcode"].astype(object)), dtype="str")
    return out


def _cover_task(
    dd: Dataset,
    i: int,
    sd: Dataset,
    near: list[int],
    districts,
    standards: Standards,
    as_of,
    halo: float,
    max_distance: float | None,
    out_file: str | None,
    since=None,
    zones: gpd.GeoDataFrame | None = None,
    evidence: FieldEvidence | None = None,
) -> dict:
    """One demand partition against the supply within a halo of it: per-place results
    (with ``out_file``: distances made exact, then written there) and their counts per
    district (or zone of ``zones``), category and coverage (on ``as_of`` and on
    ``since``). Runs on a worker."""
    wall0, cpu0 = time.perf_counter(), time.process_time()
    part = dd.partitions[i]
    demand = read_partition(dd, part, [c for c in DEMAND_COLUMNS if c in dd.names])
    lon, lat = demand["lon"].to_numpy("float64"), demand["lat"].to_numpy("float64")
    x, y = project_lonlat(lon, lat, workers=1)
    if outside(part.bounds, x, y):
        raise DatasetError(Msg("part_stale_bounds", path=dd.path, file=part.file))
    box = _grown(part.bounds, halo)
    sub = _supply_in_box(sd, [sd.partitions[j] for j in near], box)
    places = place_coverage(
        demand,
        _effective(sub, evidence, as_of),
        standards,
        as_of=as_of,
        districts=districts,
        max_distance=max_distance,
        workers=1,
    )
    start = None
    if since is not None:
        start = place_coverage(
            demand,
            _effective(sub, evidence, since),
            standards,
            as_of=since,
            max_distance=max_distance,
            workers=1,
        )["covered"].to_numpy(dtype=bool)
    del sub
    group = places["adcode"] if zones is None else assign_zones(places, zones)
    res: dict = {
        "counts": _counts(group, places["category"], places["covered"].to_numpy(bool), start),
        "rows": len(places),
        "rounds": 0,
        "adcodes": pd.unique(places["adcode"].astype(object)).tolist(),
    }
    if out_file is not None:
        if max_distance is None and sd.partitions:
            res["rounds"] = _refine(
                places, demand, x, y, part, sd, standards, as_of, halo, evidence
            )
        if start is not None:
            places["covered_since"] = start
        if zones is not None:
            places["zone_id"] = pd.array(np.asarray(group, dtype=object), dtype="str")
        table = pa.Table.from_pandas(_places_for_file(places), preserve_index=False)
        pq.write_table(table, out_file, row_group_size=64_000)
        res["columns"] = [(f.name, str(f.type)) for f in table.schema]
    # the worker process's CPU time (one task at a time: --nthreads 1), for benchmarks
    res["task_s"] = time.perf_counter() - wall0
    res["task_cpu_s"] = time.process_time() - cpu0
    return res


def _refine(
    places: pd.DataFrame,
    demand: pd.DataFrame,
    x: np.ndarray,
    y: np.ndarray,
    part: Partition,
    sd: Dataset,
    standards: Standards,
    as_of,
    halo: float,
    evidence: FieldEvidence | None = None,
) -> int:
    """Make the partition's distances exact (coverage already is); returns the rounds.

    A distance farther than the place's distance to the edge of the box searched might
    hide a nearer point outside it. Such places are re-queried against the supply within
    the farthest of their distances (their true nearest points are no farther, so one
    round settles them); while some found no point at all, the box grows ×:data:`GROWTH`
    per round until it holds all supply.
    """
    sbounds = sd.bounds()
    extent = (sbounds[:, 0].min(), sbounds[:, 1].min(), sbounds[:, 2].max(), sbounds[:, 3].max())
    reach, rounds = halo, 0
    rows = np.arange(len(places))
    while True:
        dist = places["distance_m"].to_numpy()[rows]
        rows = rows[dist > _edge(x[rows], y[rows], _grown(part.bounds, reach))]
        if rows.size == 0:
            return rounds
        dist = places["distance_m"].to_numpy()[rows]
        found = np.isfinite(dist)
        need = float(dist[found].max()) if found.any() else 0.0
        reach = need if found.all() else max(need, GROWTH * reach)
        everything = _covers(_grown(part.bounds, reach), extent)
        near = range(len(sd.partitions)) if everything else _near(part.bounds, sbounds, reach)
        box = None if everything else _grown(part.bounds, reach)
        sub = _supply_in_box(sd, [sd.partitions[j] for j in near], box)
        fix = place_coverage(
            demand.iloc[rows], _effective(sub, evidence, as_of), standards, as_of=as_of, workers=1
        )
        rounds += 1
        for col in ("distance_m", "nearest_id"):
            values = places[col].array.copy()
            values[rows] = fix[col].array
            places[col] = values
        if everything:
            return rounds


def _check_task(ds: Dataset, i: int) -> Msg | None:
    return check_partition(ds, ds.partitions[i])


def district_table(
    counts: pd.DataFrame | None,
    districts: gpd.GeoDataFrame | pd.DataFrame | None,
    standards: Standards,
) -> pd.DataFrame:
    """:func:`dashboard.engine.coverage.district_coverage`'s table from place counts per
    (``adcode``, ``category``, ``covered``) instead of the places themselves.

    Weighted sums are per category (count × weight) added exactly (``math.fsum``): equal
    to the local engine's sums to the last bit when the weights are multiples of a power
    of two (the shipped ones are halves), within rounding otherwise.
    """
    if counts is None or counts.empty:
        counts = pd.DataFrame({"adcode": [], "category": [], "covered": [], "n": []})
    if districts is not None:
        table = pd.DataFrame(districts)[["adcode", "name_zh", "name_en"]].copy()
        table["adcode"] = table["adcode"].astype(str)
        table = table.reset_index(drop=True)
    else:
        codes = sorted({str(a) for a in counts["adcode"] if str(a)})
        table = pd.DataFrame({"adcode": codes, "name_zh": codes, "name_en": codes})
    keys = ["adcode", "category", "covered"]
    c = counts.groupby(keys, dropna=False)["n"].sum().reset_index()
    c["w"] = [float(standards[str(k)].weight) for k in c["category"]]
    c["covered"] = c["covered"].astype(bool)
    pos = {a: k for k, a in enumerate(table["adcode"])}
    c["row"] = [pos.get(str(a), -1) if not _is_na(a) else -1 for a in c["adcode"]]
    m = len(table)

    def sums(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        n = np.zeros(m, dtype=np.int64)
        w: list[list[float]] = [[] for _ in range(m)]
        for row, cnt, wt in zip(frame["row"], frame["n"], frame["w"]):
            if row >= 0:
                n[row] += int(cnt)
                w[row].append(int(cnt) * wt)
        if not any(w):  # as np.bincount gives it (and so the local engine): int zeros
            return n, np.zeros(m, dtype=np.int64)
        return n, np.array([math.fsum(v) for v in w], dtype="float64")

    table["demand"], table["demand_weight"] = sums(c)
    cov = c[c["covered"]]
    table["covered"], table["covered_weight"] = sums(cov)
    total_w = math.fsum((c["n"] * c["w"]).tolist())
    total_cw = math.fsum((cov["n"] * cov["w"]).tolist())
    for col, v in (("demand_weight", total_w), ("covered_weight", total_cw)):
        if table[col].dtype.kind == "i" and v != int(v):  # what the row's assignment would do
            table[col] = table[col].astype("float64")
    table.loc[len(table)] = {
        "adcode": CITY_ADCODE,
        "name_zh": CITY_NAME[0],
        "name_en": CITY_NAME[1],
        "demand": int(c["n"].sum()),
        "demand_weight": total_w,
        "covered": int(cov["n"].sum()),
        "covered_weight": total_cw,
    }
    table["demand"] = table["demand"].astype(np.int64)
    table["covered"] = table["covered"].astype(np.int64)
    demand = table["demand"].to_numpy(dtype="float64")
    dw = table["demand_weight"].to_numpy(dtype="float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        table["coverage"] = np.where(
            demand > 0, table["covered"] / np.where(demand > 0, demand, 1), np.nan
        )
        table["weighted_coverage"] = np.where(
            dw > 0, table["covered_weight"] / np.where(dw > 0, dw, 1), np.nan
        )
    table["uncovered"] = (table["demand"] - table["covered"]).astype(np.int64)
    return table[list(DISTRICT_COLUMNS)]


def zone_table(
    counts: pd.DataFrame | None, zones: gpd.GeoDataFrame | pd.DataFrame, standards: Standards
) -> pd.DataFrame:
    """:func:`dashboard.engine.zones.coverage_by`'s per-zone table (the zones, the
    ``outside`` row, the city total last) from place counts per (zone, category,
    covered)."""
    return as_zone_table(district_table(counts, zone_key(zones), standards), zones)


def _tables(
    counts: pd.DataFrame | None,
    districts,
    zones,
    standards: Standards,
    since: bool,
) -> pd.DataFrame:
    """The table ``coverage`` prints: per district (or zone), with ``--since``'s columns
    ``covered_since``, ``coverage_since``, ``newly_covered`` and ``change`` when
    ``since`` (:func:`dashboard.engine.coverage.progress_table`'s rule)."""

    def build(c: pd.DataFrame | None) -> pd.DataFrame:
        if zones is not None:
            return zone_table(c, zones, standards)
        return district_table(c, districts, standards)

    table = build(counts)
    if not since:
        return table
    c = counts if counts is not None else pd.DataFrame(columns=["covered", "covered_start"])
    start = build(c.assign(covered=c["covered_start"].to_numpy(dtype=bool)))
    newly = c["covered"].to_numpy(dtype=bool) & ~c["covered_start"].to_numpy(dtype=bool)
    gained = build(c.assign(covered=newly))
    return table.assign(
        covered_since=start["covered"].to_numpy(),
        coverage_since=start["coverage"].to_numpy(),
        newly_covered=gained["covered"].to_numpy(),
        change=table["coverage"].to_numpy() - start["coverage"].to_numpy(),
    )


def _is_na(v: object) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v))


def _check_out(out: Path) -> None:
    """``out`` must be new, an empty directory or an earlier coverage output (replaced)."""
    if out.exists() and (
        not out.is_dir() or (any(out.iterdir()) and not (out / RUN_FILE).exists())
    ):
        raise DatasetError(Msg("part_out_exists", out=str(out)))


#: The file that marks a directory as a coverage output (its inputs and options).
RUN_FILE = "coverage.json"


def assess_coverage_files(
    demand: str | os.PathLike[str],
    supply: str | os.PathLike[str],
    districts: gpd.GeoDataFrame | None,
    standards: Standards,
    *,
    as_of: DateLike | None = None,
    out: str | os.PathLike[str] | None = None,
    max_distance: float | None = None,
    scheduler: str | None = None,
    n_workers: int = 2,
    client=None,
    write_extra: Callable[[Path, pd.DataFrame], None] | None = None,
    since: DateLike | None = None,
    zones: gpd.GeoDataFrame | None = None,
    evidence: FieldEvidence | None = None,
) -> FilesResult:
    """Coverage of the places in the partitioned dataset ``demand`` by the points in
    ``supply`` on a dask cluster, the client holding only the manifests and per-partition
    summaries; the same figures as :func:`dashboard.engine.coverage.assess_coverage` on
    the same data.

    1. The client reads the two manifests (:func:`open_dataset`); the workers check every
       partition (:func:`check_partition`: schema, rows, row groups, CRS, and that the
       recorded bounds hold its points). Nothing is computed before all pass.
    2. Each demand partition is a task on a worker: it reads its partition and the row
       groups of the supply partitions whose bounds meet its bounds grown by a halo of one
       radius (the largest radius of any category, or ``max_distance`` if larger), keeps
       the supply inside that box and runs the local
       kernel (:func:`dashboard.engine.coverage.place_coverage`). Coverage is then exact:
       every point within a place's radius lies in the box.
    3. With ``out``, per-place results are written by the workers, one file per demand
       partition, under ``out/places`` (a dataset with its manifest). A distance farther
       than the place's distance to the box's edge might hide a nearer point outside;
       those places are re-queried on their workers against the supply within the
       largest such distance (boxes growing ×4 while nothing was found), until exact.
    4. The per-district table is built from the partitions' counts per (district,
       category, covered) (:func:`district_table`).

    ``zones`` (a boundary set, :func:`loaders.boundaries.load_boundaries`) counts by zone
    instead of by district (:func:`zone_table`; per-place results get ``zone_id``);
    ``since`` adds the progress columns since that date (per-place: ``covered_since``);
    ``evidence`` corrects every task's supply by the field checks (:class:`FieldEvidence`,
    the local ``coverage`` command's rule), on each of the two dates.

    ``out`` is written whole or not at all (a hidden sibling directory renamed at the
    end); ``write_extra(directory, table)`` adds files to it before the rename.

    Raises
    ------
    DatasetError
        A path that is not a dataset, no bounds metadata, mismatched schemas, a missing
        CRS, an unreachable scheduler, an ``out`` that is something else.
    ValueError
        What the local engine refuses (a category without a standard, …).
    """
    t0 = time.perf_counter()
    dd = open_dataset(demand, "demand")
    sd = open_dataset(supply, "supply")
    names = set(standards)
    halo = max((standards[c].radius_m for c in names), default=0.0)
    if max_distance is not None:
        halo = max(halo, float(max_distance))
    out_dir = Path(out).absolute() if out is not None else None
    staging = None
    if out_dir is not None:
        _check_out(out_dir)
        staging = out_dir.with_name(f".{out_dir.name}.partial-{uuid.uuid4().hex[:8]}")
    dist_frame = None
    if districts is not None:
        dist_frame = gpd.GeoDataFrame(
            districts[["adcode", "name_zh", "name_en", "geometry"]].copy(), crs=districts.crs
        )
    timings: dict[str, float] = {}
    rounds = 0
    futures: list = []
    try:
        if staging is not None:
            try:
                (staging / "places").mkdir(parents=True)
            except OSError as exc:
                raise DatasetError(
                    Msg("part_cannot_write", out=str(out_dir), detail=exc.strerror or str(exc))
                ) from None
        files = [
            str(staging / "places" / p.file) if staging is not None else None for p in dd.partitions
        ]
        with _cluster(scheduler, n_workers, client) as c:
            try:
                # the manifests travel once, not with every task
                dd_f, sd_f = cast("list", c.scatter([dd, sd], broadcast=True, hash=False))
                checks = [
                    c.submit(_check_task, ds, i, pure=False)
                    for ds, n in ((dd_f, len(dd.partitions)), (sd_f, len(sd.partitions)))
                    for i in range(n)
                ]
                for problem in cast("list[Msg | None]", c.gather(checks)):
                    if problem is not None:
                        raise DatasetError(problem)
                timings["check"] = time.perf_counter() - t0
                t1 = time.perf_counter()
                sbounds = sd.bounds()
                dist_f = c.scatter(dist_frame, broadcast=True) if dist_frame is not None else None
                zones_f = c.scatter(zones, broadcast=True) if zones is not None else None
                evidence_f = c.scatter(evidence, broadcast=True) if evidence is not None else None
                futures = [
                    c.submit(
                        _cover_task,
                        dd_f,
                        i,
                        sd_f,
                        _near(part.bounds, sbounds, halo),
                        dist_f,
                        standards,
                        as_of,
                        halo,
                        max_distance,
                        files[i],
                        since,
                        zones_f,
                        evidence_f,
                        pure=False,
                    )
                    for i, part in enumerate(dd.partitions)
                ]
                done = cast("list[dict]", c.gather(futures))
                timings["cover"] = time.perf_counter() - t1
                rounds = max((r["rounds"] for r in done), default=0)
                timings["tasks_cpu"] = sum(r["task_cpu_s"] for r in done)
                timings["tasks_wall"] = sum(r["task_s"] for r in done)
            except (DatasetError, ValueError, OSError):
                c.cancel(futures)
                raise
            except Exception as exc:  # a worker lost, killed or failing: one message
                c.cancel(futures)
                detail = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
                raise DatasetError(Msg("part_failed", detail=detail)) from exc
            except BaseException:
                c.cancel(futures)
                raise
        t3 = time.perf_counter()
        counts = pd.concat([r["counts"] for r in done], ignore_index=True) if done else None
        table = _tables(counts, districts, zones, standards, since is not None)
        places_path = None
        if staging is not None and out_dir is not None:
            cats = [str(a) for a in districts["adcode"]] if districts is not None else []
            seen = {str(a) for r in done for a in r["adcodes"] if not _is_na(a)}
            extra = {"categories": {"adcode": cats + sorted(seen - set(cats))}} if cats else {}
            columns = tuple((str(n), str(t)) for n, t in done[0]["columns"]) if done else ()
            ds = Dataset(
                str(out_dir / "places"), WGS84, columns, dd.partitions, "coverage-places", extra
            )
            (staging / "places" / MANIFEST).write_text(manifest_json(ds), encoding="utf-8")
            run = {
                "demand": str(demand),
                "supply": str(supply),
                "as_of": None if as_of is None else str(pd.Timestamp(as_of).date()),
                "since": None if since is None else str(pd.Timestamp(since).date()),
                "by": None if zones is None else "zones",
                "field_checks": None if evidence is None else evidence.basis,
                "places": dd.rows,
                "supply_points": sd.rows,
                "partitions": len(dd.partitions),
                "supply_partitions": len(sd.partitions),
                "halo_m": halo,
                "max_distance_m": max_distance,
                "refine_rounds": rounds,
                "seconds": {k: round(v, 3) for k, v in timings.items()},
            }
            (staging / RUN_FILE).write_text(json.dumps(run, indent=1) + "\n", encoding="utf-8")
            if write_extra is not None:
                write_extra(staging, table)
            replace_dir(staging, out_dir)
            staging = None
            places_path = str(out_dir / "places")
        timings["write"] = time.perf_counter() - t3
        return FilesResult(
            table, places_path, dd.rows, len(dd.partitions), rounds, timings, _ts(as_of)
        )
    except OSError as exc:
        if staging is None or out_dir is None:
            raise
        raise DatasetError(
            Msg("part_cannot_write", out=str(out_dir), detail=exc.strerror or str(exc))
        ) from None
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)


def read_places(out: str | os.PathLike[str]) -> pd.DataFrame:
    """The per-place results an :func:`assess_coverage_files` run wrote under ``out``, as
    one table in the demand dataset's order (for results that fit in memory)."""
    return read_dataset(Path(out) / "places")
