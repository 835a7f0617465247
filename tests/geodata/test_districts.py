"""The shipped districts: 16 of them, named, valid, tiling Beijing without gaps or overlaps."""

from __future__ import annotations

import itertools

import pytest
import shapely

from dashboard.core.state import DISTRICT_CODES
from dashboard.engine.layers import read_districts


@pytest.fixture(scope="module")
def districts():
    return read_districts()


def test_sixteen_named_districts(districts):
    assert sorted(districts["adcode"]) == sorted(DISTRICT_CODES)
    zh = dict(zip(districts["adcode"], districts["name_zh"]))
    en = dict(zip(districts["adcode"], districts["name_en"]))
    assert zh["110101"] == "东城区" and en["110101"] == "Dongcheng District"
    assert zh["110119"] == "延庆区" and en["110119"] == "Yanqing District"
    assert all(n.endswith("区") for n in districts["name_zh"])
    assert all(n.endswith(" District") for n in districts["name_en"])


def test_valid_and_in_wgs84(districts):
    assert districts.crs.to_epsg() == 4326
    assert districts.is_valid.all()
    x0, y0, x1, y1 = districts.total_bounds
    assert 115.3 < x0 < 115.5 and 117.4 < x1 < 117.6
    assert 39.3 < y0 < 39.5 and 40.9 < y1 < 41.1


def test_tiling_no_overlap_no_gap(districts):
    metric = districts.to_crs("EPSG:32650")
    total = metric.area.sum() / 1e6
    union = shapely.union_all(metric.geometry.values)
    assert total == pytest.approx(16_400, rel=0.01)  # Beijing: ~16,410 km²
    assert union.area / 1e6 == pytest.approx(total, rel=1e-6)  # no overlaps
    overlap = sum(
        a.intersection(b).area for a, b in itertools.combinations(metric.geometry.values, 2)
    )
    assert overlap < 1.0  # m²
    # no holes between districts: the union is one polygon without interior rings
    parts = list(getattr(union, "geoms", [union]))
    main = max(parts, key=lambda g: g.area)
    assert main.area / union.area > 0.999
    assert all(shapely.Polygon(r).area < 1e4 for r in main.interiors)
