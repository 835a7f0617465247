"""Coordinate system of a polygon file: compared with the shipped district boundaries.

A polygon's point on surface lands in its district under every hypothesis, so only the
boundaries tell GCJ-02 (AMap, DataV) from WGS-84 and BD-09.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Transformer

from loaders import crsdetect
from loaders.chinacrs import from_wgs84
from loaders.importer import ImportOptions, import_file

ROOT = Path(__file__).resolve().parents[2]
#: The shipped districts simplified for the AMap basemap, in GCJ-02: a real boundary file
#: as AMap/DataV publish them (fewer vertices than the shipped file, rounded to 1e-5°).
DISPLAY_GCJ02 = ROOT / "dashboard" / "static" / "districts-zh-gcj02.json"
OPTIONS = {"layer": "key-locations", "fixed": {"category": "hotel", "sector": "lodging"}}
TO_METRES = Transformer.from_crs("EPSG:4326", "EPSG:32650", always_xy=True)


def shipped() -> gpd.GeoDataFrame:
    return crsdetect.districts()


def shifted(geoms: np.ndarray, system: str) -> np.ndarray:
    """WGS-84 geometries as a provider in ``system`` would publish them."""
    return shapely.transform(geoms, lambda xy: np.column_stack(from_wgs84(*xy.T, system)))


def display_gcj02() -> gpd.GeoDataFrame:
    gdf = gpd.read_file(DISPLAY_GCJ02)
    return gdf[["adcode", "name", "geometry"]]


def pieces(geoms: np.ndarray, step: float = 0.05) -> np.ndarray:
    """Subdistrict-like pieces: every polygon cut by a grid of ``step`` degrees, the cut
    edges densified (200 m) so that most vertices lie inside, away from district lines."""
    x0, y0, x1, y1 = shapely.total_bounds(geoms)
    cells = np.array(
        [shapely.box(x, y, x + step, y + step) for x in np.arange(x0, x1, step)
         for y in np.arange(y0, y1, step)]
    )  # fmt: skip
    parts = shapely.intersection(np.repeat(geoms, len(cells)), np.tile(cells, len(geoms)))
    parts = parts[~shapely.is_empty(parts) & (shapely.area(parts) > 0)]
    return shapely.segmentize(parts, 0.002)


def write(tmp_path: Path, geoms: np.ndarray, name: str = "boundaries.geojson") -> Path:
    """A GeoJSON file with a neutral name (no provider hint) and a name column."""
    gdf = gpd.GeoDataFrame(
        {"name": [f"片区{i}" for i in range(len(geoms))]}, geometry=list(geoms), crs="EPSG:4326"
    )
    path = tmp_path / name
    gdf.to_file(path, driver="GeoJSON")
    return path


def metres(geoms: np.ndarray) -> np.ndarray:
    return shapely.transform(geoms, lambda xy: np.column_stack(TO_METRES.transform(*xy.T)))


# --------------------------------------------------------------------------- the detector


def test_gcj02_boundary_file_is_gcj02_with_high_confidence():
    """Done-when: an AMap/DataV-style GCJ-02 boundary file is recognised as GCJ-02."""
    ev, shares = crsdetect.boundary_evidence(display_gcj02().geometry.values)
    assert (ev.source, ev.system, ev.strength) == ("boundaries", "gcj02", 3)
    assert shares["gcj02"] > 0.95 and max(shares["wgs84"], shares["bd09"]) < 0.15
    assert "GCJ-02" in ev.text and "GCJ-02" in ev.text.text("zh")


def test_shipped_wgs84_file_is_wgs84_with_high_confidence():
    """Done-when: a WGS-84 boundary file is recognised as WGS-84."""
    ev, shares = crsdetect.boundary_evidence(shipped().geometry.values)
    assert (ev.system, ev.strength) == ("wgs84", 3)
    assert shares["wgs84"] > 0.99


def test_bd09_boundary_file_is_bd09():
    ev, _ = crsdetect.boundary_evidence(shifted(shipped().geometry.values, "bd09"))
    assert (ev.system, ev.strength) == ("bd09", 3)


@pytest.mark.parametrize("system", ["wgs84", "gcj02", "bd09"])
def test_subdistrict_like_pieces_are_detected(system):
    """Pieces of the districts (most vertices inside, only the outer edges on a district
    line) still follow the boundaries under the right system only."""
    geoms = pieces(shifted(shipped().geometry.values, system))
    ev, shares = crsdetect.boundary_evidence(geoms)
    assert (ev.system, ev.strength) == (system, 3)
    assert 0.2 < shares[system] < 0.9  # the inner vertices are not on any district line


@pytest.mark.parametrize("system", ["wgs84", "gcj02"])
def test_a_few_districts_are_detected(system):
    some = shipped()[shipped()["adcode"].isin(["110101", "110102", "110105"])]
    ev, _ = crsdetect.boundary_evidence(shifted(some.geometry.values, system))
    assert (ev.system, ev.strength) == (system, 3)


def test_polygons_outside_beijing_are_neutral_and_say_so():
    """Polygons elsewhere (Shanghai's latitude and longitude) cannot be compared."""
    far = shapely.transform(display_gcj02().geometry.values, lambda xy: xy + [5.0, -8.5])
    ev, shares = crsdetect.boundary_evidence(far)
    assert ev.system is None and ev.strength == 0 and shares == {}
    assert ev.text.code == "imp_e_boundaries_outside"
    assert "Beijing" in ev.text and "北京" in ev.text.text("zh")


def test_zones_inside_the_districts_are_neutral():
    """Planning zones drawn away from district lines give no boundary evidence."""
    d = shipped()
    centres = shapely.centroid(d.geometry.values)
    zones = shapely.buffer(metres(centres), 800.0)
    back = Transformer.from_crs("EPSG:32650", "EPSG:4326", always_xy=True)
    zones = shapely.transform(zones, lambda xy: np.column_stack(back.transform(*xy.T)))
    ev, _ = crsdetect.boundary_evidence(zones)
    assert ev.system is None and ev.text.code == "imp_e_boundaries_none"


def test_points_give_no_boundary_evidence():
    assert crsdetect.boundary_evidence(shapely.points([[116.4, 39.9], [116.5, 39.95]])) is None


# --------------------------------------------------------------------------- the importer


def test_importing_gcj02_boundaries_rectifies_the_polygons(tmp_path):
    """Through the importer: GCJ-02, high, and the file's polygons come back in WGS-84,
    every vertex within a few metres of the shipped boundary (the file is rounded to 1e-5°)."""
    src = display_gcj02()
    path = write(tmp_path, src.geometry.values)
    r = import_file(path, ImportOptions(**OPTIONS))
    assert (r.report.crs, r.report.crs_confidence) == ("gcj02", "high")
    ev = [e for e in r.report.evidence() if e["source"] == "boundaries"]
    assert ev and ev[0]["system"] == "gcj02"
    assert r.report.crs_scores["gcj02"] > 0.95
    assert r.geometries is not None and len(r.geometries) == len(src) == r.report.rows_kept
    xy = shapely.get_coordinates(metres(r.geometries))
    dist = shapely.distance(
        shapely.points(xy), shapely.union_all(shapely.boundary(metres(shipped().geometry.values)))
    )
    assert np.max(dist) < 3.0
    # each polygon's point lies in the district it outlines
    want = dict(zip(src["name"], src["adcode"], strict=True))
    got = r.frame["adcode"].to_numpy()
    assert list(got) == [want[n] for n in src["name"]]


def test_importing_a_full_resolution_gcj02_file_restores_the_shipped_vertices(tmp_path):
    wgs = shipped().geometry.values
    path = write(tmp_path, shifted(wgs, "gcj02"))
    r = import_file(path, ImportOptions(**OPTIONS))
    assert (r.report.crs, r.report.crs_confidence) == ("gcj02", "high")
    assert r.geometries is not None
    got, want = shapely.get_coordinates(r.geometries), shapely.get_coordinates(wgs)
    assert got.shape == want.shape and np.abs(got - want).max() < 1e-6  # ≈ 0.1 m


def test_importing_wgs84_boundaries_keeps_them(tmp_path):
    path = write(tmp_path, shipped().geometry.values)
    r = import_file(path, ImportOptions(**OPTIONS))
    assert (r.report.crs, r.report.crs_confidence) == ("wgs84", "high")
    assert r.geometries is not None
    want = shapely.get_coordinates(shipped().geometry.values)
    assert np.abs(shapely.get_coordinates(r.geometries) - want).max() < 1e-6


def test_importing_bd09_boundaries(tmp_path):
    path = write(tmp_path, pieces(shifted(shipped().geometry.values[:4], "bd09")))
    r = import_file(path, ImportOptions(**OPTIONS))
    assert (r.report.crs, r.report.crs_confidence) == ("bd09", "high")


def test_importing_boundaries_outside_beijing_is_low_and_says_why(tmp_path):
    far = shapely.transform(display_gcj02().geometry.values, lambda xy: xy + [5.0, -8.5])
    r = import_file(write(tmp_path, far), ImportOptions(**OPTIONS))
    assert r.report.crs_confidence == "low"
    ev = [e for e in r.report.evidence("zh") if e["source"] == "boundaries"]
    assert ev and ev[0]["system"] is None and "北京" in ev[0]["text"]
    assert any("weak evidence" in w for w in r.report.warnings)


def test_a_projected_polygon_file_comes_back_in_degrees(tmp_path):
    """Polygons in UTM 50N (declared by the file) are returned as WGS-84 degrees."""
    wgs = shipped().geometry.values[:3]
    gdf = gpd.GeoDataFrame({"name": ["a", "b", "c"]}, geometry=list(metres(wgs)), crs=32650)
    path = tmp_path / "zones.gpkg"
    gdf.to_file(path, driver="GPKG")
    r = import_file(path, ImportOptions(**OPTIONS))
    assert r.report.crs == "EPSG:32650" and r.geometries is not None
    want = shapely.get_coordinates(wgs)
    assert np.abs(shapely.get_coordinates(r.geometries) - want).max() < 1e-7
