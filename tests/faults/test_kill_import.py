"""kill -9 of ``exchange-atlas import`` at chosen and at random moments.

The precise moments come from a dry run of the same import through ``inject.py``: every
file-system step the import makes in the workspace, numbered. The test kills a fresh copy
of the workspace at each named step of the commit (inside the writing of the new version
file, its hard link into place, its record, the new ``CURRENT`` and its rename — the
switch — and the steps after it) and at seeded random steps; and, separately, kills the
real console script after seeded random delays. After each kill the layer must be the old
version or the new one, whole, never anything else; before the switch it must be the old,
and the history must list only versions that were in effect (not the killed one); after
it, the new version's creator must be known (an editor can undo their own import) even
without its audit entry. Then undo works, the lock is free, a later import succeeds and
leaves no temporary file, ``PENDING`` or unlisted version file of the killed import.
"""

from __future__ import annotations

import random
import signal
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest

from loaders import writes
from tests.faults.checks import (
    CHECKER,
    check_layer,
    check_no_leftovers,
    layer_state,
    undo_and_import_again,
)
from tests.faults.conftest import (
    LAYER,
    NEW_IDS,
    NEW_ROWS,
    cli_in_process,
    copy_home,
    env_for,
    exe,
    finish,
    in_parallel,
    injected,
    require_workspace,
    step_of,
    tmpdir_for,
    trace_steps,
)

SEED = 20261203
#: Bytes of the temporary version file written when the "inside the writing" kill comes.
MID = 64 * 1024
#: Kills after which undo and a later import are tried too (the others: the state only).
FOLLOWED = ("inside the version file's writing", "just before the switch", "just after the switch")
#: Kills after which the next write is an import (no undo first): it clears the leftovers.
IMPORTED_AFTER = ("the version file complete, before fsync", "the new CURRENT written")
#: Seeded random steps killed besides the named ones (these cover each kind of step; the
#: others are opens and fsyncs of the same files, before the switch or after it).
SEEDED = 1
IMPORT = ("import", "--layer", LAYER, "--crs", "wgs84")


def _later_rows() -> pd.DataFrame:
    from io import StringIO

    rows = pd.read_csv(StringIO(NEW_ROWS), dtype=str)
    rows["id"] = ["KY1", "KY2"]
    return rows


def _states(base: Path, done: Path):
    """The old state (the base) and the new one (the dry run's result)."""
    return {"old": layer_state(base, LAYER), "new": layer_state(done, LAYER)}


