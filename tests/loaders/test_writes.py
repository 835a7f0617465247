"""The write gateway (loaders.writes): rights first (nothing written when refused), then
the store, then one audit entry with the version."""

from __future__ import annotations

import logging
from datetime import datetime

import pandas as pd
import pytest

from dashboard.core.messages import error_text
from dashboard.core.rights import LOCAL, Actor, PermissionDenied
from dashboard.core.standards import set_standard
from loaders import workspace, writes
from loaders.audit import audit_path, read_audit
from loaders.inspections_store import InspectionSettings
from loaders.standards_store import load_standards, standards_history
from loaders.targets_store import shipped_targets
from loaders.users_store import list_users, users_path
from loaders.workspace import current_layer_file, history, shipped_table
from tests.loaders.conftest import snapshot

VIEWER = Actor("zhao", "viewer", via="web")
EDITOR = Actor("wang", "editor", ("110105",), via="web")
OTHER = Actor("chen", "editor", ("110105",), via="web")
ADMIN = Actor("li", "admin", via="web")
PW = "S3cret-pass"


def venues(district: str | None = None, n: int = 3) -> pd.DataFrame:
    t = shipped_table("venues")
    if district:
        t = t[t["adcode"] == district]
    return t.head(n).reset_index(drop=True)


def a_standard(home):
    std = load_standards(home)
    cat = next(iter(std))
    return set_standard(std, cat, radius_m=std[cat].radius_m + 100)


def every_write(actor: Actor, home):
    """One call of each write of the gateway that needs no inspections store."""
    return [
        ("import", lambda: writes.import_layer(actor, "venues", venues("110105"), home=home)),
        (
            "replace",
            lambda: writes.import_layer(actor, "venues", venues("110105"), replace=True, home=home),
        ),
        ("undo_layer", lambda: writes.undo_layer(actor, "venues", home)),
        ("standards_save", lambda: writes.save_standards(actor, a_standard(home), home)),
        ("standards_reset", lambda: writes.reset_standards(actor, home)),
        ("standards_undo", lambda: writes.undo_standards(actor, home)),
        ("targets_save", lambda: writes.save_targets(actor, shipped_targets(), home)),
        ("targets_reset", lambda: writes.reset_targets(actor, home)),
        ("targets_undo", lambda: writes.undo_targets(actor, home)),
        ("users_add", lambda: writes.add_user(actor, "new.user", PW, "viewer", home=home)),
        ("users_passwd", lambda: writes.set_password(actor, "new.user", PW + "2", home)),
        ("users_remove", lambda: writes.remove_user(actor, "new.user", home)),
        ("users_undo", lambda: writes.undo_users(actor, home)),
    ]


def test_a_viewer_is_refused_everything_and_nothing_is_written(store, home):
    writes.import_layer(ADMIN, "venues", venues("110105"), home=home)
    writes.add_user(ADMIN, "new.user", PW, "viewer", home=home)
    writes.save_standards(ADMIN, a_standard(home), home)
    writes.save_targets(ADMIN, shipped_targets(), home)
    before = snapshot(home)
    for action, call in every_write(VIEWER, home):
        with pytest.raises(PermissionDenied, match="viewer") as exc:
            call()
        assert "查看者" in error_text(exc.value, "zh"), action
    assert snapshot(home) == before


def test_an_editor_is_refused_other_districts_rows_by_file_row_and_column(store, home):
    frame = pd.concat([venues("110105", 2), venues("110101", 2), venues("110108", 1)])
    frame = frame.reset_index(drop=True)
    with pytest.raises(PermissionDenied) as exc:
        writes.import_layer(
            EDITOR, "venues", frame, home=home, file="survey.csv", rows=[4, 5, 7, 9, 12]
        )
    text = str(exc.value)
    assert "survey.csv, row 7, column 'adcode'" in text
    assert "survey.csv, row 9, column 'adcode'" in text
    assert "survey.csv, row 12, column 'adcode'" in text
    assert "row 4," not in text and "row 5," not in text
    assert "110101, 110108" in text and "wang (editor)" in text
    assert "survey.csv 第 7 行" in error_text(exc.value, "zh")
    assert [(p.row, p.column) for p in exc.value.problems] == [
        (7, "adcode"),
        (9, "adcode"),
        (12, "adcode"),
    ]
    with pytest.raises(PermissionDenied) as exc:  # no numbering given: index + 1
        writes.import_layer(EDITOR, "venues", frame, home=home, file="survey.csv")
    assert "survey.csv, row 3, column 'adcode'" in str(exc.value)
    assert snapshot(home) == {}


