"""The aggregation rules of tiled point layers (dashboard.views.tiles)."""

from __future__ import annotations

import gzip
import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.views import served, tiles


def _places(n: int, seed: int = 1, spread: float = 0.08) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "lon": 116.40 + rng.normal(0, spread, n),
            "lat": 39.92 + rng.normal(0, spread * 0.8, n),
            "id": [f"K{i:06d}" for i in range(n)],
            "name_zh": "酒店",
            "name_en": "Hotel <b>x</b>",
            "category": "hotel",
            "adcode": "110105",
            "sector": "accommodation",
        }
    )


def _tile_of(src: tiles.TileSource, z: int) -> tuple[np.ndarray, np.ndarray]:
    s = np.uint64(tiles.LEVEL - z)
    return (src.ix >> s).astype(np.int64), (src.iy >> s).astype(np.int64)


def _count(features: list[dict]) -> int:
    return sum(f["properties"].get("n", 1) for f in features)


@pytest.fixture
def source() -> tiles.TileSource:
    f = _places(20_000)
    covered = np.random.default_rng(2).random(len(f)) < 0.9
    return tiles.tile_source(f, "key-locations", "en", "test", covered=covered)


def test_morton_interleaves_bits():
    assert tiles.morton(np.array([0b11]), np.array([0]))[0] == 0b0101
    assert tiles.morton(np.array([0]), np.array([0b11]))[0] == 0b1010
    assert tiles.morton(np.array([2**24 - 1]), np.array([2**24 - 1]))[0] == 2**48 - 1


@settings(max_examples=40, deadline=None)
@given(z=st.integers(0, 18), pick=st.integers(0, 10_000))
def test_a_tile_holds_exactly_the_places_inside_it(z, pick):
    src = tiles.tile_source(_places(3000, seed=5, spread=0.3), "key-locations", "en", "k")
    tx, ty = _tile_of(src, z)
    x, y = int(tx[pick % len(src)]), int(ty[pick % len(src)])
    a, b = tiles.tile_range(src, z, x, y)
    inside = np.flatnonzero((tx == x) & (ty == y))
    assert list(range(a, b)) == list(inside)


@pytest.mark.parametrize("z", [7, 9, 11, 13, 15, 17])
def test_tiles_of_a_zoom_add_up_to_the_layer(z):
    source = tiles.tile_source(_places(600 if z > 13 else 20_000), "key-locations", "en", "z")
    tx, ty = _tile_of(source, z)
    total = 0
    for x, y in set(zip(tx.tolist(), ty.tolist())):
        total += _count(tiles.tile(source, z, x, y)["features"])
    assert total == len(source)
    assert _count(tiles.overview(source, z + 0.6)["features"]) == len(source)


def test_dense_tiles_cluster_and_sparse_ones_show_single_places(source):
    z = 10
    tx, ty = _tile_of(source, z)
    counts = pd.Series(list(zip(tx, ty))).value_counts()
    dense, sparse = counts.index[0], counts.index[-1]
    assert counts.iloc[0] > tiles.SINGLES_MAX >= counts.iloc[-1]
    feats = tiles.tile(source, z, *dense)["features"]
    clusters = [f for f in feats if "n" in f["properties"]]
    assert clusters and len(feats) <= 4**tiles._CELL_BITS
    assert all(
        f["properties"]["label"] == tiles.count_label(f["properties"]["n"]) for f in clusters
    )
    assert all("n" not in f["properties"] for f in tiles.tile(source, z, *sparse)["features"])


def test_from_single_zoom_on_every_place_is_shown_alone(source):
    z = tiles.SINGLE_ZOOM
    tx, ty = _tile_of(source, z)
    x, y = pd.Series(list(zip(tx, ty))).value_counts().index[0]
    feats = tiles.tile(source, z, x, y)["features"]
    assert feats and all("n" not in f["properties"] for f in feats)
    assert all(f["properties"]["r"] == tiles.SINGLE_PX for f in feats)
    ids = [f["properties"]["id"] for f in feats]
    assert len(set(ids)) == len(ids)


