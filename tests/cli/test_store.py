"""``exchange-atlas store copy --to postgresql://…``: a workspace with layers (added to,
undone, replaced), documents, users, inspections, photos, boundary sets and the audit log,
made through the write gateway, is copied into an empty schema of the real PostgreSQL
server; every store function then
answers on the database as on the workspace, and both go on alike. A database that holds
anything is refused, a copy that fails midway or is killed leaves it as it was, and what
cannot be read is refused before anything is written, with exit 2 and one message."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import geopandas as gpd
import pandas as pd
import psycopg
import pytest
from PIL import Image
from psycopg import sql

from dashboard.cli import main
from dashboard.core.model import LAYERS
from dashboard.core.rights import LOCAL, Actor
from dashboard.core.standards import standards_to_dict, uniform_standards
from dashboard.core.targets import targets_to_dict
from loaders import users_store, writes
from loaders.audit import read_audit
from loaders.boundaries import (
    boundary_history,
    boundary_names,
    list_boundaries,
    load_boundaries,
    read_boundaries,
    zones_files,
)
from loaders.documents import document_history, load_document
from loaders.examples import synthetic_subdistricts_geojson
from loaders.inspections_store import (
    InspectionSettings,
    inspections_history,
    load_inspections,
)
from loaders.pg import using
from loaders.pg.connection import close_pools
from loaders.photos import photo_path, store_photo, stored_photos
from loaders.standards_store import load_standards, shipped_standards, standards_history
from loaders.targets_store import load_targets, shipped_targets
from loaders.workspace import current_layer_file, effective_table, history, shipped_table
from tests.conftest import TEST_DB_ENV, schema_url
from tests.fixtures import district_rows, prepared_inspections

ADMIN = Actor("li", "admin", via="web")
EDITOR = Actor("wang", "editor", ("110105",), via="web")
PW = "S3cret-pass-1"
DOCUMENTS = ("standards", "targets", "inspection-settings")
NOW = datetime(2026, 3, 5, 12, 0)

pytestmark = pytest.mark.usefixtures("fast_hashes")
_rows = district_rows


def _inspections(home: Path, place_ids: list[str], photo: str = "") -> pd.DataFrame:
    return prepared_inspections(home, place_ids, NOW, photo)


@pytest.fixture
def target(monkeypatch) -> Iterator[str]:
    """An empty schema of ``$EXCHANGE_ATLAS_TEST_DB`` (no tables yet) to copy into; the
    process's own store stays the workspace."""
    base = os.environ.get(TEST_DB_ENV)
    if not base:
        pytest.skip(f"{TEST_DB_ENV} is not set: no PostgreSQL server to test against")
    monkeypatch.delenv("EXCHANGE_ATLAS_DB", raising=False)
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    try:
        yield schema_url(base, schema)
    finally:
        close_pools()
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


def _schema(url: str) -> str:
    return url.split("search_path%3D")[1].split("%2C")[0]


def tables(url: str) -> dict[str, int]:
    """The tables of the target's schema and their row counts."""
    with psycopg.connect(url, autocommit=True) as conn:
        names = [
            str(r[0])
            for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY 1", (_schema(url),)
            ).fetchall()
        ]
        out = {}
        for n in names:
            row = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(n)))
            got = row.fetchone()
            out[n] = int(got[0]) if got else 0
    return out


def _jpeg(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, "JPEG")
    return out.getvalue()


