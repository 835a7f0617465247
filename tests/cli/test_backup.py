"""``exchange-atlas backup`` and ``restore`` on real workspaces: a workspace with layers,
documents, users, inspections, photos, the audit log and boundary sets is backed up,
restored into an empty home and compared through the store functions; a backup taken
while writers run holds each object as it was at one instant; a killed backup leaves
nothing at PATH; damaged backups and non-empty workspaces are refused with exit 2."""

from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import threading
import time
from datetime import datetime
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from PIL import Image

from dashboard.cli import main
from dashboard.core.model import LAYERS
from dashboard.core.rights import LOCAL, Actor
from dashboard.core.standards import standards_to_dict, uniform_standards
from dashboard.core.targets import targets_to_dict
from loaders import users_store, writes
from loaders.audit import read_audit
from loaders.backup import BackupError, backup, restore
from loaders.boundaries import boundary_history, list_boundaries, load_boundaries, read_boundaries
from loaders.documents import document_history, load_document, save_document
from loaders.examples import synthetic_subdistricts_geojson
from loaders.inspections_store import (
    InspectionSettings,
    inspections_history,
    load_inspections,
)
from loaders.photos import photo_path, store_photo
from loaders.standards_store import load_standards, shipped_standards
from loaders.targets_store import load_targets, shipped_targets
from loaders.workspace import effective_table, history
from tests.fixtures import district_rows, prepared_inspections
from tests.loaders.conftest import snapshot

ADMIN = Actor("li", "admin", via="web")
EDITOR = Actor("wang", "editor", ("110105",), via="web")
PW = "S3cret-pass-1"
NOW = datetime(2026, 3, 5, 12, 0)

pytestmark = pytest.mark.usefixtures("fast_hashes")
_rows = district_rows


def _inspections(home: Path, place_ids: list[str], photo: str = "") -> pd.DataFrame:
    return prepared_inspections(home, place_ids, NOW, photo)


DOCUMENTS = ("standards", "targets", "inspection-settings")


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 40, 40)).save(out, "JPEG")
    return out.getvalue()


def build_workspace(home: Path, tmp: Path) -> None:
    """A workspace with something of every kind the app keeps, made through the gateway."""
    writes.import_layer(ADMIN, "payments", _rows("payments", "110105", 4, "BP"), home=home)
    writes.import_layer(EDITOR, "payments", _rows("payments", "110105", 2, "BQ"), home=home)
    writes.undo_layer(EDITOR, "payments", home)  # an undone version stays in the history
    writes.import_layer(
        ADMIN, "key-locations", _rows("key-locations", "110101", 3, "BK"), home=home
    )
    std = uniform_standards(shipped_standards(), radius_m=350)
    writes.save_standards(ADMIN, std, home, source="meeting.json")
    writes.save_targets(ADMIN, shipped_targets(), home, source="plan.json")
    writes.save_inspection_settings(ADMIN, InspectionSettings(validity_days=90), home)
    writes.add_user(LOCAL, "li", PW, "admin", home=home)
    writes.add_user(LOCAL, "wang", PW, "editor", ("110105",), home=home)
    writes.set_password(LOCAL, "wang", PW + "x", home)
    photo = store_photo(_jpeg(), "shop.jpg", home).path
    pay = effective_table("payments", home)
    ids = pay.loc[pay["adcode"] == "110105", "id"].tolist()
    writes.add_inspections(EDITOR, _inspections(home, ids[:2], photo), home, source="a.csv")
    writes.add_inspections(EDITOR, _inspections(home, ids[2:3]), home, source="b.csv")
    zones = tmp / "jiedao.geojson"
    zones.write_bytes(synthetic_subdistricts_geojson("gcj02"))
    writes.import_boundaries(ADMIN, "jiedao", read_boundaries(zones, "jiedao"), home, "jiedao")
    writes.import_boundaries(ADMIN, "jiedao", read_boundaries(zones, "jiedao"), home, "again")
    writes.undo_boundaries(ADMIN, "jiedao", home)