def test_kill_import_at_each_step_of_the_commit(store, big_home, new_rows_csv, tmp_path):
    require_workspace(store)
    args = (*IMPORT[:1], str(new_rows_csv), *IMPORT[1:])
    dry = copy_home(big_home, tmp_path / "dry")
    trace = tmp_path / "trace.tsv"
    (run,) = finish([injected(dry, args, trace=trace)])
    assert run.returncode == 0, run.stderr
    steps = trace_steps(trace)
    allowed = _states(big_home, dry)
    assert allowed["new"].ids == allowed["old"].ids | set(NEW_IDS)
    assert allowed["new"].history == (*allowed["old"].history, "v0002.parquet")
    creator = writes.layer_creator(LAYER, dry)
    assert creator is not None and creator.startswith("cli:")

    switch = step_of(steps, "os.rename", "CURRENT")
    named = {
        "the new version named in PENDING": (step_of(steps, "os.rename", "PENDING"), 0),
        # the step that creates the temporary version file; killed once it holds 64 KiB
        "inside the version file's writing": (step_of(steps, "open", ".v0002"), MID),
        "the version file complete, before fsync": (step_of(steps, "open", ".v0002") + 1, 0),
        "its link into place": (step_of(steps, "os.link", "v0002.parquet"), 0),
        "its record": (step_of(steps, "os.link", "v0002.json"), 0),
        "the new CURRENT written": (step_of(steps, "tempfile.mkstemp", ".CURRENT"), 0),
        "just before the switch": (switch, 0),
        "just after the switch": (switch + 1, 0),
        "the audit entry": (step_of(steps, "open", "audit.jsonl"), 0),
    }
    rest = sorted(set(range(1, len(steps) + 1)) - {at for at, _ in named.values()})
    for at in random.Random(SEED).sample(rest, SEEDED):
        named[f"seeded step {at} ({steps[at - 1][1]} {steps[at - 1][2]})"] = (at, 0)

    homes = {what: copy_home(big_home, tmp_path / f"k{i}") for i, what in enumerate(named)}
    starts = [
        (lambda h=homes[w], at=at, b=b: injected(h, args, at=at, at_bytes=b))
        for w, (at, b) in named.items()
    ]
    runs = dict(zip(named, in_parallel(starts), strict=True))
    for what, (at, _ms) in named.items():
        home, r = homes[what], runs[what]
        assert r.killed, f"{what} (step {at}): not killed, exit {r.returncode}: {r.stderr[-500:]}"
        got = check_layer(home, LAYER, allowed)  # the history too: no never-current version
        want = "old" if at <= switch else "new"
        assert got == want, f"killed at {what} (step {at}): the {got} version in effect"
        if got == "new":  # in effect: its creator known, with or without its audit entry
            assert writes.layer_creator(LAYER, home) == creator, f"killed at {what}"
        if what == "inside the version file's writing":
            d = home / "layers" / LAYER
            whole = (dry / "layers" / LAYER / "v0002.parquet").stat().st_size
            partial = [p.stat().st_size for p in d.glob(".v0002.parquet.*")]
            assert partial and 0 < partial[0] < whole, (
                f"the kill did not land inside the version file's writing: {partial} of {whole}"
            )
            assert not (d / "v0002.parquet").exists()
        if what in FOLLOWED:
            undo_and_import_again(home, LAYER, NEW_IDS, _later_rows())
        if what in IMPORTED_AFTER:
            version, _ = writes.import_layer(CHECKER, LAYER, _later_rows(), home=home)
            assert layer_state(home, LAYER).current == version.name
            check_no_leftovers(home, LAYER)
    # the killed imports' temporary files are in the test's directory (TMPDIR), not /tmp
    assert list(tmp_path.glob("k*-tmp/exchange-atlas-*")), "no killed import's temporary dir"


@pytest.mark.parametrize(
    "count", [2, pytest.param(8, marks=pytest.mark.slow)], ids=["2-moments", "8-moments"]
)
def test_kill_import_at_random_times(store, big_home, new_rows_csv, tmp_path, count):
    """The real console script, killed after seeded random delays (some whole imports
    finish first: then the new version must be whole and in effect)."""
    require_workspace(store)
    rng = random.Random(SEED + count)
    delays = sorted(rng.uniform(0.3, 1.8) for _ in range(count))
    allowed = {"old": layer_state(big_home, LAYER)}
    outcomes = []
    for i in range(0, len(delays), 2):  # two at a time: the machine has two cores
        procs = []
        for k, delay in enumerate(delays[i : i + 2]):
            home = copy_home(big_home, tmp_path / f"t{i + k}")
            argv = [exe(), "import", str(new_rows_csv), "--layer", LAYER, "--crs", "wgs84"]
            if (i + k) % 2:
                argv += ["--chunk-rows", "1"]  # the streamed import's commit
            p = subprocess.Popen(
                argv,
                env=env_for(home, tmpdir_for(home)),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            procs.append((home, delay, p))
        t0 = time.monotonic()
        for home, delay, p in procs:
            time.sleep(max(0.0, t0 + delay - time.monotonic()))
            if p.poll() is None:
                p.send_signal(signal.SIGKILL)
            _, err = p.communicate(timeout=60)
            assert p.returncode in (0, -signal.SIGKILL), f"exit {p.returncode}: {err[-2000:]}"
            new = layer_state(home, LAYER)
            allowed_here = dict(allowed)
            if new.current is not None and new.current != allowed["old"].current:
                allowed_here["new"] = new  # must be whole: the base plus the two rows
                assert new.ids == allowed["old"].ids | set(NEW_IDS)
            outcomes.append((delay, p.returncode, check_layer(home, LAYER, allowed_here)))
            cli_in_process(home, "import", str(new_rows_csv), "--layer", LAYER, "--crs", "wgs84")
            check_no_leftovers(home, LAYER)  # the later import (in this process) cleared all
            after = layer_state(home, LAYER)
            assert after.rows == layer_state_rows(allowed_here, outcomes[-1][2]) + len(NEW_IDS)
    print("kill after s, exit, version in effect:", outcomes)


def layer_state_rows(allowed: dict, key: str) -> int:
    return allowed[key].rows
