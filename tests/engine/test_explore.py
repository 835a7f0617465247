"""Explorer questions: filters, search, nearest payment points, choropleth classes, basemaps."""

from __future__ import annotations

import base64
import json
from datetime import date

import numpy as np
import pandas as pd
import pytest

from dashboard.engine import explore
from dashboard.engine.layers import load_all
from dashboard.views import maps
from loaders.chinacrs import wgs84_to_gcj02


@pytest.fixture(scope="module")
def layers(tmp_path_factory):
    return load_all(tmp_path_factory.mktemp("home"))


def test_filters(layers):
    pay = layers["payments"]
    f = explore.Filters(capabilities=("currency_exchange",), card_schemes=())
    got = explore.filter_layer(pay, "payments", f)
    assert len(got) and got["capabilities"].str.contains("currency_exchange").all()
    assert (
        len(got) == pay["capabilities"].str.split(";").map(lambda c: "currency_exchange" in c).sum()
    )
    f = explore.Filters(as_of=date(2024, 1, 1))
    assert (explore.filter_layer(pay, "payments", f)["in_service_date"] <= "2024-01-01").all()
    kl = layers["key-locations"]
    f = explore.Filters(categories={"key-locations": ("hotel",)}, sectors=("accommodation",))
    assert set(explore.filter_layer(kl, "key-locations", f)["category"]) == {"hotel"}
    ev = layers["events"]
    f = explore.Filters(event_dates=(date(2024, 1, 1), date(2024, 12, 31)))
    got = explore.filter_layer(ev, "events", f)
    assert (
        len(got)
        and (got["end_date"] >= "2024-01-01").all()
        and (got["start_date"] <= "2024-12-31").all()
    )


def test_search_zh_and_en(layers):
    zh = explore.search_places(layers, "饭店")
    assert len(zh) and zh["name_zh"].str.contains("饭店").all()
    en = explore.search_places(layers, "hotel")
    assert len(en) and en["name_en"].str.lower().str.contains("hotel").all()
    assert explore.search_places(layers, "   ").empty
    assert explore.search_places(layers, "no such place xyz").empty


def test_nearest_payment_points_brute_force(layers):
    pay = layers["payments"]
    lon, lat = 116.397, 39.909
    near = explore.nearest_payment_points(lon, lat, pay, require=(("foreign_card",),), k=5)
    assert list(near["distance_m"]) == sorted(near["distance_m"])
    # brute force with a local equirectangular approximation: same order of the first few
    d = np.hypot((pay["lon"] - lon) * 85_400, (pay["lat"] - lat) * 111_000)
    assert near["id"].iloc[0] == pay.iloc[int(np.argmin(d))]["id"]
    assert near["distance_m"].iloc[0] == pytest.approx(d.min(), rel=0.02, abs=3)
    assert (near["qualifies"] == near["capabilities"].str.contains("foreign_card")).all()


def test_choropleth_classes():
    v = pd.Series([0.1, 0.2, 0.2, 0.5, 0.9, np.nan])
    classes, bins = explore.choropleth_classes(v, "Quantiles", k=3)
    assert classes[-1] == -1 and len(bins) == 3 and bins[-1] == pytest.approx(0.9)
    assert list(classes[:5]) == sorted(classes[:5])
    assert explore.class_colors(3)[0] != explore.class_colors(3, higher_is_better=False)[0]
    with pytest.raises(ValueError, match="scheme"):
        explore.choropleth_classes(v, "Astrology")


def test_basemap_styles_and_gcj_display_shift():
    assert maps.basemap_style("none") is None
    style = json.loads(base64.b64decode(maps.basemap_style("osm").split(",", 1)[1]))
    assert style["sources"]["basemap"]["tiles"][0].startswith("https://tile.openstreetmap.org")
    assert maps.basemap_style("custom", "javascript:alert(1)") is None
    assert maps.basemap_style("custom", "http://127.0.0.1:9/{z}/{x}/{y}.png") is not None
    assert maps.basemap_system("amap") == "gcj02" and maps.basemap_system("osm") == "wgs84"
    rec = [{"lon": 116.3975, "lat": 39.9087, "id": "x"}]
    shifted = maps.shift_records(rec, "gcj02")[0]
    assert (shifted["lon"], shifted["lat"]) == pytest.approx(wgs84_to_gcj02(116.3975, 39.9087))
    assert maps.shift_records(rec, "wgs84") is rec
