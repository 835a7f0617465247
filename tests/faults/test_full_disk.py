"""A full disk during a write: the workspace on a small tmpfs (a real file system that
fills up), the free space taken by a filler file but for a few pages. The import (an
inspection, a targets save) fails with exit status 2 and one message naming what
happened, the previous version stays in effect, and once space is freed the same write
succeeds. Near the edge (room for the new version file but not for all that follows)
the outcome is one or the other — the new version in effect and exit 0, or the old one
and the message — never a new version in effect behind a failure message."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from tests.faults.checks import (
    check_document,
    check_inspections,
    check_layer,
    document_state,
    inspections_state,
    layer_state,
)
from tests.faults.conftest import (
    LAYER,
    NEW_IDS,
    cli,
    cli_in_process,
    copy_home,
    require_workspace,
)

PAGE = 4096
FULL = "No space left on device"
IMPORT = ("import", "--layer", LAYER, "--crs", "wgs84")


@pytest.fixture
def disk(tmp_path):
    """A 4 MiB tmpfs mounted for the test (root only; skipped where mounting is refused)."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs for the workspace needs root")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mnt)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def fill(mnt: Path, leave: int) -> Path:
    """Take all the free space of ``mnt`` but ``leave`` bytes, with one filler file."""
    st = os.statvfs(mnt)
    free = st.f_bavail * st.f_frsize
    filler = mnt / "filler"
    with open(filler, "wb") as fh:
        fh.write(b"\0" * max(0, free - leave))
    return filler


@pytest.fixture(scope="module")
def new_version_size(small_home: Path, new_rows_csv: Path, tmp_path_factory) -> int:
    """The size of the version file the import makes (the same import, run once in this
    process on a copy of the workspace)."""
    dry = copy_home(small_home, tmp_path_factory.mktemp("dry") / "home")
    cli_in_process(dry, IMPORT[0], str(new_rows_csv), *IMPORT[1:])
    cur = layer_state(dry, LAYER).current
    assert cur is not None
    return (dry / "layers" / LAYER / cur).stat().st_size


def test_full_disk_import_keeps_the_previous_version(
    store, disk, small_home, new_rows_csv, tmp_path
):
    require_workspace(store)
    home = copy_home(small_home, disk / "home")
    old = layer_state(home, LAYER)
    filler = fill(disk, 2 * PAGE)
    run = cli(home, IMPORT[0], str(new_rows_csv), *IMPORT[1:])
    assert run.returncode == 2, run.stderr
    assert FULL in run.stderr and "workspace" in run.stderr, run.stderr
    assert len(run.stderr.strip().splitlines()) == 1, run.stderr  # one message, no traceback
    assert check_layer(home, LAYER, {"old": old}) == "old"
    d = home / "layers" / LAYER
    assert not list(d.glob(".v*")), "temporary files left behind"
    filler.unlink()  # then the same import and an undo succeed (run in this process)
    cli_in_process(home, IMPORT[0], str(new_rows_csv), *IMPORT[1:])
    now = layer_state(home, LAYER)
    assert now.rows == old.rows + len(NEW_IDS)
    cli_in_process(home, "undo", "--layer", LAYER)
    assert layer_state(home, LAYER) == replace(old, history=now.history)  # undone, still listed


@pytest.mark.parametrize("spare_pages", [0, 1, 2])
def test_full_disk_near_the_edge_is_all_or_nothing(
    store, disk, small_home, new_rows_csv, new_version_size, spare_pages
):
    """Room for the new version file plus 0, 1, 2 pages: ``PENDING`` and the version
    file, its record or the new ``CURRENT`` may not fit. A failed import leaves nothing:
    no version file, record, ``PENDING`` or temporary file, and the history unchanged."""
    require_workspace(store)
    size = new_version_size
    home = copy_home(small_home, disk / "home")
    old = layer_state(home, LAYER)
    assert old.current is not None
    audit_before = (home / "audit.jsonl").read_text(encoding="utf-8").splitlines()
    fill(disk, -(-size // PAGE) * PAGE + spare_pages * PAGE)
    run = cli(home, IMPORT[0], str(new_rows_csv), *IMPORT[1:])
    now = layer_state(home, LAYER)
    audit = (home / "audit.jsonl").read_text(encoding="utf-8").splitlines()
    if run.returncode == 0:
        assert now.rows == old.rows + len(NEW_IDS) and now.current != old.current
        assert len(audit) == len(audit_before) + 1 and str(now.current) in audit[-1]
    else:
        assert run.returncode == 2 and FULL in run.stderr, run.stderr
        assert check_layer(home, LAYER, {"old": old}) == "old", (
            f"exit 2 ({run.stderr.strip()}) but {now.current} is in effect"
        )
        assert len(audit) == len(audit_before)
        left = sorted(p.name for p in (home / "layers" / LAYER).iterdir())
        made = [n for n in left if n not in (old.current, f"{old.current[:5]}.json", "CURRENT")]
        assert made == [".lock"], f"a failed import left {made[1:]} behind"


def test_full_disk_inspection_and_targets_keep_the_previous(store, disk, small_home):
    require_workspace(store)
    home = copy_home(small_home, disk / "home")
    insp, targets = inspections_state(home), document_state("targets", home)
    filler = fill(disk, 0)
    add = cli(home, "inspect", "add", "--place", "P0003", "--inspector", "t", "--cash", "accepted")
    assert add.returncode == 2 and FULL in add.stderr, add.stderr
    assert check_inspections(home, {"old": insp}) == "old"
    save = cli(home, "targets", "set", "city", "--milestone", "2027-06-30=85")
    assert save.returncode == 2 and FULL in save.stderr, save.stderr
    assert check_document("targets", home, {"old": targets}) == "old"
    leftovers = [p.name for p in home.rglob(".*") if p.name != ".lock"]
    assert not leftovers, f"temporary files left behind: {leftovers}"
    filler.unlink()  # then the same writes succeed (run in this process)
    cli_in_process(
        home, "inspect", "add", "--place", "P0003", "--inspector", "t", "--cash", "accepted"
    )
    cli_in_process(home, "targets", "set", "city", "--milestone", "2027-06-30=85")
    assert len(inspections_state(home)[1]) == len(insp[1]) + 1
    shutil.rmtree(home, ignore_errors=True)
