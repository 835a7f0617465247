"""dashboard.ui.inspect: the Inspect map draws at most MAP_POINTS points, the nearest to
where the inspector looks; search near a position lists the nearest first."""

from __future__ import annotations

import numpy as np

from dashboard.core.state import ViewState
from dashboard.ui import cache
from dashboard.ui import inspect as ui

HOTEL = (116.404454, 39.908012)  # P0003, the Beijing Hotel's foreign-card POS


def test_the_map_keeps_the_points_nearest_the_chosen_place(tmp_path, monkeypatch):
    monkeypatch.setenv("EXCHANGE_ATLAS_HOME", str(tmp_path))
    monkeypatch.setattr(ui, "MAP_POINTS", 50)
    inputs = cache.view_inputs(ViewState())
    records = ui.status_layer_records(inputs, "all", "en", HOTEL)
    assert len(records) == 50
    pay = cache.load_layers()["payments"]
    d = ui.distance_m(pay["lon"].to_numpy(), pay["lat"].to_numpy(), *HOTEL)
    nearest = set(pay["id"].astype(str).to_numpy()[np.argsort(d, kind="stable")[:50]])
    assert {r["id"] for r in records} == nearest


def test_search_near_a_position_lists_the_nearest_first(tmp_path, monkeypatch):
    monkeypatch.setenv("EXCHANGE_ATLAS_HOME", str(tmp_path))
    hits = ui.search(cache.view_inputs(ViewState()), "payment", "all", "", HOTEL)
    assert hits["id"].iloc[0] == "P0003" and hits["distance_m"].iloc[0] < 1
    assert hits["distance_m"].is_monotonic_increasing and len(hits) == ui.MATCHES


def test_distances_match_the_metric_projection():
    from dashboard.engine.coverage import project_lonlat

    lon = np.array([116.41, 116.5, 116.2])
    lat = np.array([39.92, 39.95, 39.85])
    x, y = project_lonlat(np.append(lon, HOTEL[0]), np.append(lat, HOTEL[1]))
    metric = np.hypot(x[:-1] - x[-1], y[:-1] - y[-1])
    assert np.allclose(ui.distance_m(lon, lat, *HOTEL), metric, rtol=2e-3)
