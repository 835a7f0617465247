"""Fixtures shared by the engine, core and CLI tests (imported by their conftest files)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

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


def run_in_thread(fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)`` in a new thread, its exception re-raised here.

    A session-scoped sync Playwright (the browser tests' fixture) leaves an asyncio loop
    running in the main thread for the rest of the run, where another ``sync_playwright()``
    or ``asyncio.run()`` refuses to start; a fresh thread has no running loop.
    """
    out: dict[str, Any] = {}

    def target() -> None:
        try:
            out["value"] = fn(*args)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            out["error"] = exc

    thread = threading.Thread(target=target, name=getattr(fn, "__name__", "fn"))
    thread.start()
    thread.join()
    if "error" in out:
        raise out["error"]
    return out.get("value")
