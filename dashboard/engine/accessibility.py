"""Accessibility of payment services: enhanced two-step floating catchment area (E2SFCA).

Supply capacity is weighed against visitor demand with a distance decay
(Luo & Qi, 2009). With demand :math:`P_i` at place :math:`i`, capacity :math:`S_j` at
point :math:`j`, distance :math:`d_{ij}` (metres, EPSG:32650) and decay
:math:`W(d)` that is zero beyond the catchment :math:`d_0`:

.. math::

    R_j = \\frac{S_j}{\\sum_{i:\\, d_{ij} \\le d_0} W(d_{ij})\\, P_i}, \\qquad
    A_i = \\sum_{j:\\, d_{ij} \\le d_0} W(d_{ij})\\, R_j

:math:`A_i` is the capacity per unit of demand within reach of place :math:`i`; it
is zero when no point is in reach. The pairs come from a KD-tree
(``sparse_distance_matrix``), so the computation is sparse: never a full cross join.
This matches PySAL ``access``'s ``enhanced_two_stage_fca`` given the same pairs as
its ``cost_df`` (tested).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

# scipy has no type stub for its compiled _ckdtree module
from scipy.sparse import csr_matrix
from scipy.spatial import cKDTree  # pyright: ignore[reportAttributeAccessIssue]

from dashboard.core.standards import Standards
from dashboard.engine.coverage import (
    DateLike,
    district_codes,
    in_service_from,
    project_lonlat,
)

Decay = Callable[[np.ndarray], np.ndarray]

#: Default E2SFCA zones (metres → weight), the classic Luo & Qi step weights.
DEFAULT_STEPS: Mapping[float, float] = {250.0: 1.0, 500.0: 0.68, 1000.0: 0.22}


def step_decay(steps: Mapping[float, float]) -> Decay:
    """Step decay: weight of the smallest threshold :math:`t \\ge d`, zero beyond the last.

    ``{250: 1, 500: 0.68, 1000: 0.22}`` gives 1 up to 250 m, 0.68 up to 500 m, 0.22
    up to 1 km, 0 beyond (the convention of ``access.weights.step_fn``).
    """
    if not steps:
        raise ValueError("step decay needs at least one (threshold, weight) pair")
    t = np.array(sorted(steps), dtype="float64")
    w = np.array([steps[k] for k in sorted(steps)], dtype="float64")

    def decay(d: np.ndarray) -> np.ndarray:
        d = np.asarray(d, dtype="float64")
        out = np.zeros(d.shape)
        for k in range(t.size - 1, -1, -1):  # the widest zone first, each nearer one over it
            out[d <= t[k]] = w[k]
        return out

    decay.catchment = float(t[-1])  # type: ignore[attr-defined]
    return decay


def gaussian_decay(catchment: float) -> Decay:
    """Gaussian decay within the catchment :math:`d_0`:
    :math:`W(d) = (e^{-\\frac12 (d/d_0)^2} - e^{-\\frac12}) / (1 - e^{-\\frac12})`
    for :math:`d \\le d_0`, else 0 (Dai, 2010)."""
    if catchment <= 0:
        raise ValueError("catchment must be positive")
    c = np.exp(-0.5)

    def decay(d: np.ndarray) -> np.ndarray:
        d = np.asarray(d, dtype="float64")
        out = (np.exp(-0.5 * (d / catchment) ** 2) - c) / (1 - c)
        return np.where(d <= catchment, out, 0.0)

    decay.catchment = float(catchment)  # type: ignore[attr-defined]
    return decay


def distance_pairs(
    demand_xy: np.ndarray, supply_xy: np.ndarray, catchment: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All (demand, supply, distance) pairs within ``catchment`` metres, from KD-trees."""
    if demand_xy.shape[0] == 0 or supply_xy.shape[0] == 0:
        return np.zeros(0, np.intp), np.zeros(0, np.intp), np.zeros(0)
    pairs = cKDTree(demand_xy).sparse_distance_matrix(
        cKDTree(supply_xy), float(catchment), output_type="ndarray"
    )
    return pairs["i"].astype(np.intp), pairs["j"].astype(np.intp), pairs["v"].astype("float64")


