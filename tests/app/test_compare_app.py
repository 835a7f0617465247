"""The District comparison page in-process (AppTest): numbers, language, link, downloads."""

from __future__ import annotations

import io
import json
from datetime import date

import pandas as pd
import pyarrow as pa
import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from dashboard.core.standards import uniform_standards
from dashboard.engine import compare
from dashboard.engine.accessibility import accessibility, district_accessibility
from dashboard.engine.coverage import assess_coverage, coverage_progress
from dashboard.engine.layers import load_all
from dashboard.views import reports
from loaders.standards_store import load_standards
from tests.app.conftest import open_page

PAGE = "../pages/compare.py"


def _run(query: dict | None = None) -> AppTest:
    return open_page(PAGE, query)


def _expected(
    home, as_of: date | None = None, baseline: date | None = None, by="coverage", std=None
):
    """The comparison table and city reference straight from the core functions."""
    layers = load_all(home)
    std = std or uniform_standards(load_standards())
    dates = layers["payments"]["in_service_date"].dropna()
    lo, hi = dates.min().date(), dates.max().date()
    end = as_of or hi
    start = baseline or compare.previous_date(end, lo)
    kl, pay, dis = layers["key-locations"], layers["payments"], layers["districts"]
    cov = assess_coverage(kl, pay, dis, std, as_of=as_of)
    prog = coverage_progress(kl, pay, dis, std, start, end)
    scores = accessibility(kl, pay, std, as_of=as_of, districts=dis)
    table = compare.comparison_table(cov.districts, prog, district_accessibility(scores), by=by)
    return table, compare.city_reference(cov.districts, scores, prog)


def _columns(frame) -> dict:
    """A drawn table's column configuration, by header."""
    return json.loads(frame.proto.columns)


def test_table_matches_the_functions(private_home):
    at = _run()
    assert not at.exception
    assert at.title[0].value == "各区支付便利对比"
    table, city = _expected(private_home)
    shown = at.dataframe[0].value
    expected = reports.comparison_export(table, "zh")
    shares = [reports.header(c, "zh") for c in reports.SHARE_CODES]
    expected[shares] = expected[shares] * 100  # drawn in percent: "48.0%", as everywhere
    pd.testing.assert_frame_equal(shown.reset_index(drop=True), expected, check_dtype=False)
    assert len(shown) == 16
    # every share with one decimal, not Streamlit's "percent" ("48%" beside "33.33%")
    formats = {
        k: c.get("type_config", {}).get("format") for k, c in _columns(at.dataframe[0]).items()
    }
    assert formats["覆盖率"] == formats["加权覆盖率"] == "%.1f%%"
    assert formats["覆盖率变化"] == "%+.1f%%" and formats["排名"] == "%d"
    assert at.dataframe[0].proto.placeholder == "—"  # a missing share, as format_metric writes it
    # the city reference under the chart, and the synthetic data labelled
    assert reports.format_metric("coverage", city["coverage"]) in at.caption[1].value
    assert any("示意数据" in w.value for w in at.warning)


def test_language_switch_and_rank_by(private_home):
    at = _run()
    at.sidebar.radio[0].set_value("en").run()
    assert at.title[0].value == "How the districts compare"
    assert at.query_params["lang"] == "en"
    assert list(at.dataframe[0].value.columns)[:3] == ["Rank", "Adcode", "District"]
    at.selectbox(key="k_cmp_rank_by").set_value("uncovered").run()
    table, _ = _expected(private_home, by="uncovered")
    shown = at.dataframe[0].value
    assert list(shown["Adcode"]) == list(table["adcode"])
    # best first: fewest gaps among districts with key locations
    assert shown["Uncovered (gaps)"].iloc[0] == table.loc[table["demand"] > 0, "uncovered"].min()
    # the bar chart follows the ranking
    chart = at.get("vega_lite_chart")[0].proto
    spec = json.loads(chart.spec)
    ranked = list(table.loc[table["demand"] > 0, "name_en"])
    assert spec["layer"][0]["encoding"]["y"]["sort"]["field"] == "order"
    rows = {d.name: pa.ipc.open_stream(d.data.data).read_all().to_pylist() for d in chart.datasets}
    bars = rows[(spec.get("data") or spec["layer"][0]["data"])["name"]]
    assert [r["district"] for r in sorted(bars, key=lambda r: r["order"])] == ranked
    # the rows go apart from the spec: another radius draws the same chart with new data
    at.sidebar.toggle(key="w_one_radius").set_value(True).run()
    first = at.get("vega_lite_chart")[0].proto
    at.sidebar.slider(key="w_radius").set_value(300).run()
    again = at.get("vega_lite_chart")[0].proto
    assert json.loads(again.spec) == json.loads(first.spec)
    assert "values" not in again.spec
    assert [d.data.data for d in again.datasets] != [d.data.data for d in first.datasets]
    assert any("illustrative" in w.value for w in at.warning)
    # the small multiples say how to read a 0 % line and an empty slot
    assert any(c.value.startswith("A line at the bottom") for c in at.caption)


