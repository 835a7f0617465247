"""``exchange-atlas users add | passwd | remove | list | undo`` through the real entry point."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from dashboard.cli import main
from loaders.audit import audit_path, read_audit
from loaders.users_store import (
    SignInThrottle,
    authenticate,
    list_users,
    users_path,
    users_versions,
)
from tests.loaders.conftest import snapshot

pytestmark = pytest.mark.usefixtures("fast_hashes")

PW = "S3cret-pass"


def run(argv: list[str], monkeypatch, stdin: str | None = None) -> int:
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return main(argv)


def test_add_list_passwd_remove_undo(store, home, monkeypatch, capsys):
    add = ["users", "add", "wang", "--role", "editor", "--district", "110105", "110108"]
    assert run([*add, "--password-stdin"], monkeypatch, PW + "\n") == 0
    add = ["users", "add", "li", "--role", "admin", "--password-stdin"]
    assert run(add, monkeypatch, PW + "\n") == 0
    assert "added wang as editor for 110105, 110108" in capsys.readouterr().out
    if os.name == "posix" and store == "workspace":
        assert stat.S_IMODE(os.stat(users_path(home)).st_mode) == 0o600
    assert main(["users", "list", "--json"]) == 0
    out = capsys.readouterr().out
    rows = json.loads(out)
    assert [(r["name"], r["role"], r["districts"]) for r in rows] == [
        ("li", "admin", []),
        ("wang", "editor", ["110105", "110108"]),
    ]
    assert set(rows[0]) == {"name", "role", "districts", "created", "changed"}
    assert "argon2" not in out
    assert main(["users", "list"]) == 0
    table = capsys.readouterr().out
    assert "wang" in table and "110105,110108" in table and "argon2" not in table
    gate = SignInThrottle(sleep=lambda s: None)
    assert (
        run(["users", "passwd", "wang", "--password-stdin"], monkeypatch, "new-password-1\n") == 0
    )
    assert authenticate("wang", "new-password-1", home=home, throttle=gate) is not None
    assert authenticate("wang", PW, home=home, throttle=gate) is None
    assert main(["users", "remove", "li"]) == 0
    assert [u.name for u in list_users(home)] == ["wang"]
    assert main(["users", "undo"]) == 0
    assert "restored users.v0003.json" in capsys.readouterr().out
    assert [u.name for u in list_users(home)] == ["li", "wang"]
    entries = read_audit(home)
    assert [e.action for e in entries] == [
        "users_add",
        "users_add",
        "users_passwd",
        "users_remove",
        "users_undo",
    ]
    assert all(e.actor.startswith("cli:") and e.via == "cli" for e in entries)


def test_the_password_is_asked_twice(home, monkeypatch, capsys):
    answers = iter([PW, PW])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert main(["users", "add", "zhao", "--role", "viewer"]) == 0
    answers = iter([PW, PW + "x"])
    before = snapshot(home)
    assert main(["users", "passwd", "zhao"]) == 2
    assert "differ" in capsys.readouterr().err
    assert snapshot(home) == before


@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        (["users", "add", "wang", "--role", "editor"], PW, "at least one district"),
        (["users", "add", "wang", "--role", "editor", "--district", "999999"], PW, "999999"),
        (["users", "add", "bad name", "--role", "viewer"], PW, "not valid"),
        (["users", "add", "wang", "--role", "viewer"], "short", "too short"),
        (["users", "add", "wang", "--role", "viewer"], "", "no password"),
        (["users", "passwd", "nobody"], PW, "no user nobody"),
        (["users", "remove", "nobody"], None, "no user nobody"),
        (["users", "undo"], None, "nothing to undo"),
    ],
)
def test_errors_are_one_line_and_write_nothing(
    store, home, monkeypatch, capsys, argv, stdin, message
):
    before = snapshot(home), users_versions(home), read_audit(home)
    assert (
        run([*argv, *(["--password-stdin"] if stdin is not None else [])], monkeypatch, stdin) == 2
    )
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert (snapshot(home), users_versions(home), read_audit(home)) == before


def test_a_taken_name_is_refused_before_the_password_is_asked(home, monkeypatch, capsys):
    assert (
        run(["users", "add", "wang", "--role", "viewer", "--password-stdin"], monkeypatch, PW) == 0
    )
    monkeypatch.setattr("getpass.getpass", lambda prompt="": pytest.fail("asked"))
    assert main(["users", "add", "WANG", "--role", "viewer"]) == 2
    assert "exists already" in capsys.readouterr().err


def test_a_bad_role_is_refused_by_the_parser(home):
    with pytest.raises(SystemExit) as exc:
        main(["users", "add", "wang", "--role", "root"])
    assert exc.value.code == 2


def test_list_without_users(home, capsys):
    assert main(["users", "list"]) == 0
    assert "sign-in is off" in capsys.readouterr().out
    assert main(["users", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_the_console_script_with_password_stdin_leaves_no_trace(tmp_path, home):
    exe = str(Path(sys.executable).parent / "exchange-atlas")
    h = tmp_path / "ws"
    r = subprocess.run(
        [
            exe,
            "users",
            "add",
            "ops@city.gov.cn",
            "--role",
            "admin",
            "--password-stdin",
            "--home",
            str(h),
        ],
        input=PW + "\n",
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr
    r2 = subprocess.run([exe, "audit", "--home", str(h)], capture_output=True, text=True)
    assert r2.returncode == 0 and "users_add" in r2.stdout
    digest = json.loads(users_path(h).read_text(encoding="utf-8"))["users"]["ops@city.gov.cn"][
        "hash"
    ]
    for text in (r.stdout, r.stderr, r2.stdout, audit_path(h).read_text(encoding="utf-8")):
        assert PW not in text and digest not in text
