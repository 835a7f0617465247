"""The workspace: versions, add/replace, id clashes, undo, history, locking, atomicity."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from dashboard.engine.layers import load_layer
from loaders.importer import ImportOptions, import_file
from loaders.workspace import (
    WorkspaceError,
    commit,
    current_layer_file,
    history,
    layer_lock,
    shipped_table,
    undo,
)

from .conftest import snapshot


def small(tmp_path: Path, ids=("K001", "NEW1"), name="in.csv"):
    p = tmp_path / name
    pd.DataFrame(
        {
            "id": list(ids),
            "name": [f"新场所{i}" for i in range(len(ids))],
            "category": "hotel",
            "lon": [116.40 + i * 0.01 for i in range(len(ids))],
            "lat": [39.91] * len(ids),
        }
    ).to_csv(p, index=False)
    return import_file(p, ImportOptions(layer="key-locations", crs="wgs84")).frame


def test_add_keeps_shipped_rows_and_renames_clashing_ids(store, tmp_path, home):
    shipped = shipped_table("key-locations")
    v, renamed = commit("key-locations", small(tmp_path), home=home, source="in.csv")
    assert renamed == 1
    layer = load_layer("key-locations", home)
    assert len(layer) == len(shipped) + 2
    assert layer["id"].is_unique
    assert "K001~imp1" in set(layer["id"])
    assert v.name == "v0001.parquet" and v.previous is None


def test_replace_undo_and_history(store, tmp_path, home):
    commit("key-locations", small(tmp_path), home=home)
    commit("key-locations", small(tmp_path, ids=("A", "B", "C")), replace=True, home=home)
    assert len(load_layer("key-locations", home)) == 3
    h = history("key-locations", home)
    assert [v.action for v in h] == ["add", "replace"]
    assert [v.current for v in h] == [False, True]
    assert undo("key-locations", home) == "v0001.parquet"
    assert len(load_layer("key-locations", home)) == len(shipped_table("key-locations")) + 2
    assert undo("key-locations", home) is None
    assert current_layer_file("key-locations", home) is None
    with pytest.raises(WorkspaceError, match="nothing to undo"):
        undo("key-locations", home)
    assert len(history("key-locations", home)) == 2  # versions are kept


def test_lock_blocks_a_second_writer(tmp_path, home):
    frame = small(tmp_path)
    before = snapshot(home)
    with layer_lock("key-locations", home):
        with pytest.raises(WorkspaceError, match="locked"):
            commit("key-locations", frame, home=home, lock_timeout=0.3)  # waits, gives up
    # the pid a dead process left in the lock file does not block: only a held lock does
    lock = home / "layers" / "key-locations" / ".lock"
    lock.write_text("999999999")
    commit("key-locations", frame, home=home)
    assert lock.read_text() == str(os.getpid())  # the last holder, for the message
    assert snapshot(home) != before


def test_lock_timeout_is_short(tmp_path, home, monkeypatch):
    import loaders.workspace as ws

    t0 = time.monotonic()
    with ws.layer_lock("events", home):
        with pytest.raises(WorkspaceError):
            with ws.layer_lock("events", home, timeout=0.2):
                pass
    assert time.monotonic() - t0 < 5


CHILD = """
import sys, time
import pandas as pd
from pathlib import Path
import loaders.workspace as ws
real = ws.atomic_write_bytes
def slow(path, data, **kw):
    real(path, data, **kw)
    time.sleep(0.15)   # widen every window between steps
ws.atomic_write_bytes = slow
home = Path(sys.argv[1])
frame = pd.read_parquet(sys.argv[2])
while True:
    ws.commit("key-locations", frame, home=home, replace=True)
"""


def _in_effect_chain(layer: str, home: Path) -> set[str]:
    """The versions from the one in effect back through each record's ``previous``."""
    hist = {v.name: v for v in history(layer, home)}
    chain, name = set(), next((n for n, v in hist.items() if v.current), None)
    while name is not None and name in hist and name not in chain:
        chain.add(name)
        name = hist[name].previous
    return chain


def test_kill_at_any_moment_leaves_a_loadable_layer(store, tmp_path, home):
    """SIGKILL a process that imports in a loop, at many moments: the layer in effect
    always loads and is one complete version (the previous or the new one); the history
    lists only versions that were in effect (nothing is undone here: each is on the chain
    back from the one in effect); the next commit leaves no ``PENDING`` or temporary
    file. (The child's slowed writes once failed at the first commit: the record's write
    passes ``exclusive``.)"""
    frame = small(tmp_path, ids=("A", "B", "C"))
    src = tmp_path / "frame.parquet"
    frame.to_parquet(src)
    commit("key-locations", frame.iloc[:1], home=home, replace=True)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    for delay in (0.9, 1.25, 1.6, 1.95):
        proc = subprocess.Popen([sys.executable, "-c", CHILD, str(home), str(src)], env=env)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        layer = load_layer("key-locations", home)
        assert len(layer) in (1, 3)  # the killed child left its lock file: it needs no clean-up
        listed = {v.name for v in history("key-locations", home)}
        assert listed == _in_effect_chain("key-locations", home), f"killed after {delay} s"
    # no temporary file is ever mistaken for a version
    assert all(v.rows in (1, 3) for v in history("key-locations", home))
    assert len(history("key-locations", home)) > 2, "the killed children committed nothing"
    v, _ = commit("key-locations", frame, home=home, replace=True)
    assert {h.name for h in history("key-locations", home)} == _in_effect_chain(
        "key-locations", home
    )
    if store == "workspace":
        d = home / "layers" / "key-locations"
        left = sorted(p.name for p in d.iterdir() if p.name.startswith(".") or p.name == "PENDING")
        assert left == [".lock"], f"left after the next commit: {left}"
        assert {p.name for p in d.glob("v*.parquet")} == {
            h.name for h in history("key-locations", home)
        }


