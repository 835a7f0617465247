"""The Data page with a field list of ATMs (name, position, type; no in_service_date, no
capabilities): every row kept, the undated and implied-capabilities warnings shown in
the page's language, and the import goes in."""

from __future__ import annotations

import re

import pytest

from dashboard.core.i18n import t
from dashboard.engine.layers import load_layer
from loaders.workspace import shipped_table
from tests.app.conftest import open_page

PAGE = "../pages/data.py"
WARNINGS = {
    "zh": (
        "3 行没有 in_service_date：按始终在用导入",
        "已按类别 foreign_card_atm（外卡ATM）推定为",
    ),
    "en": (
        "3 row(s) have no in_service_date: imported as in service on every date",
        "capabilities filled from category foreign_card_atm (ATM accepting foreign cards)",
    ),
}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_atm_list_is_kept_and_the_page_says_what_was_assumed(home, tmp_path, monkeypatch, lang):
    from loaders import importer

    atms = tmp_path / "atms.csv"
    atms.write_text(
        "name,lon,lat,category\n"
        "ATM one,116.4595,39.9087,foreign_card_atm\n"
        "ATM two,116.3975,39.9087,foreign_card_atm\n"
        "ATM three,116.4100,39.9150,foreign_card_atm\n",
        encoding="utf-8",
    )
    real = importer.import_file

    def field_list(path, options):  # the example toggle stands in for an upload
        return real(atms, options)

    monkeypatch.setattr(importer, "import_file", field_list)
    at = open_page(PAGE, {"lang": lang})
    at.toggle(key="data_example").set_value(True).run()  # it offers key-locations
    at.selectbox[0].set_value("payments").run()
    assert not at.exception
    kept = {m.label: m.value for m in at.metric}
    assert list(kept.values())[:3] == ["3", "3", "0"]  # read, kept, dropped
    shown = [re.sub(r"\\(.)", r"\1", w.value) for w in at.warning]  # Markdown-escaped
    for text in WARNINGS[lang]:
        assert any(text in w for w in shown), (text, shown)
    other = WARNINGS["en" if lang == "zh" else "zh"]
    assert not any(o in w for o in other for w in shown)  # one language only
    next(b for b in at.button if b.label == t("data_confirm", lang)).click().run()
    assert not at.exception
    table = load_layer("payments", home)
    assert len(table) == len(shipped_table("payments")) + 3
    new = table[table["name_en"].str.startswith("ATM ")]
    assert set(new["capabilities"]) == {"atm_withdrawal;cash"}
    assert new["in_service_date"].isna().all()
