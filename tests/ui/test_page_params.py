"""Page filters round-trip through the URL; invalid values are dropped, defaults omitted."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashboard.core.model import CAPABILITIES, SECTORS
from dashboard.ui.page_params import (
    DEFAULT_PREFIX,
    PAGE_PARAMS,
    filter_value,
    page_params_from_query,
    page_params_to_query,
)


def test_round_trip_of_every_kind():
    session = {
        "k_cat_venues": ["convention_center", "state_guesthouse"],
        "k_sectors": ["dining"],
        "k_gaps": False,
        "k_h3": True,
        "k_h3_res": 9,
        "k_metric": "coverage",
        "k_search": "北京饭店",
        "k_place": "key-locations:K002",
        "k_cmp_rank_by": "uncovered",
        "k_cmp_baseline": date(2024, 6, 30),
        "k_dp_target": 85.5,
        "k_dp_k": 4,
        "k_dp_tab": "siting",
        "k_ev_years": [2024],
        DEFAULT_PREFIX + "k_ev_years": [2023, 2024, 2025],
        "k_ev_cats": [],
        DEFAULT_PREFIX + "k_ev_cats": ["forum", "fair"],
        "k_ev_radius": 1.5,
        "k_event": "E007",
        "k_ev_tab": "event",
        "k_custom_url": "https://tiles.example.org/{z}/{x}/{y}.png",
    }
    query = page_params_to_query(session)
    assert query["cat_venues"] == "convention_center,state_guesthouse"
    assert query["gaps"] == "0" and query["h3"] == "1" and query["ev_cats"] == "none"
    assert query["baseline"] == "2024-06-30" and query["ev_r"] == "1.5"
    assert query["ev_tab"] == "event"
    back = page_params_from_query(query)
    for key, value in back.items():
        assert value == session[key], key
    assert set(back) == {k for k in session if not k.startswith(DEFAULT_PREFIX)}


def test_defaults_are_left_out():
    session = {
        "k_gaps": True,
        "k_heat": False,
        "k_sectors": [],
        "k_metric": "none",
        "k_search": "",
        "k_ev_years": [2023, 2024],
        DEFAULT_PREFIX + "k_ev_years": [2023, 2024],
        "k_dp_target": None,
        "k_ev_tab": "calendar",
    }
    assert page_params_to_query(session) == {}


def test_defaults_computed_by_the_page_are_left_out():
    session = {
        "k_cmp_baseline": date(2024, 10, 12),
        DEFAULT_PREFIX + "k_cmp_baseline": date(2024, 10, 12),
        "k_dp_k": 3,
        DEFAULT_PREFIX + "k_dp_k": 3,
        "k_ev_radius": 2.0,
        "k_ev_venue_radius": 500,
    }
    assert page_params_to_query(session) == {}
    session["k_cmp_baseline"] = date(2024, 6, 30)
    assert page_params_to_query(session) == {"baseline": "2024-06-30"}


def test_invalid_values_are_dropped_not_fatal():
    got = page_params_from_query(
        {
            "sectors": "dining,<script>,shopping",
            "gaps": "maybe",
            "h3_res": "12",
            "metric": "bogus",
            "place": "venues:V001'; drop",
            "baseline": "2024-13-01",
            "target": "nan",
            "ev_years": "2024,abc",
            "event": "E001",
            "ev_tab": "map",
            "tiles": "javascript:alert(1)/{z}/{x}/{y}",
            "unknown": "x",
        }
    )
    assert got == {"k_sectors": ["dining", "shopping"], "k_event": "E001"}


def test_parameter_names_and_keys_are_unique():
    keys = [p.key for p in PAGE_PARAMS.values()]
    assert len(keys) == len(set(keys))
    assert all(k.startswith("k_") for k in keys)  # kept across page switches


@given(
    sectors=st.lists(st.sampled_from(list(SECTORS)), unique=True),
    caps=st.lists(st.sampled_from(list(CAPABILITIES)), unique=True),
    heat=st.booleans(),
    text=st.text(max_size=100),
)
def test_round_trip_property(sectors, caps, heat, text):
    session = {"k_sectors": sectors, "k_caps": caps, "k_heat": heat, "k_search": text}
    back = page_params_from_query(page_params_to_query(session))
    assert back.get("k_sectors", []) == sectors
    assert back.get("k_caps", []) == caps
    assert back.get("k_heat", False) == heat
    assert back.get("k_search", "") == text


def test_filter_value_is_the_session_value_or_the_registry_default():
    assert filter_value({"k_caps": ["cash"]}, "k_caps") == ["cash"]
    assert filter_value({}, "k_caps") == []  # a closed filter never set: its default
    assert filter_value({}, "k_gaps") is True and filter_value({}, "k_h3_res") == 8
    default = filter_value({}, "k_sectors")
    default.append("dining")  # a copy: the registry's default stays empty
    assert filter_value({}, "k_sectors") == []
    with pytest.raises(KeyError, match="not a page filter"):
        filter_value({}, "k_nope")


def test_an_old_what_if_link_opens_the_siting_tab_and_new_links_name_the_tab():
    # written before the District profile had tabs: the what-if was on the page
    assert page_params_from_query({"what_if": "1"})["k_dp_tab"] == "siting"
    assert page_params_from_query({"sites": "5"})["k_dp_tab"] == "siting"
    assert "k_dp_tab" not in page_params_from_query({"ref": "target"})
    # a tab the link names wins
    got = page_params_from_query({"what_if": "1", "dp_tab": "uncovered"})
    assert got["k_dp_tab"] == "uncovered" and got["k_dp_what_if"] is True
    # links written now name the tab when they carry what_if or sites, so reopening one
    # restores the tab that was open, default or not
    session = {"k_dp_what_if": True, "k_dp_tab": "uncovered"}
    query = page_params_to_query(session)
    assert query == {"what_if": "1", "dp_tab": "uncovered"}
    assert page_params_from_query(query)["k_dp_tab"] == "uncovered"
    assert page_params_to_query({"k_dp_tab": "siting"}) == {"dp_tab": "siting"}
    assert page_params_to_query({"k_dp_tab": "uncovered"}) == {}
