"""The Work list and Inspect maps of a city-wide survey: every item is on the map, grouped in
clusters coloured by reason / check status with their counts (AppTest draws the tiles
inline), no "the map shows the first N" cap, and the legend says what a circle and a dot
stand for. A district of few items keeps its plain dots."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.citygen import build_city
from dashboard.core.inspections import REASONS

from .conftest import open_page

CITY = (20_000, 10_000)


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> Path:
    """One synthetic city of 20k places and 10k payment points, built once for the module."""
    home = tmp_path_factory.mktemp("city") / "home"
    build_city(home, *CITY, seed=11)
    return home


@pytest.fixture
def big(city: Path, monkeypatch) -> Path:
    monkeypatch.setenv("EXCHANGE_ATLAS_HOME", str(city))
    return city


def _layer(at, layer_id: str) -> dict:
    (chart,) = at.get("deck_gl_json_chart")
    spec = json.loads(chart.proto.json)
    return {x["id"]: x for x in spec["layers"]}[layer_id]


def _count(layer: dict) -> int:
    return sum(f["properties"].get("n", 1) for f in layer["data"]["features"])


def _items(at) -> int:
    """The item count the page's subheader states ("12,345 items due (…)")."""
    text = next(h.value for h in at.subheader if "items due" in h.value or "项待检" in h.value)
    return int(text.split(" ")[0].replace(",", ""))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_work_list_map_shows_every_item_in_clusters_by_reason(big, lang):
    at = open_page("../pages/worklist.py", {"lang": lang})
    assert not at.exception
    n = _items(at)
    assert n > 5_000  # the city's list, well above the old 2,000 cap
    layer = _layer(at, "worklist")
    assert layer["@@type"] == "GeoJsonLayer"  # tiles drawn inline (no server in AppTest)
    assert _count(layer) == n  # every item counted once, in a cluster or alone
    clusters = [f["properties"] for f in layer["data"]["features"] if "n" in f["properties"]]
    assert clusters and len(layer["data"]["features"]) < 1_000  # not a carpet of dots
    for c in clusters:  # each one's counts by reason add up, its fill the majority's
        assert sum(c["k"]) == c["n"] and c["cls"] == list(REASONS)[c["k"].index(max(c["k"]))]
    captions = " ".join(c.value for c in at.caption)
    assert "The map shows the first" not in captions and "地图显示前" not in captions
    if lang == "en":
        assert "a circle with a number stands for that many places" in captions
        assert "A dot is one place in the colour of its reason" in captions
    else:
        assert "带数字的圆圈" in captions and "单个点按其原因着色" in captions
    legend = " ".join(m.value for m in at.markdown if "atlas-class-legend" in m.value)
    assert ("Newly uncovered" if lang == "en" else "新近失去覆盖") in legend


def test_the_inspect_map_shows_every_payment_point_in_clusters_by_status(big):
    at = open_page("../pages/inspect.py", {"lang": "en"})
    assert not at.exception
    layer = _layer(at, "payments")
    assert layer["@@type"] == "GeoJsonLayer"
    assert _count(layer) == CITY[1]  # all of them, not the 3,000 nearest
    clusters = [f["properties"] for f in layer["data"]["features"] if "n" in f["properties"]]
    assert clusters and all(c["tt_title"].endswith("Payment points") for c in clusters)
    assert {c["cls"] for c in clusters} == {"never"}  # nobody has inspected anything yet
    captions = " ".join(c.value for c in at.caption)
    assert "A dot is one place in the colour of its check status" in captions


def test_a_district_of_few_items_keeps_its_dots(big):
    at = open_page("../pages/worklist.py", {"lang": "en", "district": "110116"})
    assert not at.exception
    n = _items(at)
    assert 0 < n <= 2_000
    layer = _layer(at, "worklist")
    assert layer["@@type"] == "ScatterplotLayer" and len(layer["data"]) == n
    assert not any("grouped" in c.value for c in at.caption)
