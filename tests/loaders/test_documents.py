"""loaders.documents: versioned JSON documents, every change undoable, writers serialised
(on both stores: the ``store`` fixture)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from loaders.documents import (
    document_dir,
    document_history,
    load_document,
    reset_document,
    save_document,
    undo_document,
)
from loaders.workspace import WorkspaceError

ROOT = Path(__file__).resolve().parents[2]


def test_save_reset_undo_and_history(store, tmp_path):
    assert load_document("notes", tmp_path) is None
    save_document("notes", {"a": 1}, tmp_path, "first")
    save_document("notes", {"a": 2}, tmp_path, "second")
    assert load_document("notes", tmp_path) == {"a": 2}
    assert reset_document("notes", tmp_path) == "v0003.json"
    assert load_document("notes", tmp_path) is None
    assert reset_document("notes", tmp_path) is None  # nothing to reset: nothing written
    assert undo_document("notes", tmp_path) == "v0002.json"  # the reset is undone
    assert load_document("notes", tmp_path) == {"a": 2}
    assert undo_document("notes", tmp_path) == "v0001.json"
    assert undo_document("notes", tmp_path) is None  # back to the shipped default
    with pytest.raises(WorkspaceError, match="nothing to undo"):
        undo_document("notes", tmp_path)
    h = document_history("notes", tmp_path)
    assert [v.action for v in h] == ["save", "save", "reset"]
    assert not any(v.current for v in h)


def test_versions_are_write_once_and_a_bad_pointer_is_ignored(tmp_path):
    save_document("notes", {"a": 1}, tmp_path)
    d = document_dir("notes", tmp_path)
    first = (d / "v0001.json").read_bytes()
    save_document("notes", {"a": 2}, tmp_path)
    assert (d / "v0001.json").read_bytes() == first
    (d / "CURRENT").write_text("../../elsewhere.json", encoding="utf-8")
    assert load_document("notes", tmp_path) is None


WRITER = """
import sys
from pathlib import Path
from loaders.documents import save_document
home, who = Path(sys.argv[1]), sys.argv[2]
for i in range(5):
    save_document("notes", {"who": who, "i": i}, home, who)
"""


def test_concurrent_writers_lose_no_version(store, tmp_path):
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), f"w{k}"], cwd=ROOT)
        for k in range(4)
    ]
    assert all(p.wait(timeout=60) == 0 for p in procs)
    h = document_history("notes", tmp_path)
    assert [v.number for v in h] == list(range(1, 21))
    assert sum(v.current for v in h) == 1


def test_the_signature_changes_with_every_version_in_effect(store, tmp_path):
    from loaders.documents import document_signature

    seen = {document_signature("notes", tmp_path)}
    assert seen == {"default"}
    save_document("notes", {"a": 1}, tmp_path)
    seen.add(document_signature("notes", tmp_path))
    save_document("notes", {"a": 2}, tmp_path)
    seen.add(document_signature("notes", tmp_path))
    undo_document("notes", tmp_path)
    back = document_signature("notes", tmp_path)
    assert len(seen) == 3 and back in seen and back != "default"


def test_documents_are_listed_by_prefix(store, tmp_path):
    from loaders.documents import document_names

    assert document_names("", tmp_path) == []
    for name in ("targets", "boundaries/b", "boundaries/a", "boundariesx"):
        save_document(name, {"n": name}, tmp_path)
    save_document("boundaries/c", {"n": "c"}, tmp_path)
    undo_document("boundaries/c", tmp_path)  # no version in effect
    reset_document("boundaries/b", tmp_path)  # a reset is a version in effect
    assert document_names("boundaries/", tmp_path) == ["boundaries/a", "boundaries/b"]
    assert document_names("boundaries/", tmp_path, every=True) == [
        "boundaries/a",
        "boundaries/b",
        "boundaries/c",
    ]
    assert document_names("", tmp_path) == [
        "boundaries/a",
        "boundaries/b",
        "boundariesx",
        "targets",
    ]
