"""dashboard.ui.inspect: the Inspect map draws every payment point of the district (tiled
when many: tests/app/test_worklist_tiles.py); search near a position lists the nearest
first."""

from __future__ import annotations

import numpy as np

from dashboard.core.state import ViewState
from dashboard.ui import cache
from dashboard.ui import inspect as ui

HOTEL = (116.404454, 39.908012)  # P0003, the Beijing Hotel's foreign-card POS


def test_the_map_draws_every_point_of_the_district(tmp_path, monkeypatch):
    monkeypatch.setenv("EXCHANGE_ATLAS_HOME", str(tmp_path))
    inputs = cache.view_inputs(ViewState())
    pay = cache.load_layers()["payments"]
    for district in ("all", "110101"):
        records = ui.status_layer_records(inputs, district, "en")
        mine = pay if district == "all" else pay[pay["adcode"].astype(str) == district]
        assert sorted(r["id"] for r in records) == sorted(mine["id"].astype(str))
    assert {r["tt_body"].split(": ")[0] for r in records} == {"Check status"}


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
