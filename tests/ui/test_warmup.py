"""dashboard.ui.warmup: the server's caches of the default view, before the first visitor."""

from __future__ import annotations

from dashboard.core.state import ViewState
from dashboard.ui import cache, layer_route, warmup
from dashboard.ui import compare as uc


def test_warming_fills_the_caches_the_pages_read(tmp_path, monkeypatch):
    monkeypatch.setenv("EXCHANGE_ATLAS_HOME", str(tmp_path))
    cache.coverage.clear()  # type: ignore[attr-defined]
    warmup.warm()
    v = ViewState()
    first = cache.coverage(v)
    assert cache.coverage(v) is first  # a lookup, not a computation
    ref = uc.city_reference(v)
    assert ref and warmup.warm() >= 0


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