def build_workspace(home: Path) -> None:
    """A workspace with layers, documents, users, inspections, photos and the audit log,
    through the gateway."""
    with using(None):
        writes.import_layer(ADMIN, "payments", _rows("payments", "110105", 4, "BP"), home=home)
        writes.import_layer(EDITOR, "payments", _rows("payments", "110105", 2, "BQ"), home=home)
        writes.undo_layer(EDITOR, "payments", home)  # an undone version stays in the history
        writes.import_layer(EDITOR, "payments", _rows("payments", "110105", 3, "BP"), home=home)
        extra = _rows("payments", "110105", 2, "BX").assign(
            note=pd.Series(["一", None])
        )  # another column
        writes.import_layer(ADMIN, "payments", extra, home=home)
        keys = _rows("key-locations", "110101", 3, "BK")
        writes.import_layer(ADMIN, "key-locations", keys, home=home)
        writes.import_layer(ADMIN, "key-locations", keys.head(2), replace=True, home=home)
        std = uniform_standards(shipped_standards(), radius_m=350)
        writes.save_standards(ADMIN, std, home, source="meeting.json")
        writes.save_targets(ADMIN, shipped_targets(), home, source="plan.json")
        writes.undo_targets(ADMIN, home)
        writes.save_targets(ADMIN, shipped_targets(), home, source="plan-2.json")
        writes.save_inspection_settings(ADMIN, InspectionSettings(validity_days=90), home)
        writes.add_user(LOCAL, "li", PW, "admin", home=home)
        writes.add_user(LOCAL, "wang", PW, "editor", ("110105",), home=home)
        writes.set_password(LOCAL, "wang", PW + "x", home)
        photo = store_photo(_jpeg((200, 40, 40)), "shop.jpg", home).path
        store_photo(_jpeg((20, 40, 200)), "other.jpg", home)  # stored, named by no row
        pay = effective_table("payments", home)
        ids = pay.loc[pay["adcode"] == "110105", "id"].tolist()
        writes.add_inspections(EDITOR, _inspections(home, ids[:2], photo), home, source="a.csv")
        writes.add_inspections(EDITOR, _inspections(home, ids[2:3]), home, source="b.csv")
        writes.undo_inspections(EDITOR, home)  # an undone batch stays in the history
        writes.add_inspections(ADMIN, _inspections(home, ids[3:5]), home, source="c.csv")
        zones = home.parent / "jiedao.geojson"
        zones.write_bytes(synthetic_subdistricts_geojson("gcj02"))
        sets = read_boundaries(zones, "jiedao")
        writes.import_boundaries(ADMIN, "jiedao", sets, home, "jiedao")
        writes.import_boundaries(ADMIN, "jiedao", read_boundaries(zones, "again"), home, "again")
        writes.undo_boundaries(ADMIN, "jiedao", home)
        writes.import_boundaries(ADMIN, "plan", sets, home, "plan")
        writes.remove_boundaries(ADMIN, "plan", home)  # a set removed: a version, no zones


def observe(home: Path | None) -> dict:
    """Everything the store functions in use return (``home``: the workspace's, or the
    database's local cache folder)."""
    out: dict = {}
    for layer in LAYERS:
        out[f"table:{layer}"] = effective_table(layer, home)
        out[f"history:{layer}"] = [v.to_dict() for v in history(layer, home)]
        f = current_layer_file(layer, home)
        out[f"file:{layer}"] = None if f is None else f.name
    for doc in DOCUMENTS:
        out[f"document:{doc}"] = load_document(doc, home)
        out[f"doc-history:{doc}"] = [v.to_dict() for v in document_history(doc, home)]
    out["standards"] = standards_to_dict(load_standards(home))
    out["targets"] = targets_to_dict(load_targets(home))
    out["users"] = [u.to_dict() for u in users_store.list_users(home)]
    out["users-enabled"] = users_store.users_enabled(home)
    out["users-versions"] = users_store.users_versions(home)
    out["audit"] = [e.to_dict() for e in read_audit(home)]
    out["audit-since"] = [e.to_dict() for e in read_audit(home, since="2000-01-01", limit=3)]
    out["inspections"] = load_inspections(home)
    out["inspections-history"] = [b.to_dict() for b in inspections_history(home)]
    out["photos"] = {p: photo_path(p, home).read_bytes() for p in stored_photos(home)}  # type: ignore[union-attr]
    out["boundaries"] = [b.to_dict() for b in list_boundaries(home)]
    for name in boundary_names(home, every=True):
        out[f"zones-history:{name}"] = [v.to_dict() for v in boundary_history(name, home)]
        out[f"zones-files:{name}"] = zones_files(name, home)
    for b in list_boundaries(home):
        out[f"zones:{b.name}"] = load_boundaries(b.name, home)
    out["signed-in"] = users_store.authenticate(
        "wang", PW + "x", home=home, throttle=users_store.SignInThrottle()
    )
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


def copy(home: Path, url: str, *extra: str) -> int:
    return main(["store", "copy", "--to", url, "--home", str(home), *extra])


