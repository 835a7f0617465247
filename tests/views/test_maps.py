"""Map builders: offline decks, escaped tooltips, sensible views."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd

from dashboard.engine.layers import points_frame, read_districts
from dashboard.views import maps


def test_tooltips_escape_user_text():
    df = pd.DataFrame(
        [
            dict(
                id="K1",
                name_zh="<script>alert(1)</script>",
                name_en="<b>x</b>",
                category="hotel",
                sector="accommodation",
                adcode="110101",
                lon=116.41,
                lat=39.91,
                address="<img src=x onerror=alert(1)>",
            )
        ]
    )
    gdf = points_frame(df, "key-locations")
    rec = maps.point_records(gdf, "key-locations", "zh", {"110101": "东城区"})[0]
    # user text only travels in data fields, which the deck.gl component escapes; the
    # HTML template is fixed and references nothing else
    assert rec["tt_title"] == "<script>alert(1)</script>"
    assert "东城区" in rec["tt_body"] and "<img" in rec["tt_body"]
    import re

    fields = set(re.findall(r"{(\w+)}", maps.TOOLTIP["html"]))
    assert fields == {"tt_title", "tt_sub", "tt_body"}


def test_deck_needs_no_internet():
    d = read_districts()
    deck = maps.make_deck([maps.district_layer(maps.districts_geojson(d, "en"))], maps.view_for(d))
    spec = json.loads(deck.to_json())
    # pydeck's "not set" marker and no provider: Streamlit then draws no MapLibre map and
    # adds no (online) Carto style of its own
    assert spec.get("mapStyle") == maps.NO_BASEMAP == "__MAP_STYLE__"
    assert spec.get("mapProvider") in (None, "")
    assert "http" not in json.dumps(spec["layers"])


def test_view_for_district_zooms_in():
    d = read_districts()
    city = maps.view_for(d)
    dong = maps.view_for(d, "110101")
    assert dong["zoom"] > city["zoom"] + 2
    poly = d.loc[d["adcode"] == "110101", "geometry"].iloc[0]
    assert poly.contains(gpd.points_from_xy([dong["longitude"]], [dong["latitude"]])[0])


def test_district_geojson_highlight_and_names():
    d = read_districts()
    gj = maps.districts_geojson(d, "zh", highlight="110105")
    props = {f["properties"]["adcode"]: f["properties"] for f in gj["features"]}
    assert props["110105"]["name"] == "朝阳区"
    assert props["110105"]["fill"][3] > props["110101"]["fill"][3]


def test_served_outlines_are_current(tmp_path):
    """dashboard/static holds exactly what geodata/build_display.py writes today."""
    from dashboard.core.i18n import LANGS

    fresh = maps.write_outlines(read_districts(), LANGS, tmp_path)
    for path in fresh:
        shipped = maps.STATIC_DIR / path.name
        assert shipped.exists(), f"{shipped} missing: run python geodata/build_display.py"
        assert shipped.read_bytes() == path.read_bytes(), f"{shipped.name} is stale: rebuild it"
    gj = json.loads((maps.STATIC_DIR / maps.outline_file("zh", "wgs84")).read_text("utf-8"))
    assert sorted(f["properties"]["name"] for f in gj["features"])[0].endswith("区")
    assert len(gj["features"]) == 16


def test_outline_url_is_versioned_by_content(tmp_path):
    assert maps.outline_url("en", "wgs84", tmp_path) is None  # not built: caller sends inline
    (tmp_path / maps.outline_file("en", "wgs84")).write_text('{"a":1}', "utf-8")
    url = maps.outline_url("en", "wgs84", tmp_path)
    assert url.startswith("app/static/districts-en-wgs84.json?v=")
    other = tmp_path / "b"
    other.mkdir()
    (other / maps.outline_file("en", "wgs84")).write_text('{"a":2}', "utf-8")
    assert maps.outline_url("en", "wgs84", other) != url


def test_gcj02_outlines_are_shifted_for_the_amap_basemap():
    w = json.loads((maps.STATIC_DIR / maps.outline_file("en", "wgs84")).read_text("utf-8"))
    g = json.loads((maps.STATIC_DIR / maps.outline_file("en", "gcj02")).read_text("utf-8"))
    a = np.array(w["features"][0]["geometry"]["coordinates"][0][0])
    b = np.array(g["features"][0]["geometry"]["coordinates"][0][0])
    shift = b - a  # GCJ-02 in Beijing: ~+0.006° lon, ~+0.001° lat
    assert 0.004 < shift[0] < 0.008 and 0.0 < shift[1] < 0.003


def test_labels_per_distinct_value_equal_labels_per_row():
    from dashboard.views.maps import _per_value

    values = pd.Series(["a", None, "b", "a", float("nan"), "b"], index=[5, 4, 3, 2, 1, 0])
    calls: list = []

    def label(v):
        calls.append(v)
        return "missing" if pd.isna(v) else v.upper()

    got = _per_value(values, label)
    want = values.map(lambda v: "missing" if pd.isna(v) else v.upper())
    pd.testing.assert_series_equal(got, want.astype(object))
    assert len(calls) < len(values)  # once per distinct value
