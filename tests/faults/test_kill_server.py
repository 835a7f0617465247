"""kill -9 of the server (``exchange-atlas run``) while writes happen beside it: an
import, an inspection and a targets save run as their own processes, and a session
reads pages through the server, when the server and the writers are all killed at once
(a seeded moment). On restart the workspace is consistent — each write is whole or
absent — the app serves its pages without an error, and a later write succeeds."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import subprocess
import sys
import time

import pytest

from benchmarks.load import Choice, Session, Stats, start_server, stop_server
from tests.faults.checks import (
    check_document,
    check_inspections,
    check_layer,
    document_state,
    inspections_state,
    layer_state,
)
from tests.faults.conftest import (
    INJECT,
    LAYER,
    NEW_ROWS,
    cli_in_process,
    copy_home,
    env_for,
    require_workspace,
)
from tests.fixtures import run_in_thread

SEED = 20261204
#: Seconds between two writes of one writer (the server keeps some of the CPU).
PAUSE = 0.2
PAGES = ["", "data", "inspect", "progress", "worklist"]


def _pages_ok(url: str) -> Stats:
    """One session opens the Overview, then each page; its figures (errors, leaks)."""
    stats = Stats()

    async def visit() -> None:
        s = Session(0, url, Choice("110105", "en", 300), stats, random.Random(SEED))
        try:
            await s.open("")
            for page in PAGES[1:]:
                await s._run("page", s._back(page))
        finally:
            if s.ws is not None:
                await s.ws.close()

    import benchmarks.load as load

    load.CHOICES[:] = []
    run_in_thread(asyncio.run, visit())  # the browser tests leave a loop running
    return stats


@pytest.mark.parametrize("round_", [0, pytest.param(1, marks=pytest.mark.slow)])
def test_kill_server_and_writers_at_once(store, small_home, tmp_path, round_):
    require_workspace(store)
    home = copy_home(small_home, tmp_path / "home")
    rows = tmp_path / "rows.csv"
    rows.write_text(NEW_ROWS.replace("KX", "KZ"), encoding="utf-8")
    old = layer_state(home, LAYER)
    old_insp = inspections_state(home)

    writers = [  # each in a loop: at the kill, one of its writes is somewhere midway
        ("import", str(rows), "--layer", LAYER, "--crs", "wgs84"),
        ("inspect", "add", "--place", "P0004", "--inspector", "k", "--cash", "refused"),
        ("targets", "set", "city", "--milestone", "2027-06-30=90"),
    ]
    go = tmp_path / "go"
    procs = [  # started first: they import while the server starts, and write once it serves
        subprocess.Popen(
            [sys.executable, str(INJECT), "--loop", str(PAUSE), str(go), *w],  # main(w), again
            env=env_for(home, tmp_path / "tmp"),  # a killed write's temporaries stay here
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for w in writers
    ]
    killed = False
    proc = None
    try:
        proc, url = start_server(home)
        go.touch()
        time.sleep(random.Random(SEED + round_).uniform(1.5, 3.5))
        for p in [proc, *procs]:  # all at once, as a power cut would
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        killed = True
        for p in [proc, *procs]:
            p.wait(30)
    finally:
        if not killed:
            for p in procs:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(p.pid, signal.SIGKILL)
            if proc is not None:
                stop_server(proc)

    # the workspace: each write whole or absent (every import adds 2 rows)
    from loaders import workspace

    now = layer_state(home, LAYER)
    hist = {v.name: v for v in workspace.history(LAYER, home)}
    chain, name = [], now.current
    while name is not None and name != old.current:
        chain.append(name)
        name = hist[name].previous
    assert name == old.current, f"{now.current} does not lead back to {old.current}"
    assert now.rows == old.rows + 2 * len(chain), f"{now.current}: {now.rows} rows"
    # nothing was undone: every version listed was in effect, so it is on that chain
    assert set(hist) == set(chain) | set(old.history), f"never in effect: {set(hist) - set(chain)}"
    assert old.ids <= now.ids
    check_layer(home, LAYER, {"now": now})
    insp = inspections_state(home)
    assert set(old_insp[1]) <= set(insp[1])
    check_inspections(home, {"now": insp})
    targets = document_state("targets", home)
    check_document("targets", home, {"now": targets})
    print(
        f"after the kill: {len(chain)} import(s), {len(insp[1]) - len(old_insp[1])} "
        f"inspection(s) in effect; targets {targets[0]}"
    )

    # restarted: the pages serve, then a later write succeeds and is seen
    proc, url = start_server(home)
    try:
        stats = _pages_ok(url)
        assert stats.errors == [], stats.errors
        assert stats.runs == len(PAGES)
        cli_in_process(home, "import", str(rows), "--layer", LAYER, "--crs", "wgs84")
        assert layer_state(home, LAYER).rows == now.rows + 2
        stats = _pages_ok(url)
        assert stats.errors == [], stats.errors
    finally:
        stop_server(proc)