def test_copy_gives_back_every_store_function_and_both_go_on_alike(target, tmp_path, capsys):
    home = tmp_path / "ws"
    build_workspace(home)
    with using(None):
        before = observe(home)
    assert [v["added"] for v in before["history:payments"]] == [4, 2, 3, 2]
    assert len(before["audit"]) > 10 and before["users-versions"]

    assert copy(home, target, "--format", "json") == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["layers"] == 2 and summary["layer_versions"] == 6
    assert summary["documents"] == 5 and summary["document_versions"] == 8
    assert summary["users"] == 2 and summary["users_versions"] == 2
    assert summary["audit_entries"] == len(before["audit"])
    assert summary["inspection_batches"] == 3 and summary["inspections"] == 5
    assert summary["photos"] == 2 and len(before["photos"]) == 2
    assert summary["boundary_sets"] == 2 and summary["zones_files"] == 2
    assert [b["name"] for b in before["boundaries"]] == ["jiedao"]  # plan: removed
    assert "***" in summary["database"] and "atlas:atlas" not in summary["database"]

    cache = tmp_path / "cache-home"  # the database's local cache of layer versions
    with using(target):
        after = observe(cache)
    assert_same(after, before)
    # an import on top of the version before stores only the rows it adds (a chain)
    counts = tables(target)
    every = sum(v["rows"] for v in before["history:payments"] + before["history:key-locations"])
    assert counts["atlas_layer_rows"] < every
    assert counts["atlas_layer_rows"] == summary["layer_rows_stored"]

    # the same changes on both stores give the same answers again
    for store, where in ((None, home), (target, cache)):
        with using(store):
            writes.undo_layer(ADMIN, "payments", where)
            writes.undo_layer(ADMIN, "payments", where)
            writes.import_layer(
                EDITOR, "payments", _rows("payments", "110105", 2, "BZ"), home=where
            )
            writes.undo_targets(ADMIN, where)
            writes.undo_users(LOCAL, where)
            writes.undo_layer(ADMIN, "key-locations", where)
            writes.undo_inspections(ADMIN, where)
            ids = effective_table("payments", where)["id"].tolist()
            writes.add_inspections(ADMIN, _inspections(where, ids[:1]), where, source="d.csv")
            writes.undo_boundaries(ADMIN, "plan", where)  # the removal undone: back in effect
    with using(None):
        again = observe(home)
    with using(target):
        again_db = observe(cache)
    for got in (again, again_db):  # what was made after the copy, at the moment of each
        del got["audit"], got["audit-since"]
        for key, value in got.items():
            if isinstance(value, list) and value and isinstance(value[0], dict):
                got[key] = [{k: v for k, v in d.items() if k != "created"} for d in value]
    assert_same(again_db, again)
    assert [v["added"] for v in again["history:payments"]] == [4, 2, 3, 2, 2]


def test_a_database_that_holds_anything_is_refused_and_left_alone(target, tmp_path, capsys):
    home = tmp_path / "ws"
    build_workspace(home)
    assert copy(home, target) == 0
    out = capsys.readouterr().out
    assert "layers: 2 (6 versions" in out and "atlas:***@" in out
    assert "inspections: 5 (3 batches), photos: 2" in out
    assert "boundary sets: 2 (2 zones files)" in out
    held = tables(target)
    assert copy(home, target) == 2
    err = capsys.readouterr().err
    assert "already holds exchange-atlas data" in err and "Nothing was copied" in err
    assert "--to postgresql://atlas:***@" in err and "atlas:atlas@" not in err
    assert "EXCHANGE_ATLAS_DB" not in err  # the database named as the option that gave it
    assert len(err.strip().splitlines()) == 1
    assert tables(target) == held


def test_a_database_with_other_tables_is_refused(target, tmp_path, capsys):
    home = tmp_path / "ws"
    build_workspace(home)
    with psycopg.connect(target, autocommit=True) as conn:
        stmt = sql.SQL("CREATE TABLE {}.someone_elses (x int)")
        conn.execute(stmt.format(sql.Identifier(_schema(target))))
    assert copy(home, target) == 2
    assert "someone_elses" in capsys.readouterr().err
    assert tables(target) == {"someone_elses": 0}


