"""Siting new payment-service points: a maximal covering location problem (MCLP).

Choose ``k`` new points among candidate sites to maximise the weight of demand that
becomes covered (Church & ReVelle, 1974). With :math:`a_{ij} = 1` when candidate
:math:`j` lies within place :math:`i`'s radius, weights :math:`w_i` and only places
not covered today in the model:

.. math::

    \\max \\sum_i w_i y_i \\quad\\text{s.t.}\\quad y_i \\le \\sum_j a_{ij} x_j,\\;
    \\sum_j x_j \\le k,\\; x_j \\in \\{0, 1\\},\\; 0 \\le y_i \\le 1.

Small instances are solved exactly with HiGHS (``scipy.optimize.milp``) on a sparse
model; larger ones by lazy greedy, which is within :math:`1 - 1/e` of the optimum and
reports a per-instance upper bound (the smaller of ``greedy / (1 - 1/e)`` and the
online bound :math:`f(S) + \\sum_{\\text{top } k} \\Delta_j(S)` of Leskovec et al., 2007),
hence an optimality gap. Candidates are the uncovered key locations themselves or
H3 cell centres around them.

A new point gets, for every clause of the standards in scope, that clause's first
capability, so it satisfies every requirement: covering a place only needs distance.
"""

from __future__ import annotations

import heapq
import math
import os
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import cast

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import sparse

# scipy has no type stub for its compiled _ckdtree module
from scipy.spatial import cKDTree  # pyright: ignore[reportAttributeAccessIssue]

from dashboard.core.standards import Standards
from dashboard.engine.coverage import (
    CoverageResult,
    DateLike,
    assess_coverage,
    district_codes,
    project_lonlat,
)

#: Above this many (place, candidate) pairs, ``method="auto"`` uses lazy greedy.
MAX_EXACT_PAIRS = 2_000_000
_GREEDY_RATIO = 1.0 - 1.0 / math.e


@dataclass(frozen=True)
class MclpSolution:
    """A solution of the MCLP on a cover matrix.

    ``chosen`` are candidate column indices in order of marginal gain; ``gains`` their
    marginal newly covered weight; ``objective`` the total; ``bound`` an upper bound
    on the optimum; ``gap = (bound - objective) / bound`` (0 when proven optimal).
    """

    chosen: np.ndarray
    gains: np.ndarray
    objective: float
    bound: float
    method: str
    optimal: bool
    seconds: float
    covered: np.ndarray = field(repr=False)

    @property
    def gap(self) -> float:
        if self.bound <= 0:
            return 0.0
        return max(0.0, (self.bound - self.objective) / self.bound)


# --------------------------------------------------------------------------- cover matrix


def _shape(m: sparse.spmatrix) -> tuple[int, int]:
    """``m.shape``, typed (on csc/csr matrices pyright infers scipy's untyped ``shape`` as None)."""
    return m.shape


def cover_matrix(
    demand_xy: np.ndarray, radius: np.ndarray, cand_xy: np.ndarray
) -> sparse.csc_matrix:
    """Sparse boolean matrix (places × candidates): candidate ``j`` within place ``i``'s radius.

    Built from a KD-tree pair search up to the largest radius, then filtered per place
    (:math:`\\lVert p_i - c_j \\rVert \\le r_i`). Never dense.
    """
    n, m = demand_xy.shape[0], cand_xy.shape[0]
    radius = np.broadcast_to(np.asarray(radius, dtype="float64"), (n,))
    if n == 0 or m == 0:
        return sparse.csc_matrix((n, m), dtype=bool)
    a = cKDTree(demand_xy)
    b = cKDTree(cand_xy)
    pairs = a.sparse_distance_matrix(b, float(radius.max()), output_type="ndarray")
    keep = pairs["v"] <= radius[pairs["i"]]
    i, j = pairs["i"][keep], pairs["j"][keep]
    return sparse.csc_matrix((np.ones(i.size, dtype=bool), (i, j)), shape=(n, m))


# --------------------------------------------------------------------------- solvers


