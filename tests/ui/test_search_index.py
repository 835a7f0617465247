"""dashboard.ui.search_index: the cached indexes give the pages what their scans gave."""

from __future__ import annotations

import pandas as pd

from dashboard.core.state import ViewState
from dashboard.engine import explore
from dashboard.engine.search import search_layers
from dashboard.ui import cache, search_index
from dashboard.ui import inspect as ui


def test_lookups_by_id_match_the_scans(tmp_path, monkeypatch):
    monkeypatch.setenv("EXCHANGE_ATLAS_HOME", str(tmp_path))
    layers = cache.load_layers()
    pay = layers["payments"]
    row = search_index.rows_of(pay, "payments", "P0003")
    assert row.index.tolist() == pay.index[pay["id"] == "P0003"].tolist()
    assert search_index.rows_of(pay, "payments", "nope").empty
    part = pay.iloc[::2]  # not aligned with the layer: looked up by a scan
    assert search_index.rows_of(part, "payments", str(part["id"].iloc[3]))["id"].tolist() == [
        part["id"].iloc[3]
    ]
    names = search_index.place_names(["P0003", "K001", "nope"], "name_en")
    places = ui.places(cache.view_inputs(ViewState()))
    want = dict(zip(places["id"], places["name_en"], strict=True))
    assert names == {i: want[i] for i in ("P0003", "K001")}
    assert ui.last_inspector("P0003") == ""
    assert search_index.latest_inspections().empty


def test_the_pages_searches_come_from_the_index(tmp_path, monkeypatch):
    monkeypatch.setenv("EXCHANGE_ATLAS_HOME", str(tmp_path))
    inputs = cache.view_inputs(ViewState())
    hits = ui.search(inputs, "key_location", "all", "王府井")
    assert len(hits) and hits["name_zh"].str.contains("王府井").all()
    layers = cache.load_layers()
    point = {k: v for k, v in layers.items() if k != "districts"}
    got = search_index.layer_index()
    for q in ("hotel", "王", "K00"):
        a, b = search_layers(got, q), explore.search_places(point, q)
        assert a[["layer", "id"]].values.tolist() == b[["layer", "id"]].values.tolist()
    assert isinstance(search_index.inspection_names(), pd.Series)
