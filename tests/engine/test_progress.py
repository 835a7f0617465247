"""dashboard.engine.progress: the monthly series equals a coverage run per month; the
status method on hand-made series."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from dashboard.core.model import CATEGORY_SECTOR
from dashboard.core.targets import CITY, Milestone, Target
from dashboard.engine.coverage import assess_coverage, place_coverage
from dashboard.engine.progress import (
    GAP_COLUMNS,
    GAP_GROUPS,
    SERIES_COLUMNS,
    coverage_series,
    gap_series,
    month_ends,
    most_improved,
    series_inputs,
    target_status,
    trend,
)
from loaders.standards_store import shipped_standards


def test_month_ends_end_on_the_as_of_date():
    got = month_ends("2025-01-15", "2025-04-10")
    assert [d.date().isoformat() for d in got] == [
        "2025-01-31",
        "2025-02-28",
        "2025-03-31",
        "2025-04-10",
    ]
    assert list(month_ends("2025-03-31", "2025-03-31")) == [pd.Timestamp("2025-03-31")]
    with pytest.raises(ValueError, match="before start date"):
        month_ends("2025-03-01", "2025-02-01")


@pytest.mark.parametrize("sector", [None, "accommodation"])
def test_series_equals_a_coverage_run_per_month(layers, sector):
    std = shipped_standards()
    k, p, d = layers["key-locations"], layers["payments"], layers["districts"]
    series = coverage_series(k, p, d, std, "2023-01-01", "2025-10-12", sector=sector)
    assert list(series.columns) == list(SERIES_COLUMNS)
    dates = series["date"].unique()
    assert len(dates) == 34 and len(series) == 34 * 17
    demand = k if sector is None else k[k["sector"] == sector]
    for when in dates[[0, 5, 17, 33]]:
        want = assess_coverage(demand, p, d, std, as_of=when).districts
        got = series[series["date"] == when].reset_index(drop=True)
        assert got["adcode"].tolist() == want["adcode"].tolist()
        assert got["covered"].tolist() == want["covered"].tolist()
        np.testing.assert_allclose(got["coverage"], want["coverage"], equal_nan=True)
        np.testing.assert_allclose(
            got["weighted_coverage"], want["weighted_coverage"], equal_nan=True
        )
    city = series[series["adcode"] == CITY]["covered"].to_numpy()
    assert (np.diff(city) >= 0).all()  # coverage only grows with time


def _series(values, start="2025-01-31"):
    dates = pd.date_range(start, periods=len(values), freq="ME")
    return pd.DataFrame(
        {"date": dates, "adcode": CITY, "coverage": values, "weighted_coverage": values}
    )


def test_trend_is_the_least_squares_slope():
    dates = pd.date_range("2025-01-01", periods=5, freq="10D")
    fit = trend(dates, [0.1, 0.2, 0.3, 0.4, 0.5])
    assert fit.slope == pytest.approx(0.01) and fit.stderr == pytest.approx(0, abs=1e-12)
    assert trend(dates[:1], [0.3]).slope == 0.0


@pytest.mark.parametrize(
    "values, goal, status",
    [
        ([0.50, 0.55, 0.60, 0.65, 0.70, 0.75], 70, "achieved"),
        ([0.20, 0.25, 0.30, 0.35, 0.40, 0.45], 60, "on_track"),  # +5 pp a month, 6 to go
        ([0.20, 0.21, 0.22, 0.23, 0.24, 0.25], 90, "off_track"),
    ],
)
def test_status_of_steady_trends(values, goal, status):
    target = Target(CITY, (Milestone(date(2025, 12, 31), goal),))
    got = target_status(_series(values), (target,), "2025-06-30")
    assert got.loc[0, "status"] == status
    assert got.loc[0, "value"] == pytest.approx(values[-1])


def test_a_noisy_trend_short_of_the_target_is_at_risk():
    values = [0.30, 0.42, 0.33, 0.47, 0.38, 0.50]
    target = Target(CITY, (Milestone(date(2025, 12, 31), 75),))
    row = target_status(_series(values), (target,), "2025-06-30").iloc[0]
    assert row["projected"] < 0.75 <= row["projected_high"]
    assert row["status"] == "at_risk"


def test_a_passed_milestone_unmet_is_off_track_and_the_next_one_counts():
    values = [0.30, 0.35, 0.40, 0.45, 0.50, 0.55]
    passed = Target(CITY, (Milestone(date(2025, 3, 31), 90),))
    assert target_status(_series(values), (passed,), "2025-06-30").loc[0, "status"] == ("off_track")
    two = Target(CITY, (Milestone(date(2025, 3, 31), 40), Milestone(date(2026, 6, 30), 80)))
    row = target_status(_series(values), (two,), "2025-06-30").iloc[0]
    assert row["due"] == date(2026, 6, 30) and row["target"] == pytest.approx(0.8)


def test_most_improved_ranks_the_change():
    a = _series([0.1, 0.2, 0.3]).assign(adcode="110101", name_zh="东城区", name_en="Dongcheng")
    b = _series([0.5, 0.5, 0.6]).assign(adcode="110102", name_zh="西城区", name_en="Xicheng")
    got = most_improved(pd.concat([a, b]), months=3)
    assert got["adcode"].tolist() == ["110101", "110102"]
    assert got["change"].tolist() == pytest.approx([0.2, 0.1])


def _gaps_by_brute_force(demand, supply, districts, std, dates, by, district):
    """The reference: one coverage run per month, counted per group with pandas."""
    rows = []
    for when in dates:
        places = place_coverage(demand, supply, std, as_of=when, districts=districts)
        if district is not None:
            places = places[places["adcode"].astype(str) == district]
        key = places["category"] if by == "category" else places["sector"]
        for group in GAP_GROUPS[by]:
            mine = places[key.astype(str) == group]
            n, c = len(mine), int(mine["covered"].sum())
            rows.append((when, group, n, c, n - c))
    return pd.DataFrame(rows, columns=["date", "group", "demand", "covered", "uncovered"])


@pytest.mark.parametrize(
    "by, district", [("sector", None), ("category", None), ("sector", "110105")]
)
def test_gaps_equal_a_coverage_run_per_month(layers, by, district):
    std = shipped_standards()
    k, p, d = layers["key-locations"], layers["payments"], layers["districts"]
    got = gap_series(k, p, d, std, "2023-01-01", "2025-10-12", by=by, district=district)
    assert list(got.columns) == list(GAP_COLUMNS)
    dates = got["date"].unique()
    assert len(got) == len(dates) * len(GAP_GROUPS[by])
    some = dates[[0, 9, 20, len(dates) - 1]]
    want = _gaps_by_brute_force(k, p, d, std, some, by, district)
    mine = got[got["date"].isin(some)].reset_index(drop=True)
    for col in ("group", "demand", "covered", "uncovered"):
        assert mine[col].tolist() == want[col].tolist(), col
    share = np.where(want["demand"] > 0, want["covered"] / want["demand"].clip(lower=1), np.nan)
    np.testing.assert_allclose(mine["coverage"], share, equal_nan=True)
    assert (mine["uncovered"] > 0).any()  # the shipped data has gaps to show


@pytest.mark.parametrize("by, district", [("sector", None), ("category", "110105")])
def test_gaps_and_series_share_one_assessment_with_the_same_result(layers, by, district):
    std = shipped_standards()
    k, p, d = layers["key-locations"], layers["payments"], layers["districts"]
    span = ("2023-01-01", "2025-10-12")
    shared = series_inputs(k, p, d, std, *span)
    alone = gap_series(k, p, d, std, *span, by=by, district=district)
    both = gap_series(k, p, d, std, *span, by=by, district=district, assessed=shared)
    pd.testing.assert_frame_equal(both, alone)
    pd.testing.assert_frame_equal(
        coverage_series(k, p, d, std, *span, sector="dining", assessed=shared),
        coverage_series(k, p, d, std, *span, sector="dining"),
    )


def test_gaps_on_random_data_with_the_category_sector_fallback():
    from tests.engine.conftest import random_instance

    demand, supply = random_instance(7, n_demand=400, n_supply=150)
    demand = demand.drop(columns="sector")  # the sector comes from the category
    std = shipped_standards()
    got = gap_series(demand, supply, None, std, "2023-01-01", "2025-12-31")
    dates = got["date"].unique()
    for when in dates[[0, 12, len(dates) - 1]]:
        places = place_coverage(demand, supply, std, as_of=when)
        sectors = places["category"].map(CATEGORY_SECTOR)
        here = got[got["date"] == when].set_index("group")
        for group in GAP_GROUPS["sector"]:
            mask = (sectors == group).to_numpy()
            assert here.loc[group, "demand"] == mask.sum()
            assert here.loc[group, "uncovered"] == (~places["covered"].to_numpy()[mask]).sum()
    with pytest.raises(ValueError, match="unknown grouping"):
        gap_series(demand, supply, None, std, "2023-01-01", "2025-12-31", by="colour")
