"""Coverage index: the coverage of every radius and date from one search.

:func:`~dashboard.engine.coverage.assess_coverage` answers one (standards, date) at a time:
projections, KD-trees and point-in-polygon again for every radius or date step of a page.
This module searches once per data and requirement structure and answers each step with
a vectorised pass over the result.

Method
------
For each place :math:`i` and each clause :math:`c` of its requirement, the supply points
offering :math:`c` are taken in chronological order (``in_service_from``; undated points
first, as "always"). The *staircase* of :math:`(i, c)` keeps the points no farther from
:math:`p_i` than every earlier one, up to a horizon :math:`H` (metres): records
:math:`(d, t, j)` of distance, first day in service and supply row, with :math:`t`
non-decreasing and :math:`d` non-increasing. On a date :math:`T` the nearest point of
the clause in service is the last record with :math:`t \\le T`, and so

.. math:: d_i(T) = \\max_c \\min \\{ d : (d, t, j) \\in S_{ic},\\ t \\le T \\}

for any radius: covered is :math:`d_i(T) \\le r_i`. A place expects about
:math:`\\ln N` records per clause (record lows of a random sequence). It is built like
:func:`~dashboard.engine.coverage.covered_from`: chronological chunks doubling in size,
each a KD-tree queried with ``query_ball_point`` within each place's current best
distance (at most :math:`H`).

Exactly :func:`~dashboard.engine.coverage.assess_coverage`'s answer: a place whose
nearest point on the date lies beyond :math:`H` (for some clause), or whose deciding
clause has two points at the same nearest distance (the KD-tree's pick among them is its
own), is passed to the engine's own nearest-point search
(:func:`~dashboard.engine.coverage._nearest_qualifying`) over the same in-service points,
so ``distance_m`` and ``nearest_id`` are those of ``place_coverage`` with
``max_distance=None``. The districts of the places are assigned once, in the index.

The index depends on the demand, the supply, the districts and the requirement of each
category (its clauses) — not on the radii, the weights or the date. It does not apply
when field checks change the supply by date (:mod:`dashboard.engine.verification`): the
supply is then a different table on each date.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

# scipy has no type stub for its compiled _ckdtree module
from scipy.spatial import cKDTree  # pyright: ignore[reportAttributeAccessIssue]

from dashboard.core.standards import Requirement, Standards
from dashboard.engine.coverage import (
    CoverageResult,
    DateLike,
    _as_dates,
    _clause_mask,
    _nearest_qualifying,
    _place_adcodes,
    _places_frame,
    capability_matrix,
    covered_from,
    demand_categories,
    district_coverage,
    in_service,
    in_service_from,
    project_lonlat,
)

#: Supply points in the first chronological chunk of the staircase search; chunks double.
FIRST_CHUNK = 16

#: A clause: an any-of tuple of capabilities, or None for "any point".
Clause = tuple[str, ...] | None


@dataclass(frozen=True, eq=False)
class Staircase:
    """The staircases of one clause, as CSR arrays over the places that need the clause.

    ``places`` are demand rows (ascending); the records of ``places[k]`` are
    ``ptr[k]:ptr[k + 1]``, in chronological order with non-increasing ``dist``; ``row``
    is the supply row of a record and ``rank`` the position of its first day in service
    in :attr:`CoverageIndex.times`. Of a run of records at the same distance only the
    first two are kept (two are enough to tell a tie).
    """

    clause: Clause
    places: np.ndarray
    ptr: np.ndarray
    dist: np.ndarray
    row: np.ndarray
    rank: np.ndarray

    @property
    def records(self) -> int:
        """How many records the staircases hold."""
        return int(self.dist.size)


@dataclass(frozen=True, eq=False)
class CoverageIndex:
    """Everything :func:`assess_from_index` needs, for any radii and date.

    Built by :func:`build_coverage_index`; read-only (it is shared between callers).
    """

    demand: pd.DataFrame
    supply: pd.DataFrame
    districts: gpd.GeoDataFrame | None
    horizon: float
    requirements: dict[str, Requirement]
    cats: list[str]
    cat_codes: np.ndarray
    dlon: np.ndarray
    dlat: np.ndarray
    demand_xy: np.ndarray
    supply_xy: np.ndarray
    capmat: np.ndarray | None
    adcode: object
    times: np.ndarray
    slots: tuple[np.ndarray, ...]
    staircases: tuple[Staircase, ...]
    #: each place's deciding distance and point by the in-service rank of a date (the last
    #: few): they depend on which points are in service only, so a radius step (or a date
    #: with the same points in service) reuses them
    decided: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def records(self) -> int:
        """Records over every staircase."""
        return sum(s.records for s in self.staircases)

    @property
    def nbytes(self) -> int:
        """Bytes held by the index's own arrays (not the demand and supply tables)."""
        arrays = [self.cat_codes, self.dlon, self.dlat, self.demand_xy, self.supply_xy]
        arrays += [self.times, *self.slots]
        if self.capmat is not None:
            arrays.append(self.capmat)
        for s in self.staircases:
            arrays += [s.places, s.ptr, s.dist, s.row, s.rank]
        return int(sum(a.nbytes for a in arrays))


