"""Fault tests: real processes killed with SIGKILL, a real full disk (a small tmpfs).

Every write here is made by a real ``exchange-atlas`` process (the console script, or
``tests/faults/inject.py``, which runs the same ``dashboard.cli.main`` in a process forked
from one that imported it once, and kills itself at a chosen file-system step); every
check reads the store through the app's own functions. Undo and the writes after a fault
run the same commands in the test's own process where no process start is needed.
The tests take the ``store`` fixture of ``tests/conftest.py``; their kill moments are the
workspace store's file-system steps, so the PostgreSQL case skips here: that store's kills
(a transaction killed while it writes) are ``test_kill_pg.py``, its restarts
``test_db_restart.py``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
INJECT = Path(__file__).with_name("inject.py")
LAYER = "payments"
#: Two new payment points (WGS-84) that an import adds.
NEW_ROWS = (
    "id,name_en,name_zh,category,adcode,lon,lat,capabilities,in_service_date\n"
    "KX1,Fault ATM 1,测试一,foreign_card_atm,110105,116.45,39.92,atm_withdrawal;cash,2024-01-01\n"
    "KX2,Fault ATM 2,测试二,foreign_card_atm,110105,116.451,39.921,atm_withdrawal;cash,2024-01-01\n"
)
NEW_IDS = ("KX1", "KX2")


def exe() -> str:
    found = shutil.which("exchange-atlas", path=str(Path(sys.executable).parent))
    return found or "exchange-atlas"


def env_for(home: Path, tmpdir: Path | None = None, **extra: str) -> dict[str, str]:
    """The environment of a command on workspace ``home``; with ``tmpdir`` its temporary
    files (``tempfile``: TMPDIR) go there, so a killed command's stay in the test's
    ``tmp_path`` instead of ``/tmp``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATLAS_KILL_")}
    env.pop("EXCHANGE_ATLAS_DB", None)  # the workspace case (the store fixture's)
    env["EXCHANGE_ATLAS_HOME"] = str(home)
    if tmpdir is not None:
        tmpdir.mkdir(parents=True, exist_ok=True)
        env["TMPDIR"] = str(tmpdir)
    env.update(extra)
    return env


def tmpdir_for(home: Path) -> Path:
    """The temporary directory of commands on ``home``: beside it (files inside the
    workspace would be steps ``inject.py`` counts), in the test's ``tmp_path``."""
    return home.parent / f"{home.name}-tmp"


@dataclass
class Run:
    """One command run: its exit status (-9: killed) and output."""

    returncode: int
    stdout: str
    stderr: str

    @property
    def killed(self) -> bool:
        return self.returncode == -signal.SIGKILL


def cli(home: Path, *args: str, timeout: float = 120) -> Run:
    """``exchange-atlas ARGS`` on workspace ``home``, to the end."""
    done = subprocess.run(
        [exe(), *args], env=env_for(home), capture_output=True, text=True, timeout=timeout
    )
    return Run(done.returncode, done.stdout, done.stderr)


@dataclass(frozen=True)
class Injected:
    """``exchange-atlas ARGS`` through ``inject.py``, to be run (:func:`finish`)."""

    argv: tuple[str, ...]
    env: dict[str, str]
    out: Path


def injected(
    home: Path,
    args: Sequence[str],
    at: int = 0,
    after_ms: float = 0,
    trace: Path | None = None,
    at_bytes: int = 0,
) -> Injected:
    """``exchange-atlas ARGS`` through ``inject.py``: killed at step ``at`` (or
    ``after_ms`` later, or once that step's file holds ``at_bytes``)."""
    extra = {
        "ATLAS_KILL_AT": str(at),
        "ATLAS_KILL_AFTER_MS": str(after_ms),
        "ATLAS_KILL_AT_BYTES": str(at_bytes),
    }
    if trace is not None:
        extra["ATLAS_KILL_TRACE"] = str(trace)
    tmp = tmpdir_for(home)
    return Injected(tuple(args), env_for(home, tmp, **extra), tmp)


