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
    assert len(at.get("vega_lite_chart")) == 3  # the trend, the 16 districts, the gaps
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


def _spec(at, i: int) -> dict:
    import json

    return json.loads(at.get("vega_lite_chart")[i].proto.spec)


def test_metric_sector_and_gaps_come_from_the_link_and_go_back_into_it():
    query = {"lang": "en", "pg_metric": "weighted_coverage", "pg_sector": "accommodation"}
    at = open_page("../pages/progress.py", {**query, "pg_gaps": "category"})
    assert not at.exception
    assert at.selectbox(key="k_pg_metric").value == "weighted_coverage"
    assert at.selectbox(key="k_pg_sector").value == "accommodation"
    assert at.radio(key="k_pg_gaps").value == "category"
    # the trend draws the sector's weighted series with the sector's (example) target
    trend = _spec(at, 0)
    assert len(trend["layer"]) == 1  # no weighted target for hotels: no target line
    at.selectbox(key="k_pg_metric").select("coverage").run()
    assert not at.exception and len(_spec(at, 0)["layer"]) == 2  # the hotels' target
    assert at.query_params["pg_sector"] == "accommodation"
    assert "pg_metric" not in at.query_params  # the default is left out of the link
    at.radio(key="k_pg_gaps").set_value("sector").run()
    assert "pg_gaps" not in at.query_params


def test_gaps_by_sector_are_the_engines(private_home):
    from dashboard.core.i18n import label_of
    from dashboard.engine.progress import gap_series

    at = open_page("../pages/progress.py", {"lang": "zh", "as_of": "2024-12-31"})
    assert not at.exception
    import pyarrow as pa

    chart = at.get("vega_lite_chart")[2].proto  # Streamlit sends top-level data as Arrow
    rows = pa.ipc.open_stream(chart.data.data).read_all().to_pylist()
    layers = load_all(private_home)
    k, p, d = layers["key-locations"], layers["payments"], layers["districts"]
    start = p["in_service_date"].min()
    want = gap_series(k, p, d, load_standards(private_home), start, "2024-12-31")
    want = want[want["demand"] > 0]
    assert [r["uncovered"] for r in rows] == want["uncovered"].tolist()
    assert {r["group"] for r in rows} == {label_of("sector", g, "zh") for g in want["group"]}
    assert any("各行业缺口变化" in h.value for h in at.subheader)


def _editor(lang: str = "en", district: str = "110105"):
    at = open_page("../pages/progress.py", {"lang": lang, "district": district})
    at.session_state["_open_pg_edit"] = True  # as a click on the expander does
    return at.run()


def _plain(markdown: str) -> str:
    """A message as the user reads it (the page escapes Markdown in messages)."""
    return markdown.replace("\\", "")


def _history(at):
    return next(d.value for d in at.dataframe if "Version" in d.value.columns)


def test_a_target_edited_on_the_page_is_stored_and_its_status_shown(store, private_home):
    from dashboard.core.targets import CITY
    from loaders.targets_store import load_targets, targets_history

    at = _editor()
    assert not at.exception
    assert at.selectbox(key="pg_edit_scope").value == "110105"  # the view's district
    assert any("example target" in i.value for i in at.info)  # the shipped one, said so
    at.text_area(key="pg_edit_ms_110105_coverage_all").set_value("2027-12-31=99%")
    at.text_input(key="pg_edit_note_110105_coverage_all").set_value("district office, 2026")
    at.button(key="pg_edit_save").click().run()
    assert not at.exception and not at.error
    assert any("Saved (version" in s.value for s in at.success)
    stored = {t.key: t for t in load_targets(private_home)}
    mine = stored[("110105", "coverage", None)]
    assert [(m.due.isoformat(), m.percent) for m in mine.milestones] == [("2027-12-31", 99.0)]
    assert not mine.example and mine.note == "district office, 2026"
    assert stored[(CITY, "coverage", None)].example  # the other examples kept as examples
    # the status table shows the new target: 99 % by 2027
    table = at.dataframe[0].value
    row = table[(table["District"] == "Chaoyang District") & (table["Sector"] == "All")].iloc[0]
    assert row["Target"] == "99.0%" and row["Due"] == "2027-12-31" and row["Example"] == ""
    assert [v.source for v in targets_history(private_home)] == ["Progress page"]


@pytest.mark.parametrize(
    "text, message",
    [
        ("2026-12-31=120", "outside (0, 100]"),
        ("2020-01-01=50", "before the data"),
        ("2026-12-31", "expected DATE=PERCENT"),
        ("2026-12-31=80\n2026-06-30=90", "not after the previous one"),
    ],
)
def test_bad_targets_on_the_page_say_why_and_write_nothing(private_home, text, message):
    at = _editor()
    at.text_area(key="pg_edit_ms_110105_coverage_all").set_value(text)
    at.button(key="pg_edit_save").click().run()
    assert not at.exception
    assert len(at.error) == 1, [e.value for e in at.error]
    shown = _plain(at.error[0].value)
    assert shown.startswith("Not saved:") and message in shown
    assert not (private_home / "documents").exists()


def test_bad_targets_are_explained_in_chinese(private_home):
    at = _editor("zh")
    at.text_area(key="pg_edit_ms_110105_coverage_all").set_value("2026-12-31=120")
    at.button(key="pg_edit_save").click().run()
    assert not at.exception
    assert _plain(at.error[0].value).startswith("未保存：")
    assert "超出 (0, 100] 范围" in _plain(at.error[0].value)
    at.text_area(key="pg_edit_ms_110105_coverage_all").set_value("2020-01-01=50")
    at.button(key="pg_edit_save").click().run()
    assert "早于数据起始日期" in _plain(at.error[0].value)
    assert not (private_home / "documents").exists()


def test_remove_and_undo_on_the_page(store, private_home):
    from loaders.targets_store import load_targets, shipped_targets

    at = _editor("en", "110101")
    at.button(key="pg_edit_remove").click().run()
    assert not at.exception and any("Removed" in s.value for s in at.success)
    assert ("110101", "coverage", None) not in {t.key for t in load_targets(private_home)}
    assert "Dongcheng District" not in at.dataframe[0].value["District"].tolist()
    assert len(_history(at)) == 1  # the history lists the one version
    at.button(key="pg_edit_undo").click().run()
    assert not at.exception and any("example targets apply" in s.value for s in at.success)
    assert load_targets(private_home) == shipped_targets()
    assert "Dongcheng District" in at.dataframe[0].value["District"].tolist()
