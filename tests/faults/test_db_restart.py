"""The database restarted while the app runs: a PostgreSQL cluster of the test's own
(initdb on a free loopback port, PostGIS) is stopped with ``pg_ctl stop -m immediate``
under a process that has used it, then started again. While it is down every read and
write is one :class:`~loaders.pg.connection.DatabaseError` (the CLI: exit 2) naming the
database, its password masked, saying it is unreachable, within seconds and without a
traceback; nothing is written. Once it is back the same process — the same pool, the same
``exchange-atlas run`` server — reads and writes again, without a restart."""

from __future__ import annotations

import asyncio
import os
import random
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from dashboard.core.rights import Actor
from dashboard.core.targets import targets_to_dict
from loaders import writes
from loaders.documents import document_history, load_document, save_document
from loaders.targets_store import shipped_targets
from loaders.workspace import effective_table, history, shipped_table

ADMIN = Actor("li", "admin", via="web")
PASSWORD = "Rest4rt-secret"
PG_BINS = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
#: A read or write while the server is down answers within this many seconds.
FAST = 15.0

pytestmark = pytest.mark.skipif(not PG_BINS, reason="PostgreSQL is not installed (initdb)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A throwaway PostgreSQL cluster on 127.0.0.1 run by the ``postgres`` user (when the
    tests run as root, as ``.ci/run`` does), with a role ``atlas`` and a database
    ``atlas`` that has PostGIS."""

    def __init__(self, root: Path) -> None:
        self.root, self.bin = root, PG_BINS[-1].parent
        self.data, self.log, self.port = root / "data", root / "log", _free_port()
        self.user = "postgres" if os.geteuid() == 0 else None

    def _run(self, command: str) -> None:
        argv = ["su", self.user, "-c", command] if self.user else ["bash", "-c", command]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
        if done.returncode:
            log = self.log.read_text("utf-8", "replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{command}: {done.stderr.strip()}\n{log}")

    def init(self) -> None:
        if self.user:
            shutil.chown(self.root, self.user)
        pw = self.root / "pw"
        pw.write_text("superpw\n")
        if self.user:
            shutil.chown(pw, self.user)
        self._run(
            f"{self.bin}/initdb -D {self.data} -U postgres -A scram-sha-256 "
            f"--pwfile={pw} >/dev/null"
        )
        self.start()
        import psycopg

        with psycopg.connect(self.url("postgres", "superpw", "postgres"), autocommit=True) as c:
            c.execute(f"CREATE ROLE atlas LOGIN PASSWORD '{PASSWORD}'")
            c.execute("CREATE DATABASE atlas OWNER atlas")
        with psycopg.connect(self.url("postgres", "superpw", "atlas"), autocommit=True) as c:
            c.execute("CREATE EXTENSION postgis")

    def url(self, user: str = "atlas", password: str = PASSWORD, db: str = "atlas") -> str:
        return f"postgresql://{user}:{password}@127.0.0.1:{self.port}/{db}"

    def masked(self) -> str:
        return f"postgresql://atlas:***@127.0.0.1:{self.port}/atlas"

    def start(self) -> None:
        opts = shlex.quote(f"-h 127.0.0.1 -p {self.port} -k {self.root}")
        self._run(f"{self.bin}/pg_ctl -D {self.data} -l {self.log} -w -o {opts} start >/dev/null")

    def stop(self, mode: str = "immediate") -> None:
        self._run(f"{self.bin}/pg_ctl -D {self.data} -m {mode} -w stop >/dev/null")


@pytest.fixture
def cluster(monkeypatch) -> Iterator[Cluster]:
    """A cluster of this test's own, the store of this process (``EXCHANGE_ATLAS_DB``).

    It lives in a folder of /tmp made for it, not in ``tmp_path``: pytest makes that
    folder's parents readable by root only, and the server runs as ``postgres``."""
    root = Path(tempfile.mkdtemp(prefix="atlas-restart-pg-"))
    c = Cluster(root)
    try:
        c.init()
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        shutil.rmtree(root, ignore_errors=True)
        pytest.skip(f"cannot start a PostgreSQL cluster here: {exc}")
    monkeypatch.setenv("EXCHANGE_ATLAS_DB", c.url())
    try:
        yield c
    finally:
        from loaders.pg.connection import close_pools

        close_pools()
        try:
            c.stop("immediate")
        except RuntimeError:
            pass  # already stopped
        shutil.rmtree(root, ignore_errors=True)


