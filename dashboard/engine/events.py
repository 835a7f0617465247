"""Events and exhibitions: when they happen and how ready payments are around their venues.

Pure functions on DataFrames (no Streamlit); the Events page, tests and any CLI call
the same ones.

Definitions
-----------
*Site* of an event: its venue's coordinates when ``venue_id`` names a row of the venues
layer, else the event's own ``lon``/``lat``.

*Status* against a reference date :math:`t` (the shared as-of date, or today):
``ongoing`` when :math:`\\text{start} \\le t \\le \\text{end}`, ``upcoming`` when
:math:`t < \\text{start}`, ``past`` when :math:`\\text{end} < t`.

*Payment readiness* of an event with site :math:`v` and start date :math:`s`, for a
readiness radius :math:`R` (default 2 km):

.. math::

    N_v = \\{ i : \\lVert p_i - v \\rVert \\le R \\}, \\qquad
    \\text{readiness} = \\frac{\\#\\{ i \\in N_v : \\text{covered}_i(s) \\}}{\\# N_v}

where :math:`\\text{covered}_i(s)` is the coverage engine's answer
(:func:`dashboard.engine.coverage.place_coverage`) for key location :math:`i` under the service
standards in effect, counting only payment points in service on :math:`s`. NaN when
no key location lies within :math:`R`. *Venue points*: payment points in service on
:math:`s` within ``venue_radius_m`` (default 500 m) of the site. *Gaps*: the uncovered
key locations of :math:`N_v`, each with the distance to the nearest qualifying point.

Coverage is computed once per distinct start date, only for the key locations that lie
within :math:`R` of some site; neighbourhoods are sparse site × place matrices, so the
per-event counts are one sparse product.

*Major events*: the four series of :data:`dashboard.core.model.MAJOR_EVENTS` (the events
layer's ``major_event`` key). :func:`major_event_readiness` gives one row per edition with
its readiness as of its own start date, the change from the series' previous edition and
the same neighbourhood's readiness as of a reference date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import cast

import numpy as np
import pandas as pd
from scipy import sparse

# scipy has no type stub for its compiled _ckdtree module
from scipy.spatial import cKDTree  # pyright: ignore[reportAttributeAccessIssue]

from dashboard.core.model import MAJOR_EVENTS
from dashboard.core.standards import Standards
from dashboard.engine.coverage import (
    covered_from,
    in_service,
    in_service_from,
    place_coverage,
    project_lonlat,
)

#: Default readiness radius around a venue (metres).
DEFAULT_RADIUS_M = 2000.0
#: Default radius for "payment points at the venue" (metres).
DEFAULT_VENUE_RADIUS_M = 500.0
#: Status codes, in display order.
STATUSES = ("ongoing", "upcoming", "past")

#: Columns of :func:`event_readiness`'s answer (besides the event's own columns).
READINESS_COLUMNS = (
    "site_lon",
    "site_lat",
    "venue_found",
    "nearby",
    "covered",
    "gaps",
    "readiness",
    "venue_points",
)


# --------------------------------------------------------------------------- sites


def event_sites(events: pd.DataFrame, venues: pd.DataFrame | None) -> pd.DataFrame:
    """Where each event happens: its venue's coordinates, else its own.

    Returns
    -------
    DataFrame
        Indexed like ``events``: ``site_lon``, ``site_lat``, ``venue_found`` (bool),
        ``venue_name_zh``, ``venue_name_en`` (empty when the venue is not found).
    """
    lon = events["lon"].to_numpy(dtype="float64").copy()
    lat = events["lat"].to_numpy(dtype="float64").copy()
    vzh = np.full(len(events), "", dtype=object)
    ven = np.full(len(events), "", dtype=object)
    found = np.zeros(len(events), dtype=bool)
    if venues is not None and len(venues) and "venue_id" in events.columns:
        v = venues.drop_duplicates("id").set_index(venues["id"].astype(str).str.strip())
        vid = events["venue_id"].astype("string").str.strip().fillna("")
        pos = v.index.get_indexer(vid.to_numpy(dtype=object))
        found = pos >= 0
        take = pos[found]
        lon[found] = v["lon"].to_numpy(dtype="float64")[take]
        lat[found] = v["lat"].to_numpy(dtype="float64")[take]
        vzh[found] = v["name_zh"].astype(str).to_numpy()[take]
        ven[found] = v["name_en"].astype(str).to_numpy()[take]
    return pd.DataFrame(
        {
            "site_lon": lon,
            "site_lat": lat,
            "venue_found": found,
            "venue_name_zh": vzh,
            "venue_name_en": ven,
        },
        index=events.index,
    )


# --------------------------------------------------------------------------- status, order


def _day(value: date | str) -> pd.Timestamp:
    return pd.Timestamp(value).normalize()


def event_status(events: pd.DataFrame, ref: date | pd.Timestamp | str) -> pd.Series:
    """``ongoing`` / ``upcoming`` / ``past`` of each event against the reference date.

    Dates are compared by calendar day; an event ending on ``ref`` is still ongoing.
    A missing ``end_date`` counts as a one-day event.
    """
    t = _day(ref)
    start = pd.to_datetime(events["start_date"]).dt.normalize()
    end = pd.to_datetime(events["end_date"]).dt.normalize().fillna(start)
    status = np.where(start > t, "upcoming", np.where(end < t, "past", "ongoing"))
    return pd.Series(status, index=events.index, dtype=object, name="status")


def order_events(
    events: pd.DataFrame, ref: date | pd.Timestamp | str, *, major_first: bool = False
) -> pd.DataFrame:
    """Events with a ``status`` column, what matters next first.

    Order: ongoing events (ending soonest first), then upcoming ones (starting soonest
    first), then past ones (most recent first: latest end, then latest start). With
    ``major_first``, within each of the three the editions of the four major events
    (:func:`major_key`) come before the others. Ties break on ``id`` so the order is
    stable.
    """
    out = events.copy()
    out["status"] = event_status(events, ref)
    if out.empty:
        return out
    start = pd.to_datetime(out["start_date"]).dt.normalize()
    end = pd.to_datetime(out["end_date"]).dt.normalize().fillna(start)
    rank = out["status"].map({s: k for k, s in enumerate(STATUSES)}).to_numpy()
    day = np.int64(86_400_000_000_000)
    start_ns = start.to_numpy(dtype="datetime64[ns]").astype(np.int64) // day
    end_ns = end.to_numpy(dtype="datetime64[ns]").astype(np.int64) // day
    # one ascending key per group: ongoing by end, upcoming by start, past by -end, -start
    k1 = np.select([rank == 0, rank == 1], [end_ns, start_ns], -end_ns)
    k2 = np.select([rank == 0, rank == 1], [start_ns, end_ns], -start_ns)
    minor = (major_key(out) == "").to_numpy().astype(np.int64) if major_first else 0
    keys = pd.DataFrame(
        {
            "rank": rank,
            "minor": minor,
            "k1": k1,
            "k2": k2,
            "id": out["id"].astype(str).to_numpy(),
        },
        index=out.index,
    )
    order = keys.sort_values(["rank", "minor", "k1", "k2", "id"], kind="stable").index
    return out.loc[order]


def major_key(events: pd.DataFrame) -> pd.Series:
    """The major-event series key of each event (:data:`MAJOR_EVENTS`); ``""`` for the
    other events, for unknown keys and when the layer has no ``major_event`` column."""
    if "major_event" not in events.columns:
        return pd.Series("", index=events.index, dtype=object, name="major_event")
    key = events["major_event"].astype("string").str.strip().fillna("")
    key = key.where(key.isin(list(MAJOR_EVENTS)), "")
    return pd.Series(key.to_numpy(dtype=object), index=events.index, name="major_event")


def filter_events(
    events: pd.DataFrame,
    *,
    years: list[int] | tuple[int, ...] | None = None,
    categories: list[str] | tuple[str, ...] | None = None,
    district: str | None = None,
    major_only: bool = False,
) -> pd.DataFrame:
    """Events overlapping any of ``years``, of any of ``categories``, in ``district``;
    with ``major_only``, only editions of the four major events (:func:`major_key`).

    ``None`` (or ``"all"`` for the district) means no filter on that field; an empty
    list keeps nothing. An event spanning New Year belongs to both years.
    """
    keep = np.ones(len(events), dtype=bool)
    if major_only:
        keep &= (major_key(events) != "").to_numpy()
    if years is not None:
        y0 = pd.to_datetime(events["start_date"]).dt.year.to_numpy()
        end_year = cast("pd.Series[float]", pd.to_datetime(events["end_date"]).dt.year)  # NaT→NaN
        y1 = end_year.fillna(pd.Series(y0, index=events.index)).to_numpy()
        hit = np.zeros(len(events), dtype=bool)
        for y in years:
            hit |= (y0 <= int(y)) & (y1 >= int(y))
        keep &= hit
    if categories is not None:
        keep &= events["category"].astype(str).isin(list(categories)).to_numpy()
    if district not in (None, "all"):
        keep &= (events["adcode"].astype(str) == str(district)).to_numpy()
    return events[keep]


def event_years(events: pd.DataFrame) -> list[int]:
    """Every calendar year touched by some event, ascending."""
    if events.empty:
        return []
    y0 = pd.to_datetime(events["start_date"]).dt.year
    y1 = pd.to_datetime(events["end_date"]).dt.year.fillna(y0)
    return sorted({int(y) for a, b in zip(y0, y1) for y in range(int(a), int(b) + 1)})


# --------------------------------------------------------------------------- neighbourhoods


def _xy(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    x, y = project_lonlat(lon, lat)
    return np.column_stack([x, y]) if len(x) else np.zeros((0, 2))


@dataclass(frozen=True)
class PointSet:
    """Points projected to metres (``xy``, one row per row of their frame) with their
    KD-tree, built once: a caller that keeps one per layer saves the projection and the
    tree of every :func:`neighbours` search (a radius step at 100k places)."""

    xy: np.ndarray
    tree: cKDTree | None  #: None when there are no points


def point_set(frame: pd.DataFrame) -> PointSet:
    """The :class:`PointSet` of ``frame``'s ``lon``/``lat`` (WGS-84), in its row order."""
    xy = _xy(frame["lon"].to_numpy("float64"), frame["lat"].to_numpy("float64"))
    return PointSet(xy, cKDTree(xy) if len(xy) else None)


