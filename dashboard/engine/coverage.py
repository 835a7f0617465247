"""Coverage engine: which key locations have a qualifying payment point within reach.

The question answered here, in one function (:func:`assess_coverage`), is *"which
places are covered as of date D under standards S"*; every other function is a view
of its answer (per district, per sector, per capability, on H3 cells, between two
dates). The CLI, the pages and the benchmark call the same functions; caching is
left to the UI edge.

Method
------
Coordinates are projected once to :data:`dashboard.core.model.METRIC_CRS` (UTM 50N) with a
vectorised ``pyproj`` transform. For every distinct capability clause a
``scipy.spatial.cKDTree`` is built over the in-service supply points offering any
capability of the clause, and each demand place is queried for its nearest such point
(``k=1``). With clauses :math:`c \\in C(i)` of the place's category,

.. math::

    d_i = \\max_{c \\in C(i)} \\min_{j \\in S_c} \\lVert p_i - q_j \\rVert_2,
    \\qquad \\text{covered}_i = [\\, d_i \\le r_i \\,]

where :math:`S_c` are the points in service on the date offering the clause and
:math:`r_i` the category's radius. Districts are assigned by vectorised
point-in-polygon (``shapely.contains_xy``). Buffers are never built or unioned.

Inputs are plain (Geo)DataFrames with WGS-84 ``lon``/``lat`` columns (the model
guarantees they match the geometry), so a million-row table never needs a geometry
column.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from typing import TypeAlias, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

# scipy has no type stub for its compiled _ckdtree module
from scipy.spatial import cKDTree  # pyright: ignore[reportAttributeAccessIssue]

from dashboard.core.model import CAPABILITIES, LIST_SEP, METRIC_CRS, SECTORS, WGS84
from dashboard.core.standards import Requirement, Standards

#: A date as the engine takes it (anything ``pd.Timestamp`` reads): ISO text, a
#: ``date``/``datetime``/``pd.Timestamp`` or a ``numpy.datetime64``.
DateLike: TypeAlias = str | date | np.datetime64

CITY_ADCODE = "110000"
CITY_NAME = ("北京市", "Beijing (city total)")

#: Columns of the per-place answer of :func:`place_coverage`.
PLACE_COLUMNS = (
    "id",
    "category",
    "sector",
    "adcode",
    "lon",
    "lat",
    "weight",
    "radius_m",
    "covered",
    "distance_m",
    "nearest_id",
)
#: Columns of the per-district table of :func:`district_coverage`.
DISTRICT_COLUMNS = (
    "adcode",
    "name_zh",
    "name_en",
    "demand",
    "demand_weight",
    "covered",
    "covered_weight",
    "uncovered",
    "coverage",
    "weighted_coverage",
)


# --------------------------------------------------------------------------- geometry


_LOCAL = threading.local()

#: Inputs larger than this are split across threads (pyproj and shapely release the GIL).
PARALLEL_MIN = 200_000


def _transformer(crs: str):
    """A pyproj Transformer per thread (Transformer objects are not shared across threads)."""
    cache = getattr(_LOCAL, "transformers", None)
    if cache is None:
        cache = _LOCAL.transformers = {}
    if crs not in cache:
        from pyproj import Transformer

        cache[crs] = Transformer.from_crs(WGS84, crs, always_xy=True)
    return cache[crs]


def _threads(workers: int) -> int:
    return max(1, os.cpu_count() or 1) if workers is None or workers < 1 else workers


def _in_chunks(fn, n: int, workers: int) -> None:
    """Run ``fn(start, stop)`` over ``range(n)`` in one chunk per thread (inline when small)."""
    k = _threads(workers)
    if n < PARALLEL_MIN or k == 1:
        fn(0, n)
        return
    bounds = np.linspace(0, n, k + 1).astype(int)
    with ThreadPoolExecutor(k) as ex:
        for f in [ex.submit(fn, a, b) for a, b in zip(bounds[:-1], bounds[1:])]:
            f.result()


def project_lonlat(
    lon: np.ndarray, lat: np.ndarray, crs: str = METRIC_CRS, workers: int = -1
) -> tuple[np.ndarray, np.ndarray]:
    """Project WGS-84 longitudes/latitudes to metric ``x``/``y`` (vectorised pyproj).

    Parameters
    ----------
    lon, lat : array_like
        Degrees, WGS-84.
    crs : str
        Target CRS, :data:`dashboard.core.model.METRIC_CRS` by default.
    workers : int
        Threads for large inputs (``-1``: all cores).
    """
    lon = np.ascontiguousarray(lon, dtype="float64")
    lat = np.ascontiguousarray(lat, dtype="float64")
    x = np.empty_like(lon)
    y = np.empty_like(lat)

    def run(a: int, b: int) -> None:
        if b > a:
            x[a:b], y[a:b] = _transformer(crs).transform(lon[a:b], lat[a:b])

    _in_chunks(run, lon.size, workers)
    return x, y


def district_codes(
    lon: np.ndarray, lat: np.ndarray, districts: gpd.GeoDataFrame, workers: int = -1
) -> np.ndarray:
    """Row position in ``districts`` of the polygon holding each point (``-1`` for none).

    Each district polygon (WGS-84, prepared) is tested with ``shapely.contains_xy``
    against the points inside its bounding box that no earlier polygon claimed; large
    inputs are split across threads.
    """
    lon = np.asarray(lon, dtype="float64")
    lat = np.asarray(lat, dtype="float64")
    if districts.crs is not None and not districts.crs.equals(WGS84):
        districts = districts.to_crs(WGS84)
    codes = np.full(lon.shape[0], -1, dtype=np.int32)
    geoms = []
    for geom in districts.geometry.to_numpy():
        if geom is not None and not geom.is_empty:
            shapely.prepare(geom)
        geoms.append(geom)

    def run(a: int, b: int) -> None:
        lo, la, cd = lon[a:b], lat[a:b], codes[a:b]
        for k, geom in enumerate(geoms):
            if geom is None or geom.is_empty:
                continue
            x0, y0, x1, y1 = geom.bounds
            idx = np.flatnonzero((lo >= x0) & (lo <= x1) & (la >= y0) & (la <= y1))
            idx = idx[cd[idx] < 0]
            if idx.size:
                cd[idx[shapely.contains_xy(geom, lo[idx], la[idx])]] = k

    _in_chunks(run, lon.size, workers)
    return codes


def _adcode_column(
    codes: np.ndarray, districts: gpd.GeoDataFrame, fallback: np.ndarray | None
) -> pd.Categorical:
    cats = [str(a) for a in districts["adcode"]]
    hit = codes >= 0
    if fallback is None or hit.all():
        return pd.Categorical.from_codes(np.where(hit, codes, -1), categories=pd.Index(cats))
    fb = [None if _missing(v) else str(v) for v in np.asarray(fallback, dtype=object)[~hit]]
    extra = sorted({v for v in fb if v is not None} - set(cats))
    allcats = cats + extra
    pos = {c: i for i, c in enumerate(allcats)}
    out = codes.copy()
    out[~hit] = [-1 if v is None else pos[v] for v in fb]
    return pd.Categorical.from_codes(out, categories=pd.Index(allcats))


def _missing(v: object) -> bool:
    return (
        v is None
        or v is pd.NA
        or (isinstance(v, float) and np.isnan(v))
        or str(v).strip()
        in (
            "",
            "nan",
            "None",
            "<NA>",
        )
    )


def assign_districts(
    lon: np.ndarray,
    lat: np.ndarray,
    districts: gpd.GeoDataFrame,
    fallback: Sequence[str] | np.ndarray | None = None,
) -> np.ndarray:
    """The district adcode of each point, by vectorised point-in-polygon.

    A point inside no polygon (on a shared edge, or outside Beijing) takes its
    ``fallback`` code when one is given, else ``""``.

    Returns
    -------
    numpy.ndarray of object
        Adcode strings, one per point.
    """
    codes = district_codes(lon, lat, districts)
    col = _adcode_column(codes, districts, None if fallback is None else np.asarray(fallback))
    return np.asarray(pd.Series(col).astype(object).fillna("").to_numpy(), dtype=object)


# --------------------------------------------------------------------------- supply


def capability_matrix(capabilities: pd.Series | np.ndarray | Sequence[str]) -> np.ndarray:
    """Boolean matrix (points × :data:`~dashboard.core.model.CAPABILITIES`) from ``;``-joined cells.

    Each distinct cell is parsed once, so the cost is one factorisation of the column.
    """
    ser = pd.Series(capabilities, dtype="object").fillna("")
    codes, uniques = pd.factorize(ser, use_na_sentinel=False)
    caps = list(CAPABILITIES)
    lut = np.zeros((len(uniques), len(caps)), dtype=bool)
    for u, cell in enumerate(uniques):
        for code in str(cell).split(LIST_SEP):
            code = code.strip()
            if code in CAPABILITIES:
                lut[u, caps.index(code)] = True
    return lut[codes] if len(codes) else np.zeros((0, len(caps)), dtype=bool)


def in_service(supply: pd.DataFrame, as_of: DateLike | None) -> np.ndarray:
    """Mask of supply points in service on ``as_of`` (all when ``as_of`` is None).

    A point is in service from its ``in_service_date`` on; a missing date counts as
    always in service.
    """
    n = len(supply)
    if as_of is None or "in_service_date" not in supply.columns:
        return np.ones(n, dtype=bool)
    when = pd.Timestamp(as_of)
    dates = pd.to_datetime(supply["in_service_date"], errors="coerce", format="mixed")
    return (dates.isna() | (dates <= when)).to_numpy(dtype=bool)


def in_service_from(supply: pd.DataFrame) -> np.ndarray:
    """Each point's first day in service as datetime64[ns]: :func:`in_service` on ``t`` is
    ``in_service_from(supply) <= t``, for any number of dates at once. A missing date
    (always in service) is ``Timestamp.min``.
    """
    if "in_service_date" not in supply.columns:
        return np.full(len(supply), pd.Timestamp.min.value, dtype="int64").view("datetime64[ns]")
    dates = pd.to_datetime(supply["in_service_date"], errors="coerce", format="mixed")
    ns = dates.to_numpy("datetime64[ns]").astype(np.int64)
    ns[dates.isna().to_numpy()] = pd.Timestamp.min.value
    return ns.view("datetime64[ns]")


def _clause_mask(capmat: np.ndarray | None, clause: tuple[str, ...] | None) -> np.ndarray | None:
    """Supply mask of a clause (any-of); None means every point."""
    if clause is None or capmat is None:
        return None
    cols = [list(CAPABILITIES).index(c) for c in clause]
    return cast(np.ndarray, capmat[:, cols].any(axis=1))  # 2-D in, so 1-D out


# --------------------------------------------------------------------------- kernel


#: Query batches at least this large are sorted spatially first (~3x faster at 1M).
SORT_MIN = 20_000


def spatial_order(xy: np.ndarray, cell: float = 2_000.0) -> np.ndarray:
    """A permutation visiting points cell by cell (row-major over ``cell``-metre squares).

    KD-tree queries issued in this order reuse the same tree nodes from one query to
    the next (CPU cache locality), which makes a million queries about three times
    faster than in random order; results do not depend on the order.
    """
    if xy.shape[0] == 0:
        return np.zeros(0, dtype=np.intp)
    x0, y0 = xy.min(axis=0)
    ix = ((xy[:, 0] - x0) // cell).astype(np.int64)
    iy = ((xy[:, 1] - y0) // cell).astype(np.int64)
    return np.argsort(iy * (int(ix.max()) + 1) + ix, kind="stable")


def nearest_within(
    demand_xy: np.ndarray,
    supply_xy: np.ndarray,
    max_distance: float | None = None,
    workers: int = -1,
) -> tuple[np.ndarray, np.ndarray]:
    """Distance to and index of the nearest supply point of each demand point (KD-tree).

    Parameters
    ----------
    demand_xy, supply_xy : ndarray, shape (n, 2) and (m, 2)
        Projected metric coordinates.
    max_distance : float, optional
        Search bound: points farther than this get ``inf`` and index ``-1``. The bound
        is inclusive (a point exactly at ``max_distance`` is found). None searches
        without bound.
    workers : int
        Threads for the query (``-1``: all cores).

    Returns
    -------
    distance : ndarray of float
    index : ndarray of int (``-1`` when none)
    """
    n = demand_xy.shape[0]
    if n == 0 or supply_xy.shape[0] == 0:
        return np.full(n, np.inf), np.full(n, -1, dtype=np.intp)
    tree = cKDTree(supply_xy, balanced_tree=False, compact_nodes=False)
    order = None
    if n >= SORT_MIN:  # query in spatial order: neighbouring queries touch the same nodes
        order = spatial_order(demand_xy)
        demand_xy = demand_xy[order]
    # cKDTree's bound is strict and compared on squared distances: search slightly
    # wider, then apply the inclusive bound exactly on the returned distances.
    bound = np.inf if max_distance is None else float(max_distance) * (1 + 1e-9) + 1e-6
    dist, idx = tree.query(demand_xy, k=1, distance_upper_bound=bound, workers=workers)
    if max_distance is not None:
        dist[dist > float(max_distance)] = np.inf
    if order is not None:
        d_out = np.empty_like(dist)
        i_out = np.empty_like(idx)
        d_out[order] = dist
        i_out[order] = idx
        dist, idx = d_out, i_out
    idx = np.where(np.isfinite(dist), idx, -1).astype(np.intp, copy=False)
    return dist, idx


def _requirement_of(standards: Standards, category: str) -> Requirement:
    return standards[category].require


def demand_categories(
    demand: pd.DataFrame, supply: pd.DataFrame, standards: Mapping[str, object]
) -> tuple[np.ndarray, list[str]]:
    """Demand's category codes and categories, after checking the columns the engine reads
    and that every category has a standard (clear ``ValueError`` otherwise); the local
    and the dask backend check their inputs with it."""
    for col in ("lon", "lat", "category"):
        if col not in demand.columns:
            raise ValueError(f"demand needs a {col!r} column")
    for col in ("lon", "lat"):
        if col not in supply.columns:
            raise ValueError(f"supply needs a {col!r} column")
    cat_codes, cats = pd.factorize(demand["category"].astype(str), use_na_sentinel=False)
    cats = [str(c) for c in cats]
    unknown = [c for c in cats if c not in standards]
    if unknown:
        raise ValueError(
            f"no service standard for categor{'y' if len(unknown) == 1 else 'ies'} "
            f"{', '.join(map(repr, unknown))}"
        )
    return cat_codes, cats


def place_coverage(
    demand: pd.DataFrame,
    supply: pd.DataFrame,
    standards: Standards,
    *,
    as_of: DateLike | None = None,
    districts: gpd.GeoDataFrame | None = None,
    max_distance: float | None = None,
    workers: int = -1,
) -> pd.DataFrame:
    """Whether each demand place is covered, and how far its nearest qualifying point is.

    A place of category :math:`k` at :math:`p_i` is covered when, for every clause
    :math:`c` of the standard's requirement, some point in service on ``as_of`` that
    offers a capability of :math:`c` lies within the radius :math:`r_k`:

    .. math:: d_i = \\max_{c} \\min_{j \\in S_c} \\lVert p_i - q_j \\rVert_2 \\le r_k

    (an empty requirement has the single clause "any point").

    Parameters
    ----------
    demand : DataFrame
        Key locations: ``lon``, ``lat`` (WGS-84) and ``category``; ``id``, ``sector``
        and ``adcode`` are carried over when present.
    supply : DataFrame
        Payment points: ``lon``, ``lat``; ``capabilities`` (``;``-joined) when any
        standard requires capabilities, ``in_service_date`` when ``as_of`` is given;
        ``id`` is reported as ``nearest_id``.
    standards : dict
        Category → :class:`dashboard.core.standards.Standard`.
    as_of : date-like, optional
        Count only points in service on this date (None: all points).
    districts : GeoDataFrame, optional
        When given, each place's ``adcode`` is assigned by point-in-polygon (the
        demand's own ``adcode`` is the fallback for points on no polygon).
    max_distance : float, optional
        Report ``distance_m`` only up to this many metres (``inf`` beyond); faster on
        large inputs. Never below the largest radius, so coverage is unaffected.
        None reports the exact distance for every place.
    workers : int
        Threads for KD-tree queries.

    Returns
    -------
    DataFrame
        :data:`PLACE_COLUMNS`, one row per demand row, in the same order and index.
        ``distance_m`` is the distance at which the place becomes covered
        (``inf`` if no qualifying point exists); ``nearest_id`` the id of the point
        that decides it.

    Raises
    ------
    ValueError
        When a column is missing or a demand category has no standard.
    """
    n = len(demand)
    cat_codes, cats = demand_categories(demand, supply, standards)
    radius_lut = np.array([standards[c].radius_m for c in cats], dtype="float64")
    weight_lut = np.array([standards[c].weight for c in cats], dtype="float64")
    radius = radius_lut[cat_codes] if n else np.zeros(0)
    weight = weight_lut[cat_codes] if n else np.zeros(0)

    dlon = demand["lon"].to_numpy(dtype="float64")
    dlat = demand["lat"].to_numpy(dtype="float64")
    dx, dy = project_lonlat(dlon, dlat, workers=workers)
    demand_xy = np.column_stack([dx, dy])
    del dx, dy

    s_all, supply_xy, capmat = _supply_in_service(supply, standards, cats, as_of, workers)
    dist, near = _nearest_qualifying(
        demand_xy,
        cat_codes,
        cats,
        radius,
        standards,
        s_all,
        supply_xy,
        capmat,
        max_distance,
        workers,
    )
    adcode = _place_adcodes(demand, dlon, dlat, districts, workers)
    return _places_frame(demand, supply, dlon, dlat, adcode, weight, radius, dist, near)


def _places_frame(
    demand: pd.DataFrame,
    supply: pd.DataFrame,
    dlon: np.ndarray,
    dlat: np.ndarray,
    adcode,
    weight: np.ndarray,
    radius: np.ndarray,
    dist: np.ndarray,
    near: np.ndarray,
) -> pd.DataFrame:
    """:func:`place_coverage`'s table from its parts (shared with
    :mod:`dashboard.engine.coverage_index`, so both build the very same frame)."""
    return pd.DataFrame(
        {
            "id": demand["id"].array if "id" in demand.columns else np.arange(len(demand)),
            "category": demand["category"].array,
            "sector": demand["sector"].array if "sector" in demand.columns else None,
            "adcode": adcode,
            "lon": dlon,
            "lat": dlat,
            "weight": weight,
            "radius_m": radius,
            "covered": dist <= radius,
            "distance_m": dist,
            "nearest_id": nearest_ids(supply, near),
        },
        index=demand.index,
    )


def _supply_in_service(
    supply: pd.DataFrame, standards: Standards, cats: list[str], as_of, workers: int
) -> tuple[np.ndarray, np.ndarray, object]:
    """The supply rows in service on ``as_of`` (their indices), their projected
    coordinates, and their capability matrix when a standard requires capabilities."""
    active = in_service(supply, as_of)
    s_all = np.flatnonzero(active)
    slon = supply["lon"].to_numpy(dtype="float64")
    slat = supply["lat"].to_numpy(dtype="float64")
    if s_all.size < len(supply):
        slon, slat = slon[s_all], slat[s_all]
    sx, sy = project_lonlat(slon, slat, workers=workers)
    supply_xy = np.column_stack([sx, sy])
    del sx, sy, slon, slat
    needs_caps = any(standards[c].require for c in cats)
    if needs_caps:
        if "capabilities" not in supply.columns:
            raise ValueError("supply needs a 'capabilities' column to check required capabilities")
        capmat = capability_matrix(supply["capabilities"].to_numpy()[s_all])
    else:
        capmat = None
    return s_all, supply_xy, capmat


def _nearest_qualifying(
    demand_xy: np.ndarray,
    cat_codes: np.ndarray,
    cats: list[str],
    radius: np.ndarray,
    standards: Standards,
    s_all: np.ndarray,
    supply_xy: np.ndarray,
    capmat,
    max_distance: float | None,
    workers: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Per place, the distance at which its requirement is met and the supply row that
    meets it last (the worst of its clauses' nearest points; ``inf``/-1 when none).

    Categories are grouped by requirement so that each clause's points are selected
    once; one KD-tree query per clause and group.
    """
    n = len(demand_xy)
    dist = np.full(n, np.inf)
    near = np.full(n, -1, dtype=np.intp)  # index into supply rows
    req_of_cat = [_requirement_of(standards, c) for c in cats]
    clause_rows: dict[tuple[str, ...] | None, np.ndarray] = {}
    for req in sorted(set(req_of_cat)):
        cat_ids = [k for k, r in enumerate(req_of_cat) if r == req]
        if len(cat_ids) == len(cats):
            rows = np.arange(n)
        else:
            rows = np.flatnonzero(np.isin(cat_codes, cat_ids))
        if rows.size == 0:
            continue
        bound = float(radius[rows].max())
        if max_distance is not None:
            bound = max(bound, float(max_distance))
        else:
            bound = None
        clauses: list[tuple[str, ...] | None] = list(req) if req else [None]
        best_d = np.full(rows.size, -np.inf)
        best_i = np.full(rows.size, -1, dtype=np.intp)
        for clause in clauses:
            if clause not in clause_rows:
                mask = _clause_mask(capmat, clause)
                clause_rows[clause] = (
                    np.arange(s_all.size) if mask is None else np.flatnonzero(mask)
                )
            sel = clause_rows[clause]
            d, i = nearest_within(demand_xy[rows], supply_xy[sel], bound, workers)
            i = np.where(i >= 0, s_all[sel[np.maximum(i, 0)]] if sel.size else -1, -1)
            worse = d > best_d
            best_d = np.where(worse, d, best_d)
            best_i = np.where(worse, i, best_i)
        dist[rows] = best_d
        near[rows] = best_i
    return dist, near


