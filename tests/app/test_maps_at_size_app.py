"""Maps of a city-wide survey: layers of many places are drawn as clusters, never as a carpet
of dots, and the legend says what a circle stands for (AppTest draws the tiles inline)."""

from __future__ import annotations

import json

from benchmarks.citygen import build_city
from dashboard.views import tiles

from .conftest import open_page


def _layers(at, key: str | None = None) -> dict[str, dict]:
    charts = at.get("deck_gl_json_chart")
    spec = json.loads(charts[0].proto.json)
    return {layer["id"]: layer for layer in spec["layers"]}


def _clusters(layer: dict) -> list[dict]:
    return [f for f in layer["data"]["features"] if "n" in f["properties"]]


def test_a_city_of_many_places_is_drawn_in_clusters_on_every_map(home):
    build_city(home, 6000, 3000, seed=3)
    at = open_page(None, {"lang": "en"})  # the Overview
    layers = _layers(at)
    kl = layers["key-locations"]
    assert kl["@@type"] == "GeoJsonLayer"
    total = sum(f["properties"].get("n", 1) for f in kl["data"]["features"])
    assert total == 6000  # every place counted once, in a cluster or alone
    assert len(kl["data"]["features"]) < 600  # not 6,000 dots
    assert any("grouped" in c.value for c in at.caption)

    at = open_page("../pages/explore.py", {"lang": "zh"})
    layers = _layers(at)
    kl, pay = layers["key-locations"], layers["payments"]
    shares = {tuple(f["properties"]["fill"]) for f in _clusters(kl)}
    assert shares <= {rgba for _, rgba in tiles.COVERAGE_CLASSES}  # coloured by coverage
    assert all(f["properties"]["label"] == "" for f in _clusters(pay))  # rings over them
    assert "gaps" not in layers  # the gaps are the red dots and cluster colours
    assert any("聚合" in c.value for c in at.caption)

    at = open_page("../pages/district.py", {"lang": "en"})  # the whole city's profile
    layers = _layers(at)
    assert _clusters(layers["uncovered"]) and not layers["covered"]["data"]
    assert _clusters(layers["payments"])
    at = open_page("../pages/district.py", {"lang": "en", "district": "110105"})
    layers = _layers(at)  # a district of fewer places: its dots, covered and uncovered
    assert layers["uncovered"]["@@type"] == "ScatterplotLayer" and layers["covered"]["data"]
    assert not at.exception


def test_a_small_layer_stays_dots(home):
    at = open_page(None, {"lang": "en"})  # the shipped data
    layers = _layers(at)
    assert layers["key-locations"]["@@type"] == "ScatterplotLayer"
    assert not any("grouped" in c.value for c in at.caption)


def test_long_tables_send_their_first_rows_and_download_them_all(home, monkeypatch):
    from dashboard.ui import widgets

    build_city(home, 6000, 3000, seed=3)
    monkeypatch.setattr(widgets, "TABLE_ROWS", 50)
    at = open_page("../pages/district.py", {"lang": "en"})
    assert [len(d.value) for d in at.dataframe] == [50]  # the uncovered list, its first rows
    assert any("first 50 of" in c.value for c in at.caption)
    assert any(b.label == "Download all (CSV)" for b in at.get("download_button"))
    at = open_page("../pages/worklist.py", {"lang": "en"})
    assert all(len(d.value) <= 50 for d in at.dataframe)
