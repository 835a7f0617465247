"""dashboard.engine.layers: the layer in effect is the workspace's version, else the
shipped one; what callers get is theirs to change."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.core.model import POINT_LAYERS, DataValidationError
from dashboard.engine.layers import load_all, load_layer, points_frame, read_districts
from loaders.workspace import commit, undo


def test_all_layers_are_there_and_valid():
    layers = load_all()
    assert list(layers) == ["districts", *POINT_LAYERS]
    assert len(layers["districts"]) == 16
    assert layers["districts"]["area_km2"].gt(0).all()
    for layer in POINT_LAYERS:
        assert layers[layer].crs.to_epsg() == 4326 and layers[layer]["id"].is_unique


def test_a_callers_copy_does_not_change_the_next_load():
    first = load_layer("venues")
    first.loc[:, "name_en"] = "changed"
    assert "changed" not in set(load_layer("venues")["name_en"])


def test_the_workspace_version_wins_and_undo_restores_the_shipped_layer(isolated_home):
    shipped = load_layer("venues")
    commit("venues", shipped.head(3), replace=True, home=isolated_home)
    assert len(load_layer("venues", isolated_home)) == 3
    undo("venues", isolated_home)
    pd.testing.assert_frame_equal(load_layer("venues", isolated_home), shipped)


def test_unknown_layer_and_invalid_rows_are_refused():
    with pytest.raises(ValueError, match="unknown layer 'nope'"):
        load_layer("nope")
    bad = pd.DataFrame(load_layer("venues").drop(columns="geometry")).head(2)
    bad.loc[:, "lon"] = 200.0
    with pytest.raises(DataValidationError):
        points_frame(bad, "venues", file="bad.csv")


def test_districts_are_in_wgs84_with_their_area():
    d = read_districts()
    assert d.crs.to_epsg() == 4326
    assert list(d.columns) == ["adcode", "name_zh", "name_en", "area_km2", "geometry"]
