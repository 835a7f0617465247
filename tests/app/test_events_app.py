"""The Events page in-process (AppTest): numbers equal the functions', language, URL state."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.core.standards import uniform_standards
from dashboard.engine import events as ev
from dashboard.engine.layers import load_all
from dashboard.views import events as evv
from dashboard.views.maps import NO_BASEMAP
from loaders.standards_store import load_standards
from tests.app.conftest import open_page
from tests.events_sample import MAJOR, install

PAGE = "../pages/events.py"


@pytest.fixture
def home(private_home):
    install(private_home)
    return private_home


def _run(query: dict | None = None) -> AppTest:
    return open_page(PAGE, query)


def _expected(home, ref: date, *, district="all", radius_m=2000.0, venue_radius_m=500.0, std=None):
    layers = load_all(home)
    std = std or uniform_standards(load_standards(home))
    ready = ev.event_readiness(
        layers["events"],
        layers["venues"],
        layers["key-locations"],
        layers["payments"],
        std,
        radius_m=radius_m,
        venue_radius_m=venue_radius_m,
    )
    return ev.order_events(
        ev.filter_events(ready, district=district), ref, major_first=True
    ), layers


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _event_tab(query: dict) -> AppTest:
    """The page opened on its second tab, as a link with ``ev_tab=event`` does."""
    return _run({**query, "ev_tab": "event"})


def test_numbers_on_screen_equal_the_functions(home):
    at = _run({"as_of": "2024-09-01"})
    assert not at.exception
    assert at.title[0].value == "展会与论坛：时间线与支付便利准备度"
    want, layers = _expected(home, date(2024, 9, 1))
    m = _metrics(at)
    assert m["活动"] == str(len(want))
    assert m["进行中/即将举办"] == str(int(want["status"].isin(["ongoing", "upcoming"]).sum()))
    assert m["准备度中位数"] == evv.pct(want["readiness"].median())
    # the list is the function's table, upcoming first
    shown = at.dataframe[0].value
    pd.testing.assert_frame_equal(
        shown.reset_index(drop=True), evv.events_table(want, "zh").reset_index(drop=True)
    )
    assert shown.iloc[0]["状态"].endswith("即将举办")
    # the calendar tab is open; the event's surroundings are not drawn behind it
    assert at.session_state["k_ev_tab"] == "calendar"
    assert len(at.get("deck_gl_json_chart")) == 0 and len(at.dataframe) == 1
    # the highlighted row is the selected event: the first of the order
    first = want.iloc[0]
    assert at.session_state["w_ev_table"]["selection"]["rows"] == [0]
    assert at.session_state["k_event"] == first["id"]
    # the other tab shows that event, its numbers the function's
    at.session_state["k_ev_tab"] = "event"
    at.run()
    assert not at.exception
    m = _metrics(at)
    assert at.selectbox(key="k_event").value == first["id"]
    assert m["准备度"] == evv.pct(first["readiness"])
    assert m["R 内重点场所"] == str(first["nearby"])
    assert m["缺口"] == str(first["gaps"])
    assert m["场馆 500 米内支付点"] == str(first["venue_points"])
    assert m["活动"] == str(len(want))  # the page's KPIs stay above the tabs
    assert len(at.get("vega_lite_chart")) == 0  # the calendar is not drawn behind it
    # gaps table = event_gaps of event_places
    std = uniform_standards(load_standards(home))
    places = ev.event_places(
        first, layers["venues"], layers["key-locations"], layers["payments"], std
    )
    gaps = ev.event_gaps(places, layers["payments"])
    assert len(gaps)
    pd.testing.assert_frame_equal(
        at.dataframe[0].value.reset_index(drop=True), evv.gaps_table(gaps, "zh")
    )
    # synthetic payments are labelled
    assert any("示意数据" in w.value for w in at.warning)
    assert at.query_params["ev_tab"] == "event"


def test_tab_and_event_survive_a_page_switch_and_the_calendar_marks_the_event(home):
    at = _event_tab({"as_of": "2024-09-01", "lang": "en"})
    at.selectbox(key="k_event").set_value("TE04").run()
    at.switch_page("../pages/compare.py").run()
    at.switch_page("../pages/events.py").run()
    assert not at.exception
    assert at.selectbox(key="k_event").value == "TE04"
    at.session_state["k_ev_tab"] = "calendar"
    at.run()
    want, _ = _expected(home, date(2024, 9, 1))
    assert at.session_state["w_ev_table"]["selection"]["rows"] == [
        want["id"].tolist().index("TE04")
    ]
    assert "ev_tab" not in at.query_params  # the default tab is left out of the link


def test_map_is_offline_and_colours_follow_coverage(home):
    at = _event_tab({"as_of": "2024-09-01"})
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    ids = [layer["id"] for layer in spec["layers"]]
    assert ids[:3] == ["districts", "ring-r", "ring-venue"]
    assert "venue" in ids and "key-locations" in ids
    assert spec["mapStyle"] == NO_BASEMAP  # no MapLibre map, no basemap request
    want, layers = _expected(home, date(2024, 9, 1))
    first = want.iloc[0]
    keys = next(x for x in spec["layers"] if x["id"] == "key-locations")["data"]
    red = sum(r["color"][:3] == list(evv.GAP_RGB) for r in keys)
    assert len(keys) == first["nearby"] and red == first["gaps"]


def test_many_places_within_r_are_drawn_from_tiles(home, monkeypatch):
    """Above the tiling threshold (a city-wide survey: thousands of places within R) the
    event's key locations and payment points come from tiles, every place counted, gaps
    kept apart from covered places, the legend saying what a circle stands for."""
    from dashboard.views import tiles

    monkeypatch.setattr(tiles, "AGGREGATE_ABOVE", 0)  # every non-empty layer is "many"
    at = _event_tab({"as_of": "2024-09-01", "lang": "en"})
    assert not at.exception
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    by_id = {layer["id"]: layer for layer in spec["layers"]}
    want, _ = _expected(home, date(2024, 9, 1))
    first = want.iloc[0]
    keys = by_id["key-locations"]
    assert keys["@@type"] in ("GeoJsonLayer", "TileLayer")
    if keys["@@type"] == "GeoJsonLayer":  # no tile server in-process: the view's clusters
        feats = keys["data"]["features"]
        assert sum(f["properties"].get("n", 1) for f in feats) == first["nearby"]
        singles = [f["properties"] for f in feats if "n" not in f["properties"]]
        gaps = [p for p in singles if p["cls"] == "gap"]
        assert all(" m from the venue" in p["tt_body"] for p in singles)
        assert all("nearest qualifying point" in p["tt_body"] for p in gaps)
        if len(singles) == len(feats):
            assert len(gaps) == first["gaps"]
    assert by_id["payments"]["@@type"] in ("GeoJsonLayer", "TileLayer")
    captions = " ".join(c.value for c in at.caption)
    assert tiles.legend_text([], "en") == "" and "circle" in captions.lower()


def test_select_event_and_radius(home):
    at = _event_tab({"as_of": "2024-09-01", "lang": "en"})
    at.selectbox(key="k_event").set_value("TE04").run()
    want, _ = _expected(home, date(2024, 9, 1))
    row = want.set_index("id").loc["TE04"]
    m = _metrics(at)
    assert m["Readiness"] == evv.pct(row["readiness"])
    assert m["Key locations within R"] == str(row["nearby"])
    at.slider(key="k_ev_radius").set_value(1.0).run()
    at.slider(key="k_ev_venue_radius").set_value(300).run()
    want, _ = _expected(home, date(2024, 9, 1), radius_m=1000.0, venue_radius_m=300.0)
    row = want.set_index("id").loc["TE04"]
    m = _metrics(at)
    assert at.selectbox(key="k_event").value == "TE04"
    assert m["Key locations within R"] == str(row["nearby"])
    assert m["Payment points within 300 m"] == str(row["venue_points"])
    assert m["Readiness"] == evv.pct(row["readiness"])


def test_language_switch_keeps_selection(home):
    at = _event_tab({"as_of": "2024-09-01"})
    at.selectbox(key="k_event").set_value("TE06").run()
    at.sidebar.radio[0].set_value("en").run()
    assert not at.exception
    assert at.title[0].value == "Events: timeline and payment readiness"
    assert at.query_params["lang"] == "en"
    assert at.selectbox(key="k_event").value == "TE06"
    assert "Beijing International Film Festival" in at.subheader[-2].value
    assert "Events" in _metrics(at)
    assert any("illustrative" in w.value for w in at.warning)
    assert at.session_state["k_ev_tab"] == "event"  # the tab's new label, the same tab
    assert at.subheader[0].value.startswith("Beijing International Film Festival")


def test_link_restores_district_and_reference_date(home):
    at = _run({"lang": "en", "district": "110105", "as_of": "2025-01-01"})
    assert not at.exception
    assert at.sidebar.selectbox[0].value == "110105"
    assert any("2025-01-01" in c.value and "as-of" in c.value for c in at.caption)
    want, _ = _expected(home, date(2025, 1, 1), district="110105")
    assert set(want["adcode"]) == {"110105"}
    assert _metrics(at)["Events"] == str(len(want))
    assert at.dataframe[0].value["Event"].tolist() == [
        evv._name(want, "en").iloc[i] for i in range(len(want))
    ]
    assert at.query_params["district"] == "110105" and at.query_params["as_of"] == "2025-01-01"


def test_year_and_category_filters(home):
    at = _run({"lang": "en", "as_of": "2024-09-01"})
    at.multiselect(key="k_ev_years").set_value([2023]).run()
    shown = at.dataframe[0].value
    assert all(str(d.year) <= "2024" for d in shown["Starts"])
    at.multiselect(key="k_ev_cats").set_value(["forum"]).run()
    shown = at.dataframe[0].value
    assert set(shown["Category"]) == {"Forum"}
    at.multiselect(key="k_ev_cats").set_value([]).run()
    assert any("No events match" in i.value for i in at.info)


def test_no_events_says_so(private_home):
    from loaders.workspace import commit

    cols = ["id", "name_zh", "name_en", "category", "adcode", "lon", "lat", "start_date"]
    commit("events", pd.DataFrame(columns=cols + ["end_date"]), replace=True, home=private_home)
    at = _run({"lang": "en"})
    assert not at.exception
    assert any("no events" in i.value for i in at.info)


def test_link_restores_filters_radius_and_event(home):
    at = _run(
        {
            "lang": "en",
            "as_of": "2024-09-01",
            "ev_years": "2024,2025",
            "ev_cats": "forum",
            "ev_r": "1.5",
            "event": "TE05",
        }
    )
    assert not at.exception
    assert at.multiselect(key="k_ev_years").value == [2024, 2025]
    assert at.multiselect(key="k_ev_cats").value == ["forum"]
    assert at.slider(key="k_ev_radius").value == 1.5
    shown = at.dataframe[0].value
    assert set(shown["Category"]) == {"Forum"}
    row = at.session_state["w_ev_table"]["selection"]["rows"][0]
    assert shown.iloc[row]["Event"] == "Beijing Culture Forum"  # TE05, marked in the list
    at.session_state["k_ev_tab"] = "event"
    at.run()
    assert at.selectbox(key="k_event").value == "TE05"
    assert at.query_params["event"] == "TE05" and at.query_params["ev_tab"] == "event"
    at.multiselect(key="k_ev_cats").set_value([]).run()
    assert at.query_params["ev_cats"] == "none" and at.query_params["ev_years"] == "2024,2025"


@pytest.mark.parametrize(
    "lang,toggle,col,labels",
    [
        ("zh", "只看四大国际活动", "四大活动", ["中关村论坛", "北京文化论坛"]),
        ("en", "Only the four major international events", "Major event", ["Zhongguancun Forum"]),
    ],
)
def test_filter_to_the_four_major_events(home, lang, toggle, col, labels):
    at = _run({"lang": lang, "as_of": "2024-09-01"})
    assert not at.exception
    assert at.toggle(key="k_ev_major").label == toggle
    assert len(at.dataframe[0].value) == 10  # every sample event while the toggle is off
    at.toggle(key="k_ev_major").set_value(True).run()
    assert not at.exception
    want, _ = _expected(home, date(2024, 9, 1))
    want = want[ev.major_key(want) != ""]
    assert sorted(want["id"]) == sorted(MAJOR)
    shown = at.dataframe[0].value
    pd.testing.assert_frame_equal(
        shown.reset_index(drop=True), evv.events_table(want, lang).reset_index(drop=True)
    )
    assert shown[col].ne("").all() and set(labels) <= set(shown[col])
    assert _metrics(at)["活动" if lang == "zh" else "Events"] == "4"
    assert at.query_params["ev_major"] == "1"
    # the link restores it
    again = _run({"lang": lang, "as_of": "2024-09-01", "ev_major": "1"})
    assert again.toggle(key="k_ev_major").value is True
    assert len(again.dataframe[0].value) == 4


def test_major_events_are_listed_first_within_each_status(home):
    at = _run({"lang": "en", "as_of": "2024-09-01"})
    shown = at.dataframe[0].value
    upcoming = shown[shown["Status"].str.endswith("Upcoming")]
    major = upcoming["Major event"] != ""
    # every upcoming major edition comes before every other upcoming event
    assert major.any() and (~major).any()
    assert major.tolist() == sorted(major.tolist(), reverse=True)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_major_tab_shows_the_engine_readiness_by_edition(home, lang):
    at = _run({"lang": lang, "as_of": "2025-01-01", "ev_tab": "major"})
    assert not at.exception
    layers = load_all(home)
    std = uniform_standards(load_standards(home))
    rows = ev.major_event_readiness(
        layers["events"],
        layers["venues"],
        layers["key-locations"],
        layers["payments"],
        std,
        as_of="2025-01-01",
    )
    assert len(rows) == 4
    table = at.dataframe[0].value
    pd.testing.assert_frame_equal(
        table.reset_index(drop=True), evv.major_readiness_table(rows, lang)
    )
    assert len(at.get("vega_lite_chart")) == 1  # the readiness chart, not the timeline
    assert len(at.get("deck_gl_json_chart")) == 0
    title = "四大国际活动场馆周边的支付便利（历届）" if lang == "zh" else "Payment readiness"
    assert any(s.value.startswith(title) for s in at.subheader)
    assert any("2025-01-01" in c.value and "PROVENANCE" in c.value for c in at.caption)
    # the district follows the shared view: Xicheng holds only the Financial Street Forum
    at = _run({"lang": lang, "as_of": "2025-01-01", "ev_tab": "major", "district": "110102"})
    xicheng = rows[rows["adcode"] == "110102"].reset_index(drop=True)
    assert xicheng["id"].tolist() == ["TE04"]
    pd.testing.assert_frame_equal(
        at.dataframe[0].value.reset_index(drop=True), evv.major_readiness_table(xicheng, lang)
    )
