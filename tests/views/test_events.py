"""dashboard/views/events.py: timeline data and spec, tables, the venue deck."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from dashboard.engine import events as ev
from dashboard.views import charts
from dashboard.views import events as evv
from dashboard.views.maps import NO_BASEMAP
from tests.engine.test_events import _instance, _standards


@pytest.fixture(scope="module")
def ready():
    events, venues, keys, pays = _instance()
    events.loc[0, "name_en"] = "<img src=x onerror=alert(1)>"
    r = ev.event_readiness(events, venues, keys, pays, _standards())
    return ev.order_events(r, "2024-01-01"), venues, keys, pays


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_timeline_groups(ready, lang):
    r = ready[0]
    by_venue = evv.timeline_data(r, lang, "venue")
    assert len(by_venue) == len(r)
    missing = by_venue["group"] == evv.t("ev_no_venue", lang)
    assert missing.sum() == (~r["venue_found"]).sum()
    assert set(by_venue.loc[~missing.to_numpy(), "group"]) <= set(
        ready[1]["name_zh" if lang == "zh" else "name_en"]
    )
    by_year = evv.timeline_data(r, lang, "year")
    assert set(by_year["group"]) == {"2023", "2024", "2025"}
    # bars cover whole days: a one-day event is one day long
    span = pd.to_datetime(by_year["end_excl"]) - pd.to_datetime(by_year["start"])
    assert (span >= pd.Timedelta(days=1)).all()


@pytest.mark.parametrize("group_by", ["venue", "year"])
def test_timeline_spec(ready, group_by):
    spec = evv.timeline_chart(ready[0], "en", "2024-01-01", group_by).to_dict()
    assert spec["facet"]["row"]["field"] == "group"
    layers = spec["spec"]["layer"]
    assert layers[0]["mark"]["type"] == "bar"
    assert layers[0]["encoding"]["color"]["scale"]["domain"][0] == "Forum"
    data = next(iter(spec["datasets"].values()))
    assert len(data) == len(ready[0])
    # the reference date lies inside the span, so the rule has a date
    assert any(d["ref"] for d in data)
    far = evv.timeline_chart(ready[0], "en", "2031-01-01", group_by).to_dict()
    assert not any(d["ref"] for d in next(iter(far["datasets"].values())))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_timeline_spec_is_the_chart_without_its_rows(ready, lang):
    """One spec serves every choice of events (Streamlit then swaps the data in place
    instead of building a new chart); with the rows it is the chart's spec."""
    r = ready[0]
    spec = evv.timeline_spec(lang)
    assert spec["data"] == {"name": evv.TIMELINE_DATA} and "datasets" not in spec
    assert "domain" not in spec["spec"]["layer"][0]["encoding"]["x"]["scale"]
    for group_by in ("venue", "year"):
        built = evv.timeline_chart(r, lang, "2024-01-01", group_by)
        built.to_dict(validate=True)  # a valid Vega-Lite spec
        chart = charts.vega_spec(built)
        (rows,) = chart.pop("datasets").values()
        chart.pop("data")
        plain = {k: v for k, v in spec.items() if k != "data"}
        chart.pop("$schema"), plain.pop("$schema")
        assert json.loads(json.dumps(chart)) == json.loads(json.dumps(plain))
        data = evv.timeline_data(r, lang, group_by, "2024-01-01")
        assert rows == json.loads(data.to_json(orient="records"))
    # a district with other events: the same spec
    assert evv.timeline_spec(lang) == spec


def test_timeline_reference_date_only_near_the_events(ready):
    r = ready[0]
    start = pd.to_datetime(r["start_date"]).min().normalize()
    near = evv.timeline_data(r, "en", ref=start - pd.Timedelta(days=10))
    assert (near["ref"] == (start - pd.Timedelta(days=10)).isoformat()).all()
    far = evv.timeline_data(r, "en", ref=start - pd.Timedelta(days=11))
    assert far["ref"].isna().all()
    assert evv.timeline_data(r, "en")["ref"].isna().all()


