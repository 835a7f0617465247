"""The data model's validation and the URL state round trip."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from dashboard.core.model import DataValidationError, validate_points
from dashboard.core.state import ViewState, from_query, to_query
from dashboard.engine.layers import points_frame


def _row(**kw):
    base = dict(
        id="V1",
        name_zh="测试",
        name_en="Test",
        category="convention_center",
        adcode="110105",
        lon=116.39,
        lat=39.99,
    )
    base.update(kw)
    return base


def test_problems_name_row_and_column():
    df = pd.DataFrame([_row(), _row(id="V2", lon="abc"), _row(id="V1", category="spaceport")])
    problems = validate_points(df, "venues", "venues.csv")
    where = {(p.row, p.column) for p in problems}
    assert (2, "lon") in where
    assert (3, "id") in where and (3, "category") in where
    msg = str(next(p for p in problems if p.column == "lon"))
    assert msg.startswith("venues.csv, row 2, column 'lon'")


def test_missing_column_and_outside_beijing():
    df = pd.DataFrame([_row(lon=121.47, lat=31.23)])
    assert any("outside Beijing" in p.message for p in validate_points(df, "venues"))
    with pytest.raises(DataValidationError, match="column 'lat'"):
        points_frame(df.drop(columns="lat"), "venues", "x.csv")


def test_payment_list_vocabulary():
    df = pd.DataFrame(
        [
            _row(
                id="P1",
                category="foreign_card_pos",
                capabilities="foreign_card;teleport",
                in_service_date="2024-05-01",
            )
        ]
    )
    problems = validate_points(df, "payments", "p.csv")
    assert [(p.row, p.column) for p in problems] == [(1, "capabilities")]


def test_state_round_trip():
    s = ViewState(
        district="110105",
        lang="en",
        layers=("venues", "payments"),
        as_of=date(2024, 12, 31),
        std="any",
        radius=500,
        basemap="osm",
        compare=("110101", "110102"),
    )
    q = to_query(s)
    assert q == {
        "district": "110105",
        "lang": "en",
        "layers": "venues,payments",
        "as_of": "2024-12-31",
        "std": "any",
        "radius": "500",
        "basemap": "osm",
        "compare": "110101,110102",
    }
    assert from_query(q) == s
    assert to_query(ViewState()) == {}


def test_state_ignores_bad_values():
    s = from_query(
        {
            "district": "999999",
            "lang": "fr",
            "as_of": "yesterday",
            "layers": "x,venues",
            "radius": "-3",
            "std": "none",
            "basemap": "javascript:alert(1)",
        }
    )
    assert s.district == "all" and s.lang == "zh" and s.as_of is None
    assert s.radius is None and s.std == "standards" and s.basemap == "none"
    assert s.layers == ("venues",)
