"""Fixtures shared by the engine, core and CLI tests (imported by their conftest files)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    """Every test gets an empty workspace: shipped data and shipped standards apply."""
    home = tmp_path / "home"
    monkeypatch.setenv("EXCHANGE_ATLAS_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def layers():
    from dashboard.engine.layers import load_layer, read_districts, read_points_csv, shipped_path

    return {
        "districts": read_districts(),
        "key-locations": read_points_csv(shipped_path("key-locations"), "key-locations"),
        "payments": read_points_csv(shipped_path("payments"), "payments"),
        "load_layer": load_layer,
    }
