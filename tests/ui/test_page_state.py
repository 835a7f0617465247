"""dashboard.ui.page_state: the typed accessor over the page-parameter registry."""

from __future__ import annotations

from datetime import date

import pytest

from dashboard.ui.page_params import DEFAULT_PREFIX, PAGE_PARAMS, page_params_to_query
from dashboard.ui.page_state import Kept, PageState, Param, Widget


def test_the_accessor_lists_exactly_the_registry():
    declared = {name for name, slot in vars(PageState).items() if isinstance(slot, Param)}
    assert declared == set(PAGE_PARAMS)
    for name in declared:
        assert getattr(PageState, name).key == PAGE_PARAMS[name].key


def test_session_keys_are_unique():
    slots = [s for s in vars(PageState).values() if isinstance(s, (Param, Kept, Widget))]
    keys = [s.key for s in slots]
    assert len(keys) == len(set(keys))


def test_a_parameter_reads_the_session_else_the_registry_default():
    session: dict = {}
    ps = PageState(session)
    assert ps.rank_by == "coverage"  # the registry's default, nothing stored
    assert ps.sectors == [] and session == {}
    ps.rank_by = "uncovered"
    assert session == {"k_cmp_rank_by": "uncovered"}
    assert ps.rank_by == "uncovered"


def test_a_name_outside_the_registry_is_refused():
    with pytest.raises((TypeError, RuntimeError)) as info:  # 3.10/3.11 wrap it

        class Wrong(PageState):
            nonsense: Param[int] = Param()

    assert "not a page parameter" in f"{info.value} {info.value.__cause__}"


def test_a_page_computed_default_is_left_out_of_the_link():
    session: dict = {}
    ps = PageState(session)
    ps.baseline = date(2025, 6, 1)
    assert page_params_to_query(session) == {"baseline": "2025-06-01"}
    ps.set_default(PageState.baseline, date(2025, 6, 1))
    assert session[DEFAULT_PREFIX + "k_cmp_baseline"] == date(2025, 6, 1)
    assert page_params_to_query(session) == {}


def test_ensure_stores_defaults_only_where_nothing_is_stored():
    session: dict = {"k_heat": True}
    ps = PageState(session)
    ps.ensure(PageState.gaps, PageState.heat, PageState.h3_res)
    assert session == {"k_heat": True, "k_gaps": True, "k_h3_res": 8}


def test_kept_and_widget_values_and_forget():
    session: dict = {}
    ps = PageState(session)
    assert ps.selected is None and ps.playing is False and ps.compare_picker is None
    ps.selected = {"layer": "venues", "id": "v1", "lon": 116.4, "lat": 39.9}
    ps.compare_picker = ["110105"]
    assert session["k_selected"]["id"] == "v1" and session["w_compare"] == ["110105"]
    assert ps.has(PageState.selected)
    ps.forget(PageState.selected)
    assert not ps.has(PageState.selected) and ps.selected is None


def test_per_layer_category_filters():
    ps = PageState({})
    param = PageState.categories_of("key-locations")
    assert param is PageState.cat_key_locations and param.key == "k_cat_key-locations"
    ps.set(param, ["hotel"])
    assert ps.get(param) == ["hotel"] and ps.cat_key_locations == ["hotel"]
