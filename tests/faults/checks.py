"""What a store must look like after a fault: one whole version in effect (the old or
the new), a history whose every version reads whole, undo working, no lock left held."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq

from dashboard.core.rights import Actor

CHECKER = Actor("test:faults", "admin", via="cli")


@dataclass(frozen=True)
class LayerState:
    """A layer as the app reads it: the version in effect, its rows and ids, and the
    versions its history lists (so a state with a listed version that was never in
    effect is none of the allowed ones)."""

    current: str | None
    rows: int
    ids: frozenset[str]
    history: tuple[str, ...] = ()


def layer_state(home: Path, layer: str) -> LayerState:
    """The layer in effect, read by the app's own reader (``engine.layers.load_layer``)."""
    from dashboard.engine.layers import load_layer
    from loaders import workspace

    cur = workspace.current_layer_file(layer, home)
    frame = load_layer(layer, home)
    listed = tuple(v.name for v in workspace.history(layer, home))
    return LayerState(
        cur.name if cur else None, len(frame), frozenset(frame["id"].astype(str)), listed
    )


def check_no_leftovers(home: Path, layer: str) -> None:
    """After a commit that followed a fault: no temporary file of the layer's writers,
    no ``PENDING``, and every version file on disk is one the history lists."""
    from loaders import workspace

    d = workspace.layer_dir(layer, home)
    temporaries = sorted(
        p.name for p in d.iterdir() if p.name.startswith(".") and p.name != ".lock"
    )
    assert not temporaries, f"stale temporary files after the next commit: {temporaries}"
    assert not (d / "PENDING").exists(), "PENDING left after the next commit"
    listed = {v.name for v in workspace.history(layer, home)}
    on_disk = {p.name for p in d.glob("v*.parquet")}
    assert on_disk == listed, f"version files never in effect: {sorted(on_disk - listed)}"


def check_pointer(d: Path, pattern: str) -> str | None:
    """``CURRENT`` of directory ``d`` is absent or names, whole, a file that exists."""
    cur = d / "CURRENT"
    if not cur.exists():
        return None
    name = cur.read_text(encoding="utf-8")
    assert re.fullmatch(pattern, name), f"{cur} holds {name!r}: not a version's name"
    assert (d / name).is_file(), f"{cur} names {name}, which does not exist"
    return name


def check_layer(home: Path, layer: str, allowed: dict[str, LayerState]) -> str:
    """Assert the layer is in one of the ``allowed`` states, whole; return its key.

    Also: ``CURRENT`` names a version file and its record; every version the history
    lists reads whole with the rows its record gives; the layer's lock is free."""
    from loaders import workspace

    d = workspace.layer_dir(layer, home)
    name = check_pointer(d, r"v\d{4,}\.parquet")
    if name is not None:
        assert (d / name).with_suffix(".json").is_file(), f"{name} in effect without its record"
    state = layer_state(home, layer)
    match = [k for k, s in allowed.items() if s == state]
    assert match, (
        f"{layer}: {state.current} with {state.rows} rows, history {state.history}, is none "
        "of the allowed states "
        + ", ".join(f"{k}={s.current}/{s.rows}/{s.history}" for k, s in allowed.items())
    )
    hist = workspace.history(layer, home)
    assert [v.name for v in hist if v.current] == ([name] if name else [])
    for v in hist:
        meta = pq.read_metadata(d / v.name)  # a listed version is never partial
        assert meta.num_rows == v.rows, f"{v.name}: {meta.num_rows} rows, its record {v.rows}"
    with workspace.layer_lock(layer, home, timeout=1.0):
        pass
    return match[0]


def undo_and_import_again(home: Path, layer: str, frame_ids: tuple[str, ...], rows) -> None:
    """Undo works (the version before comes back), and a later import succeeds on top,
    leaving nothing of the fault behind (:func:`check_no_leftovers`)."""
    from loaders import workspace, writes

    hist = {v.name: v for v in workspace.history(layer, home)}
    before = layer_state(home, layer)
    assert before.current is not None
    previous = hist[before.current].previous
    back = writes.undo_layer(CHECKER, layer, home)
    assert back == previous
    after_undo = layer_state(home, layer)
    assert after_undo.current == previous
    version, _ = writes.import_layer(CHECKER, layer, rows, home=home, source="after the fault")
    now = layer_state(home, layer)
    assert now.current == version.name
    assert now.rows == after_undo.rows + len(rows)
    taken = [int(v.name[1:5]) for v in workspace.history(layer, home)]
    assert version.number == max(taken)
    check_no_leftovers(home, layer)


def inspections_state(home: Path) -> tuple[int | None, tuple[str, ...]]:
    """The latest batch in effect and the ids of every inspection in effect."""
    from loaders import inspections_store

    batches = inspections_store.inspections_history(home)
    cur = next((b.number for b in batches if b.current), None)
    ids = tuple(inspections_store.load_inspections(home)["id"].astype(str))
    return cur, ids


def check_inspections(home: Path, allowed: dict[str, tuple[int | None, tuple[str, ...]]]) -> str:
    from loaders import inspections_store
    from loaders.workspace import dir_lock

    d = inspections_store.inspections_dir(home)
    check_pointer(d, r"b\d{6,}\.parquet")
    state = inspections_state(home)
    match = [k for k, s in allowed.items() if s == state]
    assert match, f"inspections: batch {state[0]} with {len(state[1])} rows is not allowed"
    for b in inspections_store.inspections_history(home):
        assert pq.read_metadata(d / f"b{b.number:06d}.parquet").num_rows == b.rows
    with dir_lock(d, "the inspections", timeout=1.0):
        pass
    return match[0]


def document_state(name: str, home: Path) -> tuple[str | None, object]:
    from loaders import documents

    cur = next((v.name for v in documents.document_history(name, home) if v.current), None)
    return cur, documents.load_document(name, home)


def check_document(name: str, home: Path, allowed: dict[str, tuple[str | None, object]]) -> str:
    from loaders import documents
    from loaders.workspace import dir_lock

    d = documents.document_dir(name, home)
    check_pointer(d, r"v\d{4,}\.json")
    state = document_state(name, home)
    match = [k for k, s in allowed.items() if s == state]
    assert match, f"{name}: version {state[0]} is none of the allowed"
    with dir_lock(d, f"the {name}", timeout=1.0):
        pass
    return match[0]