def test_an_editor_imports_their_own_district_and_undoes_only_their_own(store, home):
    version, _ = writes.import_layer(
        EDITOR, "venues", venues("110105"), home=home, source="mine.csv"
    )
    current = current_layer_file("venues", home)
    assert current is not None and current.name == version.name
    assert writes.layer_creator("venues", home) == "wang"
    assert writes.can_undo_layer(EDITOR, "venues", home)
    assert not writes.can_undo_layer(OTHER, "venues", home)  # same district, not theirs
    with pytest.raises(PermissionDenied, match="made by wang"):
        writes.undo_layer(OTHER, "venues", home)
    writes.import_layer(ADMIN, "venues", venues("110101"), home=home)
    # each version's record names its maker, on both stores (the database's too)
    assert [v.actor for v in workspace.history("venues", home)] == ["wang", "li"]
    with pytest.raises(PermissionDenied, match="made by li"):
        writes.undo_layer(EDITOR, "venues", home)
    assert writes.undo_layer(ADMIN, "venues", home) == version.name
    assert writes.undo_layer(EDITOR, "venues", home) is None
    assert current_layer_file("venues", home) is None
    from loaders.workspace import WorkspaceError

    with pytest.raises(WorkspaceError, match="nothing to undo"):
        writes.undo_layer(EDITOR, "venues", home)
    actions = [(e.actor, e.action, e.version) for e in read_audit(home)]
    assert actions == [
        ("wang", "import", version.name),
        ("li", "import", "v0002.parquet"),
        ("li", "undo_layer", version.name),
        ("wang", "undo_layer", ""),
    ]


def test_an_editor_can_undo_their_import_whose_audit_entry_was_never_written(home):
    """A write whose audit entry fails after the switch (here the log is a directory; a
    kill there does the same) stands, and its creator is still known from the version's
    record: the editor may undo it, nobody else of their rank. Before, the creator was
    read from the audit log only and the editor was refused their own import."""
    audit_path(home).mkdir(parents=True)  # every append fails: IsADirectoryError
    with pytest.raises(IsADirectoryError):
        writes.import_layer(EDITOR, "venues", venues("110105"), home=home, source="mine.csv")
    assert current_layer_file("venues", home) is not None  # the import stands
    audit_path(home).rmdir()  # a log again, without the import's entry
    assert writes.layer_creator("venues", home) == "wang"
    assert writes.can_undo_layer(EDITOR, "venues", home)
    assert not writes.can_undo_layer(OTHER, "venues", home)
    version = workspace.current_version("venues", home)
    assert version is not None and version.name == "v0001.parquet" and version.actor == "wang"
    assert writes.undo_layer(EDITOR, "venues", home) is None
    assert [(e.actor, e.action) for e in read_audit(home)] == [("wang", "undo_layer")]


def test_an_editor_may_not_replace_nor_change_documents_or_users(store, home):
    for action, call in every_write(EDITOR, home):
        if action in ("import", "undo_layer"):
            continue
        with pytest.raises(PermissionDenied):
            call()
    assert [e.action for e in read_audit(home)] == []
    assert current_layer_file("venues", home) is None


def test_a_version_made_before_the_log_is_the_admins_to_undo(store, home):
    from loaders.workspace import commit

    commit("venues", venues("110105"), home=home)  # not through the gateway: no entry
    assert writes.layer_creator("venues", home) is None
    with pytest.raises(PermissionDenied, match="not on record"):
        writes.undo_layer(EDITOR, "venues", home)
    assert writes.undo_layer(ADMIN, "venues", home) is None


