"""The District profile page in-process (AppTest): KPIs, references, gaps, siting, link."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
from streamlit.testing.v1 import AppTest

from dashboard.core.standards import uniform_standards
from dashboard.engine import compare
from dashboard.engine.accessibility import accessibility, district_accessibility
from dashboard.engine.coverage import assess_coverage
from dashboard.engine.layers import load_all
from dashboard.engine.siting import recommend_sites
from dashboard.views import reports
from dashboard.views.maps import NO_BASEMAP
from loaders.standards_store import load_standards
from tests.app.conftest import open_page

PAGE = "../pages/district.py"


def _run(query: dict | None = None) -> AppTest:
    return open_page(PAGE, query)


def _metrics(layers, std, as_of):
    kl, pay, dis = layers["key-locations"], layers["payments"], layers["districts"]
    cov = assess_coverage(kl, pay, dis, std, as_of=as_of)
    scores = accessibility(kl, pay, std, as_of=as_of, districts=dis)
    return cov, scores, compare.district_metrics(cov.districts, district_accessibility(scores))


def _expected_kpis(home, adcode: str, as_of: date | None = None, target=None) -> pd.DataFrame:
    layers = load_all(home)
    std = uniform_standards(load_standards())
    dates = layers["payments"]["in_service_date"].dropna()
    lo, hi = dates.min().date(), dates.max().date()
    prev = compare.previous_date(as_of or hi, lo)
    cov, scores, now = _metrics(layers, std, as_of)
    _, _, before = _metrics(layers, std, prev)
    city = compare.city_reference(cov.districts, scores)
    return compare.district_kpis(adcode, now, before, city, target)


def test_the_city_profile_until_a_district_is_chosen(private_home):
    at = _run({"lang": "en"})
    assert not at.exception
    assert at.title[0].value == "All of Beijing: where foreign visitors can pay"
    assert "Choose a district" in at.caption[0].value
    assert at.selectbox(key="w_dp_district").value == "all"  # the page's own selector
    assert any("illustrative" in w.value for w in at.warning)  # synthetic points on the map
    layers = load_all(private_home)
    std = uniform_standards(load_standards())
    kl, pay, dis = layers["key-locations"], layers["payments"], layers["districts"]
    dates = pay["in_service_date"].dropna()
    prev = compare.previous_date(dates.max().date(), dates.min().date())
    cov, scores, _ = _metrics(layers, std, None)
    old, old_scores, _ = _metrics(layers, std, prev)
    kpis = compare.city_kpis(
        compare.city_reference(cov.districts, scores),
        compare.city_reference(old.districts, old_scores),
    )
    # the city's KPIs against the previous period (it is not compared with itself)
    assert at.radio(key="w_dp_ref").options == [f"Previous period ({prev})", "Target"]
    for card, (m, row) in zip(at.metric[:4], kpis.iterrows()):
        assert card.value == reports.format_metric(m, row["value"])
        assert card.delta == reports.format_delta(m, row["value"] - row["previous"])
    # the city's reference choice is its own (a district's radio offers the city average)
    at.radio(key="w_dp_ref").set_value("target").run()
    assert at.session_state["k_dp_city_ref"] == "target" and at.query_params["city_ref"] == "target"
    # every uncovered key location in the city, with its district
    unc = compare.uncovered_list(cov.places, kl, "all")
    gaps = at.dataframe[0].value
    assert list(gaps["ID"]) == list(unc["id"]) and "District" in gaps.columns
    assert set(gaps["District"]) <= set(load_all(private_home)["districts"]["name_en"])
    # the city's gap map: the same layers the district's map has
    city = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    uncovered = next(x for x in city["layers"] if x["id"] == "uncovered")["data"]
    assert sorted(r["id"] for r in uncovered) == sorted(unc["id"])
    # the siting tab is not drawn behind the list
    assert at.session_state["k_dp_tab"] == "uncovered" and len(at.dataframe) == 1
    assert not [s for s in at.slider if s.key == "k_dp_k"]
    # siting anywhere in the city, up to 20 points, and its what-if, in the other tab
    at.session_state["k_dp_tab"] = "siting"  # as a click on the tab does
    at.run()
    assert len(at.dataframe) == 1  # the sites; the list is not drawn behind them
    at.slider(key="k_dp_k").set_value(12).run()
    at.toggle(key="k_dp_what_if").set_value(True).run()
    res = recommend_sites(kl, pay, dis, std, 12)
    sites = at.dataframe[0].value
    assert sites["Newly covered"].tolist() == res.sites["newly_covered"].tolist()
    names = load_all(private_home)["districts"].set_index("adcode")["name_en"]
    assert sites["District"].tolist() == [names[a] for a in res.sites["adcode"]]
    after = res.after.districts.set_index("adcode").loc["110000"]
    labels = {m.label: m for m in at.metric}
    assert labels["Coverage · After"].value == reports.format_metric("coverage", after["coverage"])
    gaining = compare.districts_gaining(res.before.districts, res.after.districts)
    assert labels["Districts gaining coverage"].value == str(gaining) and gaining > 1
    assert at.query_params["sites"] == "12" and at.query_params["what_if"] == "1"
    assert at.query_params["dp_tab"] == "siting"
    # choosing a district updates the same page: same elements, its own values
    n_elements = len(at.metric), len(at.dataframe), len(at.get("deck_gl_json_chart"))
    at.selectbox(key="w_dp_district").set_value("110101").run()
    assert not at.exception
    chosen = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    assert [x["id"] for x in chosen["layers"]] == [x["id"] for x in city["layers"]]
    assert chosen["initialViewState"] != city["initialViewState"]
    assert (len(at.metric), len(at.dataframe), len(at.get("deck_gl_json_chart"))) == n_elements
    assert at.query_params["district"] == "110101"
    assert at.title[0].value == "Dongcheng District: where foreign visitors can pay"
    assert at.sidebar.selectbox[0].value == "110101"
    assert at.radio(key="w_dp_ref").value == "city"  # a district's own default reference
    assert "District" not in at.dataframe[0].value.columns  # the sites, all in the district
    assert at.session_state["k_dp_tab"] == "siting"
    # the sidebar and the page's selector are one choice: back to the city from the sidebar
    at.sidebar.selectbox(key="w_district").set_value("all").run()
    assert at.selectbox(key="w_dp_district").value == "all"
    assert at.title[0].value.startswith("All of Beijing")
    assert at.radio(key="w_dp_ref").value == "target"  # the city's own choice, kept


def test_the_city_profile_in_chinese_with_a_target(private_home):
    at = _run({"lang": "zh", "city_ref": "target", "target": "90"})
    assert not at.exception
    assert at.title[0].value == "全市：支付便利概况"
    assert at.radio(key="w_dp_ref").value == "target"
    assert at.metric[0].label == "覆盖率" and at.metric[0].delta.startswith("-")
    assert "区" in at.dataframe[0].value.columns
    assert any("示意数据" in w.value for w in at.warning)


def test_kpis_match_the_functions_and_references(private_home):
    at = _run({"lang": "en", "district": "110105"})
    assert not at.exception
    kpis = _expected_kpis(private_home, "110105")
    cards = at.metric[:4]
    for card, (m, row) in zip(cards, kpis.iterrows()):
        assert card.label == reports.header(m, "en")
        assert card.value == reports.format_metric(m, row["value"])
        assert card.delta == reports.format_delta(m, row["value"] - row["city"])
    at.radio(key="w_dp_ref").set_value("previous").run()
    assert at.session_state["k_dp_ref"] == "previous" and at.query_params["ref"] == "previous"
    for card, (m, row) in zip(at.metric[:4], kpis.iterrows()):
        assert card.delta == reports.format_delta(m, row["value"] - row["previous"])
    at.radio(key="w_dp_ref").set_value("target").run()
    assert "Enter a coverage target" in at.info[0].value
    at.number_input(key="k_dp_target").set_value(80.0).run()
    card = at.metric[0]
    assert card.delta == reports.format_delta("coverage", kpis.loc["coverage", "value"] - 0.8)
    assert any("illustrative" in w.value for w in at.warning)


def test_link_restores_the_view_in_chinese_and_english(private_home):
    q = {"district": "110105", "lang": "en", "compare": "110101,110102", "as_of": "2024-12-31"}
    at = _run(q)
    assert not at.exception
    assert at.sidebar.selectbox[0].value == "110105"
    assert at.slider(key="w_as_of").value == date(2024, 12, 31)
    assert "previous period is 2023-12-31" in at.caption[1].value
    kpis = _expected_kpis(private_home, "110105", as_of=date(2024, 12, 31))
    assert at.metric[0].value == reports.format_metric("coverage", kpis.loc["coverage", "value"])
    at.sidebar.radio[0].set_value("zh").run()
    assert at.title[0].value == "朝阳区：支付便利概况"
    assert at.metric[0].label == "覆盖率"
    assert any("示意数据" in w.value for w in at.warning)
    assert at.query_params["compare"] == "110101,110102"


def test_gaps_sites_and_what_if(private_home):
    at = _run({"lang": "en", "district": "110105"})
    layers = load_all(private_home)
    std = uniform_standards(load_standards())
    kl, pay, dis = layers["key-locations"], layers["payments"], layers["districts"]
    cov = assess_coverage(kl, pay, dis, std)
    unc = compare.uncovered_list(cov.places, kl, "110105")
    gaps = at.dataframe[0].value
    assert list(gaps["ID"]) == list(unc["id"])
    assert gaps["Distance to nearest qualifying point (m)"].tolist() == (
        unc["distance_m"].round(0).tolist()
    )
    # map: district, gaps, no proposed points until the what-if is on; never a basemap
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    ids = [layer["id"] for layer in spec["layers"]]
    assert ids == [
        "districts",
        "district-chosen",
        "district-labels",
        "payments",
        "covered",
        "uncovered",
        "proposed",
    ]
    assert next(x for x in spec["layers"] if x["id"] == "proposed")["data"] == []
    assert spec["mapStyle"] == NO_BASEMAP  # no MapLibre map, no basemap request
    uncovered = next(x for x in spec["layers"] if x["id"] == "uncovered")
    assert sorted(r["id"] for r in uncovered["data"]) == sorted(unc["id"])

    at.session_state["k_dp_tab"] = "siting"
    at.run()
    k = at.slider(key="k_dp_k").value
    res = recommend_sites(kl, pay, dis, std, k, district="110105")
    sites = at.dataframe[0].value
    assert sites["Newly covered"].tolist() == res.sites["newly_covered"].tolist()
    at.slider(key="k_dp_k").set_value(2).run()
    at.toggle(key="k_dp_what_if").set_value(True).run()
    res = recommend_sites(kl, pay, dis, std, 2, district="110105")
    after = res.after.districts.set_index("adcode").loc["110105"]
    labels = {m.label: m for m in at.metric}
    assert labels["Coverage · After"].value == reports.format_metric("coverage", after["coverage"])
    assert labels["Uncovered (gaps) · After"].value == reports.format_metric(
        "uncovered", after["uncovered"]
    )
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    proposed = next(x for x in spec["layers"] if x["id"] == "proposed")
    assert [r["id"] for r in proposed["data"]] == list(res.sites["id"])
    # back on the list, the what-if's points stay on the map, and the link says which tab
    at.session_state["k_dp_tab"] = "uncovered"
    at.run()
    assert not at.exception and "Coverage · After" not in {m.label for m in at.metric}
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    proposed = next(x for x in spec["layers"] if x["id"] == "proposed")
    assert [r["id"] for r in proposed["data"]] == list(res.sites["id"])
    assert at.query_params["what_if"] == "1" and at.query_params["dp_tab"] == "uncovered"


def test_district_without_key_locations(private_home):
    layers = load_all(private_home)
    has = set(layers["key-locations"]["adcode"].astype(str))
    empty = next((a for a in layers["districts"]["adcode"] if a not in has), None)
    if empty is None:
        return  # every district has key locations in this data
    at = _run({"lang": "en", "district": empty})
    assert not at.exception
    assert any("no key locations" in i.value for i in at.info)
    assert at.metric[0].value == "—"


def test_link_restores_reference_target_and_what_if(private_home):
    at = _run(
        {
            "lang": "en",
            "district": "110105",
            "ref": "target",
            "target": "80",
            "sites": "5",
            "what_if": "1",
        }
    )
    assert not at.exception
    assert at.radio(key="w_dp_ref").value == "target"
    assert at.number_input(key="k_dp_target").value == 80.0
    assert at.slider(key="k_dp_k").value == 5 and at.toggle(key="k_dp_what_if").value is True
    assert at.session_state["k_dp_tab"] == "siting"  # a link from before the tabs opens it
    kpis = _expected_kpis(private_home, "110105", target=0.8)
    assert at.metric[0].delta == reports.format_delta(
        "coverage", kpis.loc["coverage", "value"] - 0.8
    )
    at.slider(key="k_dp_k").set_value(2).run()
    assert at.query_params["sites"] == "2" and at.query_params["target"] == "80"


def test_a_rerun_filters_no_payment_points_again(private_home, monkeypatch):
    """The points in service there then (the synthetic notice, the map) are a cached
    answer per data, district and date: a rerun filters none of the layer's rows (a
    geopandas filter of 50k points cost ~0.15 s of every District profile rerun)."""
    from dashboard.engine import stats

    at = _run({"district": "110105", "as_of": "2024-06-30"})
    assert not at.exception
    calls = []
    real = stats.in_service_in
    monkeypatch.setattr(stats, "in_service_in", lambda *a, **k: calls.append(a) or real(*a, **k))
    at.run()
    assert not at.exception and calls == []


def test_a_radius_step_places_no_tiled_point_again(private_home, monkeypatch):
    """Over many places the map's layers come from tiles; a radius step recolours the same
    places, so their tile placement (projection, Morton keys, sort) is the kept one."""
    from dashboard.views import tiles

    monkeypatch.setattr(tiles, "AGGREGATE_ABOVE", 0)  # every layer is "many"
    at = _run({"radius": "500"})
    assert not at.exception
    calls = []
    real = tiles.world_pixels
    monkeypatch.setattr(tiles, "world_pixels", lambda *a, **k: calls.append(1) or real(*a, **k))
    at.slider(key="w_radius").set_value(550).run()
    assert not at.exception
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    kinds = {layer["id"]: layer["@@type"] for layer in spec["layers"]}
    assert kinds["uncovered"] in ("GeoJsonLayer", "TileLayer")  # drawn from tiles
    assert calls == []
