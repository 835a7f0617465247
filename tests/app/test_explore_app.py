"""The map explorer in-process: layers, filters, search, details, analysis layers, basemaps."""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

from tests.app.conftest import open_page


def _explore(query: dict | None = None) -> AppTest:
    at = open_page("../pages/explore.py", query)
    assert not at.exception
    return at


def _open(at: AppTest, *names: str) -> AppTest:
    """Open the page's expanders ``names`` as a click would (the state the callback keeps)."""
    for name in names:
        at.session_state[f"_open_{name}"] = True
    return at.run()


def _layer_ids(at: AppTest) -> list[str]:
    return [
        layer["id"] for layer in json.loads(at.get("deck_gl_json_chart")[0].proto.json)["layers"]
    ]


def _selected(at: AppTest) -> list[dict]:
    """The ring around the selected place (the layer is always there, empty without one)."""
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    return next(layer["data"] for layer in spec["layers"] if layer["id"] == "selected")


def test_layers_and_gaps_drawn():
    at = _explore({"lang": "en"})
    ids = _layer_ids(at)
    assert ids[0] == "districts"
    for layer in ("venues", "organizations", "events", "key-locations", "payments", "gaps"):
        assert layer in ids
    assert any("illustrative" in w.value for w in at.warning)


def test_search_shows_details_with_nearest_points():
    at = _explore({"lang": "en"})
    at.text_input(key="k_search").set_value("Beijing Hotel").run()
    assert not at.exception
    md = " ".join(m.value for m in at.markdown)
    assert "Beijing Hotel" in md and "Nearest payment points" in md
    assert any("Distance (m)" in df.value.columns for df in at.dataframe)
    assert len(_selected(at)) == 1


def test_analysis_layers_and_choropleth():
    at = _open(_explore({"lang": "zh"}), "explore_analysis")
    at.toggle(key="k_h3").set_value(True).run()
    at.toggle(key="k_heat").set_value(True).run()
    at.selectbox(key="k_metric").set_value("coverage").run()
    assert not at.exception
    ids = _layer_ids(at)
    assert "h3-grid" in ids and "heat" in ids
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    fills = {tuple(f["properties"]["fill"]) for f in spec["layers"][0]["data"]["features"]}
    assert len(fills) >= 3  # classes, not one colour


def test_filter_by_capability_reduces_payments():
    at = _explore({"lang": "en"})
    before = len(json.loads(at.get("deck_gl_json_chart")[0].proto.json)["layers"][5]["data"])
    _open(at, "explore_filters").multiselect(key="k_caps").set_value(["currency_exchange"]).run()
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    pay = next(layer for layer in spec["layers"] if layer["id"] == "payments")
    assert 0 < len(pay["data"]) < before


def test_amap_basemap_shifts_overlays_and_url_keeps_it():
    at = _explore({"lang": "en", "basemap": "amap"})
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    assert spec["mapStyle"].startswith("data:application/json")
    plain = _explore({"lang": "en"})
    a = next(x for x in spec["layers"] if x["id"] == "venues")["data"][0]
    pspec = json.loads(plain.get("deck_gl_json_chart")[0].proto.json)
    b = next(x for x in pspec["layers"] if x["id"] == "venues")["data"][0]
    assert a["id"] == b["id"] and 0.001 < abs(a["lon"] - b["lon"]) < 0.01  # GCJ-02 shift
    assert at.query_params["basemap"] == "amap"


def test_link_restores_page_filters_and_the_selected_place():
    link = {
        "lang": "en",
        "sectors": "dining,shopping",
        "caps": "cash",
        "gaps": "0",
        "h3": "1",
        "metric": "coverage",
        "place": "key-locations:K002",
    }
    at = _explore(link)
    # closed, the filters are not drawn but apply; the label says how many are on
    assert at.expander[0].label == "Filters · 2 active" and not at.multiselect
    closed = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    assert "gaps" not in _layer_ids(at) and "h3-grid" in _layer_ids(at)
    _open(at, "explore_filters", "explore_analysis")
    assert json.loads(at.get("deck_gl_json_chart")[0].proto.json) == closed
    assert at.multiselect(key="k_sectors").value == ["dining", "shopping"]
    assert at.multiselect(key="k_caps").value == ["cash"]
    assert at.toggle(key="k_gaps").value is False and at.toggle(key="k_h3").value is True
    assert at.selectbox(key="k_metric").value == "coverage"
    assert at.expander[0].label == "Filters · 2 active"  # a colleague sees filters are on
    ids = _layer_ids(at)
    assert "gaps" not in ids and "h3-grid" in ids and len(_selected(at)) == 1
    md = " ".join(m.value for m in at.markdown)
    assert "Beijing Hotel" in md  # K002's details, restored from the link
    for k, v in link.items():
        assert at.query_params[k] == [v] or at.query_params[k] == v, k


def test_user_filters_go_into_the_url():
    at = _open(_explore({"lang": "en"}), "explore_filters", "explore_analysis")
    at.multiselect(key="k_schemes").set_value(["visa", "mastercard"]).run()
    # the label now counts the filter, and the expander stays open with a new label
    assert at.expander[0].label == "Filters · 1 active" and at.multiselect(key="k_schemes")
    at.toggle(key="k_heat").set_value(True).run()
    at.text_input(key="k_search").set_value("Beijing Hotel").run()
    q = {k: v[0] if isinstance(v, list) else v for k, v in at.query_params.items()}
    assert q["schemes"] == "visa,mastercard" and q["heat"] == "1" and q["q"] == "Beijing Hotel"
    assert q["place"].split(":")[0] in ("venues", "key-locations")
    again = _open(_explore(q), "explore_filters")  # the colleague sees the same selection
    md = " ".join(m.value for m in again.markdown)
    assert "Beijing Hotel" in md and again.multiselect(key="k_schemes").value == [
        "visa",
        "mastercard",
    ]


def test_link_to_a_place_the_data_lacks_opens_without_it():
    at = _explore({"lang": "en", "place": "venues:V999"})
    assert _selected(at) == []
    assert "place" not in at.query_params


def test_link_restores_a_custom_basemap_url():
    tiles = "https://tiles.example.org/{z}/{x}/{y}.png"
    at = _explore({"lang": "en", "basemap": "custom", "tiles": tiles})
    assert at.text_input(key="k_custom_url").value == tiles
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    assert spec["mapStyle"].startswith("data:application/json")
    assert at.query_params["tiles"] == tiles