def observe(home: Path) -> dict:
    """Everything the store functions return for the workspace ``home``."""
    out: dict = {}
    for layer in LAYERS:
        out[f"table:{layer}"] = effective_table(layer, home)
        out[f"history:{layer}"] = [v.to_dict() for v in history(layer, home)]
    for doc in DOCUMENTS:
        out[f"document:{doc}"] = load_document(doc, home)
        out[f"doc-history:{doc}"] = [v.to_dict() for v in document_history(doc, home)]
    out["standards"] = standards_to_dict(load_standards(home))
    out["targets"] = targets_to_dict(load_targets(home))
    out["users"] = [u.to_dict() for u in users_store.list_users(home)]
    out["users-versions"] = users_store.users_versions(home)
    out["audit"] = [e.to_dict() for e in read_audit(home)]
    ins = load_inspections(home)
    out["inspections"] = ins
    out["inspections-history"] = [b.to_dict() for b in inspections_history(home)]
    out["photos"] = {
        p: photo_path(p, home).read_bytes()  # type: ignore[union-attr]
        for p in sorted(set(ins["photo"]) - {""})
    }
    out["boundaries"] = [b.to_dict() for b in list_boundaries(home)]
    for b in list_boundaries(home):
        out[f"zones:{b.name}"] = load_boundaries(b.name, home)
        out[f"zones-history:{b.name}"] = [v.to_dict() for v in boundary_history(b.name, home)]
    return out


def assert_same(a: dict, b: dict) -> None:
    assert sorted(a) == sorted(b)
    for key in a:
        if isinstance(a[key], gpd.GeoDataFrame):
            assert a[key].crs == b[key].crs, key
            pd.testing.assert_frame_equal(a[key].to_wkb(), b[key].to_wkb(), obj=key)
        elif isinstance(a[key], pd.DataFrame):
            pd.testing.assert_frame_equal(a[key], b[key], obj=key)
        else:
            assert a[key] == b[key], key


def files(home: Path) -> dict[str, str]:
    """The workspace's files and their hashes, without the writers' locks."""
    return {k: v for k, v in snapshot(home).items() if not k.endswith(".lock")}


@pytest.fixture
def full(tmp_path) -> Path:
    home = tmp_path / "source"
    build_workspace(home, tmp_path)
    return home


@pytest.mark.parametrize("name", ["atlas.tar", "atlas.tar.gz", "atlas-backup"])
def test_restore_into_an_empty_home_gives_back_everything(full, tmp_path, name, capsys):
    before = observe(full)
    assert before["inspections-history"] and before["photos"] and before["boundaries"]
    assert len(before["history:payments"]) == 2 and len(before["users-versions"]) == 2
    assert len(before["zones-history:jiedao"]) == 2 and len(before["audit"]) >= 12
    target = tmp_path / name
    assert main(["backup", str(target), "--home", str(full)]) == 0
    out = capsys.readouterr().out
    assert f"to {target}" in out
    assert target.is_dir() == (name == "atlas-backup")
    if target.is_file():
        assert os.stat(target).st_mode & 0o077 == 0  # password hashes inside: owner only
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    fresh = tmp_path / "restored"
    assert main(["restore", str(target), "--home", str(fresh)]) == 0
    assert "restored" in capsys.readouterr().out
    assert_same(observe(fresh), before)
    assert files(fresh) == files(full)
    assert_same(observe(full), before)
    mode = os.stat(users_store.users_path(fresh)).st_mode
    assert mode & 0o077 == 0
    # the restored workspace signs in and goes on: new versions after the kept ones
    who = users_store.authenticate(
        "wang", PW + "x", home=fresh, throttle=users_store.SignInThrottle()
    )
    assert who is not None and who.districts == ("110105",)
    v, _ = writes.import_layer(ADMIN, "payments", _rows("payments", "110105", 1, "BZ"), home=fresh)
    assert v.name == "v0003.parquet"
    assert writes.undo_layer(ADMIN, "payments", fresh) == "v0001.parquet"


def test_restore_into_an_existing_empty_directory_keeps_it(full, tmp_path):
    target = tmp_path / "b.tar"
    backup(full, target)
    fresh = tmp_path / "state"
    fresh.mkdir(mode=0o750)
    os.chmod(fresh, 0o750)
    restore(target, fresh)
    assert os.stat(fresh).st_mode & 0o777 == 0o750
    assert files(fresh) == files(full)


