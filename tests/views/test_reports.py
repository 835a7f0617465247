"""dashboard.views.reports: formats, headers, and CSV/XLSX bytes round trips."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from dashboard.views import reports
from tests.views.test_charts import TABLE


@pytest.mark.parametrize(
    "code, value, text",
    [
        ("coverage", 0.5, "50.0%"),
        ("change", 0.05, "+5.0%"),
        ("change", -0.1, "-10.0%"),
        ("access", 0.6363, "0.64"),
        ("uncovered", 1234, "1,234"),
        ("coverage", np.nan, "—"),
        ("coverage", None, "—"),
    ],
)
def test_format_metric(code, value, text):
    assert reports.format_metric(code, value) == text


def test_format_delta():
    assert reports.format_delta("coverage", 0.083) == "+8.3 pp"
    assert reports.format_delta("access", -0.5) == "-0.50"
    assert reports.format_delta("uncovered", 7.5) == "+7.5"
    assert reports.format_delta("uncovered", -3.0) == "-3"
    assert reports.format_delta("coverage", np.nan) is None


def test_headers_in_both_languages():
    assert reports.header("coverage", "zh") == "覆盖率"
    assert reports.header("coverage", "en") == "Coverage"
    assert reports.header("not_a_metric", "en") == "not_a_metric"
    zh = reports.comparison_export(TABLE, "zh")
    assert list(zh.columns)[:3] == ["排名", "行政区划代码", "区"]
    assert zh["区"].tolist() == TABLE["name_zh"].tolist()
    assert len(zh.columns) == len(reports.EXPORT_COLUMNS)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_csv_and_xlsx_round_trip(lang):
    df = reports.comparison_export(TABLE, lang)
    csv = reports.to_csv_bytes(df)
    assert csv.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the Chinese correctly
    back = pd.read_csv(io.BytesIO(csv), encoding="utf-8-sig", dtype={df.columns[1]: str})
    pd.testing.assert_frame_equal(back, df, check_dtype=False)
    xlsx = reports.to_xlsx_bytes(df, sheet="a very long sheet name that Excel would refuse")
    assert xlsx[:2] == b"PK"
    book = pd.read_excel(
        io.BytesIO(xlsx), sheet_name=None, dtype={df.columns[1]: str}, engine="openpyxl"
    )
    ((name, sheet),) = book.items()
    assert len(name) <= 31
    pd.testing.assert_frame_equal(sheet, df, check_dtype=False)
