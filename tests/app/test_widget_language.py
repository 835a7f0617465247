"""Every multiselect says what to do in the page's language, and every table shows a
missing value as "—": Streamlit's own words ("Choose options", "None") are English
whatever the page's language."""

from __future__ import annotations

import re

import pytest

from tests.app.conftest import open_page

CJK = re.compile(r"[\u4e00-\u9fff]")


def _placeholders(at) -> list[str]:
    return [m.proto.placeholder for m in at.multiselect]


@pytest.mark.parametrize(
    ("page", "query", "state"),
    [
        ("../pages/compare.py", {}, {}),
        ("../pages/events.py", {}, {}),
        ("../pages/audit.py", {}, {}),
        ("../pages/explore.py", {}, {"_open_explore_filters": True}),
    ],
)
def test_multiselects_speak_the_pages_language(page, query, state):
    at = open_page(page, {"lang": "zh", **query})
    for k, v in state.items():
        at.session_state[k] = v
    at.run()
    assert not at.exception
    zh = _placeholders(at)
    assert zh and all(CJK.search(p) for p in zh), zh
    at.sidebar.radio[0].set_value("en").run()
    en = _placeholders(at)
    assert len(en) == len(zh) and not any(CJK.search(p) for p in en), en


def test_the_presenters_district_picker_speaks_chinese():
    at = open_page(None, {"present": "1", "lang": "zh"})
    if not at.multiselect:  # the picker sits in the settings, opened by its button
        at.button(key="present-settings").click().run()
    assert [m.proto.placeholder for m in at.multiselect] == ["请选择区"]


@pytest.mark.parametrize(
    "page",
    [
        "../pages/overview.py",
        "../pages/district.py",
        "../pages/progress.py",
        "../pages/events.py",
    ],
)
def test_tables_show_a_missing_value_as_a_dash_not_english_none(page):
    at = open_page(page, {"lang": "zh"})
    at.run()
    assert not at.exception
    assert at.dataframe, "the page draws a table"
    assert [d.proto.placeholder for d in at.dataframe] == ["—"] * len(at.dataframe)


def test_a_list_without_rows_says_so_in_chinese():
    # a new workspace has no field checks: Streamlit's empty grid would read "empty"
    at = open_page("../pages/inspect.py", {"lang": "zh"})
    at.run()
    assert not at.exception
    assert "暂无数据" in [c.value for c in at.caption]