def _order_by_gain(cover: sparse.csc_matrix, weight: np.ndarray, chosen: np.ndarray):
    """Order chosen columns greedily by marginal gain; return (order, gains, covered)."""
    covered = np.zeros(_shape(cover)[0], dtype=bool)
    remaining = list(int(j) for j in chosen)
    order, gains = [], []
    indptr, indices = cover.indptr, cover.indices
    while remaining:
        best, best_gain = -1, -1.0  # -1: none yet (gains are >= 0)
        for j in remaining:
            rows = indices[indptr[j] : indptr[j + 1]]
            g = float(weight[rows][~covered[rows]].sum())
            if g > best_gain:
                best, best_gain = j, g
        remaining.remove(best)
        rows = indices[indptr[best] : indptr[best + 1]]
        covered[rows] = True
        order.append(best)
        gains.append(best_gain)
    return np.array(order, dtype=np.intp), np.array(gains, dtype="float64"), covered


def greedy_mclp(cover: sparse.spmatrix, weight: np.ndarray, k: int) -> MclpSolution:
    """Lazy greedy for the MCLP with an instance-specific upper bound.

    Each step adds the candidate with the largest marginal gain
    :math:`\\Delta_j(S) = \\sum_{i \\in N(j) \\setminus N(S)} w_i`, re-evaluating only
    the heap's top (gains never grow: the objective is submodular). The bound is
    :math:`\\min\\bigl(f(S)/(1 - 1/e),\\; f(S) + \\sum_{\\text{top } k} \\Delta_j(S)\\bigr)`.
    """
    t0 = time.perf_counter()
    cover = sparse.csc_matrix(cover, dtype=bool)
    weight = np.asarray(weight, dtype="float64")
    _check(cover, weight, k)
    indptr, indices = cover.indptr, cover.indices
    covered = np.zeros(_shape(cover)[0], dtype=bool)
    init = np.asarray(cover.T.astype("float64") @ weight).ravel()
    heap = [(-g, j) for j, g in enumerate(init) if g > 0]
    heapq.heapify(heap)
    chosen, gains = [], []
    while heap and len(chosen) < k:
        neg, j = heapq.heappop(heap)
        rows = indices[indptr[j] : indptr[j + 1]]
        g = float(weight[rows][~covered[rows]].sum())
        if heap and g < -heap[0][0] - 1e-12 * max(1.0, g):
            if g > 0:
                heapq.heappush(heap, (-g, j))
            continue
        if g <= 0:
            break
        chosen.append(j)
        gains.append(g)
        covered[rows] = True
    obj = float(np.sum(gains))
    residual = np.asarray(cover.T.astype("float64") @ (weight * ~covered)).ravel()
    if chosen:
        residual[np.array(chosen)] = 0.0
    top = np.sort(residual)[::-1][:k].sum() if residual.size else 0.0
    bound = min(obj / _GREEDY_RATIO, obj + float(top)) if obj > 0 else float(top)
    optimal = bool(top <= 1e-12)  # nothing left to gain: greedy is optimal
    return MclpSolution(
        np.array(chosen, dtype=np.intp),
        np.array(gains, dtype="float64"),
        obj,
        obj if optimal else max(bound, obj),
        "greedy",
        optimal,
        time.perf_counter() - t0,
        covered,
    )


