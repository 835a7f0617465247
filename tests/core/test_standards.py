"""Service standards: the shipped file, validation, workspace round trip, and the page."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from dashboard.core.model import KEY_LOCATION_CATEGORIES
from dashboard.core.standards import (
    format_requirement,
    parse_requirement,
    parse_requirement_text,
    set_standard,
    standards_from_dict,
    standards_from_table,
    standards_table,
    standards_to_dict,
    uniform_standards,
)
from loaders.standards_store import (
    SHIPPED_STANDARDS,
    is_customised,
    load_standards,
    reset_standards,
    save_standards,
    shipped_standards,
    standards_history,
    undo_standards,
    workspace_standards_path,
)

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")


def test_shipped_file_is_complete_and_documented():
    std = shipped_standards()
    assert list(std) == list(KEY_LOCATION_CATEGORIES)
    for s in std.values():
        assert s.radius_m > 0 and s.weight > 0 and s.rationale
    # transport hubs need cash besides a card or wallet
    for hub in ("airport", "railway_station", "metro_station"):
        assert any("cash" in clause for clause in std[hub].require)
        assert ("foreign_card", "foreign_wallet") in std[hub].require
    raw = json.loads(SHIPPED_STANDARDS.read_text(encoding="utf-8"))
    assert set(raw["categories"]) == set(KEY_LOCATION_CATEGORIES)


def test_requirement_parsing():
    assert parse_requirement(["foreign_wallet|foreign_card", "cash"]) == (
        ("cash",),
        ("foreign_card", "foreign_wallet"),
    )
    assert parse_requirement(["any"]) == () == parse_requirement([])
    assert parse_requirement_text("foreign_card|foreign_wallet + cash") == parse_requirement(
        ["foreign_card|foreign_wallet", "cash"]
    )
    req = parse_requirement(["foreign_card|foreign_wallet", "cash"])
    assert parse_requirement_text(format_requirement(req)) == req
    assert format_requirement(()) == "any"
    with pytest.raises(ValueError, match="unknown capability 'bitcoin'"):
        parse_requirement(["bitcoin"])


@pytest.mark.parametrize(
    "change, message",
    [
        ({"radius_m": 0}, "radius"),
        ({"radius_m": 1e9}, "radius"),
        ({"weight": -1}, "weight"),
        ({"require": ["cash|gold"]}, "unknown capability"),
    ],
)
def test_set_standard_rejects_bad_values(change, message):
    with pytest.raises(ValueError, match=message):
        set_standard(shipped_standards(), "hotel", **change)


def test_bad_files_are_named():
    with pytest.raises(ValueError, match="miss the categories"):
        standards_from_dict({"categories": {"hotel": {"radius_m": 100}}})
    with pytest.raises(ValueError, match="radius_m is missing"):
        standards_from_dict({"categories": {"hotel": {}}})


def test_workspace_round_trip(isolated_home):
    assert not is_customised(isolated_home)
    std = set_standard(shipped_standards(), "museum", radius_m=420, require=["any"], weight=2)
    version = save_standards(std, isolated_home)
    assert version == "v0001.json" and is_customised(isolated_home)
    again = load_standards(isolated_home)
    assert again["museum"].radius_m == 420 and again["museum"].require == ()
    assert again == std
    stored = workspace_standards_path(isolated_home) / version
    good = stored.read_bytes()
    stored.write_text("{not json", encoding="utf-8")  # a hand-broken version
    with pytest.raises(ValueError, match="standards.*cannot be read.*undo"):
        load_standards(isolated_home)
    stored.write_bytes(good)
    assert reset_standards(isolated_home) and load_standards(isolated_home) == shipped_standards()
    assert not reset_standards(isolated_home)


def test_every_change_is_a_version_and_undoable(isolated_home):
    """Standards are kept like the targets: versioned, written under a lock, undoable."""
    a = set_standard(shipped_standards(), "hotel", radius_m=250)
    b = set_standard(a, "hotel", radius_m=150)
    save_standards(a, isolated_home)
    save_standards(b, isolated_home)
    assert load_standards(isolated_home)["hotel"].radius_m == 150
    assert undo_standards(isolated_home) == "v0001.json"
    assert load_standards(isolated_home)["hotel"].radius_m == 250
    reset_standards(isolated_home)
    assert load_standards(isolated_home) == shipped_standards()
    undo_standards(isolated_home)  # the reset is undone too
    assert load_standards(isolated_home)["hotel"].radius_m == 250
    history = standards_history(isolated_home)
    assert [h.action for h in history] == ["save", "save", "reset"]
    assert [h.current for h in history] == [True, False, False]


def test_a_file_of_an_earlier_version_is_read_then_moved_in(isolated_home):
    old = set_standard(shipped_standards(), "museum", radius_m=333)
    isolated_home.mkdir(parents=True, exist_ok=True)
    legacy = isolated_home / "standards.json"
    legacy.write_text(json.dumps(standards_to_dict(old)), encoding="utf-8")
    assert is_customised(isolated_home) and load_standards(isolated_home) == old
    save_standards(set_standard(old, "museum", radius_m=444), isolated_home)
    assert not legacy.exists()
    assert [h.source for h in standards_history(isolated_home)][0].startswith("migrated")
    assert undo_standards(isolated_home) == "v0001.json"
    assert load_standards(isolated_home) == old  # the earlier file is its first version


def test_table_round_trip_and_uniform():
    std = shipped_standards()
    rows = standards_table(std)
    assert standards_from_table(rows, std) == std
    rows[0]["radius_m"] = 777
    rows[0]["require"] = "cash + foreign_card"
    new = standards_from_table(rows, std)
    first = rows[0]["category"]
    assert new[first].radius_m == 777 and new[first].require == (("cash",), ("foreign_card",))
    rows[1]["weight"] = "heavy"
    with pytest.raises(ValueError, match=rows[1]["category"]):
        standards_from_table(rows, std)
    u = uniform_standards(std, radius_m=250, require=[])
    assert {s.radius_m for s in u.values()} == {250} and all(not s.require for s in u.values())
    assert [s.weight for s in u.values()] == [s.weight for s in std.values()]


def _page(at):
    at.switch_page("../pages/standards.py")
    return at.run()


def test_page_shows_saves_and_resets(isolated_home):
    from streamlit.testing.v1 import AppTest

    std = set_standard(shipped_standards(), "hotel", radius_m=321)
    save_standards(std, isolated_home)
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["lang"] = "en"
    at.run()
    at = _page(at)
    assert not at.exception
    assert at.title[0].value == "Service standards"
    assert any("saved in the workspace" in i.value for i in at.info)
    editor = at.get("arrow_data_frame") or at.get("data_editor")
    assert editor  # the standards table is on the page
    next(b for b in at.button if b.label == "Reset to defaults").click().run()
    assert not is_customised(isolated_home)
    next(b for b in at.button if b.label == "Save").click().run()
    assert not at.exception
    assert is_customised(isolated_home) and load_standards(isolated_home) == shipped_standards()
    # undo on the page: back past the save and the reset to the 321 m hotel standard
    for _ in range(2):
        next(b for b in at.button if b.label == "Undo the last change").click().run()
        assert not at.exception
    assert load_standards(isolated_home)["hotel"].radius_m == 321


def test_every_rationale_is_in_chinese_and_english():
    raw = json.loads(SHIPPED_STANDARDS.read_text(encoding="utf-8"))["categories"]
    std = shipped_standards()
    for cat, spec in raw.items():
        assert spec["rationale"].isascii() and spec["rationale"], cat
        assert re.search("[\u4e00-\u9fff]", spec["rationale_zh"]), cat
        assert std[cat].rationale_in("zh") == spec["rationale_zh"]
        assert std[cat].rationale_in("en") == spec["rationale"]
    for row in standards_table(std, "zh"):
        assert row["rationale"] == raw[row["category"]]["rationale_zh"]


def test_a_rationale_edited_in_one_language_leaves_the_other():
    std = shipped_standards()
    rows = standards_table(std, "zh")
    assert standards_from_table(rows, std, "zh") == std  # shown as is: nothing changes
    rows[3]["rationale"] = "新的理由"
    new = standards_from_table(rows, std, "zh")
    cat = rows[3]["category"]
    assert new[cat].rationale_zh == "新的理由" and new[cat].rationale == std[cat].rationale
    en = standards_table(new, "en")
    en[3]["rationale"] = "A new reason"
    newer = standards_from_table(en, new, "en")
    assert newer[cat].rationale == "A new reason" and newer[cat].rationale_zh == "新的理由"
    # a standard saved before the Chinese line existed shows its English one in Chinese
    old = set_standard(std, cat, rationale_zh="")
    assert standards_table(old, "zh")[3]["rationale"] == std[cat].rationale
    assert standards_from_table(standards_table(old, "zh"), old, "zh") == old
