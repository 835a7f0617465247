"""AppTest fixtures: every app test runs against an empty, private workspace."""

from __future__ import annotations

from pathlib import Path

import pytest

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")


@pytest.fixture(autouse=True)
def private_home(tmp_path, monkeypatch):
    monkeypatch.setenv("EXCHANGE_ATLAS_HOME", str(tmp_path / "home"))
    return tmp_path / "home"
