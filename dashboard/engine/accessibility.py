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

import geopandas as gpd
import numpy as np
import pandas as pd

# scipy has no type stub for its compiled _ckdtree module
from scipy.spatial import cKDTree  # pyright: ignore[reportAttributeAccessIssue]

from dashboard.core.standards import Standards
from dashboard.engine.coverage import DateLike, district_codes, in_service, project_lonlat

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
    """E2SFCA score of each key location against in-service payment points.

    Demand :math:`P_i` is the category weight of the standards (a visitor-demand
    proxy); capacity :math:`S_j` is the ``capacity`` column of ``supply`` when named,
    else 1 per point. The default decay is :data:`DEFAULT_STEPS`.

    Returns
    -------
    DataFrame
        ``id``, ``category``, ``adcode``, ``demand``, ``access`` (one row per place,
        input order), where ``access`` is :math:`A_i` (points per unit demand).
    """
    decay = decay or step_decay(DEFAULT_STEPS)
    unknown = sorted(set(demand["category"].astype(str)) - set(standards))
    if unknown:
        raise ValueError(f"no service standard for {', '.join(unknown)}")
    p = demand["category"].astype(str).map({c: s.weight for c, s in standards.items()})
    active = in_service(supply, as_of)
    sup = supply[active]
    dx, dy = project_lonlat(demand["lon"].to_numpy(), demand["lat"].to_numpy())
    sx, sy = project_lonlat(sup["lon"].to_numpy(), sup["lat"].to_numpy())
    cap = (
        sup[capacity].to_numpy(dtype="float64")
        if capacity is not None
        else np.ones(len(sup), dtype="float64")
    )
    a = e2sfca(
        np.column_stack([dx, dy]),
        p.to_numpy(dtype="float64"),
        np.column_stack([sx, sy]),
        cap,
        decay,
    )
    if districts is not None:
        codes = district_codes(demand["lon"].to_numpy(), demand["lat"].to_numpy(), districts)
        table = districts["adcode"].astype(str).to_numpy()
        fb = demand["adcode"].astype(str).to_numpy() if "adcode" in demand.columns else None
        adcode = np.where(codes >= 0, table[np.maximum(codes, 0)], fb if fb is not None else "")
    else:
        adcode = demand["adcode"].astype(str).to_numpy() if "adcode" in demand.columns else ""
    return pd.DataFrame(
        {
            "id": demand["id"].to_numpy() if "id" in demand.columns else np.arange(len(demand)),
            "category": demand["category"].to_numpy(),
            "adcode": adcode,
            "demand": p.to_numpy(dtype="float64"),
            "access": a,
        },
        index=demand.index,
    )


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