def test_a_non_empty_home_is_refused_and_left_alone(full, tmp_path, capsys):
    target = tmp_path / "b.tar"
    backup(full, target)
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    assert main(["restore", str(target), "--home", str(busy)]) == 2
    err = capsys.readouterr().err
    assert "is not empty" in err and "notes.txt" in err
    assert sorted(p.name for p in busy.iterdir()) == ["notes.txt"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    assert main(["restore", str(target), "--home", str(full)]) == 2  # a live workspace too


def test_an_existing_backup_path_is_never_replaced(full, tmp_path, capsys):
    target = tmp_path / "b.tar"
    target.write_bytes(b"yesterday")
    assert main(["backup", str(target), "--home", str(full)]) == 2
    assert "exists" in capsys.readouterr().err
    assert target.read_bytes() == b"yesterday"
    inside = full / "b.tar"
    assert main(["backup", str(inside), "--home", str(full)]) == 2
    assert "inside the workspace" in capsys.readouterr().err and not inside.exists()
    assert main(["backup", str(tmp_path / "x.tar"), "--home", str(tmp_path / "nope")]) == 2
    assert "no workspace there" in capsys.readouterr().err


def _damaged(target: Path, how: str) -> None:
    raw = target.read_bytes()
    if how == "truncated":
        target.write_bytes(raw[: len(raw) // 2])
    elif how == "flipped":  # one byte of a member's content changed (headers are 512 bytes)
        with tarfile.open(target) as tar:
            member = next(m for m in tar if m.name.endswith(".parquet"))
            at = member.offset_data + member.size // 2
        target.write_bytes(raw[:at] + bytes([raw[at] ^ 0xFF]) + raw[at + 1 :])
    elif how == "not-a-backup":
        target.write_bytes(b"just some text\n" * 100)


@pytest.mark.parametrize("how", ["truncated", "flipped", "not-a-backup"])
def test_a_damaged_backup_restores_nothing(full, tmp_path, how, capsys):
    target = tmp_path / "b.tar"
    backup(full, target)
    _damaged(target, how)
    fresh = tmp_path / "fresh"
    assert main(["restore", str(target), "--home", str(fresh)]) == 2
    err = capsys.readouterr().err
    assert str(target) in err
    assert ("damaged" in err) or ("not a complete backup" in err)
    assert not fresh.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_directory_backup_missing_a_file_is_refused(full, tmp_path):
    target = tmp_path / "dir-backup"
    backup(full, target)
    next(target.glob("layers/payments/v0001.parquet")).unlink()
    with pytest.raises(BackupError, match="v0001.parquet is missing"):
        restore(target, tmp_path / "fresh")
    assert not (tmp_path / "fresh").exists()


def test_a_backup_while_writers_run_holds_each_object_at_one_instant(tmp_path):
    """Writers save documents and import rows all along; each backup's objects are each a
    state the workspace passed through: CURRENT names a version that is there, the
    history is a beginning of the final one, the audit log a beginning of the final log."""
    home = tmp_path / "busy"
    writes.import_layer(ADMIN, "venues", _rows("venues", "110105", 1, "BV"), home=home)
    stop = threading.Event()
    errors: list[BaseException] = []

    def documents() -> None:
        i = 0
        try:
            while not stop.is_set():
                i += 1
                save_document("notes", {"n": i, "text": "x" * 2000}, home)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    def layers() -> None:
        i = 0
        try:
            while not stop.is_set():
                i += 1
                rows = _rows("venues", "110105", 2, f"W{i:04d}-")
                writes.import_layer(ADMIN, "venues", rows, home=home)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=documents), threading.Thread(target=layers)]
    for t in threads:
        t.start()
    copies = []
    try:
        for k in range(6):
            time.sleep(0.15)
            target = tmp_path / f"b{k}.tar"
            backup(home, target)
            copies.append(target)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert errors == []
    final_layer = [v.to_dict() for v in history("venues", home)]
    final_docs = [v.to_dict() for v in document_history("notes", home)]
    final_audit = [e.to_dict() for e in read_audit(home)]
    seen_versions = set()
    for k, target in enumerate(copies):
        fresh = tmp_path / f"r{k}"
        restore(target, fresh)
        layer = [v.to_dict() for v in history("venues", fresh)]
        current = [v for v in layer if v["current"]]
        assert len(current) == 1 and current[0] == layer[-1]  # the newest is in effect
        assert [dict(v, current=False) for v in layer] == [
            dict(v, current=False) for v in final_layer[: len(layer)]
        ]
        table = effective_table("venues", fresh)
        assert len(table) == current[0]["rows"]  # the version in effect, whole
        docs = [v.to_dict() for v in document_history("notes", fresh)]
        if docs:
            assert docs[-1]["current"]
            assert [dict(v, current=False) for v in docs] == [
                dict(v, current=False) for v in final_docs[: len(docs)]
            ]
            assert load_document("notes", fresh) == {"n": len(docs), "text": "x" * 2000}
        audit = [e.to_dict() for e in read_audit(fresh)]
        assert audit == final_audit[: len(audit)]
        seen_versions.add(len(layer))
    assert len(seen_versions) > 1  # the writers really wrote between the backups


def _wait_for(pred, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.01)


def test_a_killed_backup_leaves_nothing_at_path(tmp_path):
    home = tmp_path / "big"
    (home / "photos").mkdir(parents=True)
    for i in range(6):  # 96 MB that gzip cannot shrink: the backup takes a while
        (home / "photos" / f"{i:064x}.jpg").write_bytes(os.urandom(16 * 2**20))
    target = tmp_path / "big.tar.gz"
    proc = subprocess.Popen(
        [sys.executable, "-m", "dashboard.cli", "backup", str(target), "--home", str(home)],
        stderr=subprocess.PIPE,
    )

    def partial_started() -> bool:
        found = [p for p in tmp_path.glob(".big.tar.gz.*.partial") if p.stat().st_size > 0]
        return bool(found) or proc.poll() is not None

    _wait_for(partial_started)
    assert proc.poll() is None, "the backup finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not target.exists()
    # the next backup works, past the left-over hidden partial file
    backup(home, target)
    fresh = tmp_path / "fresh"
    restore(target, fresh)
    assert files(fresh) == files(home)


def test_a_killed_restore_leaves_the_home_absent(tmp_path):
    home = tmp_path / "big"
    (home / "photos").mkdir(parents=True)
    for i in range(6):
        (home / "photos" / f"{i:064x}.jpg").write_bytes(os.urandom(16 * 2**20))
    target = tmp_path / "big.tar.gz"
    backup(home, target)
    fresh = tmp_path / "fresh"
    proc = subprocess.Popen(
        [sys.executable, "-m", "dashboard.cli", "restore", str(target), "--home", str(fresh)]
    )

    def staging_started() -> bool:
        return any(tmp_path.glob(".fresh.*.restore/photos/*")) or proc.poll() is not None

    _wait_for(staging_started)
    assert proc.poll() is None, "the restore finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not fresh.exists()
    assert main(["restore", str(target), "--home", str(fresh)]) == 0
    assert files(fresh) == files(home)


# --------------------------------------------------------------------------- PostgreSQL


def _pg_tool(name: str) -> str:
    found = shutil.which(name) or next(
        (str(p) for p in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))[::-1]), None
    )
    if found is None:
        pytest.skip(f"{name} is not installed (Debian: postgresql-client)")
    return found


