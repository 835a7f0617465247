"""kill -9 on the PostgreSQL store: ``exchange-atlas import`` killed at seeded moments
while its transaction is writing (COPY of 25,000 rows), and ``inspect add`` and
``targets set`` killed likewise, and ``exchange-atlas run`` killed together with two
imports under way. After each kill the layer in effect is the old version or
the new one, whole (never some of its rows), the history lists only versions that were
put in effect, no row of the database belongs to a version that has no record, the
advisory lock is free (the next write goes through at once) and undo works."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.conftest import TEST_DB_ENV, fresh_schema
from tests.faults.conftest import LAYER, NEW_ROWS, exe

SEED = 20261203
#: Rows of the killed import: enough that its COPY takes a good part of a second.
ROWS = 25_000


@pytest.fixture
def database(monkeypatch, tmp_path):
    base = os.environ.get(TEST_DB_ENV)
    if not base:
        pytest.skip(f"{TEST_DB_ENV} is not set: no PostgreSQL server to test against")
    from loaders.pg.connection import close_pools

    with fresh_schema(base, "k") as url:
        monkeypatch.setenv("EXCHANGE_ATLAS_DB", url)
        monkeypatch.setenv("EXCHANGE_ATLAS_HOME", str(tmp_path / "home"))
        try:
            yield url
        finally:
            close_pools()


def _big_csv(path: Path) -> Path:
    from io import StringIO

    one = pd.read_csv(StringIO(NEW_ROWS), dtype=str).iloc[:1]
    rows = one.loc[one.index.repeat(ROWS)].reset_index(drop=True)
    rng = np.random.default_rng(SEED)
    rows["id"] = [f"KB{i:06d}" for i in range(ROWS)]
    rows["lon"] = (116.40 + rng.uniform(0, 0.1, ROWS)).round(6).astype(str)
    rows["lat"] = (39.90 + rng.uniform(0, 0.05, ROWS)).round(6).astype(str)
    rows.to_csv(path, index=False)
    return path


def _run(args: list[str], kill_after: float | None = None) -> int:
    """The console script with this process's environment (the database, the home);
    SIGKILL after ``kill_after`` seconds when given. Returns the exit status."""
    tmp = Path(os.environ["EXCHANGE_ATLAS_HOME"]).with_name("tmp")  # a killed one's temporaries
    tmp.mkdir(exist_ok=True)
    env = dict(os.environ, TMPDIR=str(tmp))
    proc = subprocess.Popen(
        [exe(), *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env
    )
    if kill_after is None:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        return 0
    try:
        proc.wait(kill_after)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    return proc.returncode


def _state() -> tuple[list[tuple[int, bool]], int, frozenset[str]]:
    """(number, current) of every listed version, and the rows and ids in effect."""
    from loaders.workspace import effective_table, history

    table = effective_table(LAYER)
    return (
        [(v.number, v.current) for v in history(LAYER)],
        len(table),
        frozenset(table["id"].astype(str)),
    )


def _orphans(url: str) -> int:
    """Rows of the database whose version has no record (a half-written import)."""
    import psycopg

    with psycopg.connect(url) as conn:
        (n,) = conn.execute(
            "SELECT count(*) FROM atlas_layer_rows r WHERE NOT EXISTS (SELECT 1 FROM "
            "atlas_layer_versions v WHERE v.layer = r.layer AND v.number = r.version)"
        ).fetchone()
    return int(n)


def test_kill_import_while_its_transaction_writes(database, tmp_path):
    small = tmp_path / "two.csv"
    small.write_text(NEW_ROWS, encoding="utf-8")
    _run(["import", str(small), "--layer", LAYER, "--crs", "wgs84"])
    big = _big_csv(tmp_path / "big.csv")
    old = _state()
    # the whole import, timed twice: the kills below land in warm runs, and a first run that
    # is slower (a fresh clone's first start) would put them all after the commit
    times = []
    for _ in range(2):
        t0 = time.monotonic()
        _run(["import", str(big), "--layer", LAYER, "--crs", "wgs84"])
        times.append(time.monotonic() - t0)
        new = _state()
        _run(["undo", "--layer", LAYER])
    whole = min(times)
    assert new[1] > old[1] + 0.99 * ROWS  # (the importer drops a few as duplicates)
    rng = random.Random(SEED)
    fractions = [0.45, 0.8, rng.uniform(0.4, 0.95)]
    outcomes = []
    for f in fractions:
        before = _state()
        code = _run(["import", str(big), "--layer", LAYER, "--crs", "wgs84"], whole * f)
        after = _state()
        assert _orphans(database) == 0, f"kill at {f:.2f}: rows of no version"
        in_effect = after[1:]
        if in_effect == before[1:]:  # the old version stands, and nothing new is listed
            assert after[0] == before[0], f"kill at {f:.2f}: {after[0]} listed"
            outcomes.append("old")
        else:
            assert in_effect == new[1:], f"kill at {f:.2f}: neither the old nor the new layer"
            assert after[0][:-1] == [(n, False) for n, _ in before[0]]
            assert after[0][-1][1] and code != 0 or code == 0
            outcomes.append("new")
            _run(["undo", "--layer", LAYER])  # back to the old for the next kill
    # the lock is free and the store goes on: an import at once, then its undo
    t1 = time.monotonic()
    _run(["import", str(small), "--layer", LAYER, "--crs", "wgs84"])
    assert time.monotonic() - t1 < whole + 10
    _run(["undo", "--layer", LAYER])
    assert _state()[1:] == old[1:]
    assert "old" in outcomes, f"no kill landed inside the transaction: {outcomes}"


def test_kill_inspection_and_targets_writes(database, tmp_path):
    from loaders.inspections_store import load_inspections
    from loaders.targets_store import targets_history

    args = {
        "inspect": ["inspect", "add", "--place", "P0001", "--inspector", "k", "--cash", "ok"],
        "targets": ["targets", "set", "city", "--milestone", "2026-12-31=71"],
    }
    for kind, argv in args.items():
        rng = random.Random(f"{SEED}{kind}")
        for _ in range(2):
            n_ins, n_tg = len(load_inspections()), len(targets_history())
            _run(argv, rng.uniform(0.3, 2.5))
            got_ins, got_tg = len(load_inspections()), len(targets_history())
            assert got_ins in (n_ins, n_ins + 1) and got_tg in (n_tg, n_tg + 1)
        _run(argv)  # then the same write goes through at once (no lock left held)
    assert len(load_inspections()) >= 1 and len(targets_history()) >= 1


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(port: int, log: Path) -> subprocess.Popen:
    import urllib.request

    proc = subprocess.Popen(
        [exe(), "run", "--host", "127.0.0.1", "--port", str(port)],
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        env=dict(os.environ),
        start_new_session=True,
    )
    deadline = time.monotonic() + 90
    while True:
        assert proc.poll() is None, log.read_text()[-2000:]
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                return proc
        except OSError:
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.25)


def test_kill_the_server_and_its_writers_at_once(database, tmp_path):
    """kill -9 of ``exchange-atlas run`` on the database together with two imports under
    way: every listed version is whole (its rows the one before's plus what it added),
    no row belongs to a version without a record, the lock is free, and the server starts
    again on the same database."""
    big = _big_csv(tmp_path / "big.csv")
    old = _state()
    port = _free_port()
    server = _serve(port, tmp_path / "server.log")
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = dict(os.environ, TMPDIR=str(tmp))
    argv = [exe(), "import", str(big), "--layer", LAYER, "--crs", "wgs84"]
    writers = [
        subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(2)
    ]
    time.sleep(random.Random(SEED).uniform(1.5, 3.0))
    os.killpg(server.pid, signal.SIGKILL)
    for w in writers:
        w.kill()
    server.wait(30)
    for w in writers:
        w.wait(30)
    from loaders.workspace import history

    versions = history(LAYER)
    rows = {v.number: v for v in versions}
    for v in versions:  # whole: each version is the one before plus what it added
        before = rows[int(v.previous[1:5])].rows if v.previous else len(old[2])
        assert v.rows == before + v.added, v
    assert _orphans(database) == 0
    assert _state()[1] in {old[1] + k * v.added for v in versions for k in (1, 2)} | {old[1]}
    small = tmp_path / "two.csv"
    small.write_text(NEW_ROWS, encoding="utf-8")
    _run(["import", str(small), "--layer", LAYER, "--crs", "wgs84"])  # the lock is free
    again = _serve(port, tmp_path / "server2.log")
    os.killpg(again.pid, signal.SIGTERM)
    again.wait(30)
