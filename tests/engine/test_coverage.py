"""The coverage engine against brute force, and its per-district views."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import Transformer

from dashboard.core.model import CAPABILITIES
from dashboard.core.standards import uniform_standards
from dashboard.engine.coverage import (
    CITY_ADCODE,
    DISTRICT_COLUMNS,
    assess_coverage,
    assign_districts,
    coverage_by_capability,
    coverage_by_sector,
    coverage_grid,
    coverage_progress,
    covered_from,
    in_service,
    in_service_from,
    nearest_within,
    place_coverage,
    uncovered_places,
)
from loaders.standards_store import shipped_standards

from .conftest import random_instance

_TR = Transformer.from_crs("EPSG:4326", "EPSG:32650", always_xy=True)


def brute_force(demand, supply, standards, as_of=None):
    """Distance at which each place is covered, from a full distance matrix (independent)."""
    dx, dy = _TR.transform(demand["lon"].to_numpy(), demand["lat"].to_numpy())
    sx, sy = _TR.transform(supply["lon"].to_numpy(), supply["lat"].to_numpy())
    dist = np.sqrt((dx[:, None] - sx[None, :]) ** 2 + (dy[:, None] - sy[None, :]) ** 2)
    active = np.ones(len(supply), bool)
    if as_of is not None:
        active = (supply["in_service_date"] <= pd.Timestamp(as_of)).to_numpy()
    caps = [set(str(c).split(";")) for c in supply["capabilities"]]
    out = np.empty(len(demand))
    for i, cat in enumerate(demand["category"]):
        req = standards[cat].require or [None]
        worst = -np.inf
        for clause in req:
            ok = np.array(
                [a and (clause is None or bool(set(clause) & c)) for a, c in zip(active, caps)]
            )
            best = dist[i, ok].min() if ok.any() else np.inf
            worst = max(worst, best)
        out[i] = worst
    radius = demand["category"].map({c: s.radius_m for c, s in standards.items()}).to_numpy()
    return out, radius


lonlat = st.tuples(st.floats(116.30, 116.50), st.floats(39.85, 40.00))
clause = st.lists(st.sampled_from(list(CAPABILITIES)), min_size=1, max_size=2)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    dem=st.lists(lonlat, min_size=1, max_size=40),
    sup=st.lists(
        st.tuples(lonlat, st.lists(st.sampled_from(list(CAPABILITIES)), min_size=1, max_size=3)),
        min_size=0,
        max_size=40,
    ),
    radius=st.floats(20, 4000),
    require=st.lists(clause, min_size=0, max_size=2),
    bounded=st.booleans(),
)
def test_place_coverage_matches_brute_force(dem, sup, radius, require, bounded):
    demand = pd.DataFrame(
        {
            "id": [f"D{i}" for i in range(len(dem))],
            "category": ["hotel" if i % 2 else "museum" for i in range(len(dem))],
            "lon": [p[0] for p in dem],
            "lat": [p[1] for p in dem],
        }
    )
    supply = pd.DataFrame(
        {
            "id": [f"S{i}" for i in range(len(sup))],
            "lon": [p[0][0] for p in sup],
            "lat": [p[0][1] for p in sup],
            "capabilities": [";".join(p[1]) for p in sup],
        }
    )
    std = uniform_standards(shipped_standards(), require=require)
    std = uniform_standards(std, radius_m=radius) if len(dem) % 3 else std  # mixed radii too
    got = place_coverage(demand, supply, std, max_distance=radius if bounded else None)
    want, r = brute_force(demand, supply, std)
    edge = np.abs(want - r) < 1e-6  # float ties at the radius itself
    assert (got["covered"].to_numpy()[~edge] == (want <= r)[~edge]).all()
    gd = got["distance_m"].to_numpy()
    if bounded:
        cap = max(radius, r.max())
        near = want <= cap * (1 - 1e-9)
        np.testing.assert_allclose(gd[near], want[near], rtol=1e-9, atol=1e-6)
        assert np.isinf(gd[want > cap * (1 + 1e-9)]).all()
    else:
        np.testing.assert_allclose(gd, want, rtol=1e-9, atol=1e-6)


@settings(max_examples=50, deadline=None)
@given(
    n=st.integers(0, 60),
    m=st.integers(0, 60),
    bound=st.one_of(st.none(), st.floats(0, 50)),
    seed=st.integers(0, 2**16),
)
def test_nearest_within_matches_brute_force(n, m, bound, seed):
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 40, (n, 2)).astype(float)  # integer grid: many exact ties and zeros
    b = rng.integers(0, 40, (m, 2)).astype(float)
    d, i = nearest_within(a, b, bound)
    if m == 0 or n == 0:
        assert np.isinf(d).all() and (i == -1).all()
        return
    full = np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(-1))
    want = full.min(1)
    if bound is not None:
        want = np.where(want <= bound, want, np.inf)
    np.testing.assert_allclose(d, want)
    hit = i >= 0
    np.testing.assert_allclose(full[np.flatnonzero(hit), i[hit]], want[hit])


def test_random_instance_with_dates_and_clauses():
    demand, supply = random_instance(1)
    std = shipped_standards()  # airport needs card/wallet AND cash/exchange
    for as_of in (None, "2023-06-01", "2024-12-31"):
        got = place_coverage(demand, supply, std, as_of=as_of)
        want, r = brute_force(demand, supply, std, as_of)
        np.testing.assert_allclose(got["distance_m"], want, rtol=1e-9)
        assert (got["covered"].to_numpy() == (want <= r)).all()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    dem=st.lists(lonlat, min_size=0, max_size=30),
    sup=st.lists(
        st.tuples(
            lonlat,
            st.lists(st.sampled_from(list(CAPABILITIES)), min_size=1, max_size=3),
            st.one_of(
                st.none(),
                st.dates(pd.Timestamp("2022-01-01").date(), pd.Timestamp("2025-12-31").date()),
            ),
        ),
        max_size=30,
    ),
    radius=st.floats(100, 4000),
    require=st.lists(clause, min_size=0, max_size=2),
    chunk=st.sampled_from([1, 3, 1024]),
)
def test_covered_from_answers_every_date(dem, sup, radius, require, chunk):
    """covered_from <= t is place_coverage(as_of=t) for every t, undated points included,
    whatever the size of the chronological chunks the supply is searched in."""
    import dashboard.engine.coverage as engine

    saved, engine._CHUNK = engine._CHUNK, chunk
    try:
        _check_covered_from(dem, sup, radius, require)
    finally:
        engine._CHUNK = saved


def _check_covered_from(dem, sup, radius, require):
    demand = pd.DataFrame(
        {
            "category": ["hotel" if i % 2 else "museum" for i in range(len(dem))],
            "lon": [p[0] for p in dem],
            "lat": [p[1] for p in dem],
        },
        index=pd.RangeIndex(len(dem)) + 7,
    )
    supply = pd.DataFrame(
        {
            "lon": [p[0][0] for p in sup],
            "lat": [p[0][1] for p in sup],
            "capabilities": [";".join(p[1]) for p in sup],
            "in_service_date": pd.to_datetime([p[2] for p in sup]),
        }
    )
    std = uniform_standards(shipped_standards(), require=require)
    std = uniform_standards(std, radius_m=radius) if len(dem) % 3 else std
    since = covered_from(demand, supply, std)
    assert since.index.equals(demand.index)
    dates = sorted({d for d in supply["in_service_date"].dropna()})
    probes = [pd.Timestamp("2021-06-01"), pd.Timestamp("2026-06-01"), *dates]
    probes += [d - pd.Timedelta(days=1) for d in dates]
    for t in probes:
        want = place_coverage(demand, supply, std, as_of=t)["covered"].to_numpy()
        assert ((since <= t).to_numpy() == want).all(), t
    never = place_coverage(demand, supply, std)["covered"].to_numpy()
    assert (since.notna().to_numpy() == never).all()
    undated = supply["in_service_date"].isna().all() and len(supply)
    if undated:  # points without a date serve whatever the date
        assert ((since == pd.Timestamp.min) == since.notna()).all()


def test_in_service_from_answers_every_date(layers):
    p = layers["payments"].copy()
    p.loc[p.index[:5], "in_service_date"] = None  # undated: always in service
    since = in_service_from(p)
    for t in ("2020-01-01", "2023-06-30", "2024-12-31", "2030-01-01"):
        assert ((since <= np.datetime64(t)) == in_service(p, t)).all()
    assert (since[:5].astype(np.int64) == pd.Timestamp.min.value).all()
    assert (in_service_from(p.drop(columns="in_service_date")) == since[0]).all()  # all undated


@pytest.mark.parametrize("chunk", [1, 7, 1024])
def test_covered_from_on_shipped_data(layers, monkeypatch, chunk):
    import dashboard.engine.coverage as engine

    k, p = layers["key-locations"], layers["payments"]
    std = shipped_standards()
    monkeypatch.setattr(engine, "_CHUNK", chunk)
    since = covered_from(k, p, std)
    for t in ("2023-06-30", "2024-12-31", None):
        want = place_coverage(k, p, std, as_of=t)["covered"].to_numpy()
        got = since.notna() if t is None else since <= pd.Timestamp(t)
        assert (got.to_numpy() == want).all()
    assert 0 < since.notna().sum() < len(k)  # some places covered, some never


def test_district_assignment_matches_geopandas(layers):
    import geopandas as gpd

    d = layers["districts"]
    rng = np.random.default_rng(3)
    lon, lat = rng.uniform(115.4, 117.6, 3000), rng.uniform(39.4, 41.1, 3000)
    got = assign_districts(lon, lat, d)
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs=d.crs)
    j = gpd.sjoin(pts, d, predicate="within", how="left")
    j = j[~j.index.duplicated()]
    want = j["adcode"].fillna("").to_numpy()
    assert (got == want).mean() > 0.999  # shared edges may differ; none expected here
    assert set(got) - {""} <= set(d["adcode"])


def test_district_table_is_consistent(layers):
    k, p, d = layers["key-locations"], layers["payments"], layers["districts"]
    res = assess_coverage(k, p, d, shipped_standards())
    t = res.districts
    assert list(t.columns) == list(DISTRICT_COLUMNS)
    assert len(t) == 17 and t["adcode"].iloc[-1] == CITY_ADCODE
    body, city = t.iloc[:-1], t.iloc[-1]
    assert body["demand"].sum() == city["demand"] == len(k)
    assert body["covered"].sum() == city["covered"] == res.places["covered"].sum()
    assert np.isclose(body["covered_weight"].sum(), city["covered_weight"])
    has = body["demand"] > 0
    np.testing.assert_allclose(
        body.loc[has, "coverage"], body.loc[has, "covered"] / body.loc[has, "demand"]
    )
    assert body.loc[~has, "coverage"].isna().all()
    # point-in-polygon agrees with the files' own adcodes where they give one
    given = k["adcode"].astype(str).str.fullmatch(r"1101\d\d").to_numpy()
    got = res.places["adcode"].astype(str).to_numpy()
    assert (got[given] == k["adcode"].to_numpy()[given]).mean() > 0.95
    assert set(got) <= set(d["adcode"])


def test_views_add_up(layers):
    k, p, d = layers["key-locations"], layers["payments"], layers["districts"]
    std = shipped_standards()
    res = assess_coverage(k, p, d, std)
    unc = uncovered_places(res.places)
    assert len(unc) == res.city["uncovered"]
    assert (np.diff(unc["distance_m"].to_numpy()) <= 0).all()
    grid = coverage_grid(res.places, 8)
    assert grid["demand"].sum() == len(k) and grid["covered"].sum() == res.city["covered"]
    sec = coverage_by_sector(res.places, d)
    city_sec = sec[sec["adcode"] == CITY_ADCODE]
    assert city_sec["demand"].sum() == len(k)
    assert city_sec["covered"].sum() == res.city["covered"]
    cap = coverage_by_capability(k, p, std, districts=d)
    assert set(cap["capability"]) == set(CAPABILITIES)
    assert (cap.groupby("capability")["demand"].max() == len(k)).all()


def test_progress_between_dates(layers):
    k, p, d = layers["key-locations"], layers["payments"], layers["districts"]
    std = shipped_standards()
    prog = coverage_progress(k, p, d, std, "2023-06-01", "2025-12-31")
    assert (prog["covered_end"] >= prog["covered_start"]).all()
    assert (prog["newly_covered"] == prog["covered_end"] - prog["covered_start"]).all()
    a = assess_coverage(k, p, d, std, as_of="2025-12-31")
    assert prog["covered_end"].iloc[-1] == a.city["covered"]
    with pytest.raises(ValueError, match="before"):
        coverage_progress(k, p, d, std, "2025-01-01", "2024-01-01")


def test_clear_errors():
    demand, supply = random_instance(2, 5, 5)
    std = shipped_standards()
    with pytest.raises(ValueError, match="no service standard"):
        place_coverage(demand.assign(category="spaceport"), supply, std)
    with pytest.raises(ValueError, match="capabilities"):
        place_coverage(demand, supply.drop(columns="capabilities"), std)
    with pytest.raises(ValueError, match="'lon'"):
        place_coverage(demand.drop(columns="lon"), supply, std)
    # no supply at all: nothing covered, infinite distance
    none = place_coverage(demand, supply.iloc[:0], std)
    assert not none["covered"].any() and np.isinf(none["distance_m"]).all()


def test_spatially_sorted_queries_give_the_same_answer(monkeypatch):
    from scipy.spatial import cKDTree

    import dashboard.engine.coverage as cov

    rng = np.random.default_rng(11)
    a = rng.uniform(0, 50_000, (30_000, 2))
    b = rng.uniform(0, 50_000, (20_000, 2))
    assert len(a) >= cov.SORT_MIN
    d, i = nearest_within(a, b, 300.0)
    want_d, want_i = cKDTree(b).query(a, k=1, distance_upper_bound=300.0)
    np.testing.assert_array_equal(np.isfinite(d), np.isfinite(want_d))
    np.testing.assert_allclose(d[np.isfinite(d)], want_d[np.isfinite(want_d)])
    # and on the whole engine path with sorting forced on small inputs
    monkeypatch.setattr(cov, "SORT_MIN", 1)
    demand, supply = random_instance(4)
    got = place_coverage(demand, supply, shipped_standards())
    want, r = brute_force(demand, supply, shipped_standards())
    np.testing.assert_allclose(got["distance_m"], want, rtol=1e-9)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_coverage_by_sector_is_district_coverage_per_sector(seed):
    """The one-pass count equals district_coverage of each sector's places, row for row
    (places in no listed district and in no known sector included)."""
    from dashboard.core.model import SECTORS
    from dashboard.engine.coverage import district_coverage

    rng = np.random.default_rng(seed)
    n = 500
    districts = pd.DataFrame(
        {"adcode": ["A", "B", "C"], "name_zh": ["甲", "乙", "丙"], "name_en": ["A", "B", "C"]}
    )
    places = pd.DataFrame(
        {
            "sector": rng.choice([*SECTORS, "elsewhere"], n),
            "adcode": rng.choice(["A", "B", "C", "Z"], n),  # Z: in no listed district
            "weight": rng.uniform(0.1, 3, n),
            "covered": rng.random(n) < 0.4,
        }
    )
    got = coverage_by_sector(places, districts)
    parts = []
    for sector in SECTORS:
        t = district_coverage(places[places["sector"] == sector], districts)
        t.insert(1, "sector", sector)
        parts.append(t)
    want = pd.concat(parts, ignore_index=True)[list(got.columns)]
    pd.testing.assert_frame_equal(got, want)
    city = got[got["adcode"] == CITY_ADCODE].set_index("sector")["demand"]
    assert city.sum() == (places["sector"] != "elsewhere").sum()  # Z counted in the city
