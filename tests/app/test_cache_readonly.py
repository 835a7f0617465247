"""Cached layers and results are shared objects (``st.cache_resource``): no page may change them.

Runs every page through its main interactions in one session, then compares what the
cache holds with a fresh load and a fresh computation.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from dashboard.core.model import LAYERS
from dashboard.core.standards import uniform_standards
from dashboard.engine import layers as data
from dashboard.engine.coverage import assess_coverage
from dashboard.ui import cache
from dashboard.views import maps
from loaders.standards_store import load_standards
from tests.app.conftest import open_page


def _drive_every_page() -> None:
    at = open_page(None, {"lang": "en", "district": "110105"})
    at.sidebar.selectbox(key="w_district").set_value("110101").run()
    at.switch_page("../pages/explore.py").run()
    for name in ("explore_filters", "explore_analysis"):  # open, as a click does
        at.session_state[f"_open_{name}"] = True
    at.run()
    at.multiselect(key="k_caps").set_value(["cash"]).run()
    at.toggle(key="k_heat").set_value(True).run()
    at.toggle(key="k_h3").set_value(True).run()
    at.selectbox(key="k_metric").set_value("coverage").run()
    at.selectbox(key="w_basemap").set_value("amap").run()
    at.text_input(key="k_search").set_value("Beijing Hotel").run()
    at.switch_page("../pages/compare.py").run()
    at.selectbox(key="k_cmp_rank_by").set_value("uncovered").run()
    at.switch_page("../pages/district.py").run()
    at.session_state["k_dp_tab"] = "siting"  # as a click on the tab does
    at.run()
    at.toggle(key="k_dp_what_if").set_value(True).run()
    at.switch_page("../pages/events.py").run()
    at.session_state["k_ev_tab"] = "event"  # the event's surroundings too, as a tab click
    at.run()
    at.switch_page("../pages/standards.py").run()
    at.switch_page("../pages/data.py").run()
    at.switch_page("../pages/overview.py").run()
    at.sidebar.selectbox(key="w_district").set_value("all").run()
    assert not at.exception


def test_pages_leave_cached_layers_and_coverage_unchanged(private_home):
    _drive_every_page()
    home = str(private_home)
    pd.testing.assert_frame_equal(cache._load("districts", "shipped", None), data.read_districts())
    for layer in LAYERS:  # parsed afresh from the shipped files, bypassing every cache
        fresh = data.read_points_csv(data.shipped_path(layer), layer)
        pd.testing.assert_frame_equal(cache._load(layer, "shipped", home), fresh, obj=layer)
    std = uniform_standards(load_standards())
    sig = cache.data_signature(Path(home))
    cached = cache.coverage(cache.ViewInputs(sig, cache.standards_key(std), None))
    layers = data.load_all(Path(home))
    fresh = assess_coverage(layers["key-locations"], layers["payments"], layers["districts"], std)
    pd.testing.assert_frame_equal(cached.places, fresh.places)
    pd.testing.assert_frame_equal(cached.districts, fresh.districts)


def test_pages_leave_cached_tables_and_specs_unchanged(private_home):
    """The comparison, district metrics, events and chart specs the pages share."""
    from dashboard.core.model import EVENT_CATEGORIES
    from dashboard.core.state import ViewState
    from dashboard.engine import compare, events
    from dashboard.engine.accessibility import accessibility, district_accessibility
    from dashboard.engine.coverage import coverage_progress
    from dashboard.ui import compare as uc
    from dashboard.ui import events as uev
    from dashboard.views import charts

    _drive_every_page()
    v = ViewState(lang="en")
    lo, end = cache.date_bounds()
    base = compare.previous_date(end, lo)
    table, city = uc.comparison(v, base, "uncovered")  # the entries the pages used
    spec = uc.ranked_bar_spec(v, base, "uncovered")
    metrics = uc.district_metrics(v)
    # the events page's defaults, as it was driven: district 110101, no as-of date
    dated = uev.dated_events()
    years, cats = events.event_years(dated), sorted(set(dated["category"].astype(str)))
    cats = [c for c in EVENT_CATEGORIES if c in cats]
    radius_m, venue_m = events.DEFAULT_RADIUS_M, events.DEFAULT_VENUE_RADIUS_M
    today = date.today()
    ev_v = v.with_(district="110101")
    shown = uev.events_view(ev_v, radius_m / 1000, int(venue_m), years, cats, today, "venue").shown

    layers = data.load_all(private_home)
    for layer in ("payments", "key-locations"):  # the map records the Overview drew
        gdf, records = cache.layer_view(layer, "all", "en")
        pd.testing.assert_frame_equal(gdf, layers[layer])
        assert records == maps.point_records(layers[layer], layer, "en", cache.district_names("en"))
    std = uniform_standards(load_standards())
    cov = assess_coverage(layers["key-locations"], layers["payments"], layers["districts"], std)
    scores = accessibility(
        layers["key-locations"], layers["payments"], std, districts=layers["districts"]
    )
    prog = coverage_progress(
        layers["key-locations"], layers["payments"], layers["districts"], std, base, end
    )
    fresh = compare.comparison_table(
        cov.districts, prog, district_accessibility(scores), by="uncovered"
    )
    pd.testing.assert_frame_equal(table, fresh)
    assert city == compare.city_reference(cov.districts, scores, prog)
    pd.testing.assert_frame_equal(
        metrics, compare.district_metrics(cov.districts, district_accessibility(scores))
    )
    rows = next(iter(spec["datasets"].values())).to_dict("records")
    assert [r["adcode"] for r in rows] == list(fresh.loc[fresh["demand"] > 0, "adcode"])
    plain = charts.vega_spec(
        charts.ranked_bar(fresh, "uncovered", "en", city_value=city["uncovered"])
    )
    want = charts.stable_datasets(charts.mark_districts(plain, None), "ranked")
    assert {k: x for k, x in want.items() if k != "datasets"} == {
        k: x for k, x in spec.items() if k != "datasets"
    }
    assert list(want["datasets"]) == list(spec["datasets"])
    for name, frame in want["datasets"].items():
        pd.testing.assert_frame_equal(frame, spec["datasets"][name])
    ready = events.event_readiness(
        dated,
        layers["venues"],
        layers["key-locations"],
        layers["payments"],
        std,
        radius_m=radius_m,
        venue_radius_m=float(int(venue_m)),
    )
    expected = events.order_events(
        events.filter_events(ready, years=years, categories=cats, district="110101"), today
    )
    assert len(expected)  # the district has events: the page drew them
    pd.testing.assert_frame_equal(shown, expected)