def e2sfca(
    demand_xy: np.ndarray,
    demand: np.ndarray,
    supply_xy: np.ndarray,
    capacity: np.ndarray,
    decay: Decay,
    catchment: float | None = None,
) -> np.ndarray:
    """E2SFCA accessibility :math:`A_i` of each demand location (formula in the module doc).

    Parameters
    ----------
    demand_xy, supply_xy : ndarray, shape (n, 2), (m, 2)
        Projected metric coordinates.
    demand, capacity : ndarray
        Demand :math:`P_i \\ge 0` and capacity :math:`S_j \\ge 0`.
    decay : callable
        :math:`W(d)`; :func:`step_decay` or :func:`gaussian_decay`.
    catchment : float, optional
        :math:`d_0`; taken from ``decay.catchment`` when omitted.

    Raises
    ------
    ValueError
        On mismatched lengths, negative values or a missing catchment.
    """
    demand = np.asarray(demand, dtype="float64")
    capacity = np.asarray(capacity, dtype="float64")
    if demand.shape != (demand_xy.shape[0],) or capacity.shape != (supply_xy.shape[0],):
        raise ValueError("demand/capacity lengths must match their coordinates")
    if (demand < 0).any() or (capacity < 0).any():
        raise ValueError("demand and capacity must be non-negative")
    if catchment is None:
        catchment = getattr(decay, "catchment", None)
        if catchment is None:
            raise ValueError("give a catchment distance (or a decay from step/gaussian_decay)")
    n, m = demand_xy.shape[0], supply_xy.shape[0]
    i, j, d = distance_pairs(demand_xy, supply_xy, catchment)
    w = decay(d)
    del d
    # sums over the pairs by index (np.bincount) rather than a sparse matrix: the same
    # Σ_i W_ij P_i and Σ_j W_ij R_j at a third of the cost with tens of millions of pairs
    reach = np.bincount(j, weights=w * demand[i], minlength=m)  # Σ_i W_ij P_i per point
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(reach > 0, capacity / np.where(reach > 0, reach, 1.0), 0.0)
    return np.bincount(i, weights=w * ratio[j], minlength=n)


#: Most demand–supply pairs E2SFCA forms exactly (≈ 12 bytes each, twice); above it the
#: places and points are pooled on a metric grid first (:func:`pooled_e2sfca`).
PAIRS_MAX = 8_000_000
#: Cell sizes tried for pooling, smallest first (metres).
POOL_CELLS = (25.0, 50.0, 100.0, 200.0, 400.0)


def estimate_pairs(
    demand_xy: np.ndarray, supply_xy: np.ndarray, catchment: float, sample: int = 4000
) -> int:
    """About how many (demand, supply) pairs lie within ``catchment``: counted exactly for a
    seeded sample of the demand (a KD-tree's counts, no pairs formed) and scaled up."""
    n = demand_xy.shape[0]
    if n == 0 or supply_xy.shape[0] == 0:
        return 0
    pick = np.random.default_rng(0).choice(n, size=min(n, sample), replace=False)
    counts = cKDTree(supply_xy).query_ball_point(demand_xy[pick], catchment, return_length=True)
    return int(np.asarray(counts).mean() * n)


def _cells(xy: np.ndarray, cell: float) -> np.ndarray:
    """The centres of the ``cell``-metre grid cells holding the points ``xy``, once each."""
    keys = np.floor(xy / cell).astype(np.int64)
    packed = np.unique(keys[:, 0] * 10_000_019 + keys[:, 1])  # one int per cell: a fast unique
    ix, iy = np.divmod(packed, 10_000_019)
    return (np.column_stack([ix, iy]) + 0.5) * cell


