"""The rights rule (dashboard.core.rights): role × action × districts, and its messages."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

from dashboard.core.messages import Msg, error_text
from dashboard.core.rights import (
    ACTIONS,
    LOCAL,
    Actor,
    PermissionDenied,
    can,
    check,
    out_of_district,
    refused_districts,
    rows_refusal,
)

VIEWER = Actor("zhao", "viewer", ("110105",))
EDITOR = Actor("wang", "editor", ("110105", "110108"))
ADMIN = Actor("li", "admin")
OWN = ["110105", "110108", "110105"]
MIXED = ["110105", "110101"]

# role × action × districts × creator → allowed
TABLE = [
    # viewer: nothing that writes, whatever the districts or the creator
    *[(VIEWER, a, OWN, "zhao", False) for a in ACTIONS],
    *[(VIEWER, a, (), None, False) for a in ACTIONS],
    # editor: import and inspect in their own districts only
    (EDITOR, "import", OWN, None, True),
    (EDITOR, "import", ["110108"], None, True),
    (EDITOR, "import", MIXED, None, False),
    (EDITOR, "import", ["110101"], None, False),
    (EDITOR, "import", ["110105", None], None, False),
    (EDITOR, "inspect", OWN, None, True),
    (EDITOR, "inspect", MIXED, None, False),
    # editor: undo only their own version
    (EDITOR, "undo_layer", (), "wang", True),
    (EDITOR, "undo_layer", (), "li", False),
    (EDITOR, "undo_layer", (), None, False),
    (EDITOR, "undo_inspections", (), "wang", True),
    (EDITOR, "undo_inspections", (), "zhao", False),
    # editor: nothing else
    *[
        (EDITOR, a, OWN, "wang", False)
        for a in ("replace", "standards", "targets", "settings", "users")
    ],
    # admin: anything
    *[(ADMIN, a, MIXED, None, True) for a in ACTIONS],
    *[(LOCAL, a, ["110101"], "someone", True) for a in ACTIONS],
]


@pytest.mark.parametrize(("actor", "action", "districts", "creator", "allowed"), TABLE)
def test_role_action_districts(actor, action, districts, creator, allowed):
    assert can(actor, action, districts, creator=creator) is allowed
    if allowed:
        check(actor, action, districts, creator=creator)
    else:
        with pytest.raises(PermissionDenied) as exc:
            check(actor, action, districts, creator=creator)
        assert isinstance(exc.value.args[0], Msg)
        assert isinstance(exc.value, PermissionError)


def test_an_empty_import_is_an_editors_to_make():
    assert can(EDITOR, "import", [])
    assert not can(VIEWER, "import", [])


def test_unknown_action_and_role_are_errors():
    with pytest.raises(ValueError, match="unknown action"):
        can(ADMIN, "delete_everything")
    with pytest.raises(ValueError, match="unknown role"):
        Actor("x", "superuser")


def test_message_names_role_and_refused_districts_in_both_languages():
    with pytest.raises(PermissionDenied) as exc:
        check(EDITOR, "import", ["110105", "110101", "110102", "110101"])
    en = str(exc.value)
    assert "wang (editor)" in en and "110101, 110102" in en and "110105, 110108" in en
    zh = error_text(exc.value, "zh")
    assert "编辑者" in zh and "110101, 110102" in zh
    with pytest.raises(PermissionDenied) as exc:
        check(VIEWER, "targets")
    assert "viewer" in str(exc.value) and "查看者" in error_text(exc.value, "zh")
    with pytest.raises(PermissionDenied) as exc:
        check(EDITOR, "standards")
    assert "only an administrator" in str(exc.value)
    with pytest.raises(PermissionDenied) as exc:
        check(EDITOR, "undo_layer", creator="li")
    assert "made by li" in str(exc.value) and "li 创建" in error_text(exc.value, "zh")


def test_out_of_district_is_vectorised_over_any_array_like():
    codes = pd.Series(["110105", "110101", None, "110108", np.nan], dtype=object)
    assert out_of_district(EDITOR, codes).tolist() == [False, True, True, False, True]
    assert out_of_district(EDITOR, codes.astype("string")).tolist() == [
        False,
        True,
        True,
        False,
        True,
    ]
    assert out_of_district(EDITOR, np.array([110105, 110101])).tolist() == [False, True]
    assert out_of_district(ADMIN, codes).tolist() == [False] * 5
    assert out_of_district(VIEWER, ["110105"]).tolist() == [True]
    assert out_of_district(EDITOR, []).shape == (0,)
    big = pd.Series(np.resize(["110105", "110101", "110108"], 300_000))
    mask = out_of_district(EDITOR, big)
    assert mask.dtype == bool and int(mask.sum()) == 100_000
    assert refused_districts(EDITOR, codes) == ["110101", "—"]


def test_rows_refusal_lists_ten_rows_by_file_row_and_column():
    rows = np.arange(2, 32)  # the importer's numbering, not the index
    codes = ["110101"] * 12 + ["110105"] * 18
    exc = rows_refusal(EDITOR, "atms.csv", rows, codes)
    assert exc is not None
    en = str(exc)
    assert "atms.csv, row 2, column 'adcode'" in en
    assert "atms.csv, row 11, column 'adcode'" in en
    assert "row 12," not in en and "and 2 more" in en
    assert "12 row(s)" in en and "(110101)" in en
    assert "atms.csv 第 2 行" in error_text(exc, "zh")
    assert [(p.file, p.row, p.column) for p in exc.problems][:2] == [
        ("atms.csv", 2, "adcode"),
        ("atms.csv", 3, "adcode"),
    ]
    assert len(exc.problems) == 10
    assert rows_refusal(EDITOR, "own.csv", [1, 2], ["110105", "110108"]) is None
    assert rows_refusal(ADMIN, "any.csv", [1], ["110101"]) is None
    viewer = rows_refusal(VIEWER, "v.csv", [1], ["110105"])
    assert viewer is not None and "viewer" in str(viewer)


def test_the_message_survives_a_copy():
    exc = rows_refusal(EDITOR, "a.csv", [1], ["110101"])
    assert exc is not None
    again = pickle.loads(pickle.dumps(exc.message))
    assert again.text("zh") == exc.message.text("zh")


def test_actor_is_frozen_and_districts_a_tuple_of_text():
    a = Actor("x", "editor", ["110105"])  # type: ignore[arg-type]
    assert a.districts == ("110105",)
    assert LOCAL.role == "admin" and LOCAL.via == "local"
    with pytest.raises(AttributeError):
        a.role = "admin"  # type: ignore[misc]
