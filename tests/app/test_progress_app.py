"""The Progress page (AppTest): trend, status of every target, districts; both languages;
the figures are the engine's."""

from __future__ import annotations

import pytest

from dashboard.engine.layers import load_all
from dashboard.engine.progress import coverage_series, target_status
from loaders.standards_store import load_standards
from loaders.targets_store import shipped_targets
from tests.app.conftest import open_page

CASES = [("zh", "支付便利进展与目标", "状态"), ("en", "Progress against targets", "Status")]


@pytest.mark.parametrize("lang, title, status", CASES)
def test_progress_page_shows_trend_status_and_districts(lang, title, status):
    at = open_page("../pages/progress.py", {"lang": lang})
    assert not at.exception
    assert at.title[0].value == title
    assert len(at.get("vega_lite_chart")) == 2  # the trend and the 16 districts
    table = at.dataframe[0].value
    assert len(table) == len(shipped_targets()) and status in table.columns
    assert any("示例" in i.value or "Example" in i.value for i in at.info)  # examples said


def test_status_on_the_page_is_the_engines(private_home):
    at = open_page("../pages/progress.py", {"lang": "en", "as_of": "2024-12-31"})
    assert not at.exception
    shown = at.dataframe[0].value
    layers = load_all(private_home)
    k, p, d = layers["key-locations"], layers["payments"], layers["districts"]
    std = load_standards(private_home)
    start = p["in_service_date"].min()
    series = coverage_series(k, p, d, std, start, "2024-12-31")
    named = {t.sector for t in shipped_targets() if t.sector}
    sectors = {s: coverage_series(k, p, d, std, start, "2024-12-31", sector=s) for s in named}
    want = target_status(series, shipped_targets(), "2024-12-31", sector_series=sectors)
    assert shown["Now"].tolist() == [f"{100 * v:.1f}%" for v in want["value"]]
    labels = {"achieved": "Achieved", "on_track": "On track", "at_risk": "At risk"}
    labels["off_track"] = "Off track"
    assert shown["Status"].tolist() == [labels[s] for s in want["status"]]


def test_the_district_follows_the_shared_view():
    at = open_page("../pages/progress.py", {"lang": "en", "district": "110105"})
    assert not at.exception
    assert "Chaoyang" in at.subheader[0].value


def test_the_district_profile_shows_its_target_status_and_trend():
    at = open_page("../pages/district.py", {"lang": "en", "district": "110105"})
    assert not at.exception
    line = [c.value for c in at.caption if c.value.startswith("Target:")]
    assert len(line) == 1 and "by 2026-06-30" in line[0] and "(example target)" in line[0]
    assert any(s in line[0] for s in ("Achieved", "On track", "At risk", "Off track"))
    n = len(at.get("vega_lite_chart"))
    at.session_state["_open_dp_trend"] = True  # as a click on the expander does
    at.run()
    assert not at.exception and len(at.get("vega_lite_chart")) == n + 1


def test_a_district_without_a_target_says_so():
    at = open_page("../pages/district.py", {"lang": "zh", "district": "110119"})
    assert not at.exception
    assert any("未设置目标" in c.value for c in at.caption)