def neighbours(
    site_xy: np.ndarray, point_xy: np.ndarray | PointSet, radius_m: float
) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
    """Which points lie within ``radius_m`` (inclusive) of each site; the points as
    projected coordinates or a :class:`PointSet` (its tree reused).

    Returns
    -------
    (mask, dist)
        Sparse ``sites × points`` matrices: ``mask`` holds 1 where the point is within
        the radius; ``dist`` the distance in metres there (stored explicitly, also 0).
    """
    points = point_xy if isinstance(point_xy, PointSet) else None
    point_xy = points.xy if points is not None else cast(np.ndarray, point_xy)
    n_s, n_p = site_xy.shape[0], point_xy.shape[0]
    if n_s == 0 or n_p == 0:
        empty = sparse.csr_matrix((n_s, n_p), dtype=np.int64)
        return empty, sparse.csr_matrix((n_s, n_p), dtype="float64")
    tree = points.tree if points is not None and points.tree is not None else cKDTree(point_xy)
    lists = tree.query_ball_point(site_xy, r=float(radius_m) * (1 + 1e-9) + 1e-6)
    rows = np.repeat(np.arange(n_s), [len(x) for x in lists])
    cols = np.fromiter((j for x in lists for j in x), dtype=np.intp, count=rows.size)
    d = np.hypot(*(site_xy[rows] - point_xy[cols]).T) if rows.size else np.zeros(0)
    ok = d <= float(radius_m)
    rows, cols, d = rows[ok], cols[ok], d[ok]
    mask = sparse.csr_matrix((np.ones(rows.size, dtype=np.int64), (rows, cols)), (n_s, n_p))
    dist = sparse.csr_matrix((d, (rows, cols)), (n_s, n_p))
    return mask, dist