def test_admin_does_everything_and_each_write_is_logged_once_with_its_version(store, home):
    results = {action: call() for action, call in every_write(ADMIN, home)}
    entries = read_audit(home)
    assert [e.action for e in entries] == [a for a, _ in every_write(ADMIN, home)]
    by_action = {e.action: e for e in entries}
    assert all(e.actor == "li" and e.role == "admin" and e.via == "web" for e in entries)
    venue_versions = [v.name for v in history("venues", home)]
    assert by_action["import"].version == venue_versions[0]
    assert by_action["replace"].version == venue_versions[1]
    assert by_action["undo_layer"].version == results["undo_layer"] == venue_versions[0]
    assert by_action["standards_save"].version == results["standards_save"]
    std = [v.name for v in standards_history(home)]
    assert by_action["standards_reset"].version == std[1]
    assert by_action["standards_undo"].version == results["standards_undo"] == std[0]
    assert by_action["targets_save"].version == results["targets_save"] == "v0001.json"
    assert by_action["targets_reset"].version == "v0002.json"
    assert by_action["targets_undo"].version == "v0001.json"
    assert by_action["users_add"].target == "new.user"
    assert by_action["users_passwd"].version == results["users_passwd"] == "users.v0001.json"
    assert by_action["users_undo"].version == results["users_undo"] == "users.v0002.json"
    assert [u.name for u in list_users(home)] == ["new.user"]


def test_a_reset_that_changes_nothing_is_not_logged(store, home):
    assert writes.reset_standards(ADMIN, home) is False
    assert writes.reset_targets(ADMIN, home) is False
    assert read_audit(home) == []


def test_the_local_admin_writes_as_local(store, home):
    writes.save_targets(LOCAL, shipped_targets(), home)
    (e,) = read_audit(home)
    assert (e.actor, e.role, e.via) == ("local", "admin", "local")


def test_a_password_leaves_no_trace_in_the_log_or_the_output(home, caplog, capfd):
    caplog.set_level(logging.DEBUG)
    writes.add_user(ADMIN, "wang", PW, "editor", ["110105"], home)
    writes.set_password(ADMIN, "wang", PW + "-new", home)
    digest = users_path(home).read_text(encoding="utf-8").split('"hash": "')[1].split('"')[0]
    assert digest.startswith("$argon2id$")
    log = audit_path(home).read_text(encoding="utf-8")
    out, err = capfd.readouterr()
    for text in (log, caplog.text, out, err):
        assert PW not in text
        assert digest not in text and "$argon2" not in text
    (add, passwd) = read_audit(home)
    assert add.detail == "added as editor for 110105" and passwd.detail == "password changed"


def test_store_errors_pass_through_and_nothing_is_logged(store, home):
    from loaders.users_store import UsersError
    from loaders.workspace import WorkspaceError

    with pytest.raises(UsersError, match="too short"):
        writes.add_user(ADMIN, "wang", "short", "viewer", home=home)
    with pytest.raises(WorkspaceError):
        writes.undo_layer(ADMIN, "venues", home)
    assert not audit_path(home).exists()
    assert read_audit(home) == []


# --------------------------------------------------------------------------- inspections

NOW = datetime(2026, 3, 5, 12, 0)


def inspections(*districts: str) -> pd.DataFrame:
    """Prepared inspections, one of a payment point in each of ``districts``."""
    from loaders.inspections_store import prepare_inspections

    pay = shipped_table("payments")
    ids = [pay.loc[pay["adcode"] == d, "id"].iloc[0] for d in districts]
    raw = pd.DataFrame(
        {
            "place_id": ids,
            "inspected_at": "2026-03-01 10:00",
            "inspector": "王小明",
            "check_foreign_card": "accepted",
        }
    )
    frame, problems = prepare_inspections(
        raw,
        payments=pay,
        key_locations=shipped_table("key-locations"),
        now=NOW,
        file="visits.csv",
    )
    assert not [p for p in problems if p.severity == "error"]
    return frame


