"""Scale-out backend: the coverage engine on a dask cluster (needs the ``[scale]`` extra).

Design (see ``docs/coverage.md``):

1. Demand points are projected (EPSG:32650) and spatially partitioned with
   ``dask_geopandas`` (``spatial_shuffle`` along a Hilbert curve), so each partition
   covers a compact area.
2. The supply table is scattered to every worker once.
3. Each partition runs the *same* local kernel (:func:`dashboard.coverage.place_coverage`)
   against the supply points inside its bounding box grown by a **halo of one
   radius** (the largest radius in force, or ``max_distance`` if larger). Every
   qualifying point within any place's radius lies in that box, so coverage is
   identical to the local backend.
4. A reported distance is exact when it does not exceed the place's distance to the
   edge of the halo box; the few places where it might (only when exact unbounded
   distances are asked for) are re-queried against all supply on the client.
5. Per-place results are gathered in input order and aggregated with
   :func:`dashboard.coverage.district_coverage`: the figures equal the local ones.

dask-geopandas 0.5 offers neither a distance join nor ``sjoin_nearest`` (upstream
issue #223), and its ``sjoin`` misbehaves with pandas 3.1 after ``read_parquet``; this
backend therefore uses it only to partition, never to join.
"""

from __future__ import annotations

from contextlib import contextmanager

import geopandas as gpd
import numpy as np
import pandas as pd

from dashboard.coverage import (
    CoverageResult,
    district_coverage,
    place_coverage,
    project_lonlat,
)
from dashboard.model import METRIC_CRS
from dashboard.standards import Standards

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


def _partition_kernel(
    part: pd.DataFrame,
    supply: pd.DataFrame,
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
    sx, sy = supply["_x"].to_numpy(), supply["_y"].to_numpy()
    sub = supply[(sx >= x0) & (sx <= x1) & (sy >= y0) & (sy <= y1)]
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
    as_of: object | None = None,
    max_distance: float | None = None,
    scheduler: str | None = None,
    n_workers: int = 2,
    npartitions: int | None = None,
    client=None,
) -> CoverageResult:
    """:func:`dashboard.coverage.assess_coverage` on a dask cluster; same answer.

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
    import dask_geopandas

    for col in ("lon", "lat", "category"):
        if col not in demand.columns:
            raise ValueError(f"demand needs a {col!r} column")
    unknown = sorted(set(demand["category"].astype(str)) - set(standards))
    if unknown:
        raise ValueError(f"no service standard for {', '.join(unknown)}")
    cats = set(demand["category"].astype(str))
    halo = max(standards[c].radius_m for c in cats) if cats else 0.0
    if max_distance is not None:
        halo = max(halo, float(max_distance))

    dcols = [c for c in DEMAND_COLUMNS if c in demand.columns]
    d = pd.DataFrame(demand[dcols]).reset_index(drop=True)
    dx, dy = project_lonlat(d["lon"].to_numpy(), d["lat"].to_numpy())
    d["_x"], d["_y"], d["_row"] = dx, dy, np.arange(len(d))
    gd = gpd.GeoDataFrame(d, geometry=gpd.points_from_xy(dx, dy), crs=METRIC_CRS)

    scols = [c for c in SUPPLY_COLUMNS if c in supply.columns]
    s = pd.DataFrame(supply[scols]).reset_index(drop=True)
    sx, sy = project_lonlat(s["lon"].to_numpy(), s["lat"].to_numpy())
    s["_x"], s["_y"] = sx, sy
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
    import dask

    with (
        dask_client(scheduler, n_workers, client) as c,
        dask.config.set({"dataframe.shuffle.method": "tasks"}),
    ):
        ddf = dask_geopandas.from_geopandas(gd, npartitions=nparts)
        if nparts > 1:
            ddf = ddf.spatial_shuffle(by="hilbert", npartitions=nparts)
        parts = c.compute(ddf.to_delayed())
        s_f = c.scatter(s, broadcast=True)
        dist_f = c.scatter(dist_frame, broadcast=True) if dist_frame is not None else None
        futures = c.map(
            _partition_kernel,
            parts,
            supply=s_f,
            districts=dist_f,
            standards=standards,
            as_of=as_of,
            halo=halo,
            max_distance=max_distance,
            pure=False,
        )
        pieces = [p for p in c.gather(futures) if len(p)]
    res = pd.concat(pieces, ignore_index=True).sort_values("_row", kind="stable")
    unresolved = res["_unresolved"].to_numpy()
    res = res.drop(columns=["_unresolved"]).set_index("_row")
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


def _ts(as_of) -> pd.Timestamp | None:
    return None if as_of is None else pd.Timestamp(as_of)
