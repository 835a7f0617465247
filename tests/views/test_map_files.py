"""A page's deck as files: the offline HTML (no outside URL, the page's layer data, tooltips
that cannot turn a name into HTML) and the PNG (its layers and legend)."""

from __future__ import annotations

import json
import re
import struct
from datetime import date

import pytest

from dashboard.engine import layers as data
from dashboard.views import charts, map_files, maps
from dashboard.views import events as evv

#: Hosts of script and style CDNs (pydeck's own template loads from several of them).
CDN_HOSTS = (
    "jsdelivr",
    "unpkg",
    "cdnjs",
    "googleapis",
    "bootstrapcdn",
    "mapbox.com",
    "cartocdn",
    "gstatic",
)
HOSTILE = "</script><script>alert(1)</script><img src=x onerror=alert(2)> & {tt_sub}"


@pytest.fixture(scope="module")
def districts():
    return data.load_layer("districts")


@pytest.fixture(scope="module")
def deck(districts):
    """A District-profile-like deck: served outlines, the chosen district, labels, the four
    gap layers; one place with a hostile name."""
    names = dict(zip(districts["adcode"], districts["name_zh"]))
    recs = maps.point_records(data.load_layer("key-locations"), "key-locations", "zh", names)
    recs[0] = {**recs[0], "tt_title": HOSTILE}
    pays = maps.point_records(data.load_layer("payments"), "payments", "zh", names)
    outlines = maps.outline_url("zh", "wgs84")
    assert outlines is not None  # the shipped display outlines
    layers = [
        maps.district_layer(outlines, pickable=False),
        maps.district_layer(
            maps.highlight_geojson(maps.districts_geojson(districts, "zh", "110105"), "110105"),
            pickable=False,
            layer_id="district-chosen",
        ),
        maps.label_layer(maps.district_labels(districts, "zh")),
        *charts.gap_layers(pays, recs[:50], recs[50:], []),
    ]
    return maps.make_deck(layers, maps.view_for(districts, "110105"))


@pytest.fixture(scope="module")
def page(deck):
    return map_files.deck_html(
        deck, lang="zh", title="区概况 · <朝阳区>", notes=["截至 2025-06-30"]
    )


def _outside_bundle(html: str) -> str:
    return html.replace(map_files.bundle_text(), "")


def _spec_in(html: str) -> dict:
    m = re.search(r"const atlasSpec = (.*);\n", html)
    assert m
    return json.loads(m.group(1))


def test_the_file_loads_nothing_from_anywhere(page):
    # no element points outside: no src/href at all, no @import, no url(http…)
    assert not re.search(r"<(script|link|img|iframe)\b[^>]*\b(src|href)\s*=", page, re.I)
    assert not re.search(r"@import|url\(\s*['\"]?https?:", page, re.I)
    rest = _outside_bundle(page)
    assert "http://" not in rest and "https://" not in rest
    for host in CDN_HOSTS:
        assert host not in rest, host
    # and the browser is told to refuse any request the bundle's unused code might make
    assert "default-src 'none'" in page and "connect-src data: blob:" in page
    assert map_files.bundle_version().startswith("9.")
    assert "sourceMappingURL" not in page


def test_the_file_holds_the_page_layers_inline(deck, page):
    spec = _spec_in(page)
    want = map_files.deck_json(deck)
    assert [la["id"] for la in spec["layers"]] == [la["id"] for la in want["layers"]]
    assert spec["layers"] == want["layers"]
    # the served outline file is read into the file: the same GeoJSON the page fetches
    outlines = json.loads((maps.STATIC_DIR / "districts-zh-wgs84.json").read_text("utf-8"))
    assert spec["layers"][0]["data"] == outlines
    assert spec["mapProvider"] is None and spec["mapStyle"] is None
    assert spec["initialViewState"] == json.loads(deck.to_json())["initialViewState"]


