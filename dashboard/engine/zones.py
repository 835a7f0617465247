"""Coverage by any boundary set: places in zones, and the per-district table by zone.

A boundary set (:mod:`loaders.boundaries`: subdistricts, planning zones) is a
GeoDataFrame of zones with ``zone_id``, ``name_zh``, ``name_en``, ``adcode`` (the district
holding most of the zone) and polygons in WGS-84. :func:`zone_index` puts each place in
exactly one zone, or in none; :func:`coverage_by` then aggregates the places of a
:class:`~dashboard.engine.coverage.CoverageResult` per zone with the very function that
makes the per-district table (:func:`~dashboard.engine.coverage.district_coverage`), so
the columns and the numbers are the same concept in one home. Places in no zone form an
explicit :data:`OUTSIDE` row, so the rows always add up: all zones and that row to the
city, and a district's drill-down (``district=``) to the district's own row, whatever the
zones (they need not follow the district lines). Pure: no I/O, no Streamlit.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from dashboard.engine.accessibility import district_accessibility
from dashboard.engine.compare import COMPARISON_COLUMNS, RANK_METRICS, rank_table
from dashboard.engine.coverage import (
    CITY_ADCODE,
    CITY_NAME,
    DISTRICT_COLUMNS,
    CoverageResult,
    district_coverage,
)

#: ``zone_id`` of the row of places that lie in no zone of the set.
OUTSIDE = "outside"
OUTSIDE_NAME = ("不在任何分区内", "Outside any zone")
#: Columns of :func:`coverage_by`: the zone, then the per-district table's columns
#: (``adcode`` is the zone's district; the last row is the total).
ZONE_COLUMNS = ("zone_id", *DISTRICT_COLUMNS)
#: Columns of :func:`zone_comparison`: the comparison table's, with the zone.
ZONE_COMPARISON_COLUMNS = ("rank", "zone_id", *(c for c in COMPARISON_COLUMNS if c != "rank"))


def zone_index(
    lon: np.ndarray,
    lat: np.ndarray,
    zones: gpd.GeoDataFrame,
    prefer: np.ndarray | None = None,
) -> np.ndarray:
    """Row position in ``zones`` of the one zone holding each point (``-1``: none).

    Vectorised: the points are sorted by longitude once, so each zone's candidates (the
    points in its bounding box) are a binary search and a latitude test away;
    ``shapely.contains_xy`` tests them against the prepared zone, and a point inside no
    zone is tested again with ``intersects_xy`` (a point on an edge belongs to a zone
    too). One pass per zone, none per point: 1M points in ~100 zones take well under a
    second. A point in several zones (overlapping zones, a shared edge) takes one of
    them: first one whose ``adcode`` is the point's own district in ``prefer`` (its
    adcode, when given), then the earliest in the set's order. So every point is in
    exactly one zone or in none.
    """
    lon = np.asarray(lon, dtype="float64")
    lat = np.asarray(lat, dtype="float64")
    n = len(lon)
    out = np.full(n, -1, dtype=np.int64)
    geoms = np.asarray(zones.geometry.values, dtype=object)
    if n == 0 or len(geoms) == 0:
        return out
    ok = np.flatnonzero(~(shapely.is_missing(geoms) | shapely.is_empty(geoms)))
    shapely.prepare(geoms[ok])
    order = np.argsort(lon, kind="stable")
    slon, slat = lon[order], lat[order]
    bounds = shapely.bounds(geoms)
    cand_p: list[np.ndarray] = []
    cand_z: list[np.ndarray] = []
    for k in ok:  # one step per zone: candidates by binary search, then the exact test
        x0, y0, x1, y1 = bounds[k]
        a, b = np.searchsorted(slon, x0, "left"), np.searchsorted(slon, x1, "right")
        idx = np.flatnonzero((slat[a:b] >= y0) & (slat[a:b] <= y1)) + a
        cand_p.append(idx)
        cand_z.append(np.full(len(idx), k, dtype=np.int64))
    pi = np.concatenate(cand_p)
    zi = np.concatenate(cand_z)
    hit = np.zeros(len(pi), dtype=bool)
    start = 0
    for k, idx in zip(ok, cand_p, strict=True):
        stop = start + len(idx)
        if len(idx):
            hit[start:stop] = shapely.contains_xy(geoms[k], slon[idx], slat[idx])
        start = stop
    inside = np.zeros(n, dtype=bool)
    inside[pi[hit]] = True
    edge = np.flatnonzero(~hit & ~inside[pi])  # pairs of points in no zone's interior
    if edge.size:
        hit[edge] = shapely.intersects_xy(geoms[zi[edge]], slon[pi[edge]], slat[pi[edge]])
    pi = order[pi]  # positions in the sorted arrays → the caller's
    pi, zi = pi[hit], zi[hit]
    if prefer is not None:
        zone_ad = zones["adcode"].astype(str).to_numpy(dtype=object)
        other = zone_ad[zi] != np.asarray(prefer, dtype=object).astype(str)[pi]
    else:
        other = np.zeros(len(pi), dtype=bool)
    order = np.lexsort((zi, other, pi))
    pi, zi = pi[order], zi[order]
    first = np.r_[True, pi[1:] != pi[:-1]] if len(pi) else np.zeros(0, dtype=bool)
    out[pi[first]] = zi[first]
    return out


def assign_zones(places: pd.DataFrame, zones: gpd.GeoDataFrame) -> np.ndarray:
    """The ``zone_id`` of each place (``lon``, ``lat``; ``adcode`` breaks ties, see
    :func:`zone_index`), :data:`OUTSIDE` for a place in no zone."""
    prefer = places["adcode"].astype(str).to_numpy() if "adcode" in places.columns else None
    idx = zone_index(
        places["lon"].to_numpy(dtype="float64"),
        places["lat"].to_numpy(dtype="float64"),
        zones,
        prefer,
    )
    ids = zones["zone_id"].astype(str).to_numpy(dtype=object)
    return np.where(idx >= 0, ids[np.maximum(idx, 0)] if len(ids) else OUTSIDE, OUTSIDE)


def _zone_table(zones: gpd.GeoDataFrame | pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "zone_id": zones["zone_id"].astype(str).to_numpy(),
            "name_zh": zones["name_zh"].astype(str).to_numpy(),
            "name_en": zones["name_en"].astype(str).to_numpy(),
            "adcode": zones["adcode"].astype(str).to_numpy(),
        }
    )


def zone_key(zones: gpd.GeoDataFrame | pd.DataFrame) -> pd.DataFrame:
    """The rows a per-zone table is counted by: each zone (its ``zone_id`` in the
    ``adcode`` column that :func:`~dashboard.engine.coverage.district_coverage` groups
    by) and the :data:`OUTSIDE` row."""
    zt = _zone_table(zones)
    return pd.DataFrame(
        {
            "adcode": [*zt["zone_id"], OUTSIDE],
            "name_zh": [*zt["name_zh"], OUTSIDE_NAME[0]],
            "name_en": [*zt["name_en"], OUTSIDE_NAME[1]],
        }
    )


def as_zone_table(
    table: pd.DataFrame, zones: gpd.GeoDataFrame | pd.DataFrame, outside_adcode: str = ""
) -> pd.DataFrame:
    """A per-district table counted by :func:`zone_key` (city total last) as the per-zone
    table: ``zone_id`` first, each zone's district in ``adcode``, :data:`ZONE_COLUMNS`."""
    zt = _zone_table(zones)
    table = table.copy()
    table.insert(0, "zone_id", table["adcode"].to_numpy())
    table["adcode"] = [*zt["adcode"], outside_adcode, CITY_ADCODE]
    table.loc[len(table) - 1, ["name_zh", "name_en"]] = list(CITY_NAME)
    return table[list(ZONE_COLUMNS)].reset_index(drop=True)


