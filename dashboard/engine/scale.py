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
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol, cast

import geopandas as gpd
import numpy as np
import pandas as pd

from dashboard.core.model import METRIC_CRS
from dashboard.core.standards import Standards
from dashboard.engine.coverage import (
    CoverageResult,
    DateLike,
    demand_categories,
    district_coverage,
    in_service,
    nearest_ids,
    place_coverage,
    project_lonlat,
)

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