def _place_adcodes(
    demand: pd.DataFrame, dlon: np.ndarray, dlat: np.ndarray, districts, workers: int
):
    """Each place's district: point in polygon when ``districts`` are given (the
    demand's own ``adcode`` for points on no polygon), else the demand's ``adcode``."""
    n = len(demand)
    if districts is not None:
        codes = district_codes(dlon, dlat, districts, workers=workers)
        fb = None
        if "adcode" in demand.columns and not (codes >= 0).all():
            fb = demand["adcode"].astype(str).to_numpy()
        return _adcode_column(codes, districts, fb)
    if "adcode" in demand.columns:
        return demand["adcode"].astype(str).array
    return np.full(n, "", dtype=object)


def nearest_ids(supply: pd.DataFrame, near: np.ndarray):
    """The id of each deciding supply row (``near``, -1 for none → missing)."""
    if "id" in supply.columns:
        # a take on the id column keeps its dtype and builds no Python strings
        return supply["id"].array.take(near, allow_fill=True)
    nearest_id = pd.array(np.where(near >= 0, near, 0), dtype="Int64")
    nearest_id[near < 0] = pd.NA
    return nearest_id


def covered_from(
    demand: pd.DataFrame,
    supply: pd.DataFrame,
    standards: Standards,
    workers: int = -1,
) -> pd.Series:
    """The date from which each demand place is covered: one answer for every ``as_of``.

    A point serves from its ``in_service_date`` on (a missing date: always), so coverage
    only grows with time. Place :math:`i` of category :math:`k` is covered on every date
    :math:`t \\ge s_i` with

    .. math:: s_i = \\max_{c} \\min \\{ t_j : j \\in S_c,\\ \\lVert p_i - q_j \\rVert_2 \\le r_k \\}

    over the clauses :math:`c` of its requirement (:func:`place_coverage`'s rule), where
    :math:`t_j` is point :math:`j`'s in-service date. ``place_coverage(..., as_of=t)``
    covers exactly the places with ``covered_from <= t``; for many dates this is one
    radius search instead of one coverage run per date.

    Returns
    -------
    Series of datetime64[ns], demand's index
        ``NaT``: never covered by this supply; ``Timestamp.min``: covered whatever the
        date (by points without an in-service date).
    """
    n = len(demand)
    cat_codes, cats = demand_categories(demand, supply, standards)
    # int64 nanoseconds; Timestamp.min is "always" (in_service_from's undated points)
    always, never = pd.Timestamp.min.value, np.iinfo(np.int64).max
    since = np.full(n, never, dtype=np.int64)
    if n == 0 or len(supply) == 0:
        return _as_dates(since, demand.index)
    radius = np.array([standards[c].radius_m for c in cats], dtype="float64")[cat_codes]
    dx, dy = project_lonlat(demand["lon"].to_numpy("float64"), demand["lat"].to_numpy("float64"))
    demand_xy = np.column_stack([dx, dy])
    sx, sy = project_lonlat(supply["lon"].to_numpy("float64"), supply["lat"].to_numpy("float64"))
    supply_xy = np.column_stack([sx, sy])
    start = in_service_from(supply).astype(np.int64)
    req_of_cat = [_requirement_of(standards, c) for c in cats]
    capmat = None
    if any(req_of_cat):
        if "capabilities" not in supply.columns:
            raise ValueError("supply needs a 'capabilities' column to check required capabilities")
        capmat = capability_matrix(supply["capabilities"].to_numpy())
    for req in set(req_of_cat):
        rows = np.flatnonzero(np.isin(cat_codes, [k for k, r in enumerate(req_of_cat) if r == req]))
        latest = np.full(rows.size, always, dtype=np.int64)
        for clause in list(req) if req else [None]:
            mask = _clause_mask(capmat, clause)
            sel = np.arange(len(supply)) if mask is None else np.flatnonzero(mask)
            first = _first_start(demand_xy[rows], radius[rows], supply_xy, start, sel, workers)
            latest = np.maximum(latest, first)
        since[rows] = latest
    return _as_dates(since, demand.index)