def _rows(n: int, prefix: str) -> pd.DataFrame:
    t = shipped_table("payments")
    t = t[t["adcode"] == "110105"].head(n).reset_index(drop=True)
    t["id"] = [f"{prefix}{i:03d}" for i in range(len(t))]
    return t


def _is_unreachable(text: str, cluster: Cluster) -> None:
    """``text`` is the one clear message: the database named, password masked, down."""
    text = text.replace("\u2060", "").replace("\\", "")  # as the page's Markdown shows it
    assert cluster.masked() in text, text
    assert PASSWORD not in text
    assert "unreachable" in text
    assert "Traceback" not in text


def _timed(fn, *args, **kwargs):
    """``fn(...)``'s DatabaseError and how long it took to come."""
    from loaders.pg.connection import DatabaseError

    t0 = time.monotonic()
    with pytest.raises(DatabaseError) as got:
        fn(*args, **kwargs)
    return str(got.value), time.monotonic() - t0


def test_a_restart_is_one_clear_error_then_the_same_pool_works_again(cluster, tmp_path):
    from loaders.pg import connection

    home = tmp_path / "home"
    writes.import_layer(ADMIN, "payments", _rows(3, "RA"), home=home)
    save_document("targets", targets_to_dict(shipped_targets()), source="before.json")
    assert len(effective_table("payments", home)) == len(shipped_table("payments")) + 3
    pool = connection._pools[cluster.url()]

    cluster.stop("immediate")
    for fn, args in [
        (load_document, ("targets",)),
        (history, ("payments", home)),
        (save_document, ("targets", {"during": True})),
        (writes.import_layer, (ADMIN, "payments", _rows(2, "RB"))),
        (writes.save_targets, (ADMIN, shipped_targets(), home)),
    ]:
        message, took = _timed(fn, *args)
        _is_unreachable(message, cluster)
        assert took < FAST, (fn.__name__, took)

    cluster.start()
    assert connection._pools[cluster.url()] is pool  # the same pool, not a new process
    assert [v.source for v in document_history("targets")] == ["before.json"]  # nothing written
    assert [v.added for v in history("payments", home)] == [3]
    writes.import_layer(ADMIN, "payments", _rows(2, "RC"), home=home)
    save_document("targets", {"after": True}, source="after.json")
    assert load_document("targets") == {"after": True}
    assert [v.added for v in history("payments", home)] == [3, 2]
    assert "RC001" in set(effective_table("payments", home)["id"])
    assert connection._pools[cluster.url()] is pool


def test_a_restart_in_the_middle_of_a_transaction_writes_nothing(cluster):
    """The server killed while a transaction is open: that write is one clear error and
    absent; the next one works."""
    from loaders.pg.connection import DatabaseError, transaction

    save_document("targets", {"n": 1})
    with pytest.raises(DatabaseError) as got:
        with transaction() as conn:
            conn.execute("SELECT 1")
            save_document("targets", {"n": 2})  # inside the same transaction
            cluster.stop("immediate")
            conn.execute("SELECT 1")
    _is_unreachable(str(got.value), cluster)
    cluster.start()
    assert load_document("targets") == {"n": 1}
    save_document("targets", {"n": 3})
    assert load_document("targets") == {"n": 3}