def test_a_cluster_is_coloured_by_its_share_covered():
    f = _places(600, spread=0.001)  # one dense spot: one cluster at city zoom
    covered = np.arange(600) < 300
    src = tiles.tile_source(f, "key-locations", "zh", "half", covered=covered)
    (feat,) = [x for x in tiles.overview(src, 9)["features"] if "n" in x["properties"]]
    assert feat["properties"]["n"] == 600
    assert feat["properties"]["fill"] == list(tiles.coverage_rgba(0.5))
    assert "50.0%" in feat["properties"]["tt_body"] and "300" in feat["properties"]["tt_body"]
    # at its members' mean, moved at most its own radius to stay inside its cell
    at = tiles.world_pixels(
        np.array(feat["geometry"]["coordinates"][:1]),
        np.array(feat["geometry"]["coordinates"][1:]),
        level=9 + 8,
    )
    mean = tiles.world_pixels(np.array([f["lon"].mean()]), np.array([f["lat"].mean()]), level=17)
    moved = np.hypot(float(at[0][0]) - float(mean[0][0]), float(at[1][0]) - float(mean[1][0]))
    assert moved <= feat["properties"]["r"] + 1


def test_uncovered_single_places_are_red_and_drawn_last():
    f = _places(40, spread=0.002)
    covered = np.arange(40) % 3 != 0
    src = tiles.tile_source(f, "key-locations", "en", "few", covered=covered)
    tx, ty = _tile_of(src, 16)
    red, n_red = tiles.UNCOVERED_RGBA, 0
    for x, y in set(zip(tx.tolist(), ty.tolist())):
        fills = [tuple(x["properties"]["fill"]) for x in tiles.tile(src, 16, x, y)["features"]]
        first_red = fills.index(red) if red in fills else len(fills)
        assert all(c == red for c in fills[first_red:])  # uncovered after covered
        n_red += len(fills) - first_red
    assert n_red == int((~covered).sum())
    feats = tiles.overview(src, 16)["features"]
    body = {x["properties"]["id"]: x["properties"]["tt_body"] for x in feats}
    assert body["K000000"].endswith("Not covered") and body["K000001"].endswith("Covered")


def test_cluster_circles_grow_with_the_count_and_stay_within_their_cell():
    r = tiles.cluster_radius(np.array([2, 10, 100, 10_000, 10**7]))
    assert list(r) == sorted(r)
    assert r[0] == tiles.CLUSTER_MIN_PX and r.max() <= tiles.CLUSTER_MAX_PX < tiles.CELL_PX / 2


def test_count_labels():
    assert [tiles.count_label(n) for n in (7, 999, 1000, 4230, 18_400, 1_300_000)] == [
        "7",
        "999",
        "1.0k",
        "4.2k",
        "18k",
        "1.3M",
    ]


def test_tooltips_of_single_places_are_plain_text_fields():
    src = tiles.tile_source(_places(5), "key-locations", "en", "tt")
    feat = tiles.overview(src, 16)["features"][0]
    assert feat["properties"]["tt_title"] == "Hotel <b>x</b>"  # escaped by the tooltip, not here


def test_a_gcj02_basemap_moves_the_places_for_display():
    f = _places(50)
    a = tiles.tile_source(f, "payments", "en", "w", system="wgs84")
    b = tiles.tile_source(f, "payments", "en", "g", system="gcj02")
    shift = np.hypot(np.sort(b.lon) - np.sort(a.lon), np.sort(b.lat) - np.sort(a.lat))
    assert (shift > 0.001).all() and (shift < 0.01).all()


def test_served_tiles_are_gzip_json_and_unknown_sources_are_none(source):
    served.disable()
    assert tiles.publish(source) is None  # nothing served: the layer goes inline
    layer = tiles.tile_layer(source, 10)
    assert layer.type == "GeoJsonLayer" and layer.data["features"]
    try:
        served.enable("")
        url = tiles.publish(source)
        assert url == "/atlas-tiles/test/{z}/{x}/{y}.json"
        assert tiles.tile_layer(source, 10).type == "TileLayer"
        tx, ty = _tile_of(source, 11)
        raw = tiles.tile_json("test", 11, int(tx[0]), int(ty[0]))
        assert raw is not None
        fc = json.loads(gzip.decompress(raw))
        assert fc["type"] == "FeatureCollection" and fc["features"]
        assert tiles.tile_json("nope", 11, 0, 0) is None
        assert (
            tiles.tile_json("test", 11, 0, 0, compress=False)
            == b'{"type":"FeatureCollection","features":[]}'
        )
    finally:
        served.disable()
        tiles.clear()


