"""The Service standards page (AppTest): the rationale of every category in the page's
language, and an edit in Chinese saved to the Chinese line only."""

from __future__ import annotations

import json
import re

import pytest

from loaders.standards_store import SHIPPED_STANDARDS, load_standards, shipped_standards
from tests.app.conftest import open_page

RAW = json.loads(SHIPPED_STANDARDS.read_text(encoding="utf-8"))["categories"]


@pytest.mark.parametrize("lang, field", [("zh", "rationale_zh"), ("en", "rationale")])
def test_the_rationale_is_shown_in_the_pages_language(lang, field):
    at = open_page("../pages/standards.py", {"lang": lang})
    assert not at.exception
    table = (at.get("arrow_data_frame") or at.get("data_editor"))[0].value
    shown = dict(zip(table["category"], table["rationale"], strict=True))
    assert shown == {cat: spec[field] for cat, spec in RAW.items()}
    if lang == "zh":
        assert all(re.search("[\u4e00-\u9fff]", text) for text in shown.values())
    assert at.title[0].value == ("服务标准" if lang == "zh" else "Service standards")


def test_saving_in_chinese_keeps_both_rationales(store, private_home):
    at = open_page("../pages/standards.py", {"lang": "zh"})
    next(b for b in at.button if b.label == "保存").click().run()
    assert not at.exception and not at.error
    saved = load_standards(private_home)
    assert saved == shipped_standards()  # nothing edited: both languages kept as shipped
    assert all(s.rationale_zh and s.rationale for s in saved.values())


@pytest.mark.parametrize(
    "lang, heads", [("zh", ["代码", "支付能力"]), ("en", ["Code", "Capability"])]
)
def test_the_capability_codes_table_speaks_the_pages_language(lang, heads):
    at = open_page("../pages/standards.py", {"lang": lang})
    table = at.table[0]
    assert list(table.value.columns) == heads
    assert table.proto.hide_index  # no 0, 1, 2 … column of row numbers
