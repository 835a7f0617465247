"""kill -9 of ``exchange-atlas inspect add`` and ``exchange-atlas targets set`` at each step
of their write (the batch or version file, its record, the new ``CURRENT``, the switch):
the inspections and the targets in effect are the old or the new, whole; the history
reads; undo works; the lock is free; a later write succeeds (the undo and the later write
are the same commands run in the test's process: no process start each)."""

from __future__ import annotations

from tests.faults.checks import (
    check_document,
    check_inspections,
    document_state,
    inspections_state,
)
from tests.faults.conftest import (
    cli_in_process,
    copy_home,
    finish,
    in_parallel,
    injected,
    require_workspace,
    step_of,
    trace_steps,
)

INSPECT = ("inspect", "add", "--place", "P0002", "--inspector", "fault", "--cash", "refused")
TARGETS = ("targets", "set", "city", "--milestone", "2027-06-30=85")


def _kills(base, args, tmp_path, moments: dict[str, int]):
    homes = {w: copy_home(base, tmp_path / f"k{i}") for i, w in enumerate(moments)}
    starts = [(lambda h=homes[w], at=at: injected(h, args, at=at)) for w, at in moments.items()]
    runs = dict(zip(moments, in_parallel(starts), strict=True))
    for what, r in runs.items():
        assert r.killed, f"{what}: not killed, exit {r.returncode}: {r.stderr[-500:]}"
    return homes


def _dry(base, args, tmp_path):
    dry = copy_home(base, tmp_path / "dry")
    trace = tmp_path / "trace.tsv"
    (run,) = finish([injected(dry, args, trace=trace)])
    assert run.returncode == 0, run.stderr
    return dry, trace_steps(trace)


def test_kill_inspection_add_at_each_step(store, small_home, tmp_path):
    require_workspace(store)
    dry, steps = _dry(small_home, INSPECT, tmp_path)
    allowed = {"old": inspections_state(small_home), "new": inspections_state(dry)}
    assert len(allowed["new"][1]) == len(allowed["old"][1]) + 1
    switch = step_of(steps, "os.rename", "CURRENT")
    moments = {
        "the batch file": step_of(steps, "os.link", "b000002.parquet"),
        "its record": step_of(steps, "os.link", "b000002.json"),
        "just before the switch": switch,
        "just after the switch": switch + 1,
    }
    homes = _kills(small_home, INSPECT, tmp_path, moments)
    for what, at in moments.items():
        got = check_inspections(homes[what], allowed)
        assert got == ("old" if at <= switch else "new"), f"killed at {what}: {got}"
    # undo and a later add (the same commands, run in this process), after a kill on
    # either side of the switch
    for what in ("just before the switch", "just after the switch"):
        home = homes[what]
        before = inspections_state(home)
        cli_in_process(home, "inspect", "undo")
        assert len(inspections_state(home)[1]) == len(before[1]) - 1
        cli_in_process(home, *INSPECT)
        assert len(inspections_state(home)[1]) == len(before[1])


def test_kill_targets_save_at_each_step(store, small_home, tmp_path):
    require_workspace(store)
    dry, steps = _dry(small_home, TARGETS, tmp_path)
    allowed = {
        "old": document_state("targets", small_home),
        "new": document_state("targets", dry),
    }
    assert allowed["old"] != allowed["new"]
    switch = step_of(steps, "os.rename", "CURRENT")
    moments = {
        "the version file": step_of(steps, "os.link", "v0002.json"),
        "just before the switch": switch,
        "just after the switch": switch + 1,
    }
    homes = _kills(small_home, TARGETS, tmp_path, moments)
    for what, at in moments.items():
        got = check_document("targets", homes[what], allowed)
        assert got == ("old" if at <= switch else "new"), f"killed at {what}: {got}"
    home = homes["just after the switch"]
    cli_in_process(home, "targets", "undo")
    assert document_state("targets", home) == allowed["old"]
    cli_in_process(home, *TARGETS)
    assert document_state("targets", home)[1] == allowed["new"][1]
