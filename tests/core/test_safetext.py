"""safetext: untrusted text made safe for spreadsheets, Markdown and links."""

from __future__ import annotations

import io

import numpy as np
import openpyxl
import pandas as pd
import pytest

from dashboard.core.safetext import (
    WORD_JOINER,
    csv_text,
    md_link,
    md_literal,
    plain,
    safe_url,
    spreadsheet_safe,
)
from dashboard.views import reports

HOSTILE = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tx", "\rx"]


def hostile_frame() -> pd.DataFrame:
    n = len(HOSTILE)
    return pd.DataFrame(
        {
            "name": pd.array(HOSTILE, dtype="string"),
            "obj": pd.Series(HOSTILE, dtype=object),
            "ok": ["北京饭店", "a=b", "", None, "x-y", "1+1"],
            "value": np.linspace(-3.5, 2.0, n),
            "count": np.arange(-3, n - 3),
            "=head": ["h"] * n,
        }
    )


def test_spreadsheet_safe_prefixes_dangerous_text_only():
    df = hostile_frame()
    out = spreadsheet_safe(df)
    assert out["name"].tolist() == ["'" + h for h in HOSTILE]
    assert out["obj"].tolist() == ["'" + h for h in HOSTILE]
    assert out["ok"].tolist()[:3] == ["北京饭店", "a=b", ""] and out["ok"].isna().iloc[3]
    pd.testing.assert_series_equal(out["value"], df["value"])  # numbers stay numbers
    pd.testing.assert_series_equal(out["count"], df["count"])
    assert list(out.columns)[-1] == "'=head"  # headers come from users' files too
    assert df["name"].iloc[0] == HOSTILE[0]  # the input is not modified


def test_csv_exports_are_sanitised():
    for text in (
        reports.to_csv_bytes(hostile_frame()).decode("utf-8-sig"),
        csv_text(hostile_frame()),
    ):
        back = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
        assert back["name"].tolist() == ["'" + h for h in HOSTILE]
        assert float(back["value"].iloc[0]) == -3.5  # a negative number is written as one


def test_xlsx_download_has_no_formula_and_prefixed_text():
    wb = openpyxl.load_workbook(io.BytesIO(reports.to_xlsx_bytes(hostile_frame())))
    ws = wb.active
    header = [c.value for c in ws[1]]
    assert header[-1] == "'=head"
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f", cell.value  # never a formula
    names = [  # openpyxl leaves xlsx's own escape of a CR as it is stored
        ws.cell(row=r, column=1).value.replace("_x000D_", "\r") for r in range(2, 2 + len(HOSTILE))
    ]
    assert names == ["'" + h for h in HOSTILE]
    assert ws.cell(row=2, column=4).value == -3.5


@pytest.mark.parametrize(
    "text",
    [
        "**bold** _it_ ~~s~~ `code`",
        "[link](javascript:alert(1)) ![img](http://127.0.0.1/x.png)",
        "<b>html</b> &amp; :red[red] :smile: $x^2$",
        "# heading\n- item\n1. one",
        "www.example.com http://x.org a@b.cn",
    ],
)
def test_md_literal_escapes_every_markdown_sign_and_breaks_autolinks(text):
    out = md_literal(text)
    assert "\n" not in out
    # every ASCII punctuation character is escaped, nothing else is added but joiners
    stripped = out.replace(WORD_JOINER, "")
    i = 0
    for ch in plain(text):
        if ch.isascii() and not ch.isalnum() and not ch.isspace():
            assert stripped[i : i + 2] == "\\" + ch
            i += 2
        else:
            assert stripped[i] == ch
            i += 1
    for trigger in ("www\\.", "\\:\\/\\/", "b\\@"):
        assert trigger not in out or trigger == "b\\@" and "b" + WORD_JOINER + "\\@" in out


def test_plain_turns_missing_into_empty_and_controls_into_spaces():
    assert plain(None) == plain(float("nan")) == plain(pd.NA) == ""
    assert plain("a\nb\x00c\u2028d") == "a b c d"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://en.wikipedia.org/wiki/X", "http://en.wikipedia.org/wiki/X"),
        (
            "https://en.wikipedia.org/wiki/Ritan_Park_(Beijing)",
            "https://en.wikipedia.org/wiki/Ritan_Park_%28Beijing%29",
        ),
        (
            "https://zhwiki.oracleblog.org/zh-tw/%E5%8C%97",
            "https://zhwiki.oracleblog.org/zh-tw/%E5%8C%97",
        ),
        ("http://北京.cn/路", "http://xn--1lq90i.cn/%E8%B7%AF"),
        ("HTTPS://Example.COM:8443/a?b=1#c", "https://example.com:8443/a?b=1#c"),
        ("javascript:alert(1)", None),
        ("data:text/html,<script>", None),
        ("file:///etc/passwd", None),
        ("https://user:pw@evil.example/", None),
        ("http://a b.org/", None),
        ("http://x.org/\\evil", None),
        ('http://x.org/"onmouseover', None),
        ("http://x.org:99999/", None),
        ("http://-bad-.org/", None),
        ("www.example.com", None),
        ("", None),
        (None, None),
    ],
)
def test_safe_url(url, expected):
    assert safe_url(url) == expected


def test_md_link_links_only_valid_urls():
    assert md_link("see", "https://x.org/a_(1)") == "[see](https://x.org/a_%281%29)"
    assert md_link("http://x.org/", "http://x.org/") == "[http\\:\\/\\/x\\.org\\/](http://x.org/)"
    assert md_link("javascript:alert(1)", "javascript:alert(1)") == md_literal(
        "javascript:alert(1)"
    )