#: Supply points per chronological chunk in :func:`_first_start`.
_CHUNK = 1024


def _first_start(
    xy: np.ndarray,
    r: np.ndarray,
    supply_xy: np.ndarray,
    start: np.ndarray,
    sel: np.ndarray,
    workers: int,
) -> np.ndarray:
    """For each demand point (``xy``, radius ``r``) the earliest ``start`` of the supply
    points ``sel`` within its radius (int64 max: none).

    The supply is taken in chronological chunks: the first chunk with a point in reach
    holds the earliest start, so a place leaves the search once found and only the pairs
    of that one chunk are ever listed (listing every pair at once costs ~20M Python
    integers for a city-wide survey of clustered points). Chunks double in size, so the
    places never covered are searched a logarithmic number of times, not once per
    thousand points (1M × 500k: 7.4 s → ~2 s).
    """
    never = np.iinfo(np.int64).max
    first = np.full(len(xy), never, dtype=np.int64)
    if sel.size == 0 or len(xy) == 0:
        return first
    order = sel[np.argsort(start[sel], kind="stable")]
    bound = r * (1 + 1e-9) + 1e-6  # the same inclusive bound as nearest_within
    pending = np.arange(len(xy))
    lo, size = 0, _CHUNK
    while lo < order.size and pending.size:
        chunk = order[lo : lo + size]
        lo, size = lo + size, size * 2
        tree = cKDTree(supply_xy[chunk])
        d, _ = tree.query(
            xy[pending], k=1, distance_upper_bound=float(bound[pending].max()), workers=workers
        )
        near = pending[d <= bound[pending]]
        if near.size == 0:
            continue
        lists = tree.query_ball_point(xy[near], bound[near], workers=workers)
        owner = np.repeat(np.arange(near.size), [len(x) for x in lists])
        cols = np.fromiter((j for x in lists for j in x), dtype=np.intp, count=owner.size)
        delta = xy[near][owner] - supply_xy[chunk][cols]
        ok = np.sqrt((delta**2).sum(axis=1)) <= r[near][owner]  # exact on the distances
        np.minimum.at(first, near[owner[ok]], start[chunk][cols[ok]])
        pending = pending[first[pending] == never]
    return first


