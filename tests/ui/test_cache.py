"""dashboard.ui.cache.view_cached: one cache per decorated function, keyed by the view."""

from __future__ import annotations

from datetime import date

from dashboard.core.state import ViewState
from dashboard.ui import cache


@cache.view_cached()
def _first(inputs: cache.ViewInputs, n: int) -> dict:
    return {"fn": "first", "as_of": inputs.as_of, "n": n}


@cache.view_cached()
def _second(inputs: cache.ViewInputs, n: int) -> dict:
    return {"fn": "second", "as_of": inputs.as_of, "n": n}


@cache.view_cached(dated=False)
def _undated(inputs: cache.ViewInputs) -> dict:
    return {"as_of": inputs.as_of}


def test_each_decorated_function_has_its_own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("EXCHANGE_ATLAS_HOME", str(tmp_path))
    v = ViewState()
    assert _first(v, 1)["fn"] == "first" and _second(v, 1)["fn"] == "second"


def test_results_are_shared_and_keyed_by_the_view_and_the_arguments(tmp_path, monkeypatch):
    monkeypatch.setenv("EXCHANGE_ATLAS_HOME", str(tmp_path))
    v = ViewState()
    a = _first(v, 1)
    assert _first(v, 1) is a  # shared, no copy
    assert _first(v, 2) is not a
    dated = _first(v.with_(as_of=date(2025, 1, 1)), 1)
    assert dated is not a and dated["as_of"] == "2025-01-01"
    assert _first(cache.view_inputs(v), 1) is a  # from another cached function


def test_an_undated_result_ignores_the_views_date(tmp_path, monkeypatch):
    monkeypatch.setenv("EXCHANGE_ATLAS_HOME", str(tmp_path))
    v = ViewState()
    r = _undated(v)
    assert _undated(v.with_(as_of=date(2025, 1, 1))) is r and r["as_of"] is None


def test_the_standards_in_effect_are_part_of_the_key(tmp_path, monkeypatch):
    monkeypatch.setenv("EXCHANGE_ATLAS_HOME", str(tmp_path))
    v = ViewState()
    assert _first(v, 1) is not _first(v.with_(radius=300), 1)
    assert cache.view_inputs(v.with_(radius=300)).standards != cache.view_inputs(v).standards
