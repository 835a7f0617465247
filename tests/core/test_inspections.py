"""The inspections vocabulary: checks are capabilities, columns and dtypes, labels."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.core import inspections as ins
from dashboard.core.model import CAPABILITIES


def test_checks_are_capabilities_with_labels() -> None:
    assert set(ins.CHECKS) <= set(CAPABILITIES)
    assert set(ins.CHECK_LABELS) == set(ins.CHECKS)
    assert ins.check_label("cash") == "Cash and change"
    assert ins.check_label("help_desk") == "Help in English"
    assert ins.check_label("foreign_card", "zh") == CAPABILITIES["foreign_card"][0]
    for zh, en in ins.CHECK_LABELS.values():
        assert zh and en and zh != en


def test_results_and_kinds() -> None:
    assert ins.PASS in ins.RESULTS
    assert set(ins.FAILS) == set(ins.RESULTS) - {ins.PASS}
    assert tuple(ins.PLACE_KINDS) == ("payment", "key_location", "new")
    assert tuple(ins.REASONS) == ("failed", "newly_uncovered", "expired", "never")
    assert ins.DEFAULT_VALIDITY_DAYS == 180
    assert ins.result_label("") == "Not tried"
    assert ins.result_label(pd.NA, "zh") == ins.NOT_TRIED[0]
    assert ins.result_label("out_of_order") == "Out of order"


def test_columns_and_result_column() -> None:
    assert ins.result_column("cash") == "check_cash"
    with pytest.raises(ValueError):
        ins.result_column("bitcoin")
    cols = ins.INSPECTION_COLUMNS
    assert cols[:9] == (
        "id",
        "place_kind",
        "place_id",
        "inspected_at",
        "inspector",
        "adcode",
        "lon",
        "lat",
        "name",
    )
    assert cols[9:15] == tuple(f"check_{c}" for c in ins.CHECKS)
    assert cols[15:] == ("notes", "photo", "source")


def test_empty_inspections_dtypes() -> None:
    e = ins.empty_inspections()
    assert len(e) == 0 and tuple(e.columns) == ins.INSPECTION_COLUMNS
    assert pd.api.types.is_datetime64_dtype(e["inspected_at"])
    assert e["lon"].dtype == "float64" and e["lat"].dtype == "float64"
    assert pd.api.types.is_string_dtype(e["place_id"])
    assert pd.api.types.is_string_dtype(e["check_cash"])