def test_the_cli_while_the_database_is_down_exits_2_with_one_message(cluster, tmp_path):
    exe = shutil.which("exchange-atlas", path=str(Path(sys.executable).parent))
    assert exe is not None
    env = dict(os.environ, EXCHANGE_ATLAS_HOME=str(tmp_path / "home"))
    ok = subprocess.run([exe, "targets", "show"], env=env, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    cluster.stop("immediate")
    for argv in (["store", "status"], ["targets", "show"], ["history", "--layer", "payments"]):
        down = subprocess.run([exe, *argv], env=env, capture_output=True, text=True, timeout=60)
        assert down.returncode == 2, (argv, down.stdout, down.stderr)
        assert len(down.stderr.strip().splitlines()) == 1, down.stderr
        assert cluster.masked() in down.stderr and PASSWORD not in down.stderr
        assert "unreachable" in down.stderr
    cluster.start()
    again = subprocess.run([exe, "targets", "show"], env=env, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr


# --------------------------------------------------------------------------- the app


def _visit(url: str, pages: list[str]):
    """One session (Streamlit's WebSocket protocol) opening ``pages`` in turn; its stats
    (exceptions shown, error alerts whole)."""
    from benchmarks.load import Choice, Session, Stats
    from tests.fixtures import run_in_thread

    stats = Stats()

    class Whole(Session):
        def _element(self, el, data_urls: list[str]) -> None:
            if el.WhichOneof("type") == "alert" and el.alert.format == 1:  # ERROR, untruncated
                self.stats.error_alerts.append(el.alert.body)
                return
            super()._element(el, data_urls)

    async def visit() -> None:
        s = Whole(0, url, Choice("110105", "en", 300), stats, random.Random(1))
        try:
            await s.open(pages[0])
            for page in pages[1:]:
                await s._run("page", s._back(page))
        finally:
            if s.ws is not None:
                await s.ws.close()

    import benchmarks.load as load

    load.CHOICES[:] = []
    run_in_thread(asyncio.run, visit())
    return stats


def test_the_app_shows_a_clear_error_while_the_database_is_down_and_recovers(cluster, tmp_path):
    from benchmarks.load import start_server, stop_server

    home = tmp_path / "home"
    home.mkdir()
    writes.import_layer(ADMIN, "payments", _rows(3, "RA"), home=home)
    from loaders.pg.connection import close_pools

    close_pools()  # the server is its own process with its own pool
    proc, url = start_server(home)  # EXCHANGE_ATLAS_DB comes from this process's environment
    try:
        pages = ["", "data"]
        before = _visit(url, pages)
        assert before.errors == [] and before.error_alerts == [], (
            before.errors,
            before.error_alerts,
        )

        cluster.stop("immediate")
        t0 = time.monotonic()
        down = _visit(url, pages)
        took = time.monotonic() - t0
        assert down.errors == [], down.errors  # no exception, no traceback on the page
        assert len(down.error_alerts) == len(pages), down.error_alerts  # one message a page
        for alert in down.error_alerts:
            _is_unreachable(alert, cluster)
        assert took < 2 * FAST * len(pages), took

        cluster.start()
        after = _visit(url, pages)  # the same server process, not restarted
        assert proc.poll() is None
        assert after.errors == [] and after.error_alerts == [], after
    finally:
        stop_server(proc)


def test_the_server_lost_in_the_middle_of_a_store_copy_leaves_it_empty(cluster, tmp_path):
    """``store copy`` into the cluster, which stops (immediate) while the copy's
    transaction has written: one message, exit 2; started again, the database holds
    nothing of it, and the copy run again goes through."""
    import psycopg

    from loaders.pg import using

    home = tmp_path / "ws"
    with using(None):
        big = pd.concat([shipped_table("payments")] * 150, ignore_index=True)
        big["id"] = [f"K{i}" for i in range(len(big))]
        writes.import_layer(ADMIN, "payments", big, replace=True, home=home)
    exe = shutil.which("exchange-atlas", path=str(Path(sys.executable).parent))
    assert exe is not None
    argv = [exe, "store", "copy", "--to", cluster.url(), "--home", str(home)]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    writing = (
        "SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND "
        "datname = current_database() AND backend_xid IS NOT NULL"
    )
    with psycopg.connect(cluster.url(), autocommit=True) as watch:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            row = watch.execute(writing).fetchone()
            if row and row[0]:
                break
            time.sleep(0.005)
    assert proc.poll() is None, proc.communicate()
    cluster.stop("immediate")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2, (out, err)
    assert len(err.strip().splitlines()) == 1, err
    assert "--to " + cluster.masked() in err and PASSWORD not in err
    assert "unreachable" in err and "nothing was written" in err
    cluster.start()
    with psycopg.connect(cluster.url(), autocommit=True) as conn:
        names = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        assert [r[0] for r in names.fetchall()] == ["spatial_ref_sys"]  # as it was
    again = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
