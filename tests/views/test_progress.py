"""dashboard.views.progress: the trend and small-multiple specs, the status table."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from dashboard.core.targets import CITY, Milestone, Target
from dashboard.views.progress import gaps_spec, small_multiples_spec, status_table, trend_spec

SERIES = pd.DataFrame(
    {
        "date": pd.to_datetime(["2025-01-31", "2025-01-31", "2025-02-28", "2025-02-28"]),
        "adcode": [CITY, "110101", CITY, "110101"],
        "coverage": [0.2, np.nan, 0.3, 0.5],
    }
)


def test_trend_has_the_series_and_the_targets_milestones():
    target = Target(CITY, (Milestone(date(2026, 6, 30), 60), Milestone(date(2026, 12, 31), 80)))
    spec = trend_spec(SERIES, CITY, "zh", target)
    line, goal = spec["layer"]
    assert [r["value"] for r in line["data"]["values"]] == [0.2, 0.3]
    assert [r["value"] for r in goal["data"]["values"]] == [0.6, 0.8]
    assert trend_spec(SERIES, "110101", "en")["layer"][0]["data"]["values"][0]["value"] is None
    assert len(trend_spec(SERIES, CITY, "en")["layer"]) == 1  # no target, no target line


def test_small_multiples_leave_the_city_out_and_name_districts():
    spec = small_multiples_spec(SERIES, {"110101": "东城区"}, "zh")
    assert {r["name"] for r in spec["data"]["values"]} == {"东城区"}
    assert spec["columns"] == 4


def test_status_table_in_both_languages():
    status = pd.DataFrame(
        {
            "adcode": [CITY, "110101"],
            "metric": ["coverage", "weighted_coverage"],
            "sector": [None, "accommodation"],
            "example": [True, False],
            "value": [0.341, 0.5],
            "due": [date(2026, 6, 30), date(2026, 12, 31)],
            "target": [0.6, 0.9],
            "projected": [0.354, 0.95],
            "projected_low": [0.347, 0.9],
            "projected_high": [0.361, 1.0],
            "gap": [0.246, -0.05],
            "status": ["off_track", "on_track"],
        }
    )
    en = status_table(status, {"110101": "Dongcheng"}, "en")
    assert en["District"].tolist() == ["All of Beijing", "Dongcheng"]
    assert en["Sector"].tolist()[0] == "All" and en["Status"].tolist() == ["Off track", "On track"]
    assert en["Now"].tolist() == ["34.1%", "50.0%"] and en["Range"][0] == "34.7% – 36.1%"
    zh = status_table(status, {"110101": "东城区"}, "zh")
    assert zh["状态"].tolist() == ["滞后", "按期"] and zh["区"][0] == "全市"


def test_gaps_spec_draws_a_line_per_group_with_places_in_the_language():
    gaps = pd.DataFrame(
        {
            "date": pd.to_datetime(["2025-01-31"] * 3 + ["2025-02-28"] * 3),
            "group": ["dining", "accommodation", "shopping"] * 2,
            "demand": [4, 2, 0] * 2,
            "covered": [1, 2, 0, 3, 2, 0],
            "uncovered": [3, 0, 0, 1, 0, 0],
            "coverage": [0.25, 1.0, np.nan, 0.75, 1.0, np.nan],
        }
    )
    spec = gaps_spec(gaps, "sector", "zh")
    rows = spec["data"]["values"]
    assert [(r["group"], r["uncovered"]) for r in rows] == [
        ("餐饮", 3),
        ("住宿", 0),
        ("餐饮", 1),
        ("住宿", 0),
    ]  # shopping has no places: no line
    assert spec["encoding"]["color"]["scale"]["domain"] == ["餐饮", "住宿"]  # engine order
    assert spec["encoding"]["y"]["title"] == "未覆盖场所数"
    en = gaps_spec(gaps.assign(group=["hotel", "museum", "market"] * 2), "category", "en")
    assert en["data"]["values"][0]["group"] == "Hotel"