def _as_dates(ns: np.ndarray, index: pd.Index) -> pd.Series:
    """int64 nanoseconds as dates, int64 max (never) as NaT."""
    out = np.where(ns == np.iinfo(np.int64).max, np.iinfo(np.int64).min, ns)  # int64 min: NaT
    return pd.Series(out.view("datetime64[ns]"), index=index, name="covered_from")


# --------------------------------------------------------------------------- aggregation


def _district_frame(districts: gpd.GeoDataFrame | pd.DataFrame | None, adcodes) -> pd.DataFrame:
    if districts is not None:
        d = pd.DataFrame(districts)[["adcode", "name_zh", "name_en"]].copy()
        d["adcode"] = d["adcode"].astype(str)
        return d.reset_index(drop=True)
    codes = sorted({str(a) for a in adcodes if str(a)})
    return pd.DataFrame({"adcode": codes, "name_zh": codes, "name_en": codes})


def _row_codes(values: pd.Series, rows: pd.Series) -> np.ndarray:
    """The position of each value among ``rows`` (-1 where it is none of them), compared
    as text; a categorical column is read through its categories, not row by row."""
    if not isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype(str)
    return np.asarray(pd.Categorical(values, categories=rows).codes)


def district_coverage(
    places: pd.DataFrame,
    districts: gpd.GeoDataFrame | pd.DataFrame | None = None,
    *,
    total: bool = True,
) -> pd.DataFrame:
    """Coverage per district: demand, covered, shares, with a city total as the last row.

    For district :math:`D` with places :math:`i \\in D` of weight :math:`w_i`:

    .. math::

        \\text{coverage}_D = \\frac{\\#\\{i \\in D : \\text{covered}_i\\}}{\\#D}, \\qquad
        \\text{weighted\\_coverage}_D = \\frac{\\sum_{i \\in D} w_i\\,\\text{covered}_i}
        {\\sum_{i \\in D} w_i}

    Parameters
    ----------
    places : DataFrame
        The answer of :func:`place_coverage`.
    districts : GeoDataFrame, optional
        ``adcode``, ``name_zh``, ``name_en``: every district gets a row, also those
        without demand (shares are NaN there). Without it, the adcodes present.
    total : bool
        Append the city total (adcode ``110000``); it counts every place, including
        any that lie in no listed district.

    Returns
    -------
    DataFrame with :data:`DISTRICT_COLUMNS`.
    """
    table = _district_frame(districts, places["adcode"])
    codes = _row_codes(places["adcode"], table["adcode"])
    ok = codes >= 0
    m = len(table)
    w = places["weight"].to_numpy(dtype="float64")
    cov = places["covered"].to_numpy(dtype=bool)
    table["demand"] = np.bincount(codes[ok], minlength=m).astype(np.int64)
    table["demand_weight"] = np.bincount(codes[ok], weights=w[ok], minlength=m)
    table["covered"] = np.bincount(codes[ok & cov], minlength=m).astype(np.int64)
    table["covered_weight"] = np.bincount(codes[ok & cov], weights=w[ok & cov], minlength=m)
    if total:
        table.loc[len(table)] = {
            "adcode": CITY_ADCODE,
            "name_zh": CITY_NAME[0],
            "name_en": CITY_NAME[1],
            "demand": int(len(places)),
            "demand_weight": float(w.sum()),
            "covered": int(cov.sum()),
            "covered_weight": float(w[cov].sum()),
        }
        table["demand"] = table["demand"].astype(np.int64)
        table["covered"] = table["covered"].astype(np.int64)
    return _shares(table)[list(DISTRICT_COLUMNS)]