def observe_database(cache: Path) -> dict:
    """What the PostgreSQL store holds today, through the store functions: the layers
    and their histories, the documents and theirs, the users and their kept versions, the
    audit log, the inspections and their batches, the photos, the boundary sets and their
    zones. ``cache`` is the local
    folder the layer versions and photos are read back into (a new one reads the
    database, not what an earlier read left there)."""
    out: dict = {}
    for layer in LAYERS:
        out[f"table:{layer}"] = effective_table(layer, cache)
        out[f"history:{layer}"] = [v.to_dict() for v in history(layer, cache)]
    ins = load_inspections(cache)
    out["inspections"] = ins
    out["inspections-history"] = [b.to_dict() for b in inspections_history(cache)]
    out["photos"] = {
        p: photo_path(p, cache).read_bytes()  # type: ignore[union-attr]
        for p in sorted(set(ins["photo"]) - {""})
    }
    out["boundaries"] = [b.to_dict() for b in list_boundaries(cache)]
    for b in list_boundaries(cache):
        out[f"zones:{b.name}"] = load_boundaries(b.name, cache)
        out[f"zones-history:{b.name}"] = [v.to_dict() for v in boundary_history(b.name, cache)]
    for doc in DOCUMENTS:
        out[f"document:{doc}"] = load_document(doc)
        out[f"doc-history:{doc}"] = [v.to_dict() for v in document_history(doc)]
    out["standards"] = standards_to_dict(load_standards())
    out["targets"] = targets_to_dict(load_targets())
    out["users"] = [u.to_dict() for u in users_store.list_users()]
    out["users-versions"] = users_store.users_versions()
    out["audit"] = [e.to_dict() for e in read_audit()]
    return out


