"""The inspection store: batches, CURRENT, undo, concurrency, crashes, settings, and the
validation of raw rows (prepare_inspections). The store's tests run on both stores (the
``store`` fixture: the workspace directory, and a real PostgreSQL)."""

from __future__ import annotations

import json
import multiprocessing
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dashboard.core.inspections import INSPECTION_COLUMNS, empty_inspections
from dashboard.core.messages import localize
from loaders.crsdetect import districts as shipped_districts
from loaders.importer import message_code
from loaders.inspections_store import (
    InspectionSettings,
    add_inspections,
    batch_districts,
    batch_rows,
    copy_batches,
    inspections_dir,
    inspections_history,
    inspections_signature,
    load_inspections,
    load_settings,
    prepare_inspections,
    save_settings,
    settings_history,
    undo_inspections,
    undo_settings,
)
from loaders.workspace import WorkspaceError
from tests.loaders.conftest import GEODATA, snapshot

NOW = datetime(2026, 3, 5, 12, 0)
ROOT = Path(__file__).resolve().parents[2]


def layers() -> tuple[pd.DataFrame, pd.DataFrame]:
    pay = pd.read_csv(GEODATA / "payments.csv", dtype=str)
    kl = pd.read_csv(GEODATA / "key_locations.csv", dtype=str)
    return pay, kl


def raw(**cols) -> pd.DataFrame:
    base = {
        "place_id": ["P0001"],
        "inspected_at": ["2026-03-01 10:00"],
        "inspector": ["王小明"],
        "check_foreign_card": ["accepted"],
    }
    base.update(cols)
    n = max(len(v) for v in base.values())
    return pd.DataFrame({k: (v * n if len(v) == 1 else v) for k, v in base.items()})


def prepare(frame: pd.DataFrame, **kw):
    pay, kl = layers()
    return prepare_inspections(
        frame, payments=pay, key_locations=kl, now=NOW, file="survey.csv", **kw
    )