def test_clusters_of_neighbouring_cells_never_overlap(source):
    for z in (8, 10, 12):
        tx, ty = _tile_of(source, z)
        x, y = pd.Series(list(zip(tx, ty))).value_counts().index[0]
        feats = [f for f in tiles.tile(source, z, x, y)["features"] if "n" in f["properties"]]
        ix, iy = tiles.world_pixels(
            np.array([f["geometry"]["coordinates"][0] for f in feats]),
            np.array([f["geometry"]["coordinates"][1] for f in feats]),
            level=z + 8,  # the tile's pixels
        )
        r = np.array([f["properties"]["r"] for f in feats])
        px, py = ix.astype(float), iy.astype(float)
        for i in range(len(feats)):
            for j in range(i + 1, len(feats)):
                assert np.hypot(px[i] - px[j], py[i] - py[j]) >= r[i] + r[j] - 2


def test_a_layer_over_coverage_clusters_draws_rings_without_labels():
    src = tiles.tile_source(_places(5000), "venues", "en", "ring", ring=True)
    feats = [f for f in tiles.overview(src, 9)["features"] if "n" in f["properties"]]
    assert feats and all(f["properties"]["label"] == "" for f in feats)
    assert all(f["properties"]["fill"][3] < 100 for f in feats)
    assert sum(f["properties"]["n"] for f in feats) <= 5000


def test_a_map_file_of_a_tiled_map_holds_its_clusters_inline(source):
    from dashboard.views import map_files, maps

    try:
        served.enable("")
        deck = maps.make_deck(
            [tiles.tile_layer(source, 9)], {"longitude": 116.4, "latitude": 39.9, "zoom": 9}
        )
        assert json.loads(deck.to_json())["layers"][0]["@@type"] == "TileLayer"
        spec = map_files.deck_json(deck)
        layer = spec["layers"][0]
        assert layer["@@type"] == "GeoJsonLayer"
        assert sum(f["properties"].get("n", 1) for f in layer["data"]["features"]) == len(source)
        drawn = map_files.deck_layers(spec, "en")
        assert {m.kind for m in drawn} == {"dots", "text"}
    finally:
        served.disable()
        tiles.clear()


def test_a_kept_placement_makes_the_same_source_without_sorting_again(monkeypatch):
    """A radius or date step recolours the same places: the source made with their kept
    :func:`tiles.placement` is the one made from scratch, and nothing is placed again."""
    f = _places(5000, seed=3)
    covered = np.random.default_rng(4).random(len(f)) < 0.7
    calls: list[int] = []
    for system in ("wgs84", "gcj02"):
        placed = tiles.placement(f, system)
        fresh = tiles.tile_source(f, "key-locations", "en", "a", covered=covered, system=system)
        monkeypatch.setattr(tiles, "world_pixels", lambda *a: calls.append(1))
        kept = tiles.tile_source(
            f, "key-locations", "en", "a", covered=covered, system=system, placed=placed
        )
        monkeypatch.undo()
        assert calls == []
        for name in ("lon", "lat", "ix", "iy", "keys", "order", "covered"):
            np.testing.assert_array_equal(getattr(kept, name), getattr(fresh, name))
        assert tiles.overview(kept, 12) == tiles.overview(fresh, 12)
        assert not kept.keys.flags.writeable  # shared by every source made with it
    with pytest.raises(ValueError, match="other rows"):
        tiles.tile_source(f.head(10), "key-locations", "en", "b", placed=tiles.placement(f))
    with pytest.raises(ValueError, match="another system"):
        tiles.tile_source(f, "key-locations", "en", "b", system="gcj02", placed=tiles.placement(f))


def test_a_source_a_cached_map_still_holds_is_served_after_many_others(source):
    """An event's surroundings are cached with their map, whose tile URL names a source
    published once; 24 other maps later its tiles answered 404 and the map was empty."""
    import gc

    try:
        served.enable("")
        tiles.publish(source)  # `source` is held here, as the cache holds the map's
        for i in range(tiles.MAX_SOURCES + 5):
            other = tiles.tile_source(_places(50, seed=i), "payments", "en", f"other-{i}")
            tiles.publish(other)
        del other
        gc.collect()
        tx, ty = _tile_of(source, 11)
        assert tiles.tile_json("test", 11, int(tx[0]), int(ty[0])) is not None
        assert tiles.source_of("/atlas-tiles/test/{z}/{x}/{y}.json") is source
        # a source nothing holds any more is gone once newer ones have taken its place
        assert tiles.tile_json("other-0", 11, 0, 0) is None
    finally:
        served.disable()
        tiles.clear()
