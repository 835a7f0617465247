"""dashboard.core.model: validation names the row and the column; payment vocabularies."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.core.model import DataValidationError, validate_points
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
