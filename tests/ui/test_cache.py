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


def test_a_views_inputs_keep_their_data_while_a_writer_changes_it(tmp_path, monkeypatch):
    """The layers and the field evidence of a view's inputs are those its signature names,
    not what a writer put in effect since (in one rerun the parts of a page are computed
    from the same data; the Work list mixed two versions under load and failed)."""
    import pandas as pd

    from loaders.inspections_store import add_inspections
    from loaders.workspace import commit, shipped_table
    from tests.fixtures import prepared_inspections

    monkeypatch.setenv("EXCHANGE_ATLAS_HOME", str(tmp_path))
    before = cache.view_inputs(ViewState())
    n = len(before.layers["payments"])
    assert not before.evidence
    rows = shipped_table("payments").head(3).copy()
    rows["id"] = ["RACE1", "RACE2", "RACE3"]
    commit("payments", rows, home=tmp_path)
    add_inspections(
        prepared_inspections(tmp_path, ["P0001"], pd.Timestamp("2026-03-05 12:00")), tmp_path
    )
    after = cache.view_inputs(ViewState())
    assert len(after.layers["payments"]) == n + 3 and after.evidence
    assert len(before.layers["payments"]) == n  # still the data it was made of
    assert not before.evidence
    assert len(before.supply) == n