def _shares(table: pd.DataFrame) -> pd.DataFrame:
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
    return table


def _sector_table(places: pd.DataFrame, districts: gpd.GeoDataFrame | pd.DataFrame) -> pd.DataFrame:
    """:func:`coverage_by_sector` with every district listed: one count over all places
    (district × sector), where one :func:`district_coverage` per sector built a small table
    each time (~10 ms per sector, whatever the number of places)."""
    base = _district_frame(districts, places["adcode"])
    m, n_s = len(base), len(SECTORS)
    d = _row_codes(places["adcode"], base["adcode"])
    sc = _row_codes(places["sector"], pd.Series(list(SECTORS)))
    w = places["weight"].to_numpy(dtype="float64")
    cov = places["covered"].to_numpy(dtype=bool)
    ok = (d >= 0) & (sc >= 0)
    key = sc[ok].astype(np.int64) * m + d[ok]
    size = n_s * m

    def per_district(mask: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        k = key[mask[ok]]
        wk = None if weights is None else weights[ok][mask[ok]]
        return np.bincount(k, weights=wk, minlength=size).reshape(n_s, m)

    every = np.ones(len(places), dtype=bool)
    demand, covered = per_district(every), per_district(cov)
    demand_w, covered_w = per_district(every, w), per_district(cov, w)
    frames = []
    for i, sector in enumerate(SECTORS):
        mine = sc == i  # the city row counts places in no listed district too
        t = pd.DataFrame(
            {
                "adcode": [*base["adcode"], CITY_ADCODE],
                "name_en": [*base["name_en"], CITY_NAME[1]],
                "sector": sector,
                "demand": np.append(demand[i], mine.sum()).astype(np.int64),
                "covered": np.append(covered[i], (mine & cov).sum()).astype(np.int64),
                "demand_weight": np.append(demand_w[i], float(w[mine].sum())),
                "covered_weight": np.append(covered_w[i], float(w[mine & cov].sum())),
            }
        )
        frames.append(t)
    return _shares(pd.concat(frames, ignore_index=True))


def coverage_by_sector(
    places: pd.DataFrame, districts: gpd.GeoDataFrame | pd.DataFrame | None = None
) -> pd.DataFrame:
    """Coverage per district and sector (long form), city rows (``110000``) included.

    Columns: ``adcode``, ``sector``, ``demand``, ``covered``, ``coverage``,
    ``demand_weight``, ``covered_weight``, ``weighted_coverage``.
    """
    if districts is None:  # each sector's table lists the adcodes it has
        counted = places[["adcode", "weight", "covered"]]
        sector_of = places["sector"].astype(str).to_numpy()
        rows = []
        for sector in SECTORS:
            t = district_coverage(counted[sector_of == sector], None, total=True)
            t.insert(1, "sector", sector)
            rows.append(t)
        out = pd.concat(rows, ignore_index=True)
    else:
        out = _sector_table(places, districts)
    return out[
        [
            "adcode",
            "name_en",
            "sector",
            "demand",
            "covered",
            "coverage",
            "demand_weight",
            "covered_weight",
            "weighted_coverage",
        ]
    ]


def coverage_by_capability(
    demand: pd.DataFrame,
    supply: pd.DataFrame,
    standards: Standards,
    *,
    as_of: DateLike | None = None,
    districts: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """For each capability, the share of places with a point offering it within their radius.

    Each category keeps its radius; the requirement is replaced by the single
    capability. Long form: ``adcode``, ``name_en``, ``capability``, ``demand``,
    ``covered``, ``coverage``, ``weighted_coverage``; city rows included.
    """
    from dashboard.core.standards import uniform_standards

    rows = []
    for cap in CAPABILITIES:
        std = uniform_standards(standards, require=[cap])
        places = place_coverage(demand, supply, std, as_of=as_of, districts=districts)
        t = district_coverage(places, districts, total=True)
        t.insert(1, "capability", cap)
        rows.append(t)
    out = pd.concat(rows, ignore_index=True)
    return out[
        ["adcode", "name_en", "capability", "demand", "covered", "coverage", "weighted_coverage"]
    ]


def uncovered_places(places: pd.DataFrame) -> pd.DataFrame:
    """The places not covered, farthest from a qualifying point first."""
    out = places[~places["covered"].to_numpy(dtype=bool)]
    return out.sort_values(["distance_m", "id"], ascending=[False, True], kind="stable")


def coverage_grid(places: pd.DataFrame, resolution: int = 8) -> pd.DataFrame:
    """Coverage on H3 cells: one row per cell holding demand.

    Columns: ``h3`` (cell id), ``lat``, ``lon`` (cell centre), ``demand``, ``covered``,
    ``coverage``, ``demand_weight``, ``covered_weight``, ``weighted_coverage``.

    Parameters
    ----------
    resolution : int
        H3 resolution; 8 (~0.74 km² cells) or 9 (~0.11 km²) suit a city.
    """
    import h3

    if not 0 <= resolution <= 15:
        raise ValueError(f"H3 resolution must be 0..15, got {resolution}")
    lat = places["lat"].to_numpy(dtype="float64")
    lon = places["lon"].to_numpy(dtype="float64")
    cells = [h3.latlng_to_cell(a, b, resolution) for a, b in zip(lat, lon)]
    df = pd.DataFrame(
        {
            "h3": cells,
            "demand": 1,
            "covered": places["covered"].to_numpy(dtype=bool).astype(np.int64),
            "demand_weight": places["weight"].to_numpy(dtype="float64"),
        }
    )
    df["covered_weight"] = df["demand_weight"] * df["covered"]
    g = df.groupby("h3", sort=True).sum().reset_index()
    centres = [h3.cell_to_latlng(c) for c in g["h3"]]
    g.insert(1, "lat", [c[0] for c in centres])
    g.insert(2, "lon", [c[1] for c in centres])
    return _shares(g).drop(columns="uncovered")


# --------------------------------------------------------------------------- the question


@dataclass(frozen=True)
class CoverageResult:
    """The answer to "which places are covered as of D under standards S".

    ``places`` is :func:`place_coverage`'s table; ``districts`` the per-district table
    with the city total last (:func:`district_coverage`).
    """

    places: pd.DataFrame
    districts: pd.DataFrame
    as_of: pd.Timestamp | None

    @property
    def city(self) -> pd.Series:
        """The city-total row."""
        return self.districts.iloc[-1]


def assess_coverage(
    demand: pd.DataFrame,
    supply: pd.DataFrame,
    districts: gpd.GeoDataFrame | None,
    standards: Standards,
    *,
    as_of: DateLike | None = None,
    max_distance: float | None = None,
    workers: int = -1,
) -> CoverageResult:
    """Which places are covered as of ``as_of`` under ``standards``, per place and district.

    The one entry point the CLI, the pages and the benchmark call. See
    :func:`place_coverage` for the rule and :func:`district_coverage` for the shares.
    """
    places = place_coverage(
        demand,
        supply,
        standards,
        as_of=as_of,
        districts=districts,
        max_distance=max_distance,
        workers=workers,
    )
    table = district_coverage(places, districts, total=True)
    return CoverageResult(places, table, None if as_of is None else pd.Timestamp(as_of))


def coverage_progress(
    demand: pd.DataFrame,
    supply: pd.DataFrame,
    districts: gpd.GeoDataFrame | None,
    standards: Standards,
    start: DateLike,
    end: DateLike | None,
) -> pd.DataFrame:
    """Progress per district between two dates (monitoring and evaluation).

    ``end=None`` counts every point (the data as it stands). See :func:`progress_table`
    for the columns.

    Raises
    ------
    ValueError
        When ``end`` is before ``start``.
    """
    t0 = pd.Timestamp(start)
    t1 = None if end is None else pd.Timestamp(end)
    if t1 is not None and t1 < t0:
        raise ValueError(f"end date {t1.date()} is before start date {t0.date()}")
    a = assess_coverage(demand, supply, districts, standards, as_of=t0)
    b = assess_coverage(demand, supply, districts, standards, as_of=t1)
    return progress_table(a, b, districts)


def progress_table(
    start: CoverageResult, end: CoverageResult, districts: gpd.GeoDataFrame | None
) -> pd.DataFrame:
    """Compare two answers for the same places (e.g. two dates), per district.

    Columns: ``adcode``, ``name_zh``, ``name_en``, ``demand``, ``covered_start``,
    ``covered_end``, ``newly_covered`` (covered at the end, not at the start),
    ``coverage_start``, ``coverage_end``, ``change`` (``coverage_end - coverage_start``),
    ``weighted_coverage_start``, ``weighted_coverage_end``; the city total last.
    """
    a, b = start, end
    if len(a.places) != len(b.places):
        raise ValueError("the two results must be for the same places")
    newly = a.places["covered"].to_numpy() < b.places["covered"].to_numpy()
    n_table = district_coverage(b.places.assign(covered=newly), districts, total=True)
    out = a.districts[["adcode", "name_zh", "name_en", "demand"]].copy()
    out["covered_start"] = a.districts["covered"].to_numpy()
    out["covered_end"] = b.districts["covered"].to_numpy()
    out["newly_covered"] = n_table["covered"].to_numpy()
    out["coverage_start"] = a.districts["coverage"].to_numpy()
    out["coverage_end"] = b.districts["coverage"].to_numpy()
    out["change"] = out["coverage_end"] - out["coverage_start"]
    out["weighted_coverage_start"] = a.districts["weighted_coverage"].to_numpy()
    out["weighted_coverage_end"] = b.districts["weighted_coverage"].to_numpy()
    return out
