"""dashboard.engine.compare: ranking, references, profile tables on small hand-made inputs."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from dashboard.engine import compare
from dashboard.engine.coverage import CITY_ADCODE, district_coverage


def _places() -> pd.DataFrame:
    """Six places in three districts (C has none): A 2/3 covered, B 1/2, D 0/1."""
    return pd.DataFrame(
        {
            "id": ["p1", "p2", "p3", "p4", "p5", "p6"],
            "category": ["hotel"] * 6,
            "sector": ["accommodation", "dining", "dining", "shopping", "dining", "dining"],
            "adcode": ["A", "A", "A", "B", "B", "D"],
            "lon": np.linspace(116.0, 116.5, 6),
            "lat": np.full(6, 39.9),
            "weight": [1.0, 2.0, 1.0, 1.0, 1.0, 1.0],
            "radius_m": [300.0] * 6,
            "covered": [True, True, False, True, False, False],
            "distance_m": [10.0, 20.0, 900.0, 30.0, np.inf, 450.0],
            "nearest_id": ["s"] * 6,
        }
    )


DISTRICTS = pd.DataFrame(
    {"adcode": ["A", "B", "C", "D"], "name_zh": ["甲", "乙", "丙", "丁"], "name_en": list("ABCD")}
)
DEMAND = pd.DataFrame(
    {
        "id": ["p1", "p2", "p3", "p4", "p5", "p6"],
        "name_zh": ["一", "二", "三", "四", "五", "<b>六</b>"],
        "name_en": ["one", "two", None, "four", "five", "six"],
    }
)


def _inputs():
    table = district_coverage(_places(), DISTRICTS)
    progress = table[["adcode", "name_zh", "name_en", "demand"]].copy()
    progress["coverage_start"] = [0.0, 0.5, np.nan, 0.0, 0.25]
    progress["change"] = table["coverage"] - progress["coverage_start"]
    progress["newly_covered"] = [2, 0, 0, 0, 2]
    access = pd.DataFrame(
        {
            "adcode": ["A", "B", "D"],
            "places": [3, 2, 1],
            "demand": [4.0, 2.0, 1.0],
            "share_without_access": [0.0, 0.5, 1.0],
            "mean_access": [0.9, 0.4, 0.0],
        }
    )
    return table, progress, access


def test_comparison_table_ranks_best_first_and_leaves_empty_districts_unranked():
    table, progress, access = _inputs()
    out = compare.comparison_table(table, progress, access)
    assert list(out.columns) == list(compare.COMPARISON_COLUMNS)
    assert CITY_ADCODE not in set(out["adcode"])
    assert list(out["adcode"]) == ["A", "B", "D", "C"]
    assert out["rank"].tolist()[:3] == [1, 2, 3] and pd.isna(out["rank"].iloc[3])
    assert out.set_index("adcode").loc["A", "coverage"] == pytest.approx(2 / 3)
    assert np.isnan(out.set_index("adcode").loc["C", "access"])
    # lower is better for gaps; ties share the better rank
    gaps = compare.comparison_table(table, progress, access, by="uncovered")
    ranks = gaps.set_index("adcode")["rank"]
    assert ranks[["A", "B", "D"]].tolist() == [1, 1, 1] and pd.isna(ranks["C"])
    with pytest.raises(ValueError):
        compare.comparison_table(table, progress, access, by="nonsense")


def test_city_reference_pools_every_place():
    table, progress, _ = _inputs()
    scores = pd.DataFrame({"demand": [1.0, 3.0], "access": [1.0, 0.0]})
    city = compare.city_reference(table, scores, progress)
    assert city["coverage"] == pytest.approx(3 / 6)
    assert city["uncovered"] == 3
    assert city["uncovered_mean"] == pytest.approx(3 / 4)
    assert city["access"] == pytest.approx(0.25)
    assert city["share_without_access"] == pytest.approx(0.5)
    assert city["newly_covered"] == 2
    assert "change" not in compare.city_reference(table, scores)


def test_side_by_side_names_columns_in_the_language():
    table, progress, access = _inputs()
    out = compare.comparison_table(table, progress, access)
    side = compare.side_by_side(out, ["B", "A", "ZZ"], "zh")
    assert list(side.columns) == ["乙", "甲"]
    assert side.loc["uncovered", "甲"] == 1
    assert "adcode" not in side.index and "name_en" not in side.index


def test_sector_table_keeps_districts_with_demand():
    from dashboard.engine.coverage import coverage_by_sector

    by = coverage_by_sector(_places(), DISTRICTS)
    out = compare.sector_table(by)
    assert set(out["adcode"]) == {"A", "B", "D"}
    assert (out["demand"] > 0).all()
    only_a = compare.sector_table(by, ["A"])
    assert only_a.set_index("sector")["coverage"].to_dict() == {
        "accommodation": 1.0,
        "dining": 0.5,
    }


@pytest.mark.parametrize(
    "as_of, earliest, expected",
    [
        (date(2025, 6, 9), date(2023, 1, 6), date(2024, 6, 9)),
        (date(2023, 6, 1), date(2023, 1, 6), date(2023, 1, 6)),
        (date(2024, 2, 29), date(2020, 1, 1), date(2023, 2, 28)),
    ],
)
def test_previous_date(as_of, earliest, expected):
    assert compare.previous_date(as_of, earliest) == expected


def test_district_kpis_against_references():
    table, progress, access = _inputs()
    now = compare.district_metrics(table, access)
    before = now.assign(coverage=0.25, weighted_coverage=0.2, uncovered=3, access=0.5)
    scores = pd.DataFrame({"demand": [1.0], "access": [0.5]})
    city = compare.city_reference(table, scores)
    k = compare.district_kpis("A", now, before, city, target=0.8)
    assert list(k.index) == list(compare.KPI_METRICS)
    assert k.loc["coverage", "value"] == pytest.approx(2 / 3)
    assert k.loc["coverage", "city"] == pytest.approx(0.5)
    assert k.loc["coverage", "previous"] == 0.25
    assert k.loc["coverage", "target"] == 0.8
    assert np.isnan(k.loc["uncovered", "target"])
    assert k.loc["uncovered", "city"] == pytest.approx(0.75)  # mean gaps per district
    assert not k.loc["uncovered", "higher_is_better"]


def test_uncovered_list_by_sector_farthest_first_and_localized():
    unc = compare.uncovered_list(_places(), DEMAND, "A")
    assert list(unc["id"]) == ["p3"]
    unc_b = compare.uncovered_list(_places(), DEMAND, "B")
    assert list(unc_b["id"]) == ["p5"]
    both = compare.uncovered_list(_places().assign(adcode="A"), DEMAND, "A")
    assert list(both["id"]) == ["p5", "p3", "p6"]  # dining: inf, 900, 450
    shown = compare.localize_uncovered(both, "en")
    assert shown["sector"].iloc[0] == "Dining"
    assert shown["name"].tolist() == ["five", "三", "six"]  # missing English → Chinese
    assert np.isnan(shown["distance_m"].iloc[0])  # no qualifying point at all


def test_city_uncovered_list_spans_districts_and_names_them():
    unc = compare.uncovered_list(_places(), DEMAND, "all")
    assert list(unc["id"]) == ["p5", "p3", "p6"]  # every district's gaps, dining farthest first
    assert list(unc["adcode"]) == ["B", "A", "D"]
    shown = compare.localize_uncovered(unc, "en", {"A": "Alpha", "B": "Beta"})
    assert list(shown.columns[:3]) == ["sector", "district", "name"]
    assert shown["district"].tolist() == ["Beta", "Alpha", "D"]  # unnamed: the adcode
    assert "district" not in compare.localize_uncovered(unc, "en").columns


def test_city_kpis_against_previous_and_target():
    now = {"coverage": 0.5, "weighted_coverage": 0.6, "uncovered": 3.0, "access": 1.2}
    prev = {"coverage": 0.25, "weighted_coverage": 0.3, "uncovered": 5.0, "access": 0.8}
    k = compare.city_kpis(now, prev, 0.8)
    assert list(k.index) == list(compare.KPI_METRICS)
    assert k.loc["uncovered", "value"] == 3.0 and k.loc["uncovered", "previous"] == 5.0
    assert k.loc["coverage", "target"] == 0.8 and np.isnan(k.loc["access", "target"])
    assert k["city"].isna().all()  # the city is not its own reference
    assert not k.loc["uncovered", "higher_is_better"]
    assert np.isnan(compare.city_kpis(now, prev)["target"]).all()


def test_what_if_summary_of_the_city_and_districts_gaining():
    before = district_coverage(_places(), DISTRICTS)
    after = district_coverage(_places().assign(covered=True), DISTRICTS)
    for scope in ("all", CITY_ADCODE):
        s = compare.what_if_summary(before, after, scope)
        assert list(s.index) == [CITY_ADCODE] and s.iloc[0]["uncovered_after"] == 0
    assert compare.districts_gaining(before, after) == 3  # A, B and D; C has no places
    assert compare.districts_gaining(before, before) == 0


def test_what_if_summary():
    before = district_coverage(_places(), DISTRICTS)
    after = district_coverage(_places().assign(covered=True), DISTRICTS)
    s = compare.what_if_summary(before, after, "B")
    assert list(s.index) == ["B", CITY_ADCODE]
    assert s.loc["B", "coverage_before"] == 0.5 and s.loc["B", "coverage_after"] == 1.0
    assert s.loc[CITY_ADCODE, "uncovered_before"] == 3
    assert s.loc[CITY_ADCODE, "uncovered_after"] == 0


def test_gap_records_are_plain_text():
    covered, uncovered = compare.gap_records(
        _places(), DEMAND, "D", "zh", ("已覆盖", "未覆盖"), "最近"
    )
    assert covered == []
    (rec,) = uncovered
    assert rec["tt_title"] == "<b>六</b>"  # raw text: the deck.gl component escapes it
    assert rec["tt_sub"] == "six"
    assert rec["tt_body"].split("\n") == ["餐饮", "未覆盖", "最近: 450 m"]
    _, unc_b = compare.gap_records(_places(), DEMAND, "B", "en", ("c", "u"), "d")
    assert unc_b[0]["tt_body"].endswith("d: —")


def test_named_sites_and_records():
    sites = pd.DataFrame(
        {
            "rank": [1, 2],
            "id": ["p3", "8931aa"],
            "kind": ["place", "h3"],
            "lon": [116.1, 116.2],
            "lat": [39.9, 39.9],
            "adcode": ["A", "A"],
            "newly_covered": [2, 1],
            "newly_covered_weight": [3.0, 1.0],
        }
    )
    named = compare.named_sites(sites, DEMAND, "en")
    assert named["place"].tolist() == ["三", "8931aa"]
    assert named["adcode"].tolist() == ["A", "A"]  # where each proposed point lies
    recs = compare.site_records(named, "en")
    assert recs[0]["tt_title"] == "Proposed point 1"
    assert "Newly covers 2" in recs[0]["tt_body"]