def requirement_structure(standards: Standards) -> dict[str, Requirement]:
    """Each category's requirement (its clauses): what an index depends on in standards."""
    return {c: s.require for c, s in sorted(standards.items())}


def build_coverage_index(
    demand: pd.DataFrame,
    supply: pd.DataFrame,
    districts: gpd.GeoDataFrame | None,
    requirements: Mapping[str, Requirement],
    *,
    horizon: float,
    workers: int = -1,
) -> CoverageIndex:
    """The coverage index of ``demand`` served by ``supply`` under ``requirements`` (each
    category's clauses: :func:`requirement_structure` of the standards; radii and weights
    are not needed), searched up to ``horizon`` metres.

    Any radius and date can then be asked of :func:`assess_from_index`; a radius beyond
    the horizon is still answered exactly, only more slowly (the places it concerns go
    to the KD-tree search).

    Raises
    ------
    ValueError
        As :func:`~dashboard.engine.coverage.assess_coverage`: a missing column, a
        category without a standard.
    """
    if not horizon >= 0:
        raise ValueError(f"horizon must be a non-negative number of metres, got {horizon}")
    requirements = {c: requirements[c] for c in sorted(requirements)}
    cat_codes, cats = demand_categories(demand, supply, requirements)
    dlon = demand["lon"].to_numpy(dtype="float64")
    dlat = demand["lat"].to_numpy(dtype="float64")
    dx, dy = project_lonlat(dlon, dlat, workers=workers)
    demand_xy = np.column_stack([dx, dy])
    sx, sy = project_lonlat(
        supply["lon"].to_numpy(dtype="float64"),
        supply["lat"].to_numpy(dtype="float64"),
        workers=workers,
    )
    supply_xy = np.column_stack([sx, sy])
    del dx, dy, sx, sy
    capmat = None
    if any(requirements[c] for c in cats):
        if "capabilities" not in supply.columns:
            raise ValueError("supply needs a 'capabilities' column to check required capabilities")
        capmat = capability_matrix(supply["capabilities"].to_numpy())
    start = in_service_from(supply).astype(np.int64)
    times = np.unique(start)
    rank_of = np.searchsorted(times, start).astype(np.int32)

    # the clause in each slot (position in the place's requirement) of each place
    n = len(demand)
    clauses_of_cat = [list(requirements[c]) or [None] for c in cats]
    distinct: list[Clause] = []
    for cl in itertools.chain.from_iterable(clauses_of_cat):
        if cl not in distinct:
            distinct.append(cl)
    width = max((len(c) for c in clauses_of_cat), default=0)
    lut = np.full((len(cats), width), -1, dtype=np.int32)
    for k, cls in enumerate(clauses_of_cat):
        lut[k, : len(cls)] = [distinct.index(cl) for cl in cls]
    per_place = lut[cat_codes] if n else np.zeros((0, width), dtype=np.int32)
    slots = tuple(np.ascontiguousarray(per_place[:, k]) for k in range(width))

    staircases = []
    for ci, clause in enumerate(distinct):
        places = np.flatnonzero((per_place == ci).any(axis=1)) if n else np.zeros(0, np.intp)
        mask = _clause_mask(capmat, clause)
        sel = np.arange(len(supply)) if mask is None else np.flatnonzero(mask)
        staircases.append(
            _staircase(clause, places, demand_xy, supply_xy, start, rank_of, sel, horizon, workers)
        )
    return CoverageIndex(
        demand=demand,
        supply=supply,
        districts=districts,
        horizon=float(horizon),
        requirements=requirements,
        cats=cats,
        cat_codes=cat_codes,
        dlon=dlon,
        dlat=dlat,
        demand_xy=demand_xy,
        supply_xy=supply_xy,
        capmat=capmat,
        adcode=_place_adcodes(demand, dlon, dlat, districts, workers),
        times=times,
        slots=slots,
        staircases=tuple(staircases),
    )


