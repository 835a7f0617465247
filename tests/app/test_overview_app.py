"""The Overview page in-process (AppTest): numbers from the data, language, district, URL."""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

from dashboard.engine import stats
from dashboard.engine.layers import load_all
from dashboard.views.maps import NO_BASEMAP
from tests.app.conftest import open_page


def _run(query: dict | None = None) -> AppTest:
    return open_page(None, query)


def test_kpis_match_the_data(private_home):
    at = _run()
    assert not at.exception
    assert at.title[0].value == "北京国际交往地图"
    expected = stats.layer_totals(load_all(private_home))
    shown = [int(m.value.replace(",", "")) for m in at.metric]
    assert shown == list(expected.values())
    # the synthetic payment layer is labelled as such
    assert any("示意数据" in w.value for w in at.warning)


def test_language_switch_and_district_filter(private_home):
    at = _run()
    at.sidebar.radio[0].set_value("en").run()
    assert at.title[0].value == "Beijing Exchange Atlas"
    assert at.query_params["lang"] == "en"
    at.sidebar.selectbox[0].set_value("110105").run()
    layers = load_all(private_home)
    expected = stats.layer_totals(layers, "110105")
    assert [int(m.value.replace(",", "")) for m in at.metric] == list(expected.values())
    assert at.query_params["district"] == "110105"
    assert any("illustrative" in w.value for w in at.warning)


def test_link_restores_view_and_map_is_offline():
    at = _run({"lang": "en", "district": "110101", "layers": "venues,key-locations"})
    assert not at.exception
    assert at.sidebar.selectbox[0].value == "110101"
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    ids = [layer["id"] for layer in spec["layers"]]
    assert ids == ["districts", "district-chosen", "district-labels", "venues", "key-locations"]
    chosen = spec["layers"][1]["data"]["features"]
    assert [f["properties"]["adcode"] for f in chosen] == ["110101"]
    assert spec["mapStyle"] == NO_BASEMAP  # no MapLibre map, no basemap request
    # toggles reflect the link
    toggles = {t.label: t.value for t in at.toggle}
    assert toggles["Venues"] and not toggles["Payment points"]


def test_layer_toggle_updates_map():
    at = _run({"lang": "en"})
    next(t for t in at.toggle if t.label == "Payment points").set_value(False).run()
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    assert "payments" not in [layer["id"] for layer in spec["layers"]]
    assert at.query_params["layers"] == "venues,organizations,events,key-locations"


def test_long_lived_objects_are_frozen_once(private_home):
    """After the first run the modules and data sit outside the cycle collector's scans
    (cache.freeze_heap_once), and later runs do not freeze again."""
    import gc

    from dashboard.ui import cache

    _run()
    frozen = gc.get_freeze_count()
    assert cache._HEAP_FROZEN and frozen > 10_000
    _run()
    assert gc.get_freeze_count() == frozen