def stored(n: int = 2, inspector: str = "王小明") -> pd.DataFrame:
    frame, problems = prepare(
        raw(place_id=["P0001", "K001"] * (n // 2) + ["P0002"] * (n % 2), inspector=[inspector])
    )
    assert not [p for p in problems if p.severity == "error"]
    return frame


# --------------------------------------------------------------------------- the store


def test_round_trip(store, home):
    assert load_inspections(home).equals(empty_inspections())
    assert inspections_signature(home) == "none"
    frame = stored(2)
    batch = add_inspections(frame, home, source="survey.csv", actor="cli:alice")
    assert batch.number == 1 and batch.rows == 2 and batch.current
    assert batch.actor == "cli:alice" and batch.source == "survey.csv"
    assert len(batch.ids) == 2 and all(i.startswith("I") and len(i) == 11 for i in batch.ids)
    assert all(int(i[1:], 16) >= 0 for i in batch.ids)
    got = load_inspections(home)
    assert list(got.columns) == list(INSPECTION_COLUMNS)
    assert (got.dtypes == empty_inspections().dtypes).all()
    assert tuple(got["id"]) == batch.ids
    assert got["place_id"].tolist() == ["P0001", "K001"]
    assert got["place_kind"].tolist() == ["payment", "key_location"]
    assert got["inspected_at"].iloc[0] == pd.Timestamp("2026-03-01 10:00")
    assert got["adcode"].tolist() == ["110101", "110101"]
    assert got["inspector"].tolist() == ["王小明", "王小明"]
    pd.testing.assert_frame_equal(got.drop(columns="id"), frame.drop(columns="id"))
    (rec,) = inspections_history(home)
    assert rec.number == 1 and rec.previous is None and rec.rows == 2 and rec.current
    assert rec.ids == batch.ids and rec.created.endswith("+00:00")
    assert rec.actor == "cli:alice" and rec.source == "survey.csv"
    d = inspections_dir(home)
    if store == "workspace":
        assert (d / "CURRENT").read_text() == "b000001.parquet"
    else:
        assert not d.exists()  # in the database, nothing in the workspace
    sig = inspections_signature(home)
    add_inspections(stored(1), home)
    assert inspections_signature(home) != sig
    assert len(load_inspections(home)) == 3


def test_undo_and_a_later_add_never_reads_the_undone_batch(store, home):
    with pytest.raises(WorkspaceError) as exc:
        undo_inspections(home)
    assert "no inspection batch" in str(exc.value)
    add_inspections(stored(2, "A"), home)
    add_inspections(stored(2, "B"), home)
    assert undo_inspections(home) == 1
    assert set(load_inspections(home)["inspector"]) == {"A"}
    third = add_inspections(stored(2, "C"), home)
    assert third.number == 3 and third.previous == 1
    assert sorted(set(load_inspections(home)["inspector"])) == ["A", "C"]  # never B
    hist = inspections_history(home)
    assert [b.number for b in hist] == [1, 2, 3]
    assert [b.current for b in hist] == [False, False, True]
    assert undo_inspections(home) == 1
    assert undo_inspections(home) is None
    assert len(load_inspections(home)) == 0
    assert inspections_signature(home) == "none"
    with pytest.raises(WorkspaceError):
        undo_inspections(home)
    assert len(inspections_history(home)) == 3  # nothing deleted
    assert batch_rows(2, home)["inspector"].tolist() == ["B", "B"]  # the undone batch kept


def _add_many(home: str, worker: int, times: int) -> list[int]:
    out = []
    for k in range(times):
        frame = stored(2, f"w{worker}-{k}")
        out.append(add_inspections(frame, Path(home), source=f"w{worker}").number)
    return out


def test_concurrent_adds_from_four_processes_lose_nothing(store, home):
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(4) as pool:
        results = pool.starmap(_add_many, [(str(home), w, 5) for w in range(4)])
    numbers = sorted(n for r in results for n in r)
    assert numbers == list(range(1, 21))  # distinct batch numbers
    got = load_inspections(home)
    assert len(got) == 40 and got["id"].is_unique
    assert sorted(set(got["inspector"])) == sorted(f"w{w}-{k}" for w in range(4) for k in range(5))
    hist = inspections_history(home)
    assert [b.number for b in hist] == list(range(1, 21))
    assert sum(b.current for b in hist) == 1


def test_crash_before_the_switch_leaves_the_old_state(home):
    add_inspections(stored(2, "A"), home)
    d = inspections_dir(home)
    before = load_inspections(home)
    # an add killed after writing its batch file and record, before switching CURRENT
    orphan = stored(3, "LOST")
    orphan["id"] = ["I0000000001", "I0000000002", "I0000000003"]
    orphan.to_parquet(d / "b000002.parquet")
    record = {"number": 2, "created": "", "rows": 3, "source": "", "actor": "", "previous": 1}
    (d / "b000002.json").write_text(json.dumps(record), encoding="utf-8")
    # and one killed before even writing its record
    orphan.to_parquet(d / "b000003.parquet")
    pd.testing.assert_frame_equal(load_inspections(home), before)
    assert [b.current for b in inspections_history(home)] == [True, False]  # 3 never listed
    nxt = add_inspections(stored(2, "B"), home)
    assert nxt.number == 4 and nxt.previous == 1  # no file overwritten, chained on batch 1
    assert sorted(set(load_inspections(home)["inspector"])) == ["A", "B"]


def test_ids_rise_with_batch_and_row_and_the_chain_is_recorded(store, home, monkeypatch):
    import loaders.inspections_store as inspections_store

    a = add_inspections(stored(3), home)
    b = add_inspections(stored(2), home)
    assert a.ids == ("I0000100000", "I0000100001", "I0000100002")
    assert b.ids == ("I0000200000", "I0000200001")
    got = load_inspections(home)
    assert got["id"].is_monotonic_increasing  # a later row has a higher id
    assert b.previous == 1
    if store == "workspace":
        d = inspections_dir(home)
        rec = json.loads((d / "b000002.json").read_text(encoding="utf-8"))
        assert rec["chain"] == [1, 2] and rec["previous"] == 1
        # a record without its chain (written by hand, or by an older version) is followed
        # back along previous
        del rec["chain"]
        (d / "b000002.json").write_text(json.dumps(rec), encoding="utf-8")
        pd.testing.assert_frame_equal(load_inspections(home), got)
    else:
        assert _db_chain(2) == [1, 2]
    monkeypatch.setattr(inspections_store, "MAX_ID_PART", 3)
    with pytest.raises(WorkspaceError, match="at most 4 rows"):
        add_inspections(stored(5), home)
    assert len(inspections_history(home)) == 2


def test_nothing_written_for_no_rows_or_missing_columns(store, home):
    before = snapshot(home)
    with pytest.raises(WorkspaceError):
        add_inspections(stored(2).iloc[:0], home)
    with pytest.raises(WorkspaceError, match="lack the columns"):
        add_inspections(stored(2).drop(columns=["inspector"]), home)
    assert not list(inspections_dir(home).glob("b*"))
    assert snapshot(home) == before and inspections_history(home) == []


def _db_chain(number: int) -> list[int]:
    import psycopg

    from loaders.pg import database_url

    with psycopg.connect(database_url() or "") as conn:
        row = conn.execute(
            "SELECT chain FROM atlas_inspection_batches WHERE number = %s", (number,)
        ).fetchone()
    assert row is not None
    return list(row[0])


def test_the_signature_changes_with_every_write(store, home):
    seen = [inspections_signature(home)]
    add_inspections(stored(2, "A"), home)
    seen.append(inspections_signature(home))
    add_inspections(stored(2, "B"), home)
    seen.append(inspections_signature(home))
    undo_inspections(home)  # back to batch 1: a new state in effect, a new signature
    seen.append(inspections_signature(home))
    add_inspections(stored(2, "C"), home)
    seen.append(inspections_signature(home))
    assert seen[0] == "none" and len(set(seen)) == 5
    assert inspections_signature(home) == seen[-1]  # reading changes nothing


def test_both_stores_keep_the_same_inspections(store, home):
    """The same adds and undo on either store read back equal frames and records."""
    add_inspections(stored(3, "A"), home, source="a.csv", actor="alice")
    add_inspections(stored(2, "B"), home, source="b.csv", actor="bob")
    undo_inspections(home)
    add_inspections(stored(1, "C"), home, source="c.csv", actor="carol")
    got = load_inspections(home)
    assert list(got.columns) == list(INSPECTION_COLUMNS)
    assert (got.dtypes == empty_inspections().dtypes).all()
    assert got["inspector"].tolist() == ["A", "A", "A", "C"]
    assert got["id"].tolist() == [f"I00001{k:05x}" for k in range(3)] + ["I0000300000"]
    assert not got.isna().any().any()  # texts "" not missing
    hist = [
        (b.number, b.rows, b.source, b.actor, b.previous, b.current, b.ids)
        for b in inspections_history(home)
    ]
    assert hist == [
        (1, 3, "a.csv", "alice", None, False, tuple(f"I00001{k:05x}" for k in range(3))),
        (2, 2, "b.csv", "bob", 1, False, ("I0000200000", "I0000200001")),
        (3, 1, "c.csv", "carol", 1, True, ("I0000300000",)),
    ]
    assert batch_districts(3, home) == ["110101"]
    # a missing position and an empty note come back as such
    odd = stored(2).assign(lon=np.nan, lat=np.nan)
    odd["notes"] = ["", '说 "好", then,\nanother line\r\n\\N']
    add_inspections(odd, home)
    last = load_inspections(home).iloc[-2:]
    assert np.isnan(last["lon"]).all() and last["notes"].tolist() == odd["notes"].tolist()


def test_a_copy_between_stores_keeps_every_batch_as_recorded(store, home, tmp_path):
    """copy_batches (for ``store copy``): from another store's history and rows, the same
    numbers, ids, records and chain, and the same rows in effect."""
    from loaders.pg import using

    src = tmp_path / "src"
    with using(None):  # a workspace, whichever store this test writes to
        add_inspections(stored(2, "A"), src, actor="alice")
        add_inspections(stored(2, "B"), src, actor="bob")
        undo_inspections(src)
        add_inspections(stored(1, "C"), src, actor="carol")
        hist = inspections_history(src)
        batches = [(b, batch_rows(b.number, src)) for b in hist]
        want = load_inspections(src)
    current = next(b.number for b in hist if b.current)
    assert copy_batches(batches, current, home) == 3
    assert inspections_history(home) == hist
    pd.testing.assert_frame_equal(load_inspections(home), want)
    assert undo_inspections(home) == 1  # the chain came along: batch 2 stays undone
    assert set(load_inspections(home)["inspector"]) == {"A"}
    before = snapshot(home)
    with pytest.raises(WorkspaceError, match="already holds"):
        copy_batches(batches, current, home)
    assert snapshot(home) == before


def test_a_copy_that_does_not_fit_its_records_writes_nothing(store, home, tmp_path):
    from dataclasses import replace

    from loaders.pg import using

    with using(None):
        a = add_inspections(stored(2, "A"), tmp_path / "src")
        rows = batch_rows(a.number, tmp_path / "src")
    wrong = rows.assign(id=["I0000100009", "I0000100001"])
    before = snapshot(home)
    for batches, current, why in (
        ([(a, wrong)], 1, "not those of its record"),
        ([(a, rows)], 2, "not among them"),
        ([(replace(a, previous=7), rows)], 1, "previous batch 7"),
    ):
        with pytest.raises(WorkspaceError, match=why):
            copy_batches(batches, current, home)
    assert snapshot(home) == before and inspections_history(home) == []


KILLED_ADD = """
import os, signal, sys
from pathlib import Path
from loaders.inspections_store import add_inspections
from loaders.pg.connection import transaction
from tests.loaders.test_inspections_store import stored
with transaction():  # as the write gateway's: the add, then its audit entry
    add_inspections(stored(2, "LOST"), Path(sys.argv[1]))
    os.kill(os.getpid(), signal.SIGKILL)  # killed before the commit
"""


def test_an_add_killed_before_its_commit_leaves_nothing(store, home):
    """kill -9 of a writer inside the add's transaction: in the database, the batch, its
    rows and the pointer are gone with it; the next add takes the next free number."""
    if store == "workspace":
        pytest.skip(
            "the workspace's crash steps: test_crash_before_the_switch_leaves_the_old_state"
        )
    add_inspections(stored(2, "A"), home)
    before = snapshot(home)
    proc = subprocess.run(
        [sys.executable, "-c", KILLED_ADD, str(home)], cwd=ROOT, timeout=120, check=False
    )
    assert proc.returncode == -9
    assert snapshot(home) == before
    assert set(load_inspections(home)["inspector"]) == {"A"}
    nxt = add_inspections(stored(2, "B"), home)
    assert nxt.number == 2 and nxt.previous == 1  # the killed add's number was never taken
    assert sorted(set(load_inspections(home)["inspector"])) == ["A", "B"]


def test_settings_are_a_validated_versioned_document(home):
    assert load_settings(home) == InspectionSettings(180)
    save_settings(InspectionSettings(90), home, source="cli")
    assert load_settings(home).validity_days == 90
    save_settings(InspectionSettings(365), home)
    assert load_settings(home).validity_days == 365
    for bad in (0, 3651, -5):
        with pytest.raises(ValueError) as exc:
            save_settings(InspectionSettings(bad), home)
        assert exc.value.args[0].code == "insp_bad_validity"
        assert "1" in exc.value.args[0].text("zh")
    with pytest.raises(ValueError):
        save_settings(InspectionSettings(True), home)  # a bool is not a number of days
    assert len(settings_history(home)) == 2
    undo_settings(home)
    assert load_settings(home).validity_days == 90
    doc = home / "documents" / "inspection-settings"
    assert (doc / "CURRENT").is_file()


# --------------------------------------------------------------------------- preparing


def errors_of(problems):
    return [(p.row, p.column, message_code(p.message)) for p in problems if p.severity == "error"]


def test_prepare_errors_name_row_and_column():
    frame = raw(
        place_id=["P0001", "NOPE", "P0002", "P0003", "K002", "P0004"],
        inspected_at=[
            "2026-03-01 10:00",
            "2026-03-01 10:00",
            "2026-03-06 09:00",  # tomorrow
            "2026-03-01 10:00",
            "2026-03-01 10:00",
            "yesterday-ish",
        ],
        inspector=["王小明", "王小明", "王小明", "王小明", " ", "王小明"],
        check_foreign_card=["通过", "accepted", "accepted", "maybe", "yes", "ok"],
        check_cash=["", "", "", "", "", ""],
    )
    kept, problems = prepare(frame)
    assert kept["place_id"].tolist() == ["P0001"]
    assert errors_of(problems) == [
        (2, "place_id", "insp_unknown_place_any"),
        (3, "inspected_at", "insp_future"),
        (4, "check_foreign_card", "insp_bad_result"),
        (5, "inspector", "insp_no_inspector"),
        (6, "inspected_at", "insp_bad_time"),
    ]
    by_row = {p.row: p for p in problems}
    assert "NOPE" in by_row[2].message and "NOPE" in localize(by_row[2].message, "zh")
    assert "2026-03-05 12:00" in by_row[3].message
    assert "maybe" in by_row[4].message
    assert "检查人" in localize(by_row[5].message, "zh")
    assert str(by_row[3]).startswith("survey.csv, row 3, column 'inspected_at'")


def test_no_check_tried_is_an_error_naming_the_check_column():
    frame = raw(check_foreign_card=["", "未检查"], check_cash=["", "-"], place_id=["P1", "P2"])
    frame["place_id"] = ["P0001", "P0002"]
    kept, problems = prepare(frame, columns={"check_foreign_card": "外卡", "check_cash": "现金"})
    assert len(kept) == 0
    assert errors_of(problems) == [
        (1, "外卡", "insp_no_checks"),
        (2, "外卡", "insp_no_checks"),
    ]
    assert "外卡, 现金" in problems[0].message


def test_future_has_five_minutes_of_slack():
    kept, problems = prepare(raw(inspected_at=["2026-03-05 12:04", "2026-03-05 12:06"]))
    assert len(kept) == 1 and errors_of(problems) == [(2, "inspected_at", "insp_future")]


def test_result_words_in_chinese_and_english():
    words = ["通过", "受理", "接受", "拒绝", "不受理", "故障", "设备故障", "yes", "no", "OK"]
    words += ["pass", "fail", "broken", "Out of order", "out-of-order", "REFUSED", "√", "×"]
    frame = raw(check_cash=words, place_id=["P0001"])
    kept, problems = prepare(frame)
    assert not errors_of(problems)
    assert kept["check_cash"].tolist() == [
        "accepted",
        "accepted",
        "accepted",
        "refused",
        "refused",
        "out_of_order",
        "out_of_order",
        "accepted",
        "refused",
        "accepted",
        "accepted",
        "refused",
        "out_of_order",
        "out_of_order",
        "out_of_order",
        "refused",
        "accepted",
        "refused",
    ]
    assert (kept["check_help_desk"] == "").all()  # absent column: not tried


def test_kind_defaults_from_the_id_and_a_wrong_kind_is_an_error():
    frame = raw(place_id=["P0001", "K001", "K001", "P0001"])
    frame["place_kind"] = ["", "", "payment", "支付服务点"]
    kept, problems = prepare(frame)
    assert errors_of(problems) == [(3, "place_id", "insp_unknown_place")]
    assert "payment point" in problems[0].message
    assert kept["place_kind"].tolist() == ["payment", "key_location", "payment"]
    pay, kl = layers()
    p1 = pay.set_index("id").loc["P0001"]
    assert kept["lon"].iloc[0] == pytest.approx(float(p1["lon"]))
    assert kept["adcode"].iloc[0] == p1["adcode"]
    assert kept["name"].iloc[0] == p1["name_zh"]


def test_new_points_get_an_f_id_their_district_and_keep_it_on_revisits():
    frame = raw(place_id=["", "", "", ""], inspector=["李"])
    frame["name"] = ["新咖啡馆", "新咖啡馆", "别的店", "远方"]
    frame["lon"] = ["116.4500", "116.45005", "116.45002", "114.0"]  # 2nd: 4 m from the 1st
    frame["lat"] = ["39.9300", "39.93002", "39.93001", "39.0"]
    kept, problems = prepare(frame)
    assert errors_of(problems) == [(4, "lon", "insp_new_outside")]
    assert kept["place_kind"].tolist() == ["new"] * 3
    ids = kept["place_id"].tolist()
    assert ids[0] == ids[1] != ids[2]  # the same point twice; another shop next door
    assert all(i.startswith("F") and len(i) == 9 for i in ids)
    assert kept["adcode"].tolist() == ["110105"] * 3
    # a later visit: near the known point, or by its id without a position
    again = raw(place_id=["", ids[0], "FFFFFFFF0"], inspector=["李"])
    again["place_kind"] = ["new", "new", "new"]
    again["name"] = ["新咖啡馆 ", "", ""]  # 别的店 is nearer, but by another name
    again["lon"] = ["116.45001", "", ""]
    again["lat"] = ["39.93001", "", ""]
    kept2, problems2 = prepare(again, known=kept)
    assert errors_of(problems2) == [(3, "place_id", "insp_unknown_new")]
    assert kept2["place_id"].tolist() == [ids[0], ids[0]]
    assert kept2["lon"].iloc[1] == pytest.approx(116.45)
    assert kept2["name"].iloc[1] == "新咖啡馆"


def test_new_point_district_from_given_polygons():
    d = shipped_districts().copy()
    d["adcode"] = np.where(d["adcode"] == "110105", "999999", d["adcode"])
    frame = raw(place_id=[""], inspector=["李"])
    frame["lon"], frame["lat"] = ["116.45"], ["39.93"]
    kept, _ = prepare(frame, districts=d)
    assert kept["adcode"].tolist() == ["999999"]


def test_new_point_without_position_is_an_error():
    frame = raw(place_id=[""], inspector=["李"])
    frame["place_kind"] = ["new"]
    _, problems = prepare(frame)
    assert errors_of(problems) == [(1, "lon", "insp_new_no_coord")]


def test_untrusted_text_stays_text():
    frame = raw(inspector=["<script>alert(1)</script>\x07"], place_id=["P0001"])
    frame["notes"] = ["=HYPERLINK('http://x')  " + "长" * 3000]
    kept, problems = prepare(frame)
    assert kept["inspector"].iloc[0] == "<script>alert(1)</script>"
    assert len(kept["notes"].iloc[0]) == 2000
    assert {message_code(p.message) for p in problems} == {"insp_control", "insp_too_long"}
    assert all(p.severity == "warning" for p in problems)


def test_timezones_and_chinese_dates_read_as_beijing_time():
    frame = raw(
        inspected_at=["2026-03-01T02:00:00Z", "2026年3月2日 9时30分", "2026-03-03"],
        place_id=["P0001"],
    )
    kept, problems = prepare(frame)
    assert not errors_of(problems)
    assert kept["inspected_at"].tolist() == [
        pd.Timestamp("2026-03-01 10:00"),
        pd.Timestamp("2026-03-02 09:30"),
        pd.Timestamp("2026-03-03 00:00"),
    ]


def test_prepare_on_many_rows_is_vectorised():
    n = 50_000
    pay, kl = layers()
    frame = raw(place_id=pay["id"].tolist() * (n // len(pay) + 1))
    frame = frame.iloc[:n]
    kept, problems = prepare(frame)
    assert len(kept) == n and not problems


def test_snapshot_unchanged_by_prepare(home):
    before = snapshot(home)
    prepare(raw())
    assert snapshot(home) == before


def test_the_gateway_checks_stores_and_logs_on_both_stores(store, home):
    """Through the write gateway: an editor's rows of another district write nothing; an
    add and its audit entry (naming the batch) are kept together; undo by its maker."""
    from dashboard.core.rights import LOCAL, Actor, PermissionDenied
    from loaders import writes
    from loaders.audit import read_audit

    before = snapshot(home)
    with pytest.raises(PermissionDenied):
        writes.add_inspections(Actor("ed", "editor", ("110105",)), stored(2), home)
    assert snapshot(home) == before
    writes.add_inspections(LOCAL, stored(2, "A"), home, source="a.csv")
    mine = Actor("dong", "editor", ("110101",))
    batch = writes.add_inspections(mine, stored(2, "B"), home, source="b.csv")
    assert batch.number == 2 and writes.inspections_creator(home) == "dong"
    assert writes.can_undo_inspections(mine, home)
    entries = [(e.action, e.actor, e.version) for e in read_audit(home)]
    assert entries == [("inspect", "local", "1"), ("inspect", "dong", "2")]
    assert writes.undo_inspections(mine, home) == 1
    with pytest.raises(PermissionDenied):  # batch 1 is the admin's
        writes.undo_inspections(mine, home)
    assert [b.current for b in inspections_history(home)] == [True, False]