def _staircase(
    clause: Clause,
    places: np.ndarray,
    demand_xy: np.ndarray,
    supply_xy: np.ndarray,
    start: np.ndarray,
    rank_of: np.ndarray,
    sel: np.ndarray,
    horizon: float,
    workers: int,
) -> Staircase:
    """The staircases of ``places`` over the supply rows ``sel`` (one clause's points).

    Chunks of the chronological order double in size; in each, every place lists the
    points within its best distance so far (at most ``horizon``; the bound inclusive, as
    :func:`~dashboard.engine.coverage.nearest_within`'s) and keeps, in chronological
    order, those no farther than every earlier one. Distances are computed as the
    KD-tree computes them (``sqrt(dx*dx + dy*dy)``), so equal means equal.
    """
    xy = demand_xy[places]
    best = np.full(places.size, float(horizon))
    order = sel[np.argsort(start[sel], kind="stable")]
    owners: list[np.ndarray] = []
    rows: list[np.ndarray] = []
    dists: list[np.ndarray] = []
    lo, size = 0, FIRST_CHUNK
    while lo < order.size and places.size:
        chunk = order[lo : lo + size]
        lo, size = lo + size, size * 2
        cxy = supply_xy[chunk]
        owner, cols = _candidates(cKDTree(cxy), xy, best, workers)
        if owner.size == 0:
            continue
        ddx = xy[owner, 0] - cxy[cols, 0]
        ddy = xy[owner, 1] - cxy[cols, 1]
        d = np.sqrt(ddx * ddx + ddy * ddy)
        ok = d <= best[owner]
        owner, cols, d = owner[ok], cols[ok], d[ok]
        o = np.lexsort((cols, owner))  # chunk positions are chronological
        owner, cols, d = owner[o], cols[o], d[o]
        low = pd.Series(d).groupby(owner, sort=False).cummin().to_numpy()
        keep = d <= low  # no farther than every earlier point of the chunk
        owner, cols, d = owner[keep], cols[keep], d[keep]
        owners.append(owner)
        rows.append(chunk[cols])
        dists.append(d)
        np.minimum.at(best, owner, d)
    if owners:
        owner = np.concatenate(owners)
        row = np.concatenate(rows)
        dist = np.concatenate(dists)
        o = np.argsort(owner, kind="stable")  # chunks were appended in chronological order
        owner, row, dist = owner[o], row[o], dist[o]
        # of a run of equal distances keep the first two (enough to tell a tie)
        same = np.zeros(owner.size, dtype=bool)
        if owner.size > 2:
            same[2:] = (
                (owner[2:] == owner[:-2]) & (dist[2:] == dist[1:-1]) & (dist[1:-1] == dist[:-2])
            )
        owner, row, dist = owner[~same], row[~same], dist[~same]
    else:
        owner = np.zeros(0, dtype=np.intp)
        row = np.zeros(0, dtype=np.intp)
        dist = np.zeros(0, dtype="float64")
    ptr = np.zeros(places.size + 1, dtype=np.int64)
    np.cumsum(np.bincount(owner, minlength=places.size), out=ptr[1:])
    return Staircase(
        clause=clause,
        places=places,
        ptr=ptr,
        dist=dist,
        row=row.astype(np.int32),
        rank=rank_of[row],
    )


#: Nearest points asked of a chunk per place before listing all within its bound.
_KNN = 4


def _candidates(
    tree, xy: np.ndarray, best: np.ndarray, workers: int
) -> tuple[np.ndarray, np.ndarray]:
    """(place, tree point) pairs with the point within (about) the place's ``best``: a
    superset of those within it exactly, to be filtered on the exact distances.

    The ``_KNN`` nearest points first, asked in groups of places of similar ``best``
    (``cKDTree.query`` takes one bound, and a tight one prunes the search); a place
    whose ``_KNN``-th point is within its bound has its points listed with
    ``query_ball_point``. Most places have none or one new point per chunk, so this
    builds no Python list for them.
    """
    n, m = len(xy), tree.n
    k = min(_KNN, m)
    bound = best * (1 + 1e-9) + 1e-6
    dist = np.empty((n, k))
    idx = np.empty((n, k), dtype=np.intp)
    group = np.ceil(np.log2(np.maximum(bound, 1.0))).astype(np.int64)
    order = np.argsort(group, kind="stable")
    for part in np.split(order, np.flatnonzero(np.diff(group[order])) + 1):
        d, i = tree.query(
            xy[part], k=k, distance_upper_bound=float(bound[part].max()), workers=workers
        )
        dist[part] = np.reshape(d, (part.size, k))
        idx[part] = np.reshape(i, (part.size, k))
    hit = dist <= bound[:, None]
    over = np.flatnonzero(hit[:, -1]) if k < m else np.zeros(0, dtype=np.intp)
    hit[over] = False
    owner, col = np.nonzero(hit)
    cols = idx[owner, col]
    if over.size:
        lists = tree.query_ball_point(xy[over], bound[over], workers=workers, return_sorted=False)
        lens = np.fromiter(map(len, lists), dtype=np.intp, count=len(lists))
        extra = np.fromiter(itertools.chain.from_iterable(lists), dtype=np.intp, count=lens.sum())
        owner = np.concatenate([owner, np.repeat(over, lens)])
        cols = np.concatenate([cols, extra])
    return owner, cols


