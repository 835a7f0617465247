"""Steps of the Events page on a city-wide survey: a radius step searches no coverage (the
coverage index gives every place's first covered date) and projects no layer (each
layer's points and KD-tree are kept per data), nor does another district's event."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard.engine import events as engine_events
from dashboard.ui import events as uev

from .conftest import open_page, synthetic_city

PAGE = "../pages/events.py"


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> Path:
    return synthetic_city(tmp_path_factory, "events-city", 6_000, 3_000, seed=5)


@pytest.fixture
def searches(city: Path, monkeypatch) -> list[int]:
    """Counts the engine's own coverage searches of the readiness."""
    monkeypatch.setenv("EXCHANGE_ATLAS_HOME", str(city))
    calls = [0]
    search = engine_events.covered_from

    def counted(*args, **kwargs):
        calls[0] += 1
        return search(*args, **kwargs)

    monkeypatch.setattr(engine_events, "covered_from", counted)
    return calls


def test_a_radius_step_searches_no_coverage_and_projects_nothing(searches):
    at = open_page(PAGE, {"lang": "en", "radius": "500"})
    assert not at.exception
    sets = uev.POINT_SETS
    for radius in ("550", "600"):
        at = open_page(PAGE, {"lang": "en", "radius": radius})
        assert not at.exception
        assert at.get("vega_lite_chart")  # the timeline of the new readiness
    assert searches[0] == 0
    assert uev.POINT_SETS == sets


def test_another_districts_event_projects_nothing(searches):
    open_page(PAGE, {"lang": "en", "ev_tab": "event"})
    sets = uev.POINT_SETS
    for district in ("110105", "110108"):
        at = open_page(PAGE, {"lang": "en", "ev_tab": "event", "district": district})
        assert not at.exception
        assert at.get("deck_gl_json_chart")
    assert uev.POINT_SETS == sets
    assert searches[0] == 0
