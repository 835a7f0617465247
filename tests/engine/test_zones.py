"""Coverage by boundary set (dashboard.engine.zones): every place in exactly one zone or
none, and the parts adding up to the whole — zones to their district, districts to the
city — in places, covered places, weights and per category, for random partitions."""

from __future__ import annotations

from functools import lru_cache

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.core.model import BEIJING_BBOX
from dashboard.engine.accessibility import accessibility
from dashboard.engine.compare import comparison_table, rank_table
from dashboard.engine.coverage import (
    CITY_ADCODE,
    assess_coverage,
    assign_districts,
    district_coverage,
    progress_table,
)
from dashboard.engine.zones import (
    OUTSIDE,
    ZONE_COLUMNS,
    ZONE_COMPARISON_COLUMNS,
    assign_zones,
    coverage_by,
    zone_comparison,
    zone_index,
)
from loaders.examples import synthetic_subdistricts

SUMS = ("demand", "demand_weight", "covered", "covered_weight", "uncovered")
CATEGORIES = ("hotel", "museum", "airport", "restaurant")


@lru_cache(maxsize=8)
def _partition(seed: int, lo: int, hi: int) -> gpd.GeoDataFrame:
    return synthetic_subdistricts(seed, (lo, hi))


def random_places(districts: gpd.GeoDataFrame, n: int, seed: int) -> pd.DataFrame:
    """Places over Beijing's box (some outside the districts) with their district,
    a weight, a category and whether they are covered: what coverage_by aggregates."""
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = BEIJING_BBOX
    lon, lat = rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)
    return pd.DataFrame(
        {
            "id": [f"X{i}" for i in range(n)],
            "category": rng.choice(CATEGORIES, n),
            "lon": lon,
            "lat": lat,
            "adcode": assign_districts(lon, lat, districts),
            "weight": rng.choice([0.5, 1.0, 2.0], n),
            "covered": rng.random(n) < 0.6,
        }
    )


def assert_adds_up(parts: pd.DataFrame, whole: pd.Series) -> None:
    for col in SUMS:
        assert parts[col].sum() == pytest.approx(whole[col]), col


def check_partition(places: pd.DataFrame, zones: gpd.GeoDataFrame, districts) -> None:
    """The sums a nested partition must satisfy, for ``places`` (all, or one category)."""
    ids = assign_zones(places, zones)
    city = coverage_by(places, zones, zone_of=ids)
    ref = district_coverage(places, districts).set_index("adcode")
    assert list(city.columns) == list(ZONE_COLUMNS)
    assert city["zone_id"].iloc[-1] == CITY_ADCODE and city["zone_id"].iloc[-2] == OUTSIDE
    assert_adds_up(city.iloc[:-1], city.iloc[-1])  # zones and outside: the city
    assert_adds_up(city.iloc[-1:], ref.loc[CITY_ADCODE])
    # the zones of a district add up to it (the partition nests), and its drill-down too
    by_district = city.iloc[:-2].groupby("adcode")[list(SUMS)].sum()
    inside = places["adcode"] != ""
    assert city.iloc[-2]["demand"] == int((~inside).sum())  # only places in no district
    for ad in districts["adcode"]:
        want = ref.loc[ad]
        for col in SUMS:
            got = by_district[col].get(ad, 0)
            assert got == pytest.approx(want[col]), (ad, col)
        drill = coverage_by(places, zones, district=ad, zone_of=ids, names=("x", "x"))
        assert drill["zone_id"].iloc[-1] == ad
        assert_adds_up(drill.iloc[:-1], drill.iloc[-1])
        assert_adds_up(drill.iloc[-1:], want)
        assert drill.iloc[-2]["demand"] == 0  # nested: none of its places outside its zones


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    seed=st.integers(0, 10_000),
    lo=st.integers(1, 4),
    extra=st.integers(0, 8),
    n=st.integers(0, 3_000),
)
def test_random_partitions_of_the_districts_add_up(layers, seed, lo, extra, n):
    """Property: for random nested partitions, parts equal the whole (places, covered,
    weights), for all places and for each category."""
    districts = layers["districts"]
    zones = _partition(seed % 4, lo, lo + extra)
    places = random_places(districts, n, seed)
    check_partition(places, zones, districts)
    for cat in CATEGORIES:
        check_partition(places[places["category"] == cat], zones, districts)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), k=st.integers(1, 40), n=st.integers(1, 2_000))