def test_tables_and_deck(ready):
    r, venues, keys, pays = ready
    table = evv.events_table(r, "en")
    assert table["Readiness"].tolist() == pytest.approx(
        (r["readiness"] * 100).round(0).tolist(), nan_ok=True
    )
    row = r[r["nearby"] > 0].iloc[0]
    places = ev.event_places(row, venues, keys, pays, _standards())
    places["adcode"] = "110101"
    gaps = ev.event_gaps(places, pays)
    gaps.loc[gaps.index[:1], "distance_m"] = np.inf
    gt = evv.gaps_table(gaps.assign(shortfall_m=gaps["distance_m"] - gaps["radius_m"]), "zh")
    assert pd.isna(gt.iloc[0]["最近合格支付点(米)"])
    pays = pays.assign(adcode="110101", category="foreign_card_pos")
    pays_drawn = ev.venue_payments(row, venues, pays, 2000)
    deck = evv.event_deck(
        row,
        places,
        pays_drawn.assign(synthetic=True),
        "en",
        {"110101": "Dongcheng"},
        {"type": "FeatureCollection", "features": []},
        radius_m=2000,
        venue_radius_m=500,
    )
    spec = json.loads(deck.to_json())
    ids = [layer["id"] for layer in spec["layers"]]
    assert ids == [
        "districts",
        "ring-r",
        "ring-venue",
        "payments",
        "key-locations",
        "venue",
        "venue-label",
    ]
    kl = next(x for x in spec["layers"] if x["id"] == "key-locations")["data"]
    assert sum(d["color"][:3] == list(evv.GAP_RGB) for d in kl) == len(gaps)
    assert all({"tt_title", "tt_sub", "tt_body"} <= set(d) for d in kl)
    assert spec["mapStyle"] == NO_BASEMAP  # no MapLibre map, no basemap request
    # an event with nothing around it has the same layers, empty: the map updates in place
    bare = evv.event_deck(
        row,
        places.iloc[:0],
        pays_drawn.iloc[:0],
        "en",
        {},
        {"type": "FeatureCollection", "features": []},
        radius_m=2000,
        venue_radius_m=500,
    )
    bare_spec = json.loads(bare.to_json())
    assert [layer["id"] for layer in bare_spec["layers"]] == ids
    assert next(x for x in bare_spec["layers"] if x["id"] == "payments")["data"] == []


def test_pct_and_labels():
    assert evv.pct(float("nan")) == "—" and evv.pct(0.456) == "46%"
    assert evv.status_label("upcoming", "zh").endswith("即将举办")


@pytest.fixture(scope="module")
def majors():
    from tests.engine.test_events import _with_majors

    events, venues, keys, pays = _instance()
    events = _with_majors(events)
    return ev.major_event_readiness(events, venues, keys, pays, _standards(), as_of="2024-06-01")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_major_readiness_table_and_chart(majors, lang):
    table = evv.major_readiness_table(majors, lang)
    assert len(table) == len(majors)
    series = table[evv.t("ev_mcol_series", lang)]
    assert series.iloc[0] == evv.label_of("major_event", majors["major_event"].iloc[0], lang)
    got = table[evv.t("ev_mcol_readiness", lang)].to_numpy(dtype="float64")
    np.testing.assert_allclose(got, (majors["readiness"] * 100).round(0), equal_nan=True)
    change = table[evv.t("ev_mcol_change", lang)].tolist()
    for c, want in zip(change, majors["change"]):
        n = round(want * 100) if np.isfinite(want) else None
        assert c == ("—" if n is None else f"{n:+d}" if n else "0")
    # the chart: one point per edition with a defined readiness, the four colours fixed
    chart = evv.major_readiness_chart(majors, lang)
    chart.to_dict(validate=True)  # a valid Vega-Lite spec
    spec = evv.major_readiness_spec(majors, lang)
    rows = next(iter(spec["datasets"].values()))
    assert len(rows) == int(majors["readiness"].notna().sum())
    scale = spec["layer"][0]["encoding"]["color"]["scale"]
    assert scale["range"] == list(evv.MAJOR_COLORS.values()) and len(scale["domain"]) == 4
    # the events list names each event's series
    from tests.engine.test_events import _with_majors

    events, venues, keys, pays = _instance()
    r = ev.event_readiness(_with_majors(events), venues, keys, pays, _standards())
    r = ev.order_events(r, "2024-06-01")
    col = evv.events_table(r, lang)[evv.t("ev_col_major", lang)]
    assert (col != "").sum() == len(majors) and (col == "").any()
