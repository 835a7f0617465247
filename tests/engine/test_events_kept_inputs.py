"""Readiness, an event's places and its venue points computed from inputs a caller keeps
(each layer's projected points with their KD-tree, every place's first covered date from
a coverage index) equal the ones computed from scratch."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dashboard.core.standards import uniform_standards
from dashboard.engine import events as ev
from dashboard.engine.coverage import covered_from
from dashboard.engine.coverage_index import (
    build_coverage_index,
    covered_from_index,
    requirement_structure,
)
from dashboard.engine.layers import load_all
from tests.engine.test_events import _instance, _standards


@pytest.mark.parametrize("radius_m,venue_radius_m", [(2000, 500), (900, 300)])
def test_kept_inputs_give_the_same_readiness(radius_m, venue_radius_m):
    events, venues, keys, pays = _instance()
    std = _standards()
    plain = ev.event_readiness(
        events, venues, keys, pays, std, radius_m=radius_m, venue_radius_m=venue_radius_m
    )
    kept = ev.event_readiness(
        events,
        venues,
        keys,
        pays,
        std,
        radius_m=radius_m,
        venue_radius_m=venue_radius_m,
        key_points=ev.point_set(keys),
        payment_points=ev.point_set(pays),
        covered_since=covered_from(keys, pays, std),
    )
    pd.testing.assert_frame_equal(kept, plain)
    assert plain["covered"].sum() > 0 and plain["gaps"].sum() > 0  # not degenerate


def test_kept_points_give_the_same_places_and_venue_points():
    events, venues, keys, pays = _instance()
    std = uniform_standards(_standards(), radius_m=200)
    kp, pp = ev.point_set(keys), ev.point_set(pays)
    for i in range(len(events)):
        e = events.iloc[i]
        pd.testing.assert_frame_equal(
            ev.event_places(e, venues, keys, pays, std, radius_m=1500, key_points=kp),
            ev.event_places(e, venues, keys, pays, std, radius_m=1500),
        )
        pd.testing.assert_frame_equal(
            ev.venue_payments(e, venues, pays, 500, pp), ev.venue_payments(e, venues, pays, 500)
        )


def test_an_empty_point_set_finds_nothing():
    empty = ev.point_set(pd.DataFrame({"lon": [], "lat": []}))
    mask, _ = ev.neighbours(np.array([[0.0, 0.0]]), empty, 500.0)
    assert empty.tree is None and mask.shape == (1, 0)


def test_the_coverage_index_first_dates_give_the_shipped_data_the_same_readiness():
    """The page passes the coverage index's first covered dates: the same readiness as the
    engine's own search, on the shipped events at two radii."""
    lay = load_all(None)
    events = lay["events"][pd.to_datetime(lay["events"]["start_date"]).notna()]
    keys, pays = lay["key-locations"], lay["payments"]
    std = uniform_standards(_shipped_standards(), radius_m=300)
    requirements = requirement_structure(std)
    index = build_coverage_index(keys, pays, lay["districts"], requirements, horizon=5000.0)
    since = covered_from_index(index, std)
    for radius_m in (1000.0, 2500.0):
        plain = ev.event_readiness(events, lay["venues"], keys, pays, std, radius_m=radius_m)
        kept = ev.event_readiness(
            events, lay["venues"], keys, pays, std, radius_m=radius_m, covered_since=since
        )
        pd.testing.assert_frame_equal(kept, plain)
        assert plain["covered"].sum() > 0


def _shipped_standards():
    from loaders.standards_store import load_standards

    return uniform_standards(load_standards(None))


def test_gap_names_are_those_of_the_first_row_of_each_nearest_point():
    """The names are looked up among the rows of the points named only; an id listed twice
    gives its first row's names (a lookup over every row failed on it)."""
    events, venues, keys, pays = _instance()
    std = uniform_standards(_standards(), radius_m=200)
    twice = pd.concat([pays, pays.assign(name_en="Later")], ignore_index=True)
    by_id = dict(zip(pays["id"].astype(str), pays["name_en"].astype(str), strict=True))
    seen = 0
    for i in range(len(events)):
        places = ev.event_places(events.iloc[i], venues, keys, pays, std, radius_m=1500)
        gaps = ev.event_gaps(places, twice)
        want = [by_id.get(str(x), "") for x in gaps["nearest_id"]]
        assert gaps["nearest_name_en"].tolist() == want
        seen += sum(1 for x in want if x)
    assert seen > 0