def coverage_by(
    result: CoverageResult | pd.DataFrame,
    zones: gpd.GeoDataFrame | None,
    *,
    district: str | None = None,
    zone_of: np.ndarray | None = None,
    names: tuple[str, str] | None = None,
) -> pd.DataFrame:
    """Coverage per zone: the per-district table's columns and numbers, by zone.

    Parameters
    ----------
    result : CoverageResult or DataFrame
        The answer of :func:`~dashboard.engine.coverage.assess_coverage` (or its
        ``places``).
    zones : GeoDataFrame, optional
        The boundary set; None gives the per-district table itself (the districts are
        the default set).
    district : str, optional
        A district's drill-down: only the places of that district (their ``adcode``, as
        in the district's own row), by zone: the zones of the district and any other
        zone holding some of its places. The total row is the district's.
    zone_of : array, optional
        :func:`assign_zones` of the places, when the caller has it (cached).
    names : (str, str), optional
        The total row's names (zh, en) for a drill-down; taken from ``result`` when it
        is a :class:`CoverageResult`.

    Returns
    -------
    DataFrame with :data:`ZONE_COLUMNS`: one row per zone (in the set's order), the
    :data:`OUTSIDE` row (always present, demand 0 when every place is in a zone) and the
    total last (``zone_id`` and ``adcode`` ``110000`` for the city, the district's adcode
    for a drill-down). The rows before the total add up to it in ``demand``,
    ``demand_weight``, ``covered``, ``covered_weight`` and ``uncovered``.
    """
    places = result.places if isinstance(result, CoverageResult) else result
    if zones is None:
        if district is not None or not isinstance(result, CoverageResult):
            raise ValueError("coverage_by without zones needs the whole CoverageResult")
        return result.districts
    zt = _zone_table(zones)
    ids = assign_zones(places, zones) if zone_of is None else np.asarray(zone_of, dtype=object)
    if len(ids) != len(places):
        raise ValueError(f"{len(ids)} zone ids for {len(places)} places")
    if district is not None:
        here = places["adcode"].astype(str).to_numpy() == str(district)
        places, ids = places[here], ids[here]
        zt = zt[(zt["adcode"] == str(district)) | zt["zone_id"].isin(pd.unique(ids))]
    outside_ad = "" if district is None else str(district)
    key = zone_key(zt)
    table = district_coverage(places.assign(adcode=ids), key, total=True)
    table = as_zone_table(table, zt, outside_ad)
    if district is not None:
        last = len(table) - 1
        if names is None and isinstance(result, CoverageResult):
            row = result.districts[result.districts["adcode"].astype(str) == str(district)]
            names = (str(row["name_zh"].iloc[0]), str(row["name_en"].iloc[0])) if len(row) else None
        zh, en = names or (str(district), str(district))
        table.loc[last, ["zone_id", "adcode", "name_zh", "name_en"]] = [district, district, zh, en]
    return table