# --------------------------------------------------------------------------- readiness


def event_readiness(
    events: pd.DataFrame,
    venues: pd.DataFrame | None,
    key_locations: pd.DataFrame,
    payments: pd.DataFrame,
    standards: Standards,
    *,
    radius_m: float = DEFAULT_RADIUS_M,
    venue_radius_m: float = DEFAULT_VENUE_RADIUS_M,
    key_points: PointSet | None = None,
    payment_points: PointSet | None = None,
    covered_since: pd.Series | np.ndarray | None = None,
) -> pd.DataFrame:
    """Payment readiness around each event's venue as of its start date.

    See the module docstring for the definitions. Coverage is assessed once per distinct
    start date and only for key locations within ``radius_m`` of some site.

    Parameters
    ----------
    events : DataFrame
        ``id``, ``start_date``, ``end_date``, ``lon``, ``lat``; ``venue_id`` optional.
    venues : DataFrame, optional
        ``id``, ``lon``, ``lat``, ``name_zh``, ``name_en``.
    key_locations, payments, standards
        As for :func:`dashboard.engine.coverage.place_coverage`.
    radius_m : float
        Readiness radius :math:`R` around the site.
    venue_radius_m : float
        Radius for counting payment points at the venue.
    key_points, payment_points : PointSet, optional
        :func:`point_set` of ``key_locations`` / ``payments`` when the caller keeps them
        (else projected here).
    covered_since : Series or array, optional
        :func:`~dashboard.engine.coverage.covered_from` of every row of
        ``key_locations`` under ``standards`` and ``payments`` when the caller has it (a
        coverage index answers it without a search); else searched here, for the places
        near some site only. The answer is the same.

    Returns
    -------
    DataFrame
        ``events`` (same index and order) with :data:`READINESS_COLUMNS` and the venue
        names (``venue_name_zh``, ``venue_name_en``) appended. ``readiness`` is NaN
        where ``nearby`` is 0.
    """
    if radius_m <= 0 or venue_radius_m <= 0:
        raise ValueError("radii must be positive")
    if pd.to_datetime(events["start_date"]).isna().any():
        raise ValueError("every event needs a start_date (drop undated events first)")
    sites = event_sites(events, venues)
    out = events.copy()
    for c in sites.columns:
        out[c] = sites[c].to_numpy()
    n = len(events)
    if n == 0:
        for c in ("nearby", "covered", "gaps", "venue_points"):
            out[c] = pd.Series(dtype="int64")
        out["readiness"] = pd.Series(dtype="float64")
        return out

    # distinct sites and dates: every matrix below is sites × something or dates × something
    site_key = pd.MultiIndex.from_arrays([sites["site_lon"], sites["site_lat"]])
    site_code, site_uniq = pd.factorize(site_key)
    s_lon = np.array([p[0] for p in site_uniq], dtype="float64")
    s_lat = np.array([p[1] for p in site_uniq], dtype="float64")
    site_xy = _xy(s_lon, s_lat)
    start = pd.to_datetime(events["start_date"]).dt.normalize()
    date_code, date_uniq = pd.factorize(start, sort=True)

    # key locations near some site, covered as of each distinct start date
    near, _ = neighbours(site_xy, key_points or point_set(key_locations), radius_m)
    used = np.flatnonzero(np.asarray(near.sum(axis=0)).ravel() > 0)
    near = near[:, used]
    covered = np.zeros((used.size, len(date_uniq)), dtype=np.int64)
    if used.size:
        # coverage only grows with time: one search answers every start date
        if covered_since is not None:
            since = np.asarray(covered_since, dtype="datetime64[ns]")[used]
        else:
            since = covered_from(key_locations.iloc[used], payments, standards).to_numpy()
        covered[:] = since[:, None] <= date_uniq.to_numpy()[None, :]
    nearby = np.asarray(near.sum(axis=1)).ravel()[site_code]
    cov_counts = np.asarray(near @ covered)[site_code, date_code] if used.size else np.zeros(n)

    # payment points within the venue radius, in service on each start date
    pnear, _ = neighbours(site_xy, payment_points or point_set(payments), venue_radius_m)
    pused = np.flatnonzero(np.asarray(pnear.sum(axis=0)).ravel() > 0)
    if pused.size:
        # in service on each start date (in_service's rule, for all dates at once)
        since = in_service_from(payments.iloc[pused])
        active = (since[:, None] <= date_uniq.to_numpy()[None, :]).astype(np.int64)
        vp = np.asarray(pnear[:, pused] @ active)[site_code, date_code]
    else:
        vp = np.zeros(n, dtype=np.int64)

    out["nearby"] = nearby.astype(np.int64)
    out["covered"] = np.asarray(cov_counts, dtype=np.int64)
    out["gaps"] = out["nearby"] - out["covered"]
    with np.errstate(invalid="ignore", divide="ignore"):
        out["readiness"] = np.where(nearby > 0, out["covered"] / np.maximum(nearby, 1), np.nan)
    out["venue_points"] = np.asarray(vp, dtype=np.int64)
    return out


