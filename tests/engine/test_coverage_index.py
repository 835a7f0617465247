"""The coverage index gives exactly assess_coverage's (and covered_from's) answer, at any
radius and date, and the pages' cache builds it once per data and requirements (not per
radius or date)."""

from __future__ import annotations

import dataclasses
from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.core.model import CAPABILITIES, KEY_LOCATION_CATEGORIES
from dashboard.core.standards import parse_requirement, uniform_standards
from dashboard.core.state import ViewState
from dashboard.engine.coverage import assess_coverage, covered_from
from dashboard.engine.coverage_index import (
    assess_from_index,
    build_coverage_index,
    covered_from_index,
    requirement_structure,
)
from loaders.standards_store import shipped_standards

from .conftest import random_instance

#: Requirements the generated standards pick from: none, one clause, two and three.
REQUIREMENTS = [
    (),
    parse_requirement([["cash"]]),
    parse_requirement([["foreign_card", "foreign_wallet"]]),
    parse_requirement([["foreign_card", "foreign_wallet"], ["cash"]]),
    parse_requirement([["cash", "currency_exchange"], ["foreign_card"], ["foreign_wallet"]]),
]
DATES = [pd.NaT, pd.Timestamp("2023-01-01"), pd.Timestamp("2023-06-01"), pd.Timestamp("2024-01-01")]
AS_OF = [None, "2022-01-01", "2023-01-01", "2023-03-15", "2024-01-01", "2030-01-01"]
CATS = list(KEY_LOCATION_CATEGORIES)


def assert_same(got, ref) -> None:
    pd.testing.assert_frame_equal(got.places, ref.places)
    pd.testing.assert_frame_equal(got.districts, ref.districts)
    assert got.as_of == ref.as_of


# a point on a 150 m grid (equal distances, duplicates) or anywhere in a 3 km box
_grid = st.tuples(st.integers(0, 20), st.integers(0, 20)).map(
    lambda ij: (116.38 + ij[0] * 0.00175, 39.90 + ij[1] * 0.00135)
)
_free = st.tuples(st.floats(116.38, 116.415), st.floats(39.90, 39.927))
_point = st.one_of(_grid, _free)


@st.composite
def instances(draw):
    n_d = draw(st.integers(0, 30))
    n_s = draw(st.integers(0, 40))
    dpts = draw(st.lists(_point, min_size=n_d, max_size=n_d))
    spts = draw(st.lists(_point, min_size=n_s, max_size=n_s))
    demand = pd.DataFrame(
        {
            "id": [f"D{i}" for i in range(n_d)],
            "category": draw(st.lists(st.sampled_from(CATS[:6]), min_size=n_d, max_size=n_d)),
            "sector": "shopping",
            "adcode": "110101",
            "lon": [p[0] for p in dpts],
            "lat": [p[1] for p in dpts],
        }
    )
    caps = st.lists(st.sampled_from(list(CAPABILITIES)), max_size=3).map(
        lambda c: ";".join(sorted(set(c)))
    )
    supply = pd.DataFrame(
        {
            "id": [f"S{i}" for i in range(n_s)],
            "lon": [p[0] for p in spts],
            "lat": [p[1] for p in spts],
            "capabilities": draw(st.lists(caps, min_size=n_s, max_size=n_s)),
            "in_service_date": pd.to_datetime(
                draw(st.lists(st.sampled_from(DATES), min_size=n_s, max_size=n_s)),
            ),
        }
    )
    if not n_s:
        supply["in_service_date"] = pd.to_datetime(supply["in_service_date"])
    base = shipped_standards()
    standards = {
        c: dataclasses.replace(
            s,
            require=draw(st.sampled_from(REQUIREMENTS)),
            radius_m=float(draw(st.integers(1, 3000))),
        )
        for c, s in base.items()
    }
    horizon = float(draw(st.sampled_from([0, 150, 600, 1500])))
    return demand, supply, standards, horizon


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(inst=instances(), radius=st.integers(1, 4000), with_districts=st.booleans())
def test_the_index_answers_exactly_as_assess_coverage(layers, inst, radius, with_districts):
    demand, supply, standards, horizon = inst
    districts = layers["districts"] if with_districts else None
    index = build_coverage_index(
        demand, supply, districts, requirement_structure(standards), horizon=horizon
    )
    # one index for every radius (within and beyond the horizon) and date
    for std in (standards, uniform_standards(standards, radius_m=radius)):
        for as_of in AS_OF:
            ref = assess_coverage(demand, supply, districts, std, as_of=as_of)
            assert_same(assess_from_index(index, std, as_of, districts), ref)
        since = covered_from(demand, supply, std)
        pd.testing.assert_series_equal(covered_from_index(index, std), since)