def milp_mclp(
    cover: sparse.spmatrix, weight: np.ndarray, k: int, *, time_limit: float = 10.0
) -> MclpSolution:
    """Exact MCLP with HiGHS on a sparse model, warm-started from lazy greedy.

    Places no candidate reaches and candidates reaching nobody are dropped, and places
    reached by the same candidates are merged, before HiGHS runs (through ``highspy``
    when installed, which takes the greedy solution as a start; else through
    ``scipy.optimize.milp``). When the time limit stops HiGHS, the better of its
    incumbent and the greedy solution is returned with HiGHS's dual bound
    (``optimal=False``).
    """
    t0 = time.perf_counter()
    cover = sparse.csc_matrix(cover, dtype=bool)
    weight = np.asarray(weight, dtype="float64")
    _check(cover, weight, k)
    rows = np.flatnonzero((np.asarray(cover.sum(axis=1)).ravel() > 0) & (weight > 0))
    cols = np.flatnonzero(np.asarray(cover[rows].sum(axis=0)).ravel() > 0)
    if rows.size == 0 or cols.size == 0 or k == 0:
        return MclpSolution(
            np.zeros(0, np.intp),
            np.zeros(0),
            0.0,
            0.0,
            "milp",
            True,
            time.perf_counter() - t0,
            np.zeros(_shape(cover)[0], bool),
        )
    if cols.size <= k:  # every useful candidate fits: take them all
        order, gains, covered = _order_by_gain(cover, weight, cols)
        obj = float(gains.sum())
        return MclpSolution(order, gains, obj, obj, "milp", True, time.perf_counter() - t0, covered)
    sub, w = _merge_identical_rows(cover[rows][:, cols].tocsr(), weight[rows])
    greedy = greedy_mclp(sub, w, k)
    if greedy.optimal or math.isclose(greedy.objective, greedy.bound):
        x_cols, optimal, bound = greedy.chosen, True, greedy.objective
    else:
        x_cols, optimal, bound = _highs(sub, w, k, greedy.chosen, time_limit)
        if x_cols is None or w[np.asarray(sub[:, x_cols].sum(axis=1)).ravel() > 0].sum() < (
            greedy.objective
        ):
            x_cols = greedy.chosen
            if optimal:  # HiGHS proved its optimum, so it has a dual bound
                assert bound is not None
                optimal = math.isclose(greedy.objective, bound)
    order, gains, covered = _order_by_gain(cover, weight, cols[np.asarray(x_cols, dtype=np.intp)])
    obj = float(gains.sum())
    bound = obj if optimal else (bound if bound is not None else greedy.bound)
    return MclpSolution(
        order, gains, obj, max(bound, obj), "milp", bool(optimal), time.perf_counter() - t0, covered
    )


_BANNER_LOCK = threading.Lock()
_BANNER_SHOWN = False


def _new_highs(highspy):
    """A ``highspy.Highs``; the first one in a process is built with file descriptor 1
    pointed at /dev/null, because HiGHS prints its banner to stdout once per process
    (which would corrupt the CLI's JSON output)."""
    global _BANNER_SHOWN
    with _BANNER_LOCK:
        if _BANNER_SHOWN:
            return highspy.Highs()
        sys.stdout.flush()
        saved = os.dup(1)
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, 1)
            h = highspy.Highs()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            os.close(null)
            _BANNER_SHOWN = True
        return h


