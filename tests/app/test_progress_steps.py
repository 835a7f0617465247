"""Steps of the Progress page on a city-wide survey: a district, radius or date step counts
the series from each place's first covered month (no places × months matrix) and groups no
key location again, and the trend's rows go apart from its spec (the spec stays the same
from one district to the next, so the drawn chart's data is updated in place)."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest

from dashboard.core.state import ViewState
from dashboard.ui import progress as up
from dashboard.views import progress as vp

from .conftest import open_page, synthetic_city

PAGE = "../pages/progress.py"


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> Path:
    return synthetic_city(tmp_path_factory, "progress-city", 6_000, 3_000, seed=3)


def _trend(at) -> tuple[dict, dict[str, list[dict]]]:
    chart = at.get("vega_lite_chart")[0].proto
    rows = {d.name: pa.ipc.open_stream(d.data.data).read_all().to_pylist() for d in chart.datasets}
    return json.loads(chart.spec), rows


def test_steps_group_nothing_again_and_keep_no_matrix(big):
    at = open_page(PAGE, {"lang": "en"})
    assert not at.exception
    open_page(PAGE, {"lang": "en", "district": "110105"})
    groupings = up.GAP_GROUPINGS
    for query in (
        {"district": "110108"},
        {"radius": "500"},
        {"radius": "550"},
        {"radius": "550", "as_of": "2025-06-01"},
    ):
        at = open_page(PAGE, {"lang": "en", **query})
        assert not at.exception
        assert len(at.get("vega_lite_chart")) == 3
    assert up.GAP_GROUPINGS == groupings
    for view in (ViewState(), ViewState(radius=550, as_of=ViewState().as_of)):
        _, covered = up._assessed(view)
        assert covered.ndim == 1  # a first covered month per place


def test_the_trend_sends_its_rows_apart_and_keeps_its_spec(big):
    # Dongcheng and Chaoyang both have a (shipped example) coverage target
    a = open_page(PAGE, {"lang": "en", "district": "110101"})
    b = open_page(PAGE, {"lang": "en", "district": "110105"})
    spec_a, rows_a = _trend(a)
    spec_b, rows_b = _trend(b)
    assert spec_a == spec_b  # the same chart: only its data changes
    assert "values" not in json.dumps(spec_a)
    series = up.series(ViewState())
    want = vp.trend_spec(series, "110105", "en", None)["layer"][0]["data"]["values"]
    got = rows_b["rows0"]
    assert [r["date"] for r in got] == [r["date"] for r in want]
    assert [r["value"] for r in got] == pytest.approx([r["value"] for r in want])
    assert rows_a["rows0"] != rows_b["rows0"]
    assert len(spec_b["layer"]) == 2 and rows_b["rows1"]  # the target's milestones


def test_the_synthetic_notice_counts_the_points_in_service_there_then(big):
    from dashboard.engine import stats
    from dashboard.engine.layers import load_all

    pay = load_all(big)["payments"]
    for query in ({"district": "110105"}, {"district": "110105", "as_of": "2024-03-01"}):
        at = open_page(PAGE, {"lang": "en", **query})
        n = int(stats.in_service_in(pay, "110105", query.get("as_of"))["synthetic"].sum())
        assert n > 0
        assert any(f"{n:,}" in w.value for w in at.warning), query
