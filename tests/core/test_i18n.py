"""dashboard.core.i18n: every visible string in both languages, labels for every code."""

from __future__ import annotations

import re

import pytest

from dashboard.core import model
from dashboard.core.i18n import LANGS, STRINGS, label_of, layer_label, name_col, t

FIELD = re.compile(r"{(\w+)[^}]*}")


def test_every_string_has_both_languages_and_the_same_placeholders():
    for key, (zh, en) in STRINGS.items():
        assert zh.strip() and en.strip(), key
        assert set(FIELD.findall(zh)) == set(FIELD.findall(en)), key


def test_page_strings_are_merged():
    """The per-page modules of dashboard/core/strings/ reach the one dictionary."""
    from dashboard.core.strings.data import STRINGS as DATA

    assert DATA and set(DATA) <= set(STRINGS)


def test_lookup_formats_and_falls_back_to_the_key():
    assert t("all_districts", "en") == "All of Beijing"
    assert t("all_districts", "zh") == "全市"
    assert t("no-such-key", "en") == "no-such-key"
    assert name_col("zh") == "name_zh" and name_col("en") == "name_en"


@pytest.mark.parametrize("lang", LANGS)
def test_every_layer_and_code_has_a_label(lang):
    for layer in ("districts", *model.POINT_LAYERS):
        assert layer_label(layer, lang) and layer_label(layer, lang, short=True)
    for kind, table in (
        ("sector", model.SECTORS),
        ("capability", model.CAPABILITIES),
        ("card_scheme", model.CARD_SCHEMES),
        ("wallet", model.WALLETS),
        ("payment_type", model.PAYMENT_TYPES),
    ):
        for code in table:
            assert label_of(kind, code, lang) not in ("", code), (kind, code)
    for layer in model.POINT_LAYERS:
        for code in model.LAYERS[layer].categories:
            assert label_of(layer, code, lang) not in ("", code), (layer, code)