def _highs(
    a: sparse.csr_matrix, w: np.ndarray, k: int, start: np.ndarray, time_limit: float
) -> tuple[np.ndarray | None, bool, float | None]:
    """Solve max w·y, y ≤ A x, Σx ≤ k with HiGHS; return (chosen columns, optimal, dual bound)."""
    n, m = _shape(a)
    link = sparse.hstack([-a, sparse.identity(n, format="csr")], format="csr")
    budget = sparse.csr_matrix(np.concatenate([np.ones(m), np.zeros(n)])[None, :])
    cost = np.concatenate([np.zeros(m), -w])
    try:
        import highspy
    except ImportError:  # scipy bundles HiGHS too, without warm starts
        from scipy.optimize import LinearConstraint, milp

        res = milp(
            cost,
            integrality=np.concatenate([np.ones(m), np.zeros(n)]),
            bounds=(0, 1),
            constraints=[LinearConstraint(link, -np.inf, 0), LinearConstraint(budget, 0, k)],
            options={"time_limit": float(time_limit), "mip_rel_gap": 0.0, "disp": False},
        )
        dual = getattr(res, "mip_dual_bound", None)
        x = None if res.x is None else np.flatnonzero(res.x[:m] > 0.5)
        return x, res.status == 0, None if dual is None else -float(dual)
    mat = cast(sparse.csc_matrix, sparse.vstack([link, budget], format="csc"))
    h = _new_highs(highspy)
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("time_limit", float(time_limit))
    # small models: presolve costs more than it saves; large ones: HiGHS 1.16's presolve
    # does not stop at the time limit (24 s of presolve under a 2 s limit at 700k pairs,
    # measured), while the solve itself does
    h.setOptionValue("presolve", "off")
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = m + n, n + 1
    lp.col_cost_ = cost
    lp.col_lower_ = np.zeros(m + n)
    lp.col_upper_ = np.ones(m + n)
    lp.row_lower_ = np.concatenate([np.full(n, -highspy.kHighsInf), [0.0]])
    lp.row_upper_ = np.concatenate([np.zeros(n), [float(k)]])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    # scipy types its index arrays' dtype as int32 | int64; highspy takes either
    lp.a_matrix_.start_ = mat.indptr  # pyright: ignore[reportAttributeAccessIssue]
    lp.a_matrix_.index_ = mat.indices  # pyright: ignore[reportAttributeAccessIssue]
    lp.a_matrix_.value_ = np.asarray(mat.data, dtype=np.float64)  # float64 already: no copy
    lp.integrality_ = [highspy.HighsVarType.kInteger] * m + [highspy.HighsVarType.kContinuous] * n
    h.passModel(lp)
    x0 = np.zeros(m + n)
    x0[start] = 1.0
    x0[m:] = np.asarray(a[:, start].sum(axis=1)).ravel() > 0
    sol = highspy.HighsSolution()
    sol.col_value = list(x0)
    h.setSolution(sol)
    h.run()
    status = h.getModelStatus()
    if status not in (highspy.HighsModelStatus.kOptimal, highspy.HighsModelStatus.kTimeLimit):
        return None, False, None
    x = np.asarray(h.getSolution().col_value[:m])
    dual = h.getInfo().mip_dual_bound
    optimal = status == highspy.HighsModelStatus.kOptimal
    return np.flatnonzero(x > 0.5), optimal, -float(dual) if np.isfinite(dual) else None


def _merge_identical_rows(
    a: sparse.csr_matrix, w: np.ndarray
) -> tuple[sparse.csr_matrix, np.ndarray]:
    """Places reached by the same set of candidates become one row with their summed weight
    (an equivalent, smaller model)."""
    a.sort_indices()
    keys: dict[bytes, int] = {}
    group = np.empty(_shape(a)[0], dtype=np.intp)
    for i in range(_shape(a)[0]):
        key = a.indices[a.indptr[i] : a.indptr[i + 1]].tobytes()
        group[i] = keys.setdefault(key, len(keys))
    first = np.zeros(len(keys), dtype=np.intp)
    first[group[::-1]] = np.arange(_shape(a)[0])[::-1]
    merged = np.bincount(group, weights=w, minlength=len(keys))
    return a[first].astype("float64").tocsr(), merged


def solve_mclp(
    cover: sparse.spmatrix,
    weight: np.ndarray,
    k: int,
    *,
    method: str = "auto",
    time_limit: float = 10.0,
    max_exact_pairs: int = MAX_EXACT_PAIRS,
) -> MclpSolution:
    """Solve the MCLP: ``"milp"`` (exact), ``"greedy"``, or ``"auto"`` (exact when the
    cover matrix has at most ``max_exact_pairs`` pairs, else greedy).

    Raises
    ------
    ValueError
        On an unknown method, a negative ``k`` or mismatched shapes.
    """
    if method not in ("auto", "milp", "greedy"):
        raise ValueError(f"unknown method {method!r}; expected auto, milp or greedy")
    if method == "greedy" or (
        method == "auto"
        # nnz is on every sparse format, though not on the spmatrix mixin annotated here
        and cover.nnz > max_exact_pairs  # pyright: ignore[reportAttributeAccessIssue]
    ):
        return greedy_mclp(cover, weight, k)
    return milp_mclp(cover, weight, k, time_limit=time_limit)


def _check(cover: sparse.spmatrix, weight: np.ndarray, k: int) -> None:
    if k < 0:
        raise ValueError(f"k must be >= 0, got {k}")
    if weight.shape != (cover.shape[0],):
        raise ValueError(
            f"weight has {weight.shape[0]} entries but the cover matrix has {cover.shape[0]} rows"
        )
    if (weight < 0).any():
        raise ValueError("weights must be non-negative")