def zone_comparison(
    now: CoverageResult,
    start: CoverageResult,
    scores: pd.DataFrame,
    zones: gpd.GeoDataFrame,
    *,
    by: str = "coverage",
    zone_of: np.ndarray | None = None,
    district: str | None = None,
) -> pd.DataFrame:
    """The comparison table (:func:`dashboard.engine.compare.comparison_table`) by zone:
    coverage now and at the baseline, the change and the newly covered, accessibility
    (``scores``: :func:`~dashboard.engine.accessibility.accessibility` of the same places),
    ranked ``by`` with the same rule; the :data:`OUTSIDE` row last, not ranked.

    ``now`` and ``start`` are the answers for the same places at the view's date and at
    the baseline. Columns :data:`ZONE_COMPARISON_COLUMNS` (``adcode``: the zone's
    district).
    """
    if by not in RANK_METRICS:
        raise ValueError(f"cannot rank by {by!r}; expected one of {', '.join(RANK_METRICS)}")
    if len(now.places) != len(start.places) or len(scores) != len(now.places):
        raise ValueError("the results and the scores must be of the same places")
    ids = assign_zones(now.places, zones) if zone_of is None else np.asarray(zone_of, dtype=object)
    newly = start.places["covered"].to_numpy(dtype=bool) < now.places["covered"].to_numpy(
        dtype=bool
    )
    a = coverage_by(now, zones, zone_of=ids, district=district)
    b = coverage_by(start, zones, zone_of=ids, district=district)
    c = coverage_by(now.places.assign(covered=newly), zones, zone_of=ids, district=district)
    sc = scores
    if district is not None:
        here = now.places["adcode"].astype(str).to_numpy() == str(district)
        sc, ids = scores[here], ids[here]
    acc = district_accessibility(sc.assign(adcode=ids))
    acc = acc.rename(columns={"adcode": "zone_id", "mean_access": "access"})
    out = a.iloc[:-1].merge(acc[["zone_id", "access", "share_without_access"]], "left", "zone_id")
    out["coverage_baseline"] = b["coverage"].iloc[:-1].to_numpy()
    out["change"] = out["coverage"] - out["coverage_baseline"]
    out["newly_covered"] = c["covered"].iloc[:-1].to_numpy()
    out = out.rename(columns={"adcode": "district"}).rename(columns={"zone_id": "adcode"})
    is_out = out["adcode"] == OUTSIDE
    ranked = rank_table(out[~is_out], by)  # the comparison's own ranking rule
    district_of = dict(zip(out["adcode"], out["district"], strict=True))
    tail = out[is_out].assign(rank=pd.NA)[[c for c in ranked.columns]]
    table = pd.concat([ranked, tail.astype({"rank": "Int64"})], ignore_index=True)
    table = table.rename(columns={"adcode": "zone_id"})
    table.insert(2, "adcode", table["zone_id"].map(district_of))
    return table[[c for c in ZONE_COMPARISON_COLUMNS if c in table.columns]]
