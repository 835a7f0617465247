"""dashboard.ui.warmup: the server's caches of the default view, before the first visitor."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dashboard.core.state import ALL, ViewState
from dashboard.engine import search, verification
from dashboard.ui import cache, layer_route, search_index, warmup
from dashboard.ui import compare as uc
from dashboard.ui import inspect as ui_inspect


def test_warming_fills_the_caches_the_pages_read(tmp_path, monkeypatch):
    monkeypatch.setenv("EXCHANGE_ATLAS_HOME", str(tmp_path))
    cache.coverage.clear()  # type: ignore[attr-defined]
    warmup.warm()
    v = ViewState()
    first = cache.coverage(v)
    assert cache.coverage(v) is first  # a lookup, not a computation
    ref = uc.city_reference(v)
    assert ref and warmup.warm() >= 0


def test_warming_builds_the_inspect_and_work_list_pages_default_view(tmp_path, monkeypatch):
    """At 1M places the first visit to these pages took 5–7 s after the warm-up: the work
    list, point status, their tiles and the id indexes were built then."""
    monkeypatch.setenv("EXCHANGE_ATLAS_HOME", str(tmp_path))
    for f in (ui_inspect.work_list, ui_inspect._point_status, ui_inspect._due_points):
        f.clear()  # type: ignore[attr-defined]
    search_index._place_index.clear()
    warmup.warm()

    def computed(*_a, **_k):
        raise AssertionError("computed on the first visit, not by the warm-up")

    monkeypatch.setattr(verification, "work_list_of", computed)
    monkeypatch.setattr(verification, "point_status", computed)
    monkeypatch.setattr(search, "id_lookup", computed)
    v = ViewState()
    inputs = cache.view_inputs(v)
    since = (ui_inspect.beijing_now().date() - timedelta(days=30)).isoformat()
    ui_inspect.district_work_list(inputs, ALL, since)
    for lang in ("zh", "en"):
        ui_inspect.work_deck(inputs, ALL, since, lang)
        ui_inspect.status_deck(inputs, ALL, lang, None)
    assert search_index.place_index().by_id.last(["no such id"]).tolist() == [-1]
    with pytest.raises(AssertionError, match="first visit"):  # the check itself bites
        verification.work_list_of()


def _answer(coro):
    """The response of a route that awaits nothing (no event loop needed: another test's
    loop may still be running in this thread)."""
    try:
        coro.send(None)
    except StopIteration as done:
        return done.value
    raise AssertionError("the route awaited something")


def test_ready_route_answers_503_then_200(monkeypatch):
    monkeypatch.setattr(warmup, "ready", lambda: False)
    assert _answer(layer_route.serve_ready(None)).status_code == 503  # type: ignore[arg-type]
    monkeypatch.setattr(warmup, "ready", lambda: True)
    assert _answer(layer_route.serve_ready(None)).status_code == 200  # type: ignore[arg-type]


def test_start_runs_once_and_becomes_ready(tmp_path, monkeypatch):
    monkeypatch.setenv("EXCHANGE_ATLAS_HOME", str(tmp_path))
    calls = []
    monkeypatch.setattr(warmup, "warm", lambda: calls.append(1) or 0.0)
    monkeypatch.setattr(warmup, "_started", __import__("threading").Lock())
    monkeypatch.setattr(warmup, "_done", __import__("threading").Event())
    warmup.start()
    warmup.start()
    assert warmup._done.wait(10) and warmup.ready() and calls == [1]