def test_link_restores_the_view(private_home):
    at = _run(
        {"district": "110105", "lang": "en", "compare": "110101,110102", "as_of": "2024-12-31"}
    )
    assert not at.exception
    assert at.multiselect[0].value == ["110101", "110102"]
    assert at.slider(key="w_as_of").value == date(2024, 12, 31)
    assert at.date_input(key="k_cmp_baseline").value == date(2023, 12, 31)
    assert "baseline" not in at.query_params  # the default baseline keeps links short
    table, city = _expected(private_home, as_of=date(2024, 12, 31))
    side = at.dataframe[1].value
    assert list(side.columns) == ["Dongcheng District", "Xicheng District", "City"]
    row = table.set_index("adcode").loc["110101"]
    assert side.loc["Coverage", "Dongcheng District"] == reports.format_metric(
        "coverage", row["coverage"]
    )
    assert side.loc["Change in coverage", "City"] == reports.format_metric("change", city["change"])
    # choosing districts writes the shared state and the link
    at.multiselect[0].set_value(["110105"]).run()
    assert at.query_params["compare"] == "110105"
    assert list(at.dataframe[1].value.columns) == ["Chaoyang District", "City"]


def test_baseline_changes_the_change_column(private_home):
    at = _run({"lang": "en"})
    at.date_input(key="k_cmp_baseline").set_value(date(2024, 6, 30)).run()
    table, _ = _expected(private_home, baseline=date(2024, 6, 30))
    shown = at.dataframe[0].value.set_index("Adcode")
    expected = table.set_index("adcode")["change"] * 100  # percent
    assert shown["Change in coverage"].to_dict() == pytest.approx(expected.to_dict(), nan_ok=True)


def test_link_restores_ranking_and_baseline(private_home):
    at = _run({"lang": "en", "rank_by": "uncovered", "baseline": "2024-06-30"})
    assert at.selectbox(key="k_cmp_rank_by").value == "uncovered"
    assert at.date_input(key="k_cmp_baseline").value == date(2024, 6, 30)
    table, _ = _expected(private_home, baseline=date(2024, 6, 30), by="uncovered")
    assert list(at.dataframe[0].value["Adcode"]) == list(table["adcode"])
    at.selectbox(key="k_cmp_rank_by").set_value("access").run()
    assert at.query_params["rank_by"] == "access" and at.query_params["baseline"] == "2024-06-30"


def test_shared_service_standard_in_the_sidebar(private_home):
    """One radius for all and "any point counts": the table follows, the link keeps them."""
    at = _run({"lang": "en"})
    at.sidebar.toggle(key="w_one_radius").set_value(True).run()
    at.sidebar.slider(key="w_radius").set_value(300).run()
    at.sidebar.toggle(key="w_std_any").set_value(True).run()
    assert at.query_params["radius"] == "300" and at.query_params["std"] == "any"
    std = uniform_standards(load_standards(), radius_m=300, require=[])
    table, _ = _expected(private_home, std=std)
    shown = at.dataframe[0].value.set_index("Adcode")
    assert shown["Coverage"].to_dict() == pytest.approx(
        (table.set_index("adcode")["coverage"] * 100).to_dict(), nan_ok=True
    )
    assert "300" in at.caption[0].value
    again = _run({"lang": "en", "radius": "300", "std": "any"})  # the link restores them
    assert again.sidebar.toggle(key="w_one_radius").value is True
    assert again.sidebar.slider(key="w_radius").value == 300
    assert again.sidebar.toggle(key="w_std_any").value is True
    again.sidebar.toggle(key="w_one_radius").set_value(False).run()
    assert "radius" not in again.query_params


@pytest.fixture
def media(monkeypatch):
    """Every file a download button registers: file id → (bytes, file name)."""
    files: dict[str, tuple[bytes, str | None]] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def record(self, path_or_data, mimetype, kind, filename=None):
        file_id = original(self, path_or_data, mimetype, kind, filename)
        files[file_id] = (self._files_by_id[file_id].content, filename)
        return file_id

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", record)
    return files


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_downloads_are_valid_csv_and_xlsx(private_home, media, lang):
    at = _run({"lang": lang})
    table, _ = _expected(private_home)
    expected = reports.comparison_export(table, lang)
    buttons = {b.proto.label: b.proto.url for b in at.get("download_button")}
    assert len(buttons) == 2
    got = {}
    for url in buttons.values():
        data, name = media[url.rsplit("/", 1)[1].split(".")[0]]
        got[name.rsplit(".", 1)[1]] = data
    csv = pd.read_csv(
        io.BytesIO(got["csv"]), encoding="utf-8-sig", dtype={expected.columns[1]: str}
    )
    pd.testing.assert_frame_equal(csv, expected, check_dtype=False)
    xlsx = pd.read_excel(
        io.BytesIO(got["xlsx"]), dtype={expected.columns[1]: str}, engine="openpyxl"
    )
    pd.testing.assert_frame_equal(xlsx, expected, check_dtype=False)
    assert list(csv.columns)[2] == ("区" if lang == "zh" else "District")
