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


def _codes_worded_in_the_code() -> dict[str, str]:
    """Every literal ``Msg("code", …)`` in dashboard/ and loaders/, with where it is."""
    found: dict[str, str] = {}
    for path in [*ROOT.glob("dashboard/**/*.py"), *ROOT.glob("loaders/**/*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("Msg", "_msg")
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                found[str(node.args[0].value)] = f"{path.relative_to(ROOT)}:{node.lineno}"
    return found


def _fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


CODES = _codes_worded_in_the_code()


def test_the_code_words_messages():
    assert len(CODES) >= 12  # the scan finds them (the targets' checks alone have 12)


@pytest.mark.parametrize("code", sorted(CODES))
def test_every_message_has_both_languages_with_the_same_values(code):
    assert code in STRINGS, f"{CODES[code]}: no template {code!r} in dashboard/core/strings"
    zh, en = STRINGS[code]
    assert zh.strip() and en.strip(), CODES[code]
    assert CJK.search(zh), f"{code}: the Chinese text is not Chinese: {zh!r}"
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