def event_places(
    event: pd.Series | dict,
    venues: pd.DataFrame | None,
    key_locations: pd.DataFrame,
    payments: pd.DataFrame,
    standards: Standards,
    *,
    radius_m: float = DEFAULT_RADIUS_M,
    key_points: PointSet | None = None,
) -> pd.DataFrame:
    """The key locations within ``radius_m`` of one event's site, as of its start date
    (``key_points``: :func:`point_set` of ``key_locations``, when the caller keeps it).

    Returns
    -------
    DataFrame
        The key-location rows near the site (their own columns, e.g. names), with the
        coverage engine's ``covered``, ``distance_m`` (to the nearest qualifying point,
        ``inf`` if none), ``nearest_id``, ``radius_m`` (the category's standard radius)
        and ``to_venue_m`` (distance to the site); nearest to the venue first.
        Its ``covered`` count equals :func:`event_readiness`'s for the same event.
    """
    ev = pd.DataFrame([dict(event)])
    site = event_sites(ev, venues).iloc[0]
    site_xy = _xy(np.array([site["site_lon"]]), np.array([site["site_lat"]]))
    _, dist = neighbours(site_xy, key_points or point_set(key_locations), radius_m)
    dist = dist.tocoo()
    cols, d = dist.col, dist.data
    demand = key_locations.iloc[cols]
    pc = place_coverage(
        demand, payments, standards, as_of=pd.Timestamp(ev["start_date"].iloc[0]).normalize()
    )
    out = demand.copy()
    for c in ("covered", "distance_m", "nearest_id", "radius_m"):
        out[c] = pc[c].to_numpy()
    out["to_venue_m"] = d
    return out.sort_values(["to_venue_m", "id"], kind="stable")


