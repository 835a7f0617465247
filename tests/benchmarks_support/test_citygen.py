"""The synthetic city of ``benchmarks/citygen.py``: seeded, clustered, inside Beijing, flagged
synthetic, and read by the app's data access exactly as an imported workspace."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from scipy.spatial import cKDTree  # pyright: ignore[reportAttributeAccessIssue]

from benchmarks.citygen import build_city, city_tables, parse_size, size_label
from dashboard.core.model import CATEGORY_SECTOR, METRIC_CRS
from dashboard.engine.layers import load_layer, read_districts
from loaders.workspace import history

DEMAND, SUPPLY = 2_000, 1_000


@pytest.fixture(scope="module")
def tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    return city_tables(DEMAND, SUPPLY, seed=7)


def test_sizes_parse() -> None:
    assert parse_size("100k×50k") == (100_000, 50_000)
    assert parse_size("100kx50k") == (100_000, 50_000)
    assert parse_size("1M×500k") == (1_000_000, 500_000)
    assert parse_size("2000x1000") == (2_000, 1_000)
    assert size_label(1_000_000, 500_000) == "1M×500k"
    with pytest.raises(ValueError):
        parse_size("100k")


def test_deterministic_for_a_seed(tables) -> None:
    places, points = tables
    again = city_tables(DEMAND, SUPPLY, seed=7)
    pd.testing.assert_frame_equal(places, again[0])
    pd.testing.assert_frame_equal(points, again[1])
    other = city_tables(DEMAND, SUPPLY, seed=8)[0]
    assert not np.allclose(places["lon"].to_numpy(), other["lon"].to_numpy())


def test_every_point_in_its_district_polygon(tables) -> None:
    d = read_districts().set_index("adcode")
    for frame in tables:
        assert frame["adcode"].notna().all()
        for code, rows in frame.groupby("adcode"):
            geom = d.geometry[code]
            assert shapely.contains_xy(geom, rows["lon"], rows["lat"]).all(), code


def test_clustered_not_uniform(tables) -> None:
    """Median nearest-neighbour distance far below that of as many uniform points in Beijing."""
    places, _ = tables
    d = read_districts()
    city = shapely.union_all(d.geometry.to_numpy())
    rng = np.random.default_rng(0)
    x0, y0, x1, y1 = city.bounds
    x, y = rng.uniform(x0, x1, 20 * DEMAND), rng.uniform(y0, y1, 20 * DEMAND)
    inside = shapely.contains_xy(city, x, y)
    uniform = pd.DataFrame({"lon": x[inside][:DEMAND], "lat": y[inside][:DEMAND]})

    def nn_median(df: pd.DataFrame) -> float:
        import geopandas as gpd

        g = gpd.GeoSeries(gpd.points_from_xy(df["lon"], df["lat"]), crs=4326).to_crs(METRIC_CRS)
        xy = np.column_stack([g.x, g.y])
        dist, _ = cKDTree(xy).query(xy, k=2)
        return float(np.median(dist[:, 1]))

    assert nn_median(places) < 0.2 * nn_median(uniform)
    share = places["adcode"].value_counts(normalize=True)
    central = share.reindex(["110101", "110102", "110105", "110108"]).sum()
    assert central > 0.5  # the four central districts hold most places
    assert share.get("110119", 0) < share["110105"] / 4  # Yanqing is sparse


def test_rows_flagged_synthetic_with_a_model_vocabulary(tables) -> None:
    places, points = tables
    for frame, prefix in ((places, "SK"), (points, "SP")):
        assert (frame["synthetic"] == "true").all()
        assert (frame["source"] == "synthetic: benchmarks/citygen.py seed=7").all()
        assert frame["id"].str.startswith(prefix).all() and frame["id"].is_unique
        assert frame["name_en"].str.match(r"^Synthetic .+ \d{6}$").all()
        assert frame["name_zh"].str.startswith("合成").all()
    assert (places["sector"] == places["category"].map(CATEGORY_SECTOR)).all()
    assert places["category"].value_counts().index[0] == "restaurant"
    hosted = points["host_id"].notna()
    assert hosted.mean() > 0.4 and points.loc[hosted, "host_id"].isin(places["id"]).all()
    dates = pd.to_datetime(points["in_service_date"])
    assert dates.min() >= pd.Timestamp("2023-01-01") and dates.max() <= pd.Timestamp("2025-12-31")
    assert dates.dt.year.nunique() == 3  # a roll-out over the years for the as-of slider


def test_workspace_read_by_the_app(tmp_path: Path) -> None:
    info = build_city(tmp_path, DEMAND, SUPPLY, seed=7)
    assert info["size"] == "2k×1k" and info["seed"] == 7
    places = load_layer("key-locations", tmp_path)
    points = load_layer("payments", tmp_path)
    assert len(places) == DEMAND and len(points) == SUPPLY
    assert places["synthetic"].all() and points["synthetic"].all()
    assert pd.api.types.is_datetime64_any_dtype(points["in_service_date"])
    assert [v.source for v in history("payments", tmp_path)] == [
        "synthetic: benchmarks/citygen.py seed=7"
    ]
    again = city_tables(DEMAND, SUPPLY, seed=7)[0]
    assert places["id"].tolist() == again["id"].tolist()
