"""The zone table of a boundary set (dashboard.views.zones) on the shipped layers and the
synthetic sample subdivision: the places outside every zone labelled in both languages,
the columns those of the district comparison."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.core.i18n import t
from dashboard.engine import layers as data
from dashboard.engine.compare import COMPARISON_COLUMNS
from dashboard.engine.coverage import assess_coverage
from dashboard.engine.zones import OUTSIDE, coverage_by
from dashboard.views import reports
from dashboard.views import zones as vz
from loaders.examples import synthetic_subdistricts
from loaders.standards_store import load_standards

CHAOYANG = "110105"
LABELS = {"en": "Outside any zone", "zh": "不在任何分区内"}


@pytest.fixture(scope="module")
def drilldown() -> pd.DataFrame:
    """Chaoyang's drill-down into the sample subdistricts (the District profile's table)."""
    districts = data.load_layer("districts")
    kl, pay = data.load_layer("key-locations"), data.load_layer("payments")
    cov = assess_coverage(kl, pay, districts, load_standards())
    return coverage_by(cov, synthetic_subdistricts(), district=CHAOYANG)


def _zone_names(table: pd.DataFrame, lang: str) -> pd.Series:
    shown = vz.localize_zones(table, lang, {CHAOYANG: "Chaoyang"})
    return pd.Series(shown[reports.header("zone", lang)].to_numpy(), index=table["zone_id"])


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_outside_row_is_labelled_in_the_language(drilldown: pd.DataFrame, lang: str):
    assert LABELS[lang] == t("bnd_outside_row", lang)
    names = _zone_names(drilldown, lang)
    assert names[OUTSIDE] == LABELS[lang]
    zone = drilldown[drilldown["zone_id"] == f"{CHAOYANG}-S01"].iloc[0]
    assert names[f"{CHAOYANG}-S01"] == zone["name_en" if lang == "en" else "name_zh"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_outside_row_is_labelled_whatever_names_the_table_gives_it(
    drilldown: pd.DataFrame, lang: str
):
    """The label is the view's, not the table's: with no names (None) in the table, the
    outside row had no zone name, which the app's table shows as "None"."""
    out = (drilldown["zone_id"] == OUTSIDE).to_numpy()

    def blanked(col: str) -> pd.Series:
        names = [None if o else n for n, o in zip(drilldown[col], out, strict=True)]
        return pd.Series(names, index=drilldown.index, dtype=object)

    unnamed = drilldown.assign(name_zh=blanked("name_zh"), name_en=blanked("name_en"))
    names = _zone_names(unnamed, lang)
    assert names[OUTSIDE] == LABELS[lang]
    assert names.notna().all() and "None" not in set(names)


def test_the_table_columns_are_the_comparisons_metrics_by_zone():
    metrics = [c for c in COMPARISON_COLUMNS if c not in ("rank", "adcode", "name_zh", "name_en")]
    assert list(vz.ZONE_TABLE_COLUMNS) == ["rank", "zone", "district", *metrics, "zone_id"]
    assert metrics[0] == "demand" and metrics[-1] == "newly_covered"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_city_total_row_names_no_district(lang: str):
    """The city-wide table by zone: the total row's district is blank, not its code
    ``110000``; a zone's district is its name."""
    districts = data.load_layer("districts")
    kl, pay = data.load_layer("key-locations"), data.load_layer("payments")
    table = coverage_by(
        assess_coverage(kl, pay, districts, load_standards()), synthetic_subdistricts()
    )
    shown = vz.localize_zones(table, lang, {CHAOYANG: "Chaoyang"})
    district = shown[reports.header("district", lang)]
    assert district.iloc[-1] == ""
    assert "Chaoyang" in set(district) and "110000" not in set(district)
