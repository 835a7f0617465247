"""The audit log (loaders.audit): append-only JSON Lines, torn lines, concurrent writers
(the store-independent ones on both stores)."""

from __future__ import annotations

import json
import multiprocessing
from datetime import date, datetime, timedelta, timezone

import pytest

from dashboard.core.rights import LOCAL, Actor
from loaders.audit import FIELDS, append, audit_path, creator_of, read_audit

EDITOR = Actor("wang", "editor", ("110105",), via="web")


def test_one_line_per_write_with_every_field(home):
    e = append(home, EDITOR, "import", "payments", "added 3 rows from a.csv", "v0002.parquet")
    lines = audit_path(home).read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    data = json.loads(lines[0])
    assert tuple(data) == FIELDS
    assert data["actor"] == "wang" and data["role"] == "editor" and data["via"] == "web"
    assert data["version"] == "v0002.parquet"
    when = datetime.fromisoformat(data["time"])
    assert when.utcoffset() == timedelta(0)
    assert read_audit(home) == [e]


def test_an_absent_log_is_empty(store, home):
    assert read_audit(home) == []
    assert creator_of(home, ("import",), "payments", "v0001.parquet") is None


def test_detail_is_one_short_line(home):
    e = append(home, LOCAL, "targets_save", "targets", "a\nb\x00c" + "x" * 2000)
    assert "\n" not in e.detail and "\x00" not in e.detail and len(e.detail) <= 500
    assert len(audit_path(home).read_bytes().splitlines()) == 1


def test_a_torn_last_line_is_skipped_and_the_next_entry_is_whole(home, caplog):
    append(home, LOCAL, "import", "payments", version="v0001.parquet")
    with audit_path(home).open("ab") as fh:  # a crash mid-append
        fh.write(b'{"time": "2025-01-01T00:00:00+00:00", "actor": "x", "ro')
    entries = read_audit(home)
    assert [e.version for e in entries] == ["v0001.parquet"]
    assert "skipped" in caplog.text
    append(home, LOCAL, "import", "payments", version="v0002.parquet")
    assert [e.version for e in read_audit(home)] == ["v0001.parquet", "v0002.parquet"]


def test_filters_since_actor_action_limit(store, home):
    for i in range(5):
        append(home, EDITOR if i % 2 else LOCAL, "standards_save", "standards", version=str(i))
    append(home, LOCAL, "import", "payments", version="v0001.parquet")
    assert len(read_audit(home)) == 6
    assert [e.version for e in read_audit(home, actor="wang")] == ["1", "3"]
    assert len(read_audit(home, action="standards")) == 5
    assert len(read_audit(home, action="standards_save")) == 5
    assert [e.action for e in read_audit(home, action="import")] == ["import"]
    assert [e.version for e in read_audit(home, limit=2)] == ["4", "v0001.parquet"]
    assert read_audit(home, limit=0) == []
    tomorrow = date.today() + timedelta(days=2)
    assert read_audit(home, since=tomorrow) == []
    assert len(read_audit(home, since=date(2000, 1, 1))) == 6
    assert len(read_audit(home, since="2000-01-01")) == 6
    assert len(read_audit(home, since=datetime(2000, 1, 1, tzinfo=timezone.utc))) == 6
    with pytest.raises(ValueError):
        read_audit(home, since="yesterday")


def test_creator_of_the_version_in_effect(store, home):
    append(home, EDITOR, "import", "payments", version="v0001.parquet")
    append(home, LOCAL, "import", "venues", version="v0001.parquet")
    append(home, LOCAL, "undo_layer", "payments", version="v0001.parquet")
    assert creator_of(home, ("import", "replace"), "payments", "v0001.parquet") == "wang"
    assert creator_of(home, ("import", "replace"), "venues", "v0001.parquet") == "local"
    assert creator_of(home, ("import",), "payments", "v0002.parquet") is None


def _writer(home: str, k: int, n: int) -> None:
    from pathlib import Path

    actor = Actor(f"p{k}", "admin", via="cli")
    for i in range(n):
        append(Path(home), actor, "import", "payments", f"entry {i}", f"{k}-{i}")


def test_concurrent_appends_from_four_processes_are_all_present(store, home):
    home.mkdir(parents=True)
    ctx = multiprocessing.get_context("spawn")
    n = 40
    procs = [ctx.Process(target=_writer, args=(str(home), k, n)) for k in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    if store == "workspace":
        lines = audit_path(home).read_bytes().splitlines()
        assert len(lines) == 4 * n
        assert all(json.loads(line) for line in lines)  # none interleaved
    assert len(read_audit(home)) == 4 * n
    versions = {e.version for e in read_audit(home)}
    assert versions == {f"{k}-{i}" for k in range(4) for i in range(n)}