WRITER = """
import os, sys, time
import pandas as pd
from pathlib import Path
import loaders.workspace as ws
home, src, me, rounds = Path(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
frame = pd.read_parquet(src)
for r in range(rounds):
    (home / f"ready-{r}-{me}").touch()
    while not (home / f"go-{r}").exists():
        time.sleep(0.0005)
    rows = frame.assign(id=[f"{me}-{r}-{i}" for i in range(len(frame))])
    ws.commit("key-locations", rows, home=home, source=f"{me}-{r}", lock_timeout=60)
"""


def test_writers_released_together_lose_no_update(store, tmp_path, home):
    """Six processes commit at the same moment, five rounds: every commit is one version
    and every row of every writer is in the layer (the lock is held by one at a time)."""
    writers, rounds = 6, 5
    frame = small(tmp_path, ids=("A", "B", "C"))
    src = tmp_path / "frame.parquet"
    frame.to_parquet(src)
    home.mkdir(parents=True)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(home), str(src), f"w{k}", str(rounds)], env=env
        )
        for k in range(writers)
    ]
    for r in range(rounds):
        deadline = time.monotonic() + 120
        while len(list(home.glob(f"ready-{r}-*"))) < writers:
            assert time.monotonic() < deadline, "writers did not get ready"
            assert all(p.poll() in (None, 0) for p in procs), "a writer failed"
            time.sleep(0.01)
        (home / f"go-{r}").touch()  # all released together
    assert [p.wait(120) for p in procs] == [0] * writers
    versions = history("key-locations", home)
    assert len(versions) == writers * rounds
    assert [v.number for v in versions] == list(range(1, writers * rounds + 1))
    layer = load_layer("key-locations", home)
    assert len(layer) == len(shipped_table("key-locations")) + writers * rounds * len(frame)
    assert layer["id"].is_unique
    expected = {f"w{k}-{r}-{i}" for k in range(writers) for r in range(rounds) for i in range(3)}
    assert expected <= set(layer["id"])


def test_a_held_lock_is_never_taken_and_a_dead_holders_is_released(tmp_path, home):
    """A live holder keeps the lock whatever the lock file says; once it is killed
    (SIGKILL, no clean-up) the next writer gets the lock at once."""
    home.mkdir(parents=True)
    holder = (
        "import sys, time; from pathlib import Path; import loaders.workspace as ws\n"
        "with ws.layer_lock('key-locations', Path(sys.argv[1])):\n"
        "    (Path(sys.argv[1]) / 'held').touch(); time.sleep(600)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    proc = subprocess.Popen([sys.executable, "-c", holder, str(home)], env=env)
    try:
        deadline = time.monotonic() + 60
        while not (home / "held").exists():
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.02)
        lock = home / "layers" / "key-locations" / ".lock"
        lock.write_text("")  # an empty or unreadable lock file once looked stale
        with pytest.raises(WorkspaceError, match="locked"):
            with layer_lock("key-locations", home, timeout=0.5):
                pass
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    t0 = time.monotonic()
    with layer_lock("key-locations", home, timeout=5):
        pass
    assert time.monotonic() - t0 < 1


def test_a_version_file_is_never_overwritten(tmp_path, home):
    """A commit never replaces an existing version file or record, even one it did not
    write (a stray record, or a number another writer already took)."""
    commit("key-locations", small(tmp_path), home=home)
    d = home / "layers" / "key-locations"
    first = (d / "v0001.parquet").read_bytes()
    (d / "v0002.json").write_text("not mine")  # a record with no version file
    v, _ = commit("key-locations", small(tmp_path, ids=("X",)), home=home)
    assert (d / "v0002.json").read_text() == "not mine"
    assert (d / "v0001.parquet").read_bytes() == first
    assert v.number > 2 and current_layer_file("key-locations", home) == d / v.name
    assert [h.number for h in history("key-locations", home)] == [1, v.number]


def test_a_taken_version_number_fails_cleanly(tmp_path, home, monkeypatch):
    """Should two commits ever choose the same number, the second writes nothing and
    the version in effect stays the first's."""
    import loaders.workspace as ws

    commit("key-locations", small(tmp_path), home=home)
    d = home / "layers" / "key-locations"
    before = snapshot(home)
    monkeypatch.setattr(ws, "_versions", lambda d: [])  # as if v0001 were not seen
    monkeypatch.setattr(ws, "_records", lambda d: [], raising=False)
    with pytest.raises(WorkspaceError, match="v0001"):
        commit("key-locations", small(tmp_path, ids=("X",)), home=home)
    assert snapshot(home) == before
    assert current_layer_file("key-locations", home) == d / "v0001.parquet"


def test_a_current_pointer_to_a_non_version_file_is_ignored(tmp_path, home):
    """A CURRENT naming a file that is not a version (hand-edited, or a path elsewhere)
    neither takes effect nor breaks undo: before, undo died with an AttributeError."""
    commit("key-locations", small(tmp_path), home=home)
    current = current_layer_file("key-locations", home)
    assert current is not None
    d = current.parent
    (d / "notes.txt").write_text("not a layer", encoding="utf-8")
    (d / "CURRENT").write_text("notes.txt", encoding="utf-8")
    assert current_layer_file("key-locations", home) is None  # the shipped data applies
    with pytest.raises(WorkspaceError, match="nothing to undo"):
        undo("key-locations", home)