# --------------------------------------------------------------------------- candidates


def candidate_sites(
    places: pd.DataFrame,
    kind: str = "uncovered",
    *,
    resolution: int = 9,
) -> pd.DataFrame:
    """Candidate sites for new points: ``id``, ``lon``, ``lat``, ``kind``.

    ``"uncovered"``: the uncovered places themselves (a point at the place).
    ``"h3"``: centres of H3 cells (``resolution``, 9 by default, ~0.1 km²) within
    reach of an uncovered place: the place's cell and the rings around it up to its
    radius.
    """
    unc = places[~places["covered"].to_numpy(dtype=bool)]
    if kind == "uncovered":
        return pd.DataFrame(
            {
                "id": unc["id"].astype(str).to_numpy(),
                "lon": unc["lon"].to_numpy(dtype="float64"),
                "lat": unc["lat"].to_numpy(dtype="float64"),
                "kind": "place",
            }
        )
    if kind != "h3":
        raise ValueError(f"unknown candidate kind {kind!r}; expected uncovered or h3")
    import h3

    spacing = 2.0 * h3.average_hexagon_edge_length(resolution, unit="m") * math.sqrt(3) / 2
    cells: set[str] = set()
    for lat, lon, r in zip(unc["lat"], unc["lon"], unc["radius_m"]):
        ring = int(math.ceil(float(r) / spacing))
        cells.update(h3.grid_disk(h3.latlng_to_cell(float(lat), float(lon), resolution), ring))
    cells_sorted = sorted(cells)
    centres = [h3.cell_to_latlng(c) for c in cells_sorted]
    return pd.DataFrame(
        {
            "id": cells_sorted,
            "lon": [c[1] for c in centres],
            "lat": [c[0] for c in centres],
            "kind": "h3",
        }
    )


def new_point_capabilities(standards: Standards, categories=None) -> list[str]:
    """Capabilities of a new point: the first capability of every clause in scope."""
    cats = list(standards) if categories is None else [c for c in categories if c in standards]
    caps: list[str] = []
    for c in cats:
        for clause in standards[c].require:
            if clause[0] not in caps and not any(x in caps for x in clause):
                caps.append(clause[0])
    return caps or ["foreign_card"]


def add_service_points(
    supply: pd.DataFrame,
    sites: pd.DataFrame,
    capabilities: list[str],
    *,
    in_service_date: DateLike | None = None,
) -> pd.DataFrame:
    """What-if: ``supply`` with a new point at each site (``id`` ``NEW-<n>``, synthetic).

    Only the columns the engine reads are filled for the new rows.
    """
    n = len(sites)
    new = pd.DataFrame(
        {
            "id": [f"NEW-{i + 1:03d}" for i in range(n)],
            "name_en": [f"Proposed service point {i + 1}" for i in range(n)],
            "category": "foreign_card_pos",
            "lon": sites["lon"].to_numpy(dtype="float64"),
            "lat": sites["lat"].to_numpy(dtype="float64"),
            "capabilities": ";".join(capabilities),
            "in_service_date": pd.Timestamp(in_service_date) if in_service_date else pd.NaT,
            "synthetic": True,
        }
    )
    base = pd.DataFrame(supply.drop(columns="geometry", errors="ignore"))
    if "in_service_date" in base.columns:
        base["in_service_date"] = pd.to_datetime(base["in_service_date"], format="mixed")
    return pd.concat([base, new], ignore_index=True)


# --------------------------------------------------------------------------- the question


@dataclass(frozen=True)
class SitingResult:
    """Where to put ``k`` new points, and coverage before and after.

    ``sites``: rank, id, lon, lat, adcode, newly_covered (count, marginal),
    newly_covered_weight (marginal); ``before``/``after``: per-district tables with
    the city total (:func:`dashboard.engine.coverage.district_coverage`); ``solution``: the
    solver's report.
    """

    sites: pd.DataFrame
    before: CoverageResult
    after: CoverageResult
    solution: MclpSolution
    scope: str
    candidates: int