def test_names_cannot_become_html(page):
    # the hostile name travels as \\u003c-escaped JSON: it cannot close the script
    assert "</script><script>alert(1)" not in page
    assert page.count("</script>") == 2  # the bundle's and the map's own, nothing else
    assert "\\u003c/script\\u003e" in page
    # the tooltip fills every slot with escaped text, in one pass
    assert "atlasEscape(get(k))" in page and "tooltip: null" in page
    assert "<title>区概况 · &lt;朝阳区&gt;</title>" in page
    spec = _spec_in(page)
    titles = [
        r.get("tt_title")
        for la in spec["layers"]
        if isinstance(la["data"], list)
        for r in la["data"]
    ]
    assert HOSTILE in titles  # unchanged: escaping is the tooltip's job, at display


def test_legend_and_notes(page):
    legend = page[page.index('data-testid="atlas-legend"') :]
    assert "未覆盖的重点场所（缺口）（" in legend and "支付服务点（" in legend
    assert "截至 2025-06-30" in page and "离线文件，无底图" in page


def test_deck_layers_read_every_kind(districts):
    """Scatter (fixed px, rings, metres, coloured per record), GeoJSON, polygons, text and
    heat are all drawn in the PNG."""
    event = {"site_lon": 116.39, "site_lat": 39.99}
    recs = [
        {"lon": 116.39, "lat": 39.99, "color": [*evv.COVERED_RGB, 235], "tt_title": "a"},
        {"lon": 116.40, "lat": 39.98, "color": [*evv.GAP_RGB, 235], "tt_title": "b"},
    ]
    layers = [
        maps.district_layer(maps.districts_geojson(districts, "en")),
        evv._ring(event["site_lon"], event["site_lat"], 3000, evv.VENUE_RGB, "ring-r"),
        evv._points(recs, "key-locations", 6),
        maps.ring_layer([{"lon": 116.4, "lat": 39.98}], "gaps", [220, 30, 30, 230]),
        maps.h3_layer(
            [{"polygon": [[116.3, 39.9], [116.4, 39.9], [116.35, 40.0]], "color": [1, 2, 3, 150]}]
        ),
        maps.heat_layer([{"lon": 116.4, "lat": 39.9, "weight": 1}]),
        maps.label_layer([{"lon": 116.39, "lat": 39.99, "text": "Venue"}], "venue-label"),
    ]
    deck = maps.make_deck(layers, evv.view_around(116.39, 39.99, 3000))
    got = map_files.deck_layers(map_files.deck_json(deck), "en")
    kinds = [(la.kind, la.label) for la in got]
    assert ("areas", "") in kinds  # the outlines
    assert ("areas", "Radius R around the venue") in kinds
    assert ("dots", "Covered key location") in kinds and (
        "dots",
        "Uncovered key location (gap)",
    ) in kinds
    assert ("rings", "Coverage gap") in kinds
    assert ("dots", "Gap density") in kinds and ("text", "") in kinds
    png = map_files.deck_png(deck, lang="en", title="Event", width=500, height=400, scale=1)
    assert struct.unpack(">II", png[16:24])[0] == 500 + 16


def test_basemap_is_left_out_and_said(districts):
    layer = maps.district_layer(maps.districts_geojson(districts, "en"))
    deck = maps.make_deck([layer], maps.BEIJING_VIEW, basemap_style=maps.basemap_style("osm"))
    html = map_files.deck_html(deck, lang="en", title="t")
    assert map_files.has_basemap(deck)
    assert "tile.openstreetmap.org" not in _outside_bundle(html)
    assert "basemap tiles are not in the file" in html


def test_file_names():
    day = date(2025, 6, 30)
    assert map_files.file_name("district", "110105", day, "html") == (
        "atlas-district-110105-2025-06-30.html"
    )
    assert map_files.file_name("overview", "all", day, "png") == "atlas-overview-all-2025-06-30.png"
    assert map_files.file_name("x/../y", "a b", day, "png") == "atlas-x-y-a-b-2025-06-30.png"
