"""``exchange-atlas audit``: every CLI write is logged; filters, table and JSON."""

from __future__ import annotations

import io
import json
import sys

import pytest

from dashboard.cli import main
from tests.cli.test_importing import export_file

KEYS = ["time", "actor", "role", "via", "action", "target", "version", "detail"]


def audit_json(capsys, *argv: str) -> list[dict]:
    capsys.readouterr()
    assert main(["audit", "--json", *argv]) == 0
    return json.loads(capsys.readouterr().out)


def test_cli_writes_are_logged_and_listed(tmp_path, home, capsys, monkeypatch):
    src = export_file(tmp_path, n=5)
    assert main(["import", str(src), "--layer", "key-locations", "--set", "category=hotel"]) == 0
    assert main(["standards", "set", "hotel", "--radius", "350"]) == 0
    assert main(["targets", "set", "Chaoyang", "--milestone", "2026-12-31=80"]) == 0
    assert main(["targets", "undo"]) == 0
    assert main(["undo", "--layer", "key-locations"]) == 0
    monkeypatch.setattr(sys, "stdin", io.StringIO("S3cret-pass\n"))
    assert main(["users", "add", "zhao", "--role", "viewer", "--password-stdin"]) == 0
    rows = audit_json(capsys)
    assert [r["action"] for r in rows] == [
        "import",
        "standards_save",
        "targets_save",
        "targets_undo",
        "undo_layer",
        "users_add",
    ]
    assert all(list(r) == KEYS for r in rows)
    assert all(r["actor"].startswith("cli:") and r["role"] == "admin" for r in rows)
    assert rows[0]["target"] == "key-locations" and rows[0]["version"] == "v0001.parquet"
    assert "amap.csv" in rows[0]["detail"]
    assert rows[1]["version"] == "v0001.json" and rows[2]["version"] == "v0001.json"
    actor = rows[0]["actor"]
    assert len(audit_json(capsys, "--actor", actor)) == 6
    assert audit_json(capsys, "--actor", "nobody") == []
    assert [r["action"] for r in audit_json(capsys, "--action", "targets")] == [
        "targets_save",
        "targets_undo",
    ]
    assert [r["action"] for r in audit_json(capsys, "--action", "undo_layer")] == ["undo_layer"]
    assert [r["action"] for r in audit_json(capsys, "--limit", "2")] == ["undo_layer", "users_add"]
    assert len(audit_json(capsys, "--since", "2000-01-01")) == 6
    assert audit_json(capsys, "--since", "2999-01-01") == []
    assert main(["audit"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ["time", "actor", "role", "action", "target", "version", "detail"]
    assert len(table) == 7 and "standards_save" in table[2]


def test_empty_log_and_bad_options(store, home, capsys):
    assert main(["audit"]) == 0
    assert "no audit entries" in capsys.readouterr().out
    assert audit_json(capsys) == []
    assert main(["audit", "--since", "last week"]) == 2
    err = capsys.readouterr().err
    assert "--since" in err and len(err.strip().splitlines()) == 1
    with pytest.raises(SystemExit):
        main(["audit", "--limit", "-3"])


def test_standards_undo_with_nothing_to_undo_is_a_one_line_error(store, home, capsys):
    assert main(["standards", "undo"]) == 2
    err = capsys.readouterr().err
    assert "nothing to undo" in err and "Traceback" not in err
    assert audit_json(capsys) == []