@pytest.mark.parametrize("store", ["postgresql"], indirect=True)
def test_a_pg_dump_restored_into_an_empty_store_gives_back_everything(store, tmp_path):
    """docs/deploy.md's PostgreSQL backup: pg_dump of the store, the store dropped (empty),
    pg_restore, and every store function answers as before."""
    import psycopg
    from psycopg import sql

    from loaders.pg import database_url
    from loaders.pg.connection import close_pools

    home = tmp_path / "home"
    writes.import_layer(ADMIN, "payments", _rows("payments", "110105", 4, "BP"), home=home)
    writes.import_layer(EDITOR, "payments", _rows("payments", "110105", 2, "BQ"), home=home)
    writes.undo_layer(EDITOR, "payments", home)  # an undone version stays in the history
    writes.import_layer(ADMIN, "payments", _rows("payments", "110105", 3, "BR"), home=home)
    keys = _rows("key-locations", "110101", 3, "BK")
    writes.import_layer(ADMIN, "key-locations", keys, replace=True, home=home)
    writes.save_standards(ADMIN, uniform_standards(shipped_standards(), radius_m=350), home)
    writes.save_targets(ADMIN, shipped_targets(), home, source="plan.json")
    writes.save_inspection_settings(ADMIN, InspectionSettings(validity_days=90), home)
    writes.undo_targets(ADMIN, home)
    writes.save_targets(ADMIN, shipped_targets(), home, source="plan-2.json")
    writes.add_user(LOCAL, "li", PW, "admin", home=home)
    writes.add_user(LOCAL, "wang", PW, "editor", ("110105",), home=home)
    writes.set_password(LOCAL, "wang", PW + "x", home)
    photo = store_photo(_jpeg(), "shop.jpg", home).path
    pay = effective_table("payments", home)
    ids = pay.loc[pay["adcode"] == "110105", "id"].tolist()
    writes.add_inspections(EDITOR, _inspections(home, ids[:2], photo), home, source="a.csv")
    writes.add_inspections(EDITOR, _inspections(home, ids[2:3]), home, source="b.csv")
    writes.undo_inspections(EDITOR, home)
    zones = tmp_path / "jiedao.geojson"
    zones.write_bytes(synthetic_subdistricts_geojson("gcj02"))
    writes.import_boundaries(ADMIN, "jiedao", read_boundaries(zones, "jiedao"), home, "jiedao")
    before = observe_database(home)
    assert len(before["doc-history:targets"]) == 2 and len(before["users-versions"]) == 2
    assert [v["added"] for v in before["history:payments"]] == [4, 2, 3]
    assert len(before["inspections-history"]) == 2 and len(before["inspections"]) == 2
    assert before["photos"] and len(before["zones:jiedao"]) > 1
    url = database_url()
    assert url is not None
    base, schema = os.environ["EXCHANGE_ATLAS_TEST_DB"], url.split("search_path%3D")[1][:18]
    assert schema.startswith("t_")
    dump = tmp_path / "atlas.dump"
    subprocess.run(
        [_pg_tool("pg_dump"), "--format=custom", "--no-owner", f"--schema={schema}",
         f"--file={dump}", base],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    close_pools()
    with psycopg.connect(base, autocommit=True) as conn:  # the store is now empty
        conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    emptied = observe_database(tmp_path / "cache-empty")  # an empty store (migrated afresh)
    assert emptied["audit"] == [] and emptied["history:payments"] == []
    close_pools()
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
    subprocess.run(
        [_pg_tool("pg_restore"), "--no-owner", "--exit-on-error", "--single-transaction",
         f"--dbname={base}", str(dump)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    close_pools()
    assert_same(observe_database(tmp_path / "cache-restored"), before)
    who = users_store.authenticate("wang", PW + "x", throttle=users_store.SignInThrottle())
    assert who is not None and who.districts == ("110105",)
    # the restored store goes on: the next change is a new version after the kept ones
    assert writes.undo_standards(ADMIN, home) is None
    assert [v.current for v in document_history("standards")] == [False]
    writes.import_layer(ADMIN, "payments", _rows("payments", "110105", 1, "BS"), home=home)
    assert [v.number for v in history("payments")] == [1, 2, 3, 4]
    writes.add_inspections(EDITOR, _inspections(home, ids[3:4]), home, source="c.csv")
    assert [b.number for b in inspections_history()] == [1, 2, 3]
