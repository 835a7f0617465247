"""AppTest fixtures: every app test runs against an empty, private workspace."""

from __future__ import annotations

from pathlib import Path

import pytest

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")


@pytest.fixture(autouse=True)
def private_home(tmp_path, monkeypatch):
    monkeypatch.setenv("EXCHANGE_ATLAS_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.fixture
def home(private_home: Path) -> Path:
    """The private workspace, under the name the loader tests use."""
    return private_home


def synthetic_city(factory, name: str, places: int, points: int, seed: int) -> Path:
    """A workspace holding a seeded synthetic city (:func:`benchmarks.citygen.build_city`),
    in a directory of ``factory`` (``tmp_path_factory``) named ``name``."""
    from benchmarks.citygen import build_city

    home = factory.mktemp(name) / "home"
    build_city(home, places, points, seed=seed)
    return home


@pytest.fixture
def big(city: Path, monkeypatch) -> Path:
    """The test module's ``city`` fixture (a :func:`synthetic_city`) as the workspace."""
    monkeypatch.setenv("EXCHANGE_ATLAS_HOME", str(city))
    return city


def open_page(page: str | None = None, query: dict | None = None):
    """Run the app as a link with ``query`` would open it, then switch to ``page``.

    ``page`` is a path relative to ``dashboard/`` (``"../pages/compare.py"``); None stays
    on the default page (Overview).
    """
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    return at if page is None else at.switch_page(page).run()
