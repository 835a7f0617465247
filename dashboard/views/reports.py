"""Downloadable reports: localised tables as CSV and XLSX bytes (no Streamlit).

Headers are written in the user's language; numbers stay numbers (shares as
fractions, so a spreadsheet can format them as percentages). CSV is UTF-8 with a
byte-order mark so that Excel opens Chinese text correctly.
"""

from __future__ import annotations

import io
from typing import SupportsFloat, cast

import pandas as pd

from dashboard.core.i18n import STRINGS, name_col, t
from dashboard.core.safetext import csv_text, spreadsheet_safe
from dashboard.engine.compare import COMPARISON_COLUMNS

#: Columns of the comparison export, in order (``name`` is the district in the language).
EXPORT_COLUMNS = ("rank", "adcode", "name") + tuple(
    c for c in COMPARISON_COLUMNS if c not in ("rank", "adcode", "name_zh", "name_en")
)


def header(code: str, lang: str) -> str:
    """The column header of a metric code in ``lang`` (``cmpm_<code>`` strings; else the code)."""
    key = f"cmpm_{code}"
    return t(key, lang) if key in STRINGS else code


def localize(
    table: pd.DataFrame, lang: str, columns: tuple[str, ...] | None = None
) -> pd.DataFrame:
    """``table`` with a ``name`` column in ``lang`` and headers translated.

    ``columns`` picks and orders the codes (those missing in ``table`` are skipped);
    the default keeps every column.
    """
    df = table.copy()
    if "name" not in df.columns and name_col(lang) in df.columns:
        df["name"] = df[name_col(lang)]
    if columns is not None:
        df = df[[c for c in columns if c in df.columns]]
    return df.rename(columns={c: header(c, lang) for c in df.columns})


#: Metric codes shown as shares (fractions rendered as percentages).
SHARE_CODES = frozenset(
    {"coverage", "weighted_coverage", "coverage_baseline", "change", "share_without_access"}
)


def format_metric(code: str, value: object) -> str:
    """Display text of one metric value: shares as ``50.0%`` (change signed), ``access``
    with two decimals, counts as integers; missing as ``—``."""
    missing = value is None or (isinstance(value, float) and value != value)
    # pd.isna reads any scalar; pandas-stubs overload it for pandas' own types only
    if missing or pd.isna(value):  # pyright: ignore[reportArgumentType, reportCallIssue]
        return "—"
    v = float(cast(SupportsFloat, value))  # a number once missing values are out
    if code in SHARE_CODES:
        return f"{v:+.1%}" if code == "change" else f"{v:.1%}"
    if code == "access":
        return f"{v:.2f}"
    return f"{v:,.0f}"


def format_delta(code: str, delta: object) -> str | None:
    """Display text of a difference: shares in percentage points (``+5.0 pp``), ``access``
    with two decimals, counts with one; None when missing (no delta shown)."""
    if delta is None or pd.isna(delta):  # pyright: ignore[reportArgumentType, reportCallIssue]
        return None
    d = float(cast(SupportsFloat, delta))
    if code in SHARE_CODES:
        return f"{d * 100:+.1f} pp"
    if code == "access":
        return f"{d:+.2f}"
    return f"{d:+.1f}" if d != round(d) else f"{d:+.0f}"


def comparison_export(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The comparison table as exported: :data:`EXPORT_COLUMNS`, headers in ``lang``."""
    return localize(table, lang, EXPORT_COLUMNS)


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    """CSV bytes (UTF-8 with BOM, no index), sanitised against formula injection."""
    return csv_text(df).encode("utf-8-sig")


def to_xlsx_bytes(df: pd.DataFrame, sheet: str = "districts") -> bytes:
    """XLSX bytes of one sheet (xlsxwriter), header bold, columns sized to fit.

    Sheet names are cut to Excel's 31 characters. Text is written as text, never as a
    formula or a link, and sanitised against formula injection like the CSV.
    """
    df = spreadsheet_safe(df)
    buf = io.BytesIO()
    options = {"strings_to_formulas": False, "strings_to_urls": False}
    with pd.ExcelWriter(buf, engine="xlsxwriter", engine_kwargs={"options": options}) as xw:
        name = sheet[:31]
        df.to_excel(xw, sheet_name=name, index=False)
        ws = xw.sheets[name]
        for i, col in enumerate(df.columns):
            width = max([len(str(col))] + [len(str(v)) for v in df[col].head(200)])
            ws.set_column(i, i, min(max(8, width + 2), 40))
        ws.freeze_panes(1, 0)
    return buf.getvalue()
