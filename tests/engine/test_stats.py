"""stats.in_service_in: a district's payment points in service on a date."""

from __future__ import annotations

from datetime import date

from dashboard.engine import stats
from dashboard.engine.layers import load_layer


def test_in_service_in_matches_district_and_date():
    pay = load_layer("payments")
    day = date(2024, 6, 30)
    got = stats.in_service_in(pay, "110105", day)
    dates = pay["in_service_date"]
    want = pay[(pay["adcode"] == "110105") & (dates.isna() | (dates <= str(day)))]
    assert sorted(got["id"]) == sorted(want["id"]) and 0 < len(got) < len(
        stats.in_district(pay, "110105")
    )
    assert len(stats.in_service_in(pay, "all", None)) == len(pay)