def event_gaps(places: pd.DataFrame, payments: pd.DataFrame | None = None) -> pd.DataFrame:
    """The uncovered places of :func:`event_places`, nearest to the venue first.

    Adds ``shortfall_m`` (how much farther than the standard radius the nearest
    qualifying point is; ``inf`` if none) and, given ``payments``, the nearest point's
    names (``nearest_name_zh``, ``nearest_name_en``).
    """
    gaps = places[~places["covered"].to_numpy(dtype=bool)].copy()
    gaps["shortfall_m"] = gaps["distance_m"] - gaps["radius_m"]
    if payments is not None and len(gaps):
        wanted = gaps["nearest_id"].astype(str).to_numpy(dtype=object)
        # only the rows of the points named (a few hundred of 50k), first of each id
        ids = payments["id"].astype(str)
        named = payments[ids.isin(pd.unique(wanted)).to_numpy()]
        first = named.drop_duplicates("id")
        names = first.set_index(first["id"].astype(str))
        pos = names.index.get_indexer(wanted)
        for c in ("name_zh", "name_en"):
            vals = names[c].astype(str).to_numpy()
            gaps[f"nearest_{c}"] = np.where(pos >= 0, vals[np.maximum(pos, 0)], "")
    return gaps


def venue_payments(
    event: pd.Series | dict,
    venues: pd.DataFrame | None,
    payments: pd.DataFrame,
    radius_m: float,
    payment_points: PointSet | None = None,
) -> pd.DataFrame:
    """Payment points in service on the event's start date within ``radius_m`` of its site
    (``payment_points``: :func:`point_set` of ``payments``, when the caller keeps it).

    Adds ``to_venue_m``; nearest first.
    """
    ev = pd.DataFrame([dict(event)])
    site = event_sites(ev, venues).iloc[0]
    site_xy = _xy(np.array([site["site_lon"]]), np.array([site["site_lat"]]))
    active = in_service(payments, pd.Timestamp(ev["start_date"].iloc[0]).normalize())
    _, dist = neighbours(site_xy, payment_points or point_set(payments), radius_m)
    dist = dist.tocoo()
    keep = active[dist.col]
    out = payments.iloc[dist.col[keep]].copy()
    out["to_venue_m"] = dist.data[keep]
    return out.sort_values(["to_venue_m", "id"], kind="stable")


# --------------------------------------------------------------------------- major events

#: Columns of :func:`major_event_readiness`'s answer, in order.
MAJOR_READINESS_COLUMNS = (
    "major_event",
    "edition",
    "id",
    "name_zh",
    "name_en",
    "start_date",
    "end_date",
    "status",
    "venue_id",
    "venue_name_zh",
    "venue_name_en",
    "venue_found",
    "adcode",
    "site_lon",
    "site_lat",
    "nearby",
    "covered",
    "gaps",
    "readiness",
    "venue_points",
    "change",
    "covered_as_of",
    "readiness_as_of",
    "venue_points_as_of",
)


