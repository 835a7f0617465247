"""Cached layers and results are shared objects (``st.cache_resource``): no page may change them.

Runs every page through its main interactions in one session, then compares what the
cache holds with a fresh load and a fresh computation.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from dashboard import data, ui
from dashboard.coverage import assess_coverage
from dashboard.model import LAYERS
from dashboard.standards import load_standards, uniform_standards
from tests.app.conftest import open_page


def _drive_every_page() -> None:
    at = open_page(None, {"lang": "en", "district": "110105"})
    at.sidebar.selectbox(key="w_district").set_value("110101").run()
    at.switch_page("../pages/explore.py").run()
    at.multiselect(key="k_caps").set_value(["cash"]).run()
    at.toggle(key="k_heat").set_value(True).run()
    at.toggle(key="k_h3").set_value(True).run()
    at.selectbox(key="k_metric").set_value("coverage").run()
    at.selectbox(key="w_basemap").set_value("amap").run()
    at.text_input(key="k_search").set_value("Beijing Hotel").run()
    at.switch_page("../pages/compare.py").run()
    at.selectbox(key="k_cmp_rank_by").set_value("uncovered").run()
    at.switch_page("../pages/district.py").run()
    at.toggle(key="k_dp_what_if").set_value(True).run()
    at.switch_page("../pages/events.py").run()
    at.switch_page("../pages/standards.py").run()
    at.switch_page("../pages/data.py").run()
    at.switch_page("../pages/overview.py").run()
    at.sidebar.selectbox(key="w_district").set_value("all").run()
    assert not at.exception


def test_pages_leave_cached_layers_and_coverage_unchanged(private_home):
    _drive_every_page()
    home = str(private_home)
    pd.testing.assert_frame_equal(ui._load("districts", "shipped", None), data.read_districts())
    for layer in LAYERS:  # parsed afresh from the shipped files, bypassing every cache
        fresh = data.read_points_csv(data.shipped_path(layer), layer)
        pd.testing.assert_frame_equal(ui._load(layer, "shipped", home), fresh, obj=layer)
    std = uniform_standards(load_standards())
    sig = ui.data_signature(Path(home))
    cached = ui._coverage(sig, ui.standards_key(std), None)
    layers = data.load_all(Path(home))
    fresh = assess_coverage(layers["key-locations"], layers["payments"], layers["districts"], std)
    pd.testing.assert_frame_equal(cached.places, fresh.places)
    pd.testing.assert_frame_equal(cached.districts, fresh.districts)
