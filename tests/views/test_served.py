"""dashboard/views/served.py and the deck JSON: big layer data goes by URL when served."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from starlette.requests import Request

from dashboard.ui.layer_route import serve
from dashboard.views import maps, served


@pytest.fixture
def serving():
    served.enable("")
    yield
    served.disable()


def _records(n: int, tag: str = "x") -> list[dict]:
    return [
        {"id": f"{tag}{i}", "lon": 116.4 + i / 1000, "lat": 39.9, "tt_title": "<b>"}
        for i in range(n)
    ]


def _get(path: str):
    """The route's endpoint, called as Starlette calls it."""
    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "headers": [],
        "path_params": {"name": path.rsplit("/", 1)[-1]},
    }
    # in a thread of its own: the browser tests' Playwright keeps a loop running here
    with ThreadPoolExecutor(1) as ex:
        return ex.submit(asyncio.run, serve(Request(scope))).result()


def test_nothing_is_served_unless_enabled():
    served.disable()
    assert served.url_for(_records(100)) is None


def test_urls_name_their_content(serving):
    recs = _records(40)
    url = served.url_for(recs)
    assert url.startswith("/atlas-data/") and url.endswith(".json")
    assert served.url_for(recs) == url  # the same object: the same URL, no new JSON
    assert served.url_for(_records(40)) == url  # equal content, same name
    assert served.url_for(_records(40, "y")) != url
    resp = _get(url)
    assert resp.status_code == 200 and resp.media_type == "application/json"
    assert json.loads(resp.body) == recs
    assert "immutable" in resp.headers["cache-control"]
    assert _get("/atlas-data/nope.json").status_code == 404


def test_small_or_odd_data_stays_inline(serving):
    assert served.url_for(_records(served.MIN_ROWS - 1)) is None
    assert served.url_for("app/static/x.json") is None
    assert served.url_for({"type": "FeatureCollection", "features": []}) is None
    bad = _records(40)
    bad[3]["weight"] = float("nan")  # not strict JSON: the browser could not parse it
    assert served.url_for(bad) is None
    gj = {"type": "FeatureCollection", "features": [{"type": "Feature"}] * 20}
    assert served.url_for(gj).endswith(".json")


def test_base_url_path_and_eviction(serving, monkeypatch):
    assert served.enable("/atlas/") == "/atlas/atlas-data/{name}"
    first = served.url_for(_records(30, "a"))
    assert first.startswith("/atlas/atlas-data/")
    size = len(served.blob(first.rsplit("/", 1)[-1]))
    monkeypatch.setattr(served, "MAX_BYTES", size * 2)
    served.url_for(_records(30, "b"))
    served.url_for(_records(30, "c"))  # over the budget: the oldest goes
    assert served.blob(first.rsplit("/", 1)[-1]) is None
    assert served.url_for(_records(30, "a")) == first  # published again on demand


def test_deck_sends_big_layers_by_url_and_is_left_unchanged(serving):
    big, small = _records(50), _records(3, "s")
    deck = maps.make_deck(
        [maps.point_layer(big, "payments"), maps.scatter_layer(small, "selected", [0, 0, 0, 255])],
        {"longitude": 116.4, "latitude": 39.9, "zoom": 8},
    )
    spec = json.loads(deck.to_json())
    by_id = {layer["id"]: layer for layer in spec["layers"]}
    assert by_id["payments"]["data"] == served.url_for(big)
    assert by_id["selected"]["data"] == small  # small: inline
    assert deck.layers[0].data is big  # the (possibly cached) deck still holds its records
    served.disable()
    inline = json.loads(deck.to_json())
    assert {layer["id"]: layer for layer in inline["layers"]}["payments"]["data"] == big
