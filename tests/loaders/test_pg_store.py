"""The store seam and the PostgreSQL store's refusals: a wrong or unreachable URL, a
database without PostGIS, a schema newer than the code — one clear message, exit status
2, nothing written. Real server (``$EXCHANGE_ATLAS_TEST_DB``); skipped without one."""

from __future__ import annotations

import json
import os
import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest

from dashboard.cli.main import main
from loaders.pg.migrations import LATEST
from tests.conftest import TEST_DB_ENV, schema_url

BASE = os.environ.get(TEST_DB_ENV)
needs_db = pytest.mark.skipif(not BASE, reason=f"{TEST_DB_ENV} is not set")


@pytest.fixture(autouse=True)
def _restore_db_env(monkeypatch):
    """``--db`` sets the process's environment: put it back after each test."""
    monkeypatch.setenv("EXCHANGE_ATLAS_DB", "")  # recorded: put back after the test
    monkeypatch.delenv("EXCHANGE_ATLAS_DB")


def _tables(conn, schema: str) -> list[str]:
    rows = conn.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (schema,)
    ).fetchall()
    return sorted(r[0] for r in rows)


def test_status_names_the_store_in_use(store, capsys, home):
    assert main(["store", "status", "--format", "json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["store"] == store
    if store == "postgresql":
        assert info["schema_version"] == LATEST
        assert ":***@" in info["database"] or "@" not in info["database"]


def test_the_workspace_is_the_default(monkeypatch, capsys, home):
    monkeypatch.delenv("EXCHANGE_ATLAS_DB", raising=False)
    assert main(["store", "status"]) == 0
    assert "store: workspace" in capsys.readouterr().out


def _refused(capsys, argv: list[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err  # one paragraph
    return err


def test_not_a_postgresql_url(monkeypatch, capsys, home):
    monkeypatch.delenv("EXCHANGE_ATLAS_DB", raising=False)
    err = _refused(capsys, ["standards", "show", "--db", "mysql://u:secret@h/db"])
    assert "not a PostgreSQL URL" in err and "postgresql://" in err
    assert "secret" not in err
    assert not home.exists()  # nothing written, not even the workspace


def test_unreachable_server(monkeypatch, capsys, home):
    monkeypatch.setenv("EXCHANGE_ATLAS_DB", "postgresql://u:secret@127.0.0.1:1/atlas")
    err = _refused(capsys, ["targets", "show"])
    assert "cannot connect" in err and "127.0.0.1:1" in err and "pg_isready" in err
    assert "secret" not in err


@needs_db
def test_wrong_password(monkeypatch, capsys, home):
    assert BASE
    parts = urlsplit(BASE)
    netloc = f"{parts.username}:not-the-password@{parts.hostname}:{parts.port}"
    monkeypatch.setenv("EXCHANGE_ATLAS_DB", urlunsplit(parts._replace(netloc=netloc)))
    err = _refused(capsys, ["audit"])
    assert "password authentication failed" in err and "not-the-password" not in err


@needs_db
def test_missing_database(monkeypatch, capsys, home):
    assert BASE
    parts = urlsplit(BASE)
    monkeypatch.setenv("EXCHANGE_ATLAS_DB", urlunsplit(parts._replace(path="/no_such_db")))
    err = _refused(capsys, ["audit"])
    assert "no_such_db" in err and "does not exist" in err


@needs_db
def test_database_without_postgis(monkeypatch, capsys, home):
    import psycopg

    assert BASE
    name = f"atlas_nopostgis_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(BASE, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        url = urlunsplit(urlsplit(BASE)._replace(path=f"/{name}"))
        err = _refused(capsys, ["store", "status", "--db", url])
        assert "no PostGIS" in err and "CREATE EXTENSION postgis" in err and name in err
        with psycopg.connect(url) as conn:
            assert _tables(conn, "public") == []  # nothing written
    finally:
        with psycopg.connect(BASE, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE {name}")


@needs_db
def test_schema_newer_than_the_code(monkeypatch, capsys, home):
    import psycopg

    from loaders.pg.connection import close_pools

    assert BASE
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(BASE, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
        conn.execute(
            f"CREATE TABLE {schema}.atlas_migrations (number integer PRIMARY KEY, name text, "
            "applied timestamptz)"
        )
        conn.execute(f"INSERT INTO {schema}.atlas_migrations VALUES ({LATEST + 1}, 'later', now())")
    try:
        monkeypatch.setenv("EXCHANGE_ATLAS_DB", schema_url(BASE, schema))
        err = _refused(capsys, ["targets", "show"])
        assert f"schema version {LATEST + 1}" in err and "upgrade exchange-atlas" in err
        with psycopg.connect(BASE) as conn:
            assert _tables(conn, schema) == ["atlas_migrations"]  # nothing written
    finally:
        close_pools()
        with psycopg.connect(BASE, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@needs_db
def test_migrations_apply_once(store):
    """A second check of the same schema applies nothing and keeps the version."""
    if store != "postgresql":
        pytest.skip("the database's own behaviour")
    import psycopg

    from loaders.pg.connection import check_database, schema_version

    url = os.environ["EXCHANGE_ATLAS_DB"]
    assert schema_version() == LATEST
    check_database(url)
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT number FROM atlas_migrations").fetchall()
    assert [r[0] for r in rows] == list(range(1, LATEST + 1))


def _frame():
    import pandas as pd

    return pd.DataFrame(
        {
            "id": ["K001", "N1", "N2", "N3"],
            "name_zh": ["新场所", "", "换行\n名字", '引号"逗号,'],
            "name_en": [None, "two", "three", "four"],
            "category": "hotel",
            "sector": "accommodation",
            "adcode": ["110105", "110101", "110108", "110105"],
            "lon": [116.4123456789012, 116.40, 116.30, 116.5],
            "lat": [39.91, 39.92, 39.99, 39.9000000001],
            "coord_precision_m": [None, 5.0, 12.5, None],
            "floor": ["3", None, "", "B1"],  # a column the model does not know
        }
    )


@needs_db
def test_a_version_reads_back_as_the_workspace_gives_it(store, tmp_path):
    """The same commits on both stores: the layer in effect is the same DataFrame (columns,
    dtypes, order, values), and so are the history and the undo."""
    if store != "postgresql":
        pytest.skip("compares the database with the workspace")
    from pandas.testing import assert_frame_equal

    from dashboard.engine.layers import load_layer
    from loaders import pg
    from loaders.workspace import commit, effective_table, history, undo

    def run(home):
        out = []
        commit("key-locations", _frame(), home=home, source="a.csv")
        out.append(effective_table("key-locations", home))
        commit("key-locations", _frame().iloc[1:], home=home, source="b.csv")  # renames
        out.append(effective_table("key-locations", home))
        out.append(load_layer("key-locations", home))
        commit("key-locations", _frame().drop(columns="floor"), replace=True, home=home)
        out.append(effective_table("key-locations", home))
        out.append(undo("key-locations", home))
        out.append(effective_table("key-locations", home))
        hist = [{**v.to_dict(), "created": ""} for v in history("key-locations", home)]
        return out, hist

    got, got_hist = run(tmp_path / "pg-home")
    with pg.using(None):
        want, want_hist = run(tmp_path / "ws-home")
    assert got_hist == want_hist
    for g, w in zip(got, want, strict=True):
        if isinstance(w, str) or w is None:
            assert g == w
        elif hasattr(w, "geometry"):
            assert_frame_equal(g, w)
            assert g.geometry.equals(w.geometry)
        else:
            assert_frame_equal(g, w)


@needs_db
def test_layers_are_postgis_points_with_a_gist_index(store, tmp_path):
    if store != "postgresql":
        pytest.skip("the database's own tables")
    import psycopg

    from loaders.workspace import commit

    commit("key-locations", _frame(), home=tmp_path, source="a.csv")
    with psycopg.connect(os.environ["EXCHANGE_ATLAS_DB"]) as conn:
        kind = conn.execute(
            "SELECT type, srid FROM geometry_columns WHERE f_table_name = 'atlas_layer_rows'"
        ).fetchone()
        assert kind == ("POINT", 4326)
        index = conn.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'atlas_layer_rows_geom'"
        ).fetchone()
        assert index and "gist" in index[0]
        near = conn.execute(
            "SELECT id FROM atlas_layer_rows WHERE ST_DWithin(geom::geography, "
            "ST_SetSRID(ST_MakePoint(116.4123456789012, 39.91), 4326)::geography, 10)"
        ).fetchall()
        assert [r[0] for r in near] == ["K001~imp1"]


@needs_db
def test_many_readers_of_a_new_version_at_once(store, tmp_path):
    """Threads (and so sessions of one server, or several processes on one home) reading a
    version for the first time at once each get the whole layer: their read-back files
    do not collide (they shared one scratch name, and a reader saw another's half CSV;
    found by benchmarks/load.py on PostgreSQL)."""
    from concurrent.futures import ThreadPoolExecutor

    from loaders.workspace import commit, current_layer_file, effective_table

    if store != "postgresql":
        pytest.skip("the read-back cache is the database store's")
    home = tmp_path / "home"
    commit("key-locations", _frame(), home=home, source="a.csv")
    want = len(effective_table("key-locations", home))
    for round_ in range(3):  # a new version each round: its read-back file does not exist yet
        commit("key-locations", _frame().iloc[round_:], home=home, source=f"r{round_}.csv")
        with ThreadPoolExecutor(8) as pool:
            files = list(pool.map(lambda _: current_layer_file("key-locations", home), range(8)))
        assert len({str(f) for f in files}) == 1
        assert len(effective_table("key-locations", home)) >= want


@needs_db
def test_a_version_read_back_onto_the_one_before_equals_a_full_read(store, tmp_path):
    """A version that adds rows to the one before is read back from that version's file
    and only its own rows from the database (a chain of 50 imports read 50 COPYs each
    time); the file equals one read wholly from the database, renamed ids, a new column
    and all."""
    import shutil

    import pandas as pd
    from pandas.testing import assert_frame_equal

    from loaders.workspace import commit, current_layer_file

    if store != "postgresql":
        pytest.skip("the read-back cache is the database store's")
    home = tmp_path / "home"
    commit("key-locations", _frame(), home=home, source="a.csv")
    assert current_layer_file("key-locations", home) is not None
    commit("key-locations", _frame().iloc[1:], home=home, source="b.csv")  # renamed ids
    extra = _frame().assign(note=["x"] * len(_frame()))
    for frame in (_frame().iloc[:1], extra):  # the same columns, then a new one
        commit("key-locations", frame, home=home, source="c.csv")
        stepwise = current_layer_file("key-locations", home)
        assert stepwise is not None
        got = pd.read_parquet(stepwise)
        shutil.rmtree(stepwise.parents[2])  # the layer's read-back cache, every version
        whole = current_layer_file("key-locations", home)
        assert whole is not None and whole == stepwise
        assert_frame_equal(got, pd.read_parquet(whole))