def test_a_copy_that_fails_midway_leaves_the_database_as_it_was(target, tmp_path, capsys):
    home = tmp_path / "ws"
    build_workspace(home)
    last = home / "layers" / "payments" / "v0004.parquet"  # read after three layers' versions
    data = last.read_bytes()
    last.write_bytes(data[: len(data) // 2] + data[-8:])  # its footer kept: damaged inside
    assert copy(home, target) == 2
    err = capsys.readouterr().err
    assert str(last) in err and "Nothing was copied" in err, err
    assert tables(target) == {}  # not even the schema's tables: all one transaction


def test_a_killed_copy_leaves_the_database_as_it_was(target, tmp_path):
    """kill -9 of the copy once its transaction has written (the schema, rows): nothing
    is committed, and a copy after it goes through."""
    home = tmp_path / "ws"
    with using(None):
        big = pd.concat([shipped_table("payments")] * 150, ignore_index=True)
        big["id"] = [f"K{i}" for i in range(len(big))]
        writes.import_layer(ADMIN, "payments", big, replace=True, home=home)
        writes.import_layer(ADMIN, "payments", _rows("payments", "110105", 2, "KA"), home=home)
    exe = Path(sys.executable).with_name("exchange-atlas")
    proc = subprocess.Popen(
        [str(exe), "store", "copy", "--to", target, "--home", str(home)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    writing = (
        "SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND "
        "datname = current_database() AND backend_xid IS NOT NULL"
    )
    with psycopg.connect(target, autocommit=True) as watch:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            row = watch.execute(writing).fetchone()
            if row and row[0]:  # its transaction has written
                break
            time.sleep(0.005)
        assert proc.poll() is None, proc.communicate()  # still copying
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
        for _ in range(200):  # the server notices the dead client and rolls back
            row = watch.execute(writing).fetchone()
            if row and not row[0]:
                break
            time.sleep(0.05)
    assert tables(target) == {}
    assert copy(home, target) == 0
    with using(target):
        assert len(effective_table("payments", tmp_path / "cache")) == len(big) + 2


def test_a_damaged_photo_is_refused_before_anything_is_written(target, tmp_path, capsys):
    home = tmp_path / "ws"
    build_workspace(home)
    with using(None):
        photo = photo_path(stored_photos(home)[0], home)
    assert photo is not None
    photo.write_bytes(photo.read_bytes()[:-10])
    assert copy(home, target) == 2
    err = capsys.readouterr().err
    assert str(photo) in err and "damaged" in err and "Nothing was copied" in err
    assert tables(target) == {}


def test_an_unreachable_database_is_one_message(tmp_path, capsys):
    home = tmp_path / "ws"
    home.mkdir()
    url = "postgresql://atlas:pw-secret@127.0.0.1:1/atlas"
    assert copy(home, url) == 2
    err = capsys.readouterr().err
    assert "cannot connect" in err and "--to postgresql://atlas:***@127.0.0.1:1" in err
    assert "pw-secret" not in err and "EXCHANGE_ATLAS_DB" not in err
    assert copy(home, url, "--db", url) == 2  # the database is --to's, never --db's
    assert "--db is not used here" in capsys.readouterr().err


def test_a_legacy_standards_file_and_a_users_file_elsewhere(target, tmp_path, monkeypatch):
    """A ``standards.json`` of an earlier version becomes the first version; a users file
    named by ``$EXCHANGE_ATLAS_USERS`` is copied with its kept versions renamed."""
    home = tmp_path / "ws"
    home.mkdir()
    std = standards_to_dict(uniform_standards(shipped_standards(), radius_m=275))
    (home / "standards.json").write_text(json.dumps(std), encoding="utf-8")
    people = tmp_path / "etc" / "people.json"
    people.parent.mkdir()
    monkeypatch.setenv("EXCHANGE_ATLAS_USERS", str(people))
    with using(None):
        users_store.add_user("li", PW, "admin", home=home)
        users_store.add_user("wang", PW, "editor", ("110105",), home=home)
        users_store.remove_user("li", home)
        assert users_store.users_versions(home) == ["people.v0001.json", "people.v0002.json"]
        before = standards_to_dict(load_standards(home))
        assert standards_history(home) == []
    assert copy(home, target) == 0
    monkeypatch.delenv("EXCHANGE_ATLAS_USERS")
    with using(target):
        assert standards_to_dict(load_standards()) == before
        assert [v.source for v in standards_history()] == ["migrated from standards.json"]
        assert [u.name for u in users_store.list_users()] == ["wang"]
        assert users_store.users_versions() == ["users.v0001.json", "users.v0002.json"]
        assert users_store.undo_users() == "users.v0002.json"
        assert [u.name for u in users_store.list_users()] == ["li", "wang"]