@pytest.mark.parametrize("seed", [1, 2])
def test_random_instances_with_many_points(layers, seed):
    demand, supply = random_instance(seed, n_demand=400, n_supply=600)
    supply.loc[supply.index[::7], "in_service_date"] = pd.NaT  # always in service
    standards = shipped_standards()
    index = build_coverage_index(
        demand, supply, layers["districts"], requirement_structure(standards), horizon=800
    )
    for r in (None, 100, 800, 3000):
        std = standards if r is None else uniform_standards(standards, radius_m=r)
        for as_of in (None, "2022-12-31", "2024-03-01", "2026-01-01"):
            ref = assess_coverage(demand, supply, layers["districts"], std, as_of=as_of)
            assert_same(assess_from_index(index, std, as_of, layers["districts"]), ref)
        since = covered_from(demand, supply, std)
        pd.testing.assert_series_equal(covered_from_index(index, std), since)


def test_the_shipped_data(layers):
    demand, supply, districts = layers["key-locations"], layers["payments"], layers["districts"]
    standards = shipped_standards()
    index = build_coverage_index(
        demand, supply, districts, requirement_structure(standards), horizon=5000
    )
    assert index.records > 0
    first = supply["in_service_date"].min()
    last = supply["in_service_date"].max()
    middle = first + (last - first) / 2
    for r in (None, 50, 300, 550, 5000, 9000):
        std = standards if r is None else uniform_standards(standards, radius_m=r)
        for as_of in (None, first - pd.Timedelta(days=1), first, middle, last):
            ref = assess_coverage(demand, supply, districts, std, as_of=as_of)
            assert_same(assess_from_index(index, std, as_of, districts), ref)
        since = covered_from(demand, supply, std)
        pd.testing.assert_series_equal(covered_from_index(index, std), since)
    anyp = uniform_standards(standards, require=[])
    index_any = build_coverage_index(
        demand, supply, districts, requirement_structure(anyp), horizon=5000
    )
    ref = assess_coverage(demand, supply, districts, anyp, as_of=middle)
    assert_same(assess_from_index(index_any, anyp, middle, districts), ref)


def test_other_requirements_or_districts_are_refused(layers):
    demand, supply = random_instance(3, n_demand=20, n_supply=20)
    standards = shipped_standards()
    index = build_coverage_index(
        demand, supply, layers["districts"], requirement_structure(standards), horizon=500
    )
    anyp = uniform_standards(standards, require=[])
    with pytest.raises(ValueError, match="requirements"):
        assess_from_index(index, anyp, None, layers["districts"])
    with pytest.raises(ValueError, match="districts"):
        assess_from_index(index, standards, None, layers["districts"].iloc[:3])


def test_a_radius_or_date_step_reuses_the_pages_index(isolated_home, layers):
    from dashboard.ui import cache

    cache.coverage.clear()  # type: ignore[attr-defined]
    cache._coverage_index.clear()
    before = cache.INDEX_BUILDS
    lay = cache.load_layers()
    steps = [
        ViewState(),
        ViewState(radius=300),
        ViewState(radius=550),
        ViewState(radius=5000),
        ViewState(radius=550, as_of=date(2025, 6, 1)),
        ViewState(radius=550, as_of=date(2024, 1, 1)),
        ViewState(as_of=date(2024, 1, 1)),
    ]
    for v in steps:
        inputs = cache.view_inputs(v)
        got = cache.coverage(inputs)
        ref = assess_coverage(
            lay["key-locations"],
            lay["payments"],
            lay["districts"],
            inputs.standards,
            as_of=inputs.as_of,
        )
        assert_same(got, ref)
    # the progress series and the comparison's progress read the same index
    from dashboard.engine import progress as engine_progress
    from dashboard.engine.coverage import progress_table
    from dashboard.ui import compare as ui_compare
    from dashboard.ui import progress as ui_progress

    demand, supply, districts = lay["key-locations"], lay["payments"], lay["districts"]
    inputs = cache.view_inputs(ViewState(radius=550, as_of=date(2025, 6, 1)))
    std = inputs.standards
    since = covered_from(demand, supply, std)
    pd.testing.assert_series_equal(cache.covered_from(inputs), since)
    places, matrix = ui_progress._assessed(inputs)
    ref_places, ref_matrix = engine_progress.series_inputs(
        demand, supply, districts, std, *ui_progress._period(inputs)
    )
    pd.testing.assert_frame_equal(places, ref_places)
    # the page keeps a first covered month per place: the matrix is "on or after it"
    steps = np.arange(ref_matrix.shape[1])[None, :]
    np.testing.assert_array_equal(steps >= matrix[:, None], ref_matrix)
    a, b = "2024-01-01", "2025-06-01"
    ref = progress_table(
        assess_coverage(demand, supply, districts, std, as_of=a),
        assess_coverage(demand, supply, districts, std, as_of=b),
        districts,
    )
    pd.testing.assert_frame_equal(ui_compare._progress(inputs, a, b), ref)
    assert cache.INDEX_BUILDS - before == 1  # one index for every radius and date
    cache.coverage(ViewState(std="any", radius=300))  # other clauses: another index
    cache.coverage(ViewState(std="any", as_of=date(2024, 1, 1)))
    assert cache.INDEX_BUILDS - before == 2
    assert np.isfinite(cache.coverage(ViewState(radius=300)).places["distance_m"]).any()
