"""The systemd unit of ``deploy/``: systemd parses it without a complaint, its
``ExecStart`` is ``exchange-atlas run`` with options the command has, bound to loopback
on the port the nginx site proxies to, and it may write exactly its workspace."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from loaders.workspace import ENV_HOME
from tests.deploy.deployfiles import (
    SITE,
    SITE_UPSTREAM,
    UNIT,
    option,
    run_arguments,
    unit_environment,
    unit_settings,
)

SHIPPED_EXE = "/opt/exchange-atlas/venv/bin/exchange-atlas"


def _exe() -> str:
    found = shutil.which("exchange-atlas", path=str(Path(sys.executable).parent))
    assert found, "the exchange-atlas console script is not installed in this environment"
    return found


def verify(text: str, tmp_path: Path) -> str:
    """What ``systemd-analyze verify`` says of the unit ``text`` (empty: nothing), with
    ExecStart pointing at this environment's console script (the shipped path is the
    one docs/deploy.md installs, absent here)."""
    tool = shutil.which("systemd-analyze")
    if tool is None:
        pytest.skip("systemd-analyze is not installed (Debian: apt-get install systemd)")
    unit = tmp_path / "exchange-atlas.service"
    unit.write_text(text.replace(SHIPPED_EXE, _exe()), encoding="utf-8")
    done = subprocess.run(
        [tool, "verify", str(unit)], capture_output=True, text=True, timeout=60, check=False
    )
    said = (done.stdout + done.stderr).strip()
    return said or ("" if done.returncode == 0 else f"exit {done.returncode}")


def test_systemd_parses_the_unit_without_a_complaint(tmp_path):
    text = UNIT.read_text(encoding="utf-8")
    assert SHIPPED_EXE in text
    assert verify(text, tmp_path) == ""


def test_the_check_sees_a_misspelt_or_wrong_setting(tmp_path):
    text = UNIT.read_text(encoding="utf-8")
    assert "Unknown key" in verify(text.replace("NoNewPrivileges=", "NoNewPrivilege="), tmp_path)
    bad = text.replace("ProtectSystem=strict", "ProtectSystem=very")
    assert "ProtectSystem" in verify(bad, tmp_path) or "protect system" in verify(bad, tmp_path)


def test_execstart_is_exchange_atlas_run_with_its_own_options():
    text = UNIT.read_text(encoding="utf-8")
    args = run_arguments(text)
    assert option(args, "--host") == "127.0.0.1"  # nginx is the only way in
    assert option(args, "--auth") == "password"  # sign-in on, whatever the users file
    assert SITE_UPSTREAM == f"server 127.0.0.1:{option(args, '--port')};"
    assert SITE_UPSTREAM in SITE.read_text(encoding="utf-8")
    with pytest.raises(ValueError, match="refuses the options"):
        run_arguments(text.replace("--host 127.0.0.1", "--bind 127.0.0.1"))
    with pytest.raises(ValueError, match="refuses the options"):
        run_arguments(text.replace("--auth password", "--auth ldap"))
    with pytest.raises(ValueError, match="not `exchange-atlas run"):
        run_arguments(text.replace(" run ", " serve "))


def test_the_service_user_may_write_its_state_directory_with_the_workspace():
    settings = unit_settings(UNIT.read_text(encoding="utf-8"))
    env = unit_environment(settings)
    home = env[ENV_HOME]
    assert settings["User"] == ["exchange-atlas"] and settings["Group"] == ["exchange-atlas"]
    assert settings["ProtectSystem"] == ["strict"] and settings["NoNewPrivileges"] == ["yes"]
    (writable,) = settings["ReadWritePaths"]
    assert Path(home).is_relative_to(writable)  # ProtectSystem=strict lets it write here
    assert settings["StateDirectory"] == [Path(writable).name]
    assert writable == f"/var/lib/{Path(writable).name}" == env["HOME"]
    assert settings["WorkingDirectory"] == [writable]  # .streamlit/ (secrets) is read here
    assert env["XDG_CACHE_HOME"] == f"/var/cache/{settings['CacheDirectory'][0]}"
    assert settings["Restart"] == ["on-failure"]
    assert settings["EnvironmentFile"] == ["-/etc/exchange-atlas/env"]  # optional, e.g. the DB