def _pool(
    xy: np.ndarray, weight: np.ndarray, cell: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points pooled by ``cell``-metre grid cell: each cell's weighted centre (the plain
    centre where its weights sum to zero), its summed weight, and every point's cell."""
    keys = np.floor(xy / cell).astype(np.int64)
    _, inverse = np.unique(keys[:, 0] * 10_000_019 + keys[:, 1], return_inverse=True)
    inverse = inverse.ravel()
    k = int(inverse.max()) + 1 if len(inverse) else 0
    count = np.bincount(inverse, minlength=k).astype(float)
    total = np.bincount(inverse, weights=weight, minlength=k)
    plain = np.column_stack([np.bincount(inverse, weights=xy[:, d], minlength=k) for d in (0, 1)])
    heavy = np.column_stack(
        [np.bincount(inverse, weights=xy[:, d] * weight, minlength=k) for d in (0, 1)]
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        centre = np.where(
            (total > 0)[:, None],
            heavy / np.where(total > 0, total, 1)[:, None],
            plain / count[:, None],
        )
    return centre, total, inverse


def pooled_e2sfca(
    demand_xy: np.ndarray,
    demand: np.ndarray,
    supply_xy: np.ndarray,
    capacity: np.ndarray,
    decay: Decay,
    cell: float,
) -> np.ndarray:
    """:func:`e2sfca` with demand and supply pooled on a ``cell``-metre grid: each cell a
    point at its members' weighted centre carrying their summed demand or capacity, each
    place given its cell's score. Distances are off by at most a cell's diagonal; the
    totals of demand and capacity are kept exactly."""
    dc, dw, dinv = _pool(demand_xy, np.asarray(demand, dtype=float), cell)
    sc, sw, _ = _pool(supply_xy, np.asarray(capacity, dtype=float), cell)
    # a pooled cell's score per unit of demand is its places' score (A depends on i only
    # through d_ij, which all places of the cell share here)
    return e2sfca(dc, dw, sc, sw, decay)[dinv]


@dataclass(frozen=True)
class AccessIndex:
    """E2SFCA of one set of places and payment points at any date, formed once.

    The (place, point, weight) pairs within the catchment do not depend on the date: a date
    only decides which points are in service. So they are formed once over every point —
    exactly, or between grid cells when they would not fit (:data:`PAIRS_MAX`) — and
    :meth:`at` answers a date with two weighted sums over them (``np.bincount``), with no
    radius search and no point-in-polygon test. Build with :func:`access_index`.
    """

    #: ``id``, ``category``, ``adcode``, ``demand`` of each place (input order and index)
    places: pd.DataFrame
    #: each payment point's first day in service (``Timestamp.min``: always)
    since: np.ndarray
    #: each payment point's capacity :math:`S_j`
    capacity: np.ndarray
    #: the weight :math:`W(d_{ij})` of each pair within the catchment, demand units by
    #: supply units (units: places and points, or the grid cells they were pooled into)
    weights: csr_matrix
    #: Σ_i W_ij P_i of each supply unit (the same on every date)
    reach: np.ndarray
    #: each place's demand unit, each point's supply unit
    place_unit: np.ndarray
    point_unit: np.ndarray
    #: the grid cell (metres) places and points were pooled on; 0: exact
    pooled_m: float

    def at(self, as_of: DateLike | None = None) -> pd.DataFrame:
        """:func:`accessibility`'s table at ``as_of`` (None: every point counts)."""
        if as_of is None:
            active = np.ones(len(self.since), dtype=bool)
        else:
            active = self.since <= np.datetime64(pd.Timestamp(as_of).value, "ns")
        n_supply = len(self.reach)
        cap = np.bincount(
            self.point_unit, weights=self.capacity * active, minlength=n_supply
        )  # in-service capacity of each supply unit
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(self.reach > 0, cap / np.where(self.reach > 0, self.reach, 1.0), 0.0)
        score = self.weights @ ratio  # Σ_j W_ij R_j of each demand unit
        out = self.places.copy()
        out["access"] = score[self.place_unit]
        out.attrs["pooled_m"] = self.pooled_m  # 0: exact; else the grid cell pooled on
        return out

    @property
    def nbytes(self) -> int:
        """Memory held by the pairs and the per-point arrays."""
        m = self.weights
        arrays = (m.data, m.indices, m.indptr, self.reach, self.since, self.capacity)
        return int(sum(a.nbytes for a in arrays))

    @property
    def pairs(self) -> int:
        """How many (demand unit, supply unit) pairs lie within the catchment."""
        return int(self.weights.nnz)


def _units(
    xy: np.ndarray, weight: np.ndarray, cell: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pooling units of points: each its own (``cell`` 0), or :func:`_pool`'s cells."""
    if not cell:
        return xy, weight, np.arange(len(xy), dtype=np.intp)
    return _pool(xy, weight, cell)


def access_index(
    demand: pd.DataFrame,
    supply: pd.DataFrame,
    standards: Standards,
    *,
    decay: Decay | None = None,
    capacity: str | None = None,
    districts: gpd.GeoDataFrame | None = None,
) -> AccessIndex:
    """The :class:`AccessIndex` of key locations ``demand`` and payment points ``supply``
    (every point, whatever its date) under the standards' weights.

    Demand :math:`P_i` is the category weight of the standards (a visitor-demand proxy);
    capacity :math:`S_j` is the ``capacity`` column of ``supply`` when named, else 1 per
    point; the default decay is :data:`DEFAULT_STEPS`. Exact while the pairs within the
    catchment number at most :data:`PAIRS_MAX`; beyond (a million places in a dense city:
    billions of pairs) places and points are pooled on the finest grid of
    :data:`POOL_CELLS` that keeps them within it (as :func:`pooled_e2sfca`; a cell of
    points sits at its members' capacity-weighted centre over every date, so the pairs
    stay the same from date to date). ``districts`` (else the places' ``adcode``) says
    which district each place counts in.

    Raises
    ------
    ValueError
        On a category without a standard or a negative capacity.
    """
    decay = decay or step_decay(DEFAULT_STEPS)
    unknown = sorted(set(demand["category"].astype(str)) - set(standards))
    if unknown:
        raise ValueError(f"no service standard for {', '.join(unknown)}")
    catchment = getattr(decay, "catchment", None)
    if not catchment:
        raise ValueError("give a decay with a catchment (step_decay or gaussian_decay)")
    p = demand["category"].astype(str).map({c: s.weight for c, s in standards.items()})
    pw = p.to_numpy("float64")
    cap = (
        supply[capacity].to_numpy(dtype="float64")
        if capacity is not None
        else np.ones(len(supply), dtype="float64")
    )
    if (pw < 0).any() or (cap < 0).any():
        raise ValueError("demand and capacity must be non-negative")
    dx, dy = project_lonlat(demand["lon"].to_numpy(), demand["lat"].to_numpy())
    sx, sy = project_lonlat(supply["lon"].to_numpy(), supply["lat"].to_numpy())
    dxy, sxy = np.column_stack([dx, dy]), np.column_stack([sx, sy])
    pooled = 0.0  # exact unless the pairs would not fit: then pooled on the finest grid that does
    if estimate_pairs(dxy, sxy, catchment) > PAIRS_MAX:
        for cell in POOL_CELLS:
            pooled = cell
            if estimate_pairs(_cells(dxy, cell), _cells(sxy, cell), catchment) <= PAIRS_MAX:
                break
    d_xy, d_w, d_of = _units(dxy, pw, pooled)
    s_xy, _s_w, s_of = _units(sxy, cap, pooled)
    i, j, dist = distance_pairs(d_xy, s_xy, catchment)
    w = decay(dist)
    keep = w > 0
    weights = csr_matrix(
        (w[keep], (i[keep], j[keep])), shape=(len(d_xy), len(s_xy)), dtype="float64"
    )
    if districts is not None:
        codes = district_codes(demand["lon"].to_numpy(), demand["lat"].to_numpy(), districts)
        table = districts["adcode"].astype(str).to_numpy()
        fb = demand["adcode"].astype(str).to_numpy() if "adcode" in demand.columns else None
        adcode = np.where(codes >= 0, table[np.maximum(codes, 0)], fb if fb is not None else "")
    else:
        adcode = demand["adcode"].astype(str).to_numpy() if "adcode" in demand.columns else ""
    places = pd.DataFrame(
        {
            "id": demand["id"].to_numpy() if "id" in demand.columns else np.arange(len(demand)),
            "category": demand["category"].to_numpy(),
            "adcode": adcode,
            "demand": pw,
        },
        index=demand.index,
    )
    return AccessIndex(
        places=places,
        since=in_service_from(supply),
        capacity=cap,
        weights=weights,
        reach=np.asarray(weights.T @ np.asarray(d_w, dtype="float64")),
        place_unit=np.asarray(d_of, dtype=np.intp),
        point_unit=np.asarray(s_of, dtype=np.intp),
        pooled_m=pooled,
    )


def accessibility(
    demand: pd.DataFrame,
    supply: pd.DataFrame,
    standards: Standards,
    *,
    as_of: DateLike | None = None,
    decay: Decay | None = None,
    capacity: str | None = None,
    districts: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """E2SFCA score of each key location against the payment points in service on
    ``as_of`` (every point when None): :func:`access_index`'s answer at that date.

    ``attrs["pooled_m"]`` says whether places and points were pooled on a grid because
    the pairs would not fit (0 when exact), so a page or report can say so.

    Returns
    -------
    DataFrame
        ``id``, ``category``, ``adcode``, ``demand``, ``access`` (one row per place,
        input order), where ``access`` is :math:`A_i` (points per unit demand).
    """
    index = access_index(
        demand, supply, standards, decay=decay, capacity=capacity, districts=districts
    )
    return index.at(as_of)


def district_accessibility(scores: pd.DataFrame) -> pd.DataFrame:
    """Demand-weighted mean accessibility per district, and the share of places with none.

    :math:`\\bar A_D = \\sum_{i \\in D} P_i A_i / \\sum_{i \\in D} P_i`.
    """
    df = scores.assign(pa=scores["demand"] * scores["access"], none=scores["access"] <= 0)
    g = df.groupby("adcode", sort=True).agg(
        places=("access", "size"), demand=("demand", "sum"), pa=("pa", "sum"), none=("none", "mean")
    )
    g["mean_access"] = np.where(
        g["demand"] > 0, g["pa"] / g["demand"].where(g["demand"] > 0, 1), np.nan
    )
    return g.drop(columns="pa").rename(columns={"none": "share_without_access"}).reset_index()
