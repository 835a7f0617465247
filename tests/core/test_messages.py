"""dashboard.core.messages: a message is its English text and words itself in Chinese;
every message the code words exists in both languages with the same values."""

from __future__ import annotations

import ast
import copy
import json
import pickle
import re
import string
from pathlib import Path

import pytest

from dashboard.core.i18n import STRINGS
from dashboard.core.messages import Msg, error_text, localize

ROOT = Path(__file__).resolve().parents[2]
CJK = re.compile("[\u3400-\u9fff]")


#: Message codes as the code spells them: the importer's (``imp_``), the targets' (``tg_``).
CODE = re.compile(r"^(imp|tg)_[a-z0-9_]*[a-z0-9]$")  # not the head of an f-string


def _codes_worded_in_the_code() -> dict[str, str]:
    """Every message the code words, with where: the first argument of a literal
    ``Msg("code", …)`` anywhere in dashboard/ and loaders/, and every string literal
    there spelled like a message code (the importer passes its codes to ``_Problems.add``)."""
    found: dict[str, str] = {}
    for path in [*ROOT.glob("dashboard/**/*.py"), *ROOT.glob("loaders/**/*.py")]:
        if path.parent.name == "strings":
            continue  # the templates themselves
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "Msg"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                found[str(node.args[0].value)] = where
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                if CODE.match(node.value):
                    found[node.value] = where
    return found


def _fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


CODES = _codes_worded_in_the_code()


def test_the_code_words_messages():
    # the scan finds them: the targets' checks (12) and the importer's report (60 or so)
    assert sum(c.startswith("tg_") for c in CODES) >= 12
    assert sum(c.startswith("imp_") for c in CODES) >= 50


@pytest.mark.parametrize("code", sorted(CODES))
def test_every_message_has_both_languages_with_the_same_values(code):
    assert code in STRINGS, f"{CODES[code]}: no template {code!r} in dashboard/core/strings"
    zh, en = STRINGS[code]
    assert zh.strip() and en.strip(), CODES[code]
    # Chinese words, or at least Chinese punctuation: never the English text copied
    assert CJK.search(zh) or zh != en, f"{code}: no Chinese text: {zh!r}"
    assert _fields(zh) == _fields(en), f"{code}: the two languages take different values"


def test_a_message_is_its_english_text_and_words_itself_again():
    inner = Msg("tg_percent_range", due="2026-12-31", percent="120")
    outer = Msg("tg_not_saved", msg=inner)
    assert outer == "Not saved: milestone 2026-12-31: 120 % is outside (0, 100]"
    assert outer.text("zh") == "未保存：里程碑 2026-12-31：120 % 超出 (0, 100] 范围"
    assert localize("plain text", "zh") == "plain text"
    assert error_text(ValueError(inner), "zh").startswith("里程碑")
    for copied in (copy.deepcopy(outer), pickle.loads(pickle.dumps(outer))):
        assert isinstance(copied, Msg) and copied.text("zh") == outer.text("zh")
    assert json.dumps([outer]) == json.dumps([str(outer)])
    with pytest.raises(KeyError, match="no message template"):
        Msg("no_such_template")


def test_every_confidence_of_a_decision_has_a_label():
    from loaders.importer import confidence_label

    for confidence in ("high", "medium", "low", "undetermined", "declared"):
        label = confidence_label(confidence)
        assert isinstance(label, Msg) and label == confidence and CJK.search(label.text("zh"))


def test_every_source_of_coordinate_evidence_has_a_label():
    sources = set()
    for path in ROOT.glob("loaders/*.py"):
        sources |= set(re.findall(r'Evidence\(\s*"([a-z]+)"', path.read_text(encoding="utf-8")))
    assert {"districts", "landmarks", "declared", "names", "provenance", "format"} <= sources
    for source in sources:
        zh, en = STRINGS[f"imp_src_{source}"]
        assert CJK.search(zh) and en, source