def _reference_day(payments: pd.DataFrame, as_of: date | pd.Timestamp | str | None) -> pd.Timestamp:
    """``as_of`` as a day; ``None``: the latest in-service date in ``payments`` (every
    point of the data in service), or today when no point has a date."""
    if as_of is not None:
        return _day(as_of)
    latest = pd.NaT
    if "in_service_date" in payments.columns and len(payments):
        latest = pd.to_datetime(payments["in_service_date"], errors="coerce").max()
    return _day(date.today()) if pd.isna(latest) else pd.Timestamp(latest).normalize()


def major_event_readiness(
    events: pd.DataFrame,
    venues: pd.DataFrame | None,
    key_locations: pd.DataFrame,
    payments: pd.DataFrame,
    standards: Standards,
    *,
    radius_m: float = DEFAULT_RADIUS_M,
    venue_radius_m: float = DEFAULT_VENUE_RADIUS_M,
    as_of: date | pd.Timestamp | str | None = None,
) -> pd.DataFrame:
    """Payment readiness around each major event's venue, edition by edition.

    The editions are the dated events whose ``major_event`` names one of the four series
    (:data:`MAJOR_EVENTS`). Each is measured with :func:`event_readiness` (key locations
    within ``radius_m`` of its venue covered under ``standards`` by the payment points in
    service on its start date), and its neighbourhood once more as of ``as_of``.

    Parameters
    ----------
    events, venues, key_locations, payments, standards, radius_m, venue_radius_m
        As for :func:`event_readiness`; events without a ``major_event`` key or without a
        start date are left out.
    as_of : date, optional
        The reference date: of ``status`` and of the ``*_as_of`` columns. ``None``: every
        payment point of the data (the latest in-service date).

    Returns
    -------
    DataFrame
        One row per (series, edition), series in :data:`MAJOR_EVENTS` order, editions by
        start date; columns :data:`MAJOR_READINESS_COLUMNS`: ``edition`` (the start year),
        ``status`` against the reference date, ``nearby`` / ``covered`` / ``gaps`` /
        ``readiness`` / ``venue_points`` as of the edition's start date, ``change`` (its
        readiness minus the series' previous edition's; NaN for the first or when either
        is undefined), and ``covered_as_of`` / ``readiness_as_of`` / ``venue_points_as_of``
        for the same neighbourhood as of the reference date. Index 0…n-1.
    """
    key = major_key(events)
    dated = pd.to_datetime(events["start_date"]).notna().to_numpy()
    majors = events[(key != "").to_numpy() & dated].copy()
    majors["major_event"] = key[(key != "").to_numpy() & dated].to_numpy()
    if "venue_id" not in majors.columns:
        majors["venue_id"] = pd.NA
    order = {k: i for i, k in enumerate(MAJOR_EVENTS)}
    majors = majors.assign(_s=majors["major_event"].map(order)).sort_values(
        ["_s", "start_date", "id"], kind="stable"
    )
    majors = majors.drop(columns="_s").reset_index(drop=True)
    ready = event_readiness(
        majors,
        venues,
        key_locations,
        payments,
        standards,
        radius_m=radius_m,
        venue_radius_m=venue_radius_m,
    )
    ref = _reference_day(payments, as_of)
    later = event_readiness(
        majors.assign(start_date=ref),
        venues,
        key_locations,
        payments,
        standards,
        radius_m=radius_m,
        venue_radius_m=venue_radius_m,
    )
    out = ready.copy()
    out["edition"] = pd.to_datetime(out["start_date"]).dt.year.astype("int64")
    out["status"] = event_status(out, ref) if len(out) else pd.Series(dtype=object)
    out["change"] = out["readiness"] - out.groupby("major_event")["readiness"].shift(1)
    out["covered_as_of"] = later["covered"].to_numpy(dtype=np.int64)
    out["readiness_as_of"] = later["readiness"].to_numpy(dtype="float64")
    out["venue_points_as_of"] = later["venue_points"].to_numpy(dtype=np.int64)
    return out[list(MAJOR_READINESS_COLUMNS)].reset_index(drop=True)