class _Server:
    """``inject.py --serve``, started on first use and stopped at the session's end: it
    forks each command from one process that imported the CLI once."""

    proc: subprocess.Popen | None = None

    @classmethod
    def run(cls, jobs: Sequence[Injected], timeout: float) -> list[int]:
        if cls.proc is None or cls.proc.poll() is not None:
            env = {k: v for k, v in os.environ.items() if not k.startswith("ATLAS_KILL_")}
            env.pop("EXCHANGE_ATLAS_DB", None)
            cls.proc = subprocess.Popen(
                [sys.executable, str(INJECT), "--serve"],
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
        proc = cls.proc
        assert proc.stdin is not None and proc.stdout is not None
        request = [
            {
                "argv": list(j.argv),
                "env": j.env,
                "stdout": str(j.out / "stdout"),
                "stderr": str(j.out / "stderr"),
            }
            for j in jobs
        ]
        proc.stdin.write(json.dumps(request) + "\n")
        proc.stdin.flush()
        timer = threading.Timer(timeout, proc.kill)  # a hung command fails the test
        timer.start()
        try:
            line = proc.stdout.readline()
        finally:
            timer.cancel()
        assert line, "inject.py --serve stopped"
        return json.loads(line)

    @classmethod
    def stop(cls) -> None:
        if cls.proc is not None and cls.proc.poll() is None:
            assert cls.proc.stdin is not None
            cls.proc.stdin.close()
            cls.proc.wait(30)
        cls.proc = None


@pytest.fixture(scope="session", autouse=True)
def _stop_inject_server() -> Iterator[None]:
    yield
    _Server.stop()


def finish(jobs: Iterable[Injected], timeout: float = 120) -> list[Run]:
    """Run ``jobs`` at once (each forked by ``inject.py --serve``) to their ends."""
    jobs = list(jobs)
    for j in jobs:
        j.out.mkdir(parents=True, exist_ok=True)
    codes = _Server.run(jobs, timeout)
    return [
        Run(
            code,
            (j.out / "stdout").read_text(encoding="utf-8", errors="replace"),
            (j.out / "stderr").read_text(encoding="utf-8", errors="replace"),
        )
        for j, code in zip(jobs, codes, strict=True)
    ]


def in_parallel(starts: Sequence, width: int = 2) -> list[Run]:
    """Run the thunks ``starts`` (each returns an :class:`Injected`), ``width`` at a time."""
    runs: list[Run] = []
    for i in range(0, len(starts), width):
        runs += finish([s() for s in starts[i : i + width]])
    return runs


def trace_steps(path: Path) -> list[tuple[int, str, str]]:
    """The steps ``inject.py`` listed: (number, event, path relative to the workspace)."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        n, event, rel = line.split("\t")
        rows.append((int(n), event, rel))
    return rows


def step_of(steps: list[tuple[int, str, str]], event: str, name_start: str) -> int:
    """The first step ``event`` on a file whose name starts with ``name_start``."""
    for n, e, rel in steps:
        if e == event and Path(rel).name.startswith(name_start):
            return n
    raise AssertionError(f"no {event} of {name_start}* in the trace: {steps}")


def copy_home(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, symlinks=True)
    return dst


def require_workspace(store: str) -> None:
    if store != "workspace":
        pytest.skip(
            "kill moments at the workspace store's file-system steps; the PostgreSQL store's "
            "kills are tests/faults/test_kill_pg.py"
        )


def wait_until(pred, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.fixture(scope="session")
def new_rows_csv(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("rows") / "two.csv"
    path.write_text(NEW_ROWS, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def big_home(tmp_path_factory) -> Path:
    """A workspace whose payments layer has one version of 40,000 points (a version
    file of ~2.5 MB, so a kill can land inside its writing) and 1,000 key locations."""
    sys.path.insert(0, str(ROOT))
    from benchmarks.citygen import build_city

    home = tmp_path_factory.mktemp("big") / "home"
    build_city(home, 1000, 40_000, seed=3)
    return home


def cli_in_process(home: Path, *args: str) -> None:
    """``exchange-atlas ARGS`` on workspace ``home`` run by ``dashboard.cli.main`` in this
    process (the same commands and writes as the console script, without a process
    start): the workspace store whatever ``$EXCHANGE_ATLAS_DB`` says."""
    from contextlib import redirect_stdout
    from io import StringIO

    from dashboard.cli.main import main
    from loaders.pg import using

    before = os.environ.get("EXCHANGE_ATLAS_HOME")
    os.environ["EXCHANGE_ATLAS_HOME"] = str(home)
    try:
        with using(None), redirect_stdout(StringIO()):
            code = main(list(args))
    finally:
        if before is None:
            os.environ.pop("EXCHANGE_ATLAS_HOME", None)
        else:
            os.environ["EXCHANGE_ATLAS_HOME"] = before
    assert code == 0, f"exchange-atlas {' '.join(args)}: exit {code}"


@pytest.fixture(scope="session")
def small_home(tmp_path_factory, new_rows_csv) -> Path:
    """A workspace on the shipped data with one import, one inspection and one targets
    version already stored (each fault then has an old state to keep). Built once, in
    this process; read-only: every test works on a copy (:func:`copy_home`)."""
    home = tmp_path_factory.mktemp("small") / "home"
    home.mkdir()
    for args in (
        ("import", str(new_rows_csv), "--layer", LAYER, "--crs", "wgs84"),
        ("inspect", "add", "--place", "P0001", "--inspector", "base", "--cash", "accepted"),
        ("targets", "set", "city", "--milestone", "2026-12-31=70"),
    ):
        cli_in_process(home, *args)
    return home