def test_any_zones_drill_down_to_the_district_and_up_to_the_city(seed, k, n):
    """Zones that follow no district line, overlap or leave gaps: every place in exactly
    one zone or outside, the city's rows and each district's drill-down adding up."""

    districts = _districts()
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = BEIJING_BBOX
    cx, cy = rng.uniform(x0, x1, k), rng.uniform(y0, y1, k)
    w, h = rng.uniform(0.02, 0.5, k), rng.uniform(0.02, 0.4, k)
    zones = gpd.GeoDataFrame(
        {
            "zone_id": [f"Z{i}" for i in range(k)],
            "name_zh": [f"区{i}" for i in range(k)],
            "name_en": [f"Zone {i}" for i in range(k)],
            "adcode": rng.choice(districts["adcode"], k),
        },
        geometry=shapely.box(cx - w, cy - h, cx + w, cy + h),
        crs="EPSG:4326",
    )
    places = random_places(districts, n, seed)
    idx = zone_index(places["lon"].to_numpy(), places["lat"].to_numpy(), zones)
    contains = shapely.contains_xy(
        zones.geometry.to_numpy()[:, None], places["lon"].to_numpy(), places["lat"].to_numpy()
    )
    assert ((idx >= 0) == contains.any(axis=0)).all()  # in a zone exactly when inside one
    first = np.where(contains.any(axis=0), contains.argmax(axis=0), -1)
    assert (idx == first).all()  # overlaps: the earliest zone
    city = coverage_by(places, zones)
    assert_adds_up(city.iloc[:-1], city.iloc[-1])
    assert city.iloc[-1]["demand"] == n
    for ad in pd.unique(places["adcode"]):
        if ad:
            drill = coverage_by(places, zones, district=ad, names=("x", "x"))
            assert_adds_up(drill.iloc[:-1], drill.iloc[-1])
            assert drill.iloc[-1]["demand"] == int((places["adcode"] == ad).sum())


@lru_cache(maxsize=1)
def _districts() -> gpd.GeoDataFrame:
    from dashboard.engine.layers import read_districts

    return read_districts()


def test_a_point_on_a_shared_edge_is_in_one_zone_preferring_its_district():
    left, right = shapely.box(116.0, 40.0, 116.1, 40.1), shapely.box(116.1, 40.0, 116.2, 40.1)
    zones = gpd.GeoDataFrame(
        {"zone_id": ["L", "R"], "name_zh": ["左", "右"], "name_en": ["L", "R"]},
        geometry=[left, right],
        crs="EPSG:4326",
    ).assign(adcode=["110111", "110112"])
    lon, lat = np.array([116.1, 116.1, 116.05, 117.0]), np.array([40.05, 40.05, 40.05, 40.05])
    assert list(zone_index(lon, lat, zones)) == [0, 0, 0, -1]
    prefer = np.array(["110112", "110111", "110112", ""], dtype=object)
    assert list(zone_index(lon, lat, zones, prefer)) == [1, 0, 0, -1]
    assert list(zone_index(lon[:0], lat[:0], zones)) == []


def test_coverage_by_the_shipped_data_equals_the_district_table(layers):
    from loaders.standards_store import shipped_standards

    d = layers["districts"]
    res = assess_coverage(layers["key-locations"], layers["payments"], d, shipped_standards())
    zones = _partition(0, 4, 12)
    city = coverage_by(res, zones)
    assert coverage_by(res, None) is res.districts  # the districts are the default set
    assert city.iloc[-1][list(SUMS)].tolist() == res.city[list(SUMS)].tolist()
    assert city.iloc[-1]["coverage"] == pytest.approx(res.city["coverage"])
    for ad, row in res.districts.iloc[:-1].set_index("adcode").iterrows():
        drill = coverage_by(res, zones, district=str(ad))
        last = drill.iloc[-1]
        assert (last["name_zh"], last["name_en"]) == (row["name_zh"], row["name_en"])
        for col in (*SUMS, "coverage", "weighted_coverage"):
            assert last[col] == pytest.approx(row[col], nan_ok=True), (ad, col)
        assert_adds_up(drill.iloc[:-1], last)


def test_zone_comparison_ranks_zones_with_the_comparison_rule(layers):
    from loaders.standards_store import shipped_standards

    k, p, d = layers["key-locations"], layers["payments"], layers["districts"]
    std = shipped_standards()
    now = assess_coverage(k, p, d, std)
    start = assess_coverage(k, p, d, std, as_of="2024-01-01")
    scores = accessibility(k, p, std, districts=d)
    zones = _partition(0, 4, 12)
    table = zone_comparison(now, start, scores, zones, by="uncovered")
    assert list(table.columns) == list(ZONE_COMPARISON_COLUMNS)
    assert table["zone_id"].iloc[-1] == OUTSIDE and pd.isna(table["rank"].iloc[-1])
    body = table.iloc[:-1]
    assert len(body) == len(zones)
    ranked = body.dropna(subset=["rank"])
    assert ranked["uncovered"].is_monotonic_increasing  # fewest gaps first
    assert (body["demand"].sum(), body["newly_covered"].sum()) == (
        now.city["demand"],
        progress_table(start, now, d).iloc[-1]["newly_covered"],
    )
    assert (body.loc[body["demand"] == 0, "rank"].isna()).all()
    # ranks as rank_table gives them, on the same values
    again = rank_table(body.rename(columns={"adcode": "d", "zone_id": "adcode"}), "uncovered")
    assert list(again["adcode"]) == list(body["zone_id"])
    # with the districts as zones, the district comparison itself
    as_zones = d.assign(zone_id=d["adcode"])
    same = zone_comparison(now, start, scores, as_zones, by="coverage")
    want = comparison_table(
        now.districts, progress_table(start, now, d), _access(scores), by="coverage"
    )
    got = same.iloc[:-1].reset_index(drop=True)
    assert list(got["zone_id"]) == list(want["adcode"])
    for col in ("rank", "demand", "covered", "coverage", "access", "change", "newly_covered"):
        assert got[col].astype(float).tolist() == pytest.approx(
            want[col].astype(float).tolist(), nan_ok=True
        ), col


def _access(scores: pd.DataFrame) -> pd.DataFrame:
    from dashboard.engine.accessibility import district_accessibility

    return district_accessibility(scores)