def recommend_sites(
    demand: pd.DataFrame,
    supply: pd.DataFrame,
    districts: gpd.GeoDataFrame | None,
    standards: Standards,
    k: int,
    *,
    district: str | None = None,
    candidates: str = "uncovered",
    as_of: DateLike | None = None,
    method: str = "auto",
    resolution: int = 9,
    time_limit: float = 10.0,
    before: CoverageResult | None = None,
) -> SitingResult:
    """Choose ``k`` new service points that cover the most uncovered weighted demand.

    Parameters
    ----------
    district : str, optional
        An adcode: only that district's places count and only candidates inside it
        are used. None: citywide.
    candidates : {"uncovered", "h3"}
        See :func:`candidate_sites`.
    method : {"auto", "milp", "greedy"}
        See :func:`solve_mclp`.
    before : CoverageResult, optional
        :func:`assess_coverage` of these inputs, when the caller already has it (the
        dashboard caches it); computed here otherwise.

    Returns
    -------
    SitingResult
        The chosen sites and the coverage recomputed with them added (the what-if).
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    if before is None:
        before = assess_coverage(demand, supply, districts, standards, as_of=as_of)
    elif len(before.places) != len(demand):
        raise ValueError(
            f"before covers {len(before.places)} places but demand has {len(demand)}: "
            "pass the coverage of this demand, or none"
        )
    places = before.places
    if district is not None:
        ad = places["adcode"].astype(str).to_numpy()
        if district not in set(ad) and (
            districts is None or district not in set(districts["adcode"].astype(str))
        ):
            raise ValueError(f"unknown district {district!r}")
        places = places[ad == district]
    cand = candidate_sites(places, candidates, resolution=resolution)
    if district is not None and districts is not None and len(cand) and candidates == "h3":
        d = districts[districts["adcode"].astype(str) == district]
        inside = district_codes(cand["lon"].to_numpy(), cand["lat"].to_numpy(), d) >= 0
        cand = cand[inside].reset_index(drop=True)
    unc = places[~places["covered"].to_numpy(dtype=bool)]
    ux, uy = project_lonlat(unc["lon"].to_numpy(), unc["lat"].to_numpy())
    cx, cy = project_lonlat(cand["lon"].to_numpy(), cand["lat"].to_numpy())
    cover = cover_matrix(
        np.column_stack([ux, uy]),
        unc["radius_m"].to_numpy(dtype="float64"),
        np.column_stack([cx, cy]),
    )
    weight = unc["weight"].to_numpy(dtype="float64")
    sol = solve_mclp(cover, weight, k, method=method, time_limit=time_limit)
    chosen = cand.iloc[sol.chosen].reset_index(drop=True)
    counts = []
    seen = np.zeros(_shape(cover)[0], dtype=bool)
    for j in sol.chosen:
        rows = cover.indices[cover.indptr[j] : cover.indptr[j + 1]]
        counts.append(int((~seen[rows]).sum()))
        seen[rows] = True
    if districts is not None and len(chosen):
        codes = district_codes(chosen["lon"].to_numpy(), chosen["lat"].to_numpy(), districts)
        table = districts["adcode"].astype(str).to_numpy()
        chosen_ad = np.where(codes >= 0, table[np.maximum(codes, 0)], "")
    else:
        chosen_ad = np.full(len(chosen), district or "", dtype=object)
    sites = pd.DataFrame(
        {
            "rank": np.arange(1, len(chosen) + 1),
            "id": chosen["id"].to_numpy(),
            "kind": chosen["kind"].to_numpy(),
            "lon": chosen["lon"].to_numpy(),
            "lat": chosen["lat"].to_numpy(),
            "adcode": chosen_ad,
            "newly_covered": np.array(counts, dtype=np.int64),
            "newly_covered_weight": sol.gains,
        }
    )
    caps = new_point_capabilities(standards, places["category"].astype(str).unique())
    what_if = add_service_points(supply, chosen, caps, in_service_date=as_of)
    after = assess_coverage(demand, what_if, districts, standards, as_of=as_of)
    return SitingResult(sites, before, after, sol, district or "city", len(cand))
