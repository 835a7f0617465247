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


@pytest.fixture
def fast_hashes(monkeypatch):
    """Cheap argon2 parameters for tests that make many accounts (the real ones take
    ~0.5 s a hash); the dummy hash is made again with them."""
    from argon2 import PasswordHasher

    from loaders import users_store

    monkeypatch.setattr(
        users_store, "_HASHER", PasswordHasher(time_cost=2, memory_cost=1024, parallelism=1)
    )
    users_store._dummy_hash.cache_clear()
    yield
    users_store._dummy_hash.cache_clear()


def district_rows(layer: str, district: str, n: int, prefix: str):
    """The first ``n`` shipped rows of ``layer`` in ``district``, with new ids
    ``{prefix}000``…: rows an import adds."""
    from loaders.workspace import shipped_table

    t = shipped_table(layer)
    t = t[t["adcode"] == district].head(n).reset_index(drop=True)
    t["id"] = [f"{prefix}{i:03d}" for i in range(len(t))]
    return t


def prepared_inspections(home, place_ids: list[str], now, photo: str = ""):
    """Visits of ``place_ids`` (a passed foreign-card check, with ``photo``), prepared
    against the layers in effect in ``home`` as the gateway takes them."""
    import pandas as pd

    from loaders.inspections_store import prepare_inspections
    from loaders.workspace import effective_table

    raw = pd.DataFrame(
        {
            "place_id": place_ids,
            "inspected_at": "2026-03-01 10:00",
            "inspector": "王小明",
            "check_foreign_card": "accepted",
            "photo": photo,
        }
    )
    frame, problems = prepare_inspections(
        raw,
        payments=effective_table("payments", home),
        key_locations=effective_table("key-locations", home),
        now=now,
        file="visits.csv",
    )
    assert not [p for p in problems if p.severity == "error"]
    return frame