def _nearest_on(
    stairs: Staircase, in_service_rank: int | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per place of ``stairs``: the distance to its nearest point in service (``inf``: none
    within the horizon), that point's supply row, whether one was found, and whether a
    second point lies at the same distance. In service: ``rank < in_service_rank`` (None:
    every point)."""
    ptr = stairs.ptr
    if in_service_rank is None:
        count = np.diff(ptr)
    else:
        ok = stairs.rank < in_service_rank
        csum = np.zeros(ok.size + 1, dtype=np.int64)
        np.cumsum(ok, out=csum[1:])
        count = csum[ptr[1:]] - csum[ptr[:-1]]  # in service: a prefix of each staircase
    found = count > 0
    if stairs.dist.size == 0:
        m = stairs.places.size
        return np.full(m, np.inf), np.full(m, -1, dtype=np.intp), found, found
    last = np.where(found, ptr[:-1] + count - 1, 0)
    dist = np.where(found, stairs.dist[last], np.inf)
    row = np.where(found, stairs.row[last], -1).astype(np.intp)
    tie = (count >= 2) & (stairs.dist[np.maximum(last - 1, 0)] == dist)
    return dist, row, found, tie


def assess_from_index(
    index: CoverageIndex,
    standards: Standards,
    as_of: DateLike | None = None,
    districts: gpd.GeoDataFrame | None = None,
    *,
    workers: int = -1,
) -> CoverageResult:
    """:func:`~dashboard.engine.coverage.assess_coverage` of the index's demand and supply
    under ``standards`` on ``as_of``, from the index: the same :class:`CoverageResult`,
    frame for frame (``max_distance=None``: exact distances).

    ``standards`` may change any radius or weight; their requirements must be the
    index's and ``districts`` the districts it was built with.

    Raises
    ------
    ValueError
        When the standards' requirements or the districts are not the index's.
    """
    if requirement_structure(standards) != index.requirements:
        raise ValueError("the standards' requirements are not the ones the index was built for")
    if districts is not index.districts and not _same_districts(districts, index.districts):
        raise ValueError("the districts are not the ones the index was built with")
    cats, cat_codes = index.cats, index.cat_codes
    n = len(index.demand)
    radius_lut = np.array([standards[c].radius_m for c in cats], dtype="float64")
    weight_lut = np.array([standards[c].weight for c in cats], dtype="float64")
    radius = radius_lut[cat_codes] if n else np.zeros(0)
    weight = weight_lut[cat_codes] if n else np.zeros(0)

    when = None if as_of is None else pd.Timestamp(as_of)
    rank = None if when is None else int(np.searchsorted(index.times, when.value, side="right"))
    dist, near = _decided(index, standards, radius, as_of, rank, workers)
    places = _places_frame(
        index.demand,
        index.supply,
        index.dlon,
        index.dlat,
        index.adcode,
        weight,
        radius,
        dist,
        near,
    )
    table = district_coverage(places, districts, total=True)
    return CoverageResult(places, table, when)


def covered_from_index(index: CoverageIndex, standards: Standards) -> pd.Series:
    """:func:`~dashboard.engine.coverage.covered_from` of the index's demand and supply under
    ``standards``, from the index: the same Series.

    A clause is met from the first record of its staircase within the radius (records
    come in chronological order, nearer and nearer); the place from the latest of its
    clauses. A radius beyond the horizon is answered by ``covered_from`` itself.

    Raises
    ------
    ValueError
        When the standards' requirements are not the index's.
    """
    if requirement_structure(standards) != index.requirements:
        raise ValueError("the standards' requirements are not the ones the index was built for")
    cats, n = index.cats, len(index.demand)
    radius_lut = np.array([standards[c].radius_m for c in cats], dtype="float64")
    radius = radius_lut[index.cat_codes] if n else np.zeros(0)
    if n and float(radius.max()) > index.horizon:
        return covered_from(index.demand, index.supply, standards)
    always, never = pd.Timestamp.min.value, np.iinfo(np.int64).max
    since = np.full(n, never if len(index.supply) == 0 else always, dtype=np.int64)
    firsts = [_first_within(s, radius[s.places], index.times) for s in index.staircases]
    for slot in index.slots:
        for ci, stairs in enumerate(index.staircases):
            members = np.flatnonzero(slot == ci)
            if members.size:
                first = firsts[ci][np.searchsorted(stairs.places, members)]
                since[members] = np.maximum(since[members], first)
    return _as_dates(since, index.demand.index)


def _first_within(stairs: Staircase, r: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Per place of ``stairs``, the first day in service (int64 ns) of its first record
    within its radius ``r`` (int64 max: none)."""
    never = np.iinfo(np.int64).max
    ptr = stairs.ptr
    if stairs.dist.size == 0:
        return np.full(stairs.places.size, never, dtype=np.int64)
    far = stairs.dist > np.repeat(r, np.diff(ptr))  # a prefix of each staircase
    csum = np.zeros(far.size + 1, dtype=np.int64)
    np.cumsum(far, out=csum[1:])
    first = ptr[:-1] + (csum[ptr[1:]] - csum[ptr[:-1]])
    found = first < ptr[1:]
    at = times[stairs.rank[np.where(found, first, 0)]].astype(np.int64)
    return np.where(found, at, never)


#: Dates whose deciding distances an index keeps (:attr:`CoverageIndex.decided`): two
#: arrays as long as the places each, so a radius step at a page's dates reuses them.
DECIDED_DATES = 8


def _decided(
    index: CoverageIndex,
    standards: Standards,
    radius: np.ndarray,
    as_of: DateLike | None,
    rank: int | None,
    workers: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Each place's deciding distance (the worst of its clauses' nearest points in service)
    and that point's supply row on ``as_of``, kept in the index by in-service ``rank``: it
    depends on which points are in service only, not on the radii (read-only)."""
    hit = index.decided.get(rank)
    if hit is not None:
        return hit
    n = len(index.demand)
    answers = [_nearest_on(s, rank) for s in index.staircases]

    # the clauses in requirement order, the worst decides (the first of equals, as the engine)
    dist = np.full(n, -np.inf)
    near = np.full(n, -1, dtype=np.intp)
    tie = np.zeros(n, dtype=bool)
    redo = np.zeros(n, dtype=bool)
    for slot in index.slots:
        d_k = np.full(n, -np.inf)
        i_k = np.full(n, -1, dtype=np.intp)
        t_k = np.zeros(n, dtype=bool)
        for ci, stairs in enumerate(index.staircases):
            members = np.flatnonzero(slot == ci)
            if members.size == 0:
                continue
            pos = np.searchsorted(stairs.places, members)
            d, i, found, t = answers[ci]
            d_k[members], i_k[members], t_k[members] = d[pos], i[pos], t[pos]
            redo[members[~found[pos]]] = True  # beyond the horizon on this date
        worse = d_k > dist
        dist = np.where(worse, d_k, dist)
        near = np.where(worse, i_k, near)
        tie = np.where(worse, t_k, tie)
    redo |= tie
    if redo.any():
        rows = np.flatnonzero(redo)
        dist[rows], near[rows] = _search(index, standards, rows, radius, as_of, workers)
    dist.setflags(write=False)  # shared by every radius step on this date
    near.setflags(write=False)
    while len(index.decided) >= DECIDED_DATES:  # the oldest first
        index.decided.pop(next(iter(index.decided)), None)
    index.decided[rank] = (dist, near)
    return dist, near


def _search(
    index: CoverageIndex,
    standards: Standards,
    rows: np.ndarray,
    radius: np.ndarray,
    as_of: DateLike | None,
    workers: int,
) -> tuple[np.ndarray, np.ndarray]:
    """The engine's own search for the places ``rows``, over the points in service on
    ``as_of`` (the same points, coordinates and capabilities ``place_coverage`` uses)."""
    s_all = np.flatnonzero(in_service(index.supply, as_of))
    capmat = None if index.capmat is None else index.capmat[s_all]
    return _nearest_qualifying(
        index.demand_xy[rows],
        index.cat_codes[rows],
        index.cats,
        radius[rows],
        standards,
        s_all,
        index.supply_xy[s_all],
        capmat,
        None,
        workers,
    )


def _same_districts(a: gpd.GeoDataFrame | None, b: gpd.GeoDataFrame | None) -> bool:
    if a is None or b is None:
        return a is b
    return len(a) == len(b) and bool(
        (a["adcode"].astype(str).to_numpy() == b["adcode"].astype(str).to_numpy()).all()
        and a.geometry.geom_equals_exact(b.geometry, 0).all()
    )