def test_inspections_viewer_refused_editor_own_districts_only(home):
    before = snapshot(home)
    with pytest.raises(PermissionDenied, match="viewer"):
        writes.add_inspections(VIEWER, inspections("110105"), home)
    for call in (
        lambda: writes.undo_inspections(VIEWER, home),
        lambda: writes.save_inspection_settings(VIEWER, InspectionSettings(90), home),
    ):
        with pytest.raises(PermissionDenied, match="viewer"):
            call()
    with pytest.raises(PermissionDenied) as exc:
        writes.add_inspections(EDITOR, inspections("110105", "110101"), home)
    assert "110101" in str(exc.value) and "record inspections" in str(exc.value)
    assert "记录核查结果" in error_text(exc.value, "zh")
    with pytest.raises(PermissionDenied):
        writes.save_inspection_settings(EDITOR, InspectionSettings(90), home)
    assert snapshot(home) == before


def test_inspections_added_logged_and_undone_by_their_maker_only(home):
    from loaders.inspections_store import inspections_history, load_inspections, load_settings

    batch = writes.add_inspections(EDITOR, inspections("110105"), home, source="visits.csv")
    assert batch.actor == "wang" and len(load_inspections(home)) == 1
    assert writes.inspections_creator(home) == "wang"
    assert not writes.can_undo_inspections(OTHER, home)
    with pytest.raises(PermissionDenied, match="made by wang"):
        writes.undo_inspections(OTHER, home)
    second = writes.add_inspections(ADMIN, inspections("110101", "110105"), home)
    with pytest.raises(PermissionDenied, match="made by li"):
        writes.undo_inspections(EDITOR, home)
    assert writes.undo_inspections(ADMIN, home) == batch.number
    assert writes.undo_inspections(EDITOR, home) is None
    assert len(load_inspections(home)) == 0
    from loaders.workspace import WorkspaceError

    with pytest.raises(WorkspaceError):
        writes.undo_inspections(EDITOR, home)
    version = writes.save_inspection_settings(ADMIN, InspectionSettings(90), home)
    assert load_settings(home).validity_days == 90
    entries = [(e.actor, e.action, e.target, e.version) for e in read_audit(home)]
    assert entries == [
        ("wang", "inspect", "inspections", str(batch.number)),
        ("li", "inspect", "inspections", str(second.number)),
        ("li", "undo_inspections", "inspections", str(batch.number)),
        ("wang", "undo_inspections", "inspections", ""),
        ("li", "settings", "inspection-settings", version),
    ]
    assert read_audit(home)[0].detail == "1 inspection(s) from visits.csv"
    assert [b.number for b in inspections_history(home)] == [batch.number, second.number]


def test_the_database_checks_the_rows_it_stored_and_rolls_back(store, home):
    """With a database, the districts of the rows an editor's import stored are checked
    again inside its transaction: rows the gateway's own check did not see (here: a
    commit inside the transaction) are refused and the whole write is rolled back."""
    if store != "postgresql":
        pytest.skip("the database's own check")
    frame = pd.DataFrame(
        {
            "id": ["X1"],
            "name_zh": ["外区"],
            "category": "hotel",
            "sector": "accommodation",
            "adcode": ["110101"],
            "lon": [116.40],
            "lat": [39.91],
        }
    )
    with pytest.raises(PermissionDenied):
        with writes._one_transaction():
            version, _ = workspace.commit("key-locations", frame, home=home)
            writes._check_stored_rows(EDITOR, "key-locations", version)
    assert workspace.history("key-locations", home) == []
    assert workspace.current_layer_file("key-locations", home) is None


def test_the_database_checks_the_inspections_it_stored_and_rolls_back(store, home):
    """With a database, the districts of the rows an editor's inspection batch stored are
    checked again inside its transaction (as an import's are): rows the gateway's own
    check did not see are refused and the batch is rolled back."""
    if store != "postgresql":
        pytest.skip("the database's own check")
    from loaders import inspections_store

    with pytest.raises(PermissionDenied, match="110101"):
        with writes._one_transaction():
            batch = inspections_store.add_inspections(inspections("110101"), home, actor="wang")
            writes._check_stored_inspections(EDITOR, batch.number, home)
    assert inspections_store.inspections_history(home) == []
    assert len(inspections_store.load_inspections(home)) == 0
    # the editor's own district passes the same check, and the batch stands
    batch = writes.add_inspections(EDITOR, inspections("110105"), home)
    assert [b.number for b in inspections_store.inspections_history(home)] == [batch.number]
