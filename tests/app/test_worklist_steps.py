"""The Work list's table on a city-wide survey is sent compactly: its few-valued text
columns (reason, kind, category, district, dates) as dictionaries, so a district or radius
step sends about half the bytes, with the same cells as the plain table and the download."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest
from streamlit import dataframe_util

from dashboard.core.state import ViewState
from dashboard.ui import cache, widgets
from dashboard.ui import inspect as ui

from .conftest import open_page, synthetic_city

PAGE = "../pages/worklist.py"


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> Path:
    return synthetic_city(tmp_path_factory, "worklist-city", 12_000, 6_000, seed=13)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_table_is_sent_compactly_with_the_same_cells(big, lang):
    at = open_page(PAGE, {"lang": lang, "district": "110105"})
    assert not at.exception
    (frame,) = at.dataframe
    sent = frame.proto.arrow_data.data or frame.proto.lazy_data.initial_chunk.data
    got = pa.ipc.open_stream(sent).read_all().to_pandas()
    inputs = cache.view_inputs(ViewState(lang=lang, district="110105"))
    items = ui.district_work_list(inputs, "110105", None)
    assert len(items) > widgets.TABLE_ROWS  # a long list: its first rows are drawn
    plain = ui.work_table(items.head(widgets.TABLE_ROWS), lang)
    assert list(got.columns) == list(plain.columns)
    for c in plain.columns:  # the same cells, column by column
        assert got[c].astype(str).tolist() == plain[c].astype(str).tolist(), c
    assert len(sent) * 1.6 < len(dataframe_util.convert_anything_to_arrow_bytes(plain))


def test_screen_table_keeps_many_valued_and_other_columns():
    import pandas as pd

    table = pd.DataFrame(
        {
            "few": ["a", "b"] * 10,
            "many": [f"x{i}" for i in range(20)],
            "n": range(20),
            "some_empty": ["", "2025-01-02"] * 10,  # a categorical's empty cell reads "None"
        }
    )
    out = ui.screen_table(table)
    assert isinstance(out["few"].dtype, pd.CategoricalDtype)
    for c in ("many", "n", "some_empty"):
        assert out[c].dtype == table[c].dtype, c
    assert out.astype(str).equals(table.astype(str))
    assert not isinstance(table["few"].dtype, pd.CategoricalDtype)  # the input is left alone
