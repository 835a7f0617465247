"""Boundary sets (loaders.boundaries): polygon files read in WGS-84, GCJ-02 or BD-09,
detected and rectified, checked all or nothing, stored as versions, undone, removed;
and the write gateway's rights over them (loaders.writes)."""

from __future__ import annotations

import json
import zipfile
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Transformer

from dashboard.core.rights import LOCAL, Actor, PermissionDenied
from loaders import boundaries as store
from loaders.audit import read_audit
from loaders.errors import LoaderError
from loaders.examples import synthetic_subdistricts, synthetic_subdistricts_geojson
from loaders.workspace import WorkspaceError
from loaders.writes import (
    can_undo_boundaries,
    import_boundaries,
    remove_boundaries,
    undo_boundaries,
)
from tests.loaders.conftest import snapshot

TO_METRES = Transformer.from_crs("EPSG:4326", "EPSG:32650", always_xy=True)


@lru_cache(maxsize=1)
def _sample() -> gpd.GeoDataFrame:
    return synthetic_subdistricts()


def sample() -> gpd.GeoDataFrame:
    return _sample().copy()


def write_sample(tmp_path: Path, system: str = "wgs84", name: str | None = None) -> Path:
    path = tmp_path / (name or f"zones-{system}.geojson")
    path.write_bytes(synthetic_subdistricts_geojson(system))
    return path


def metres(geoms) -> np.ndarray:
    return shapely.transform(
        np.asarray(geoms, dtype=object), lambda xy: np.column_stack(TO_METRES.transform(*xy.T))
    )


def write_zones(tmp_path: Path, gdf: gpd.GeoDataFrame, name: str = "zones.geojson") -> Path:
    path = tmp_path / name
    gdf.to_file(path, driver="GeoJSON")
    return path


# --------------------------------------------------------------------------- reading


def test_wgs84_file_is_read_as_wgs84_with_each_zones_district(tmp_path):
    res = store.read_boundaries(write_sample(tmp_path), "sample")
    rep = res.report
    assert res.ok and rep.errors == 0 and rep.rows_read == rep.rows_kept == 107
    assert (rep.crs, rep.crs_confidence) == ("wgs84", "high")
    assert (
        rep.crs_scores["wgs84"] > 0.9 > 0.2 > max(rep.crs_scores["gcj02"], rep.crs_scores["bd09"])
    )
    want = sample().set_index("zone_id")
    got = res.zones.set_index("zone_id")
    assert list(got.index) == list(want.index)
    assert (got["adcode"] == want["adcode"]).all()  # the district holding most of it
    assert (got["district_share"] > 0.999).all()
    assert got["name_zh"].iloc[0] == "东城区示例街道 1"
    assert got["name_en"].iloc[0] == "Dongcheng District sample subdistrict 1"
    assert got["synthetic"].all() and rep.synthetic
    assert sum(rep.districts.values()) == 107 and len(rep.districts) == 16
    assert rep.overlaps == 0 and rep.straddling == 0 and not rep.warnings
    assert rep.summary() == "107 zones read, all valid; coordinates WGS-84 (high)"
    assert rep.summary("zh") == "读取 107 个分区，全部有效；坐标系 WGS-84（高）"


@pytest.mark.parametrize("system, label", [("gcj02", "GCJ-02"), ("bd09", "BD-09")])
def test_a_chinese_web_map_file_is_detected_and_rectified_within_a_metre(tmp_path, system, label):
    """Done-when: a GCJ-02 boundary file is detected as GCJ-02 and put back in WGS-84."""
    path = write_sample(tmp_path, system, "boundaries.geojson")  # no provider in the name
    res = store.read_boundaries(path, "sample")
    rep = res.report
    assert (rep.crs, rep.crs_confidence) == (system, "high")
    boundary = next(e for e in rep.crs_evidence if e["source"] == "boundaries")
    assert boundary["system"] == system and label in boundary["text"]
    want = metres(sample().geometry.to_numpy())
    got = metres(res.zones.geometry.to_numpy())
    # vertex by vertex (BD-09's published inverse is ≈1e-6°, GCJ-02's exact)
    gap = np.hypot(*(shapely.get_coordinates(got) - shapely.get_coordinates(want)).T)
    assert gap.max() < (0.01 if system == "gcj02" else 1.0)
    assert (res.zones["adcode"].to_numpy() == sample()["adcode"].to_numpy()).all()


def test_a_declared_system_is_used_and_a_contrary_one_warned(tmp_path):
    path = write_sample(tmp_path, "gcj02", "boundaries.geojson")
    rep = store.read_boundaries(path, "sample", crs="wgs84").report
    assert (rep.crs, rep.crs_confidence) == ("wgs84", "declared")
    assert any("GCJ-02" in w for w in rep.warnings)
    rep = store.read_boundaries(path, "sample", crs="gcj02").report
    assert (rep.crs, rep.crs_confidence) == ("gcj02", "declared") and not rep.warnings


def test_shapefile_zip_and_geopackage_with_a_point_layer_first(tmp_path):
    zones = sample().iloc[:12][["zone_id", "name_zh", "geometry"]]
    shp = tmp_path / "shp"
    shp.mkdir()
    zones.to_file(shp / "jiedao.shp", encoding="utf-8")
    archive = tmp_path / "jiedao.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for p in shp.iterdir():
            zf.write(p, p.name)
    res = store.read_boundaries(archive, "from-zip")
    assert res.ok and res.report.format == "Shapefile (zip)" and len(res.zones) == 12
    assert list(res.zones["name_zh"]) == list(zones["name_zh"])
    gpkg = tmp_path / "zones.gpkg"
    pts = gpd.GeoDataFrame({"n": [1]}, geometry=[shapely.Point(116.4, 39.9)], crs="EPSG:4326")
    pts.to_file(gpkg, layer="points", driver="GPKG")
    zones.to_file(gpkg, layer="zones", driver="GPKG")
    res = store.read_boundaries(gpkg, "from-gpkg")
    assert res.ok and len(res.zones) == 12  # the polygon layer, not the first (point) one


def test_a_projected_shapefile_is_converted(tmp_path):
    zones = sample().iloc[:5][["zone_id", "name_zh", "geometry"]].to_crs("EPSG:4547")
    path = tmp_path / "cgcs2000-3deg.gpkg"
    zones.to_file(path, driver="GPKG")
    res = store.read_boundaries(path, "projected")
    assert res.ok and res.report.crs == "EPSG:4547" and res.report.crs_confidence == "declared"
    gap = shapely.hausdorff_distance(
        metres(res.zones.geometry.to_numpy()), metres(sample().geometry.to_numpy()[:5])
    )
    assert gap.max() < 0.5


# --------------------------------------------------------------------------- checks


def test_problems_name_file_row_and_column_and_make_the_file_unusable(tmp_path):
    z = sample().iloc[:4][["zone_id", "name_zh", "geometry"]].reset_index(drop=True)
    bowtie = shapely.Polygon([(116.40, 39.90), (116.42, 39.92), (116.42, 39.90), (116.40, 39.92)])
    extra = gpd.GeoDataFrame(
        {
            "zone_id": [z["zone_id"][0], None, "SH", "PT", "BT"],
            "name_zh": ["重复", "无编号", "上海", "点", "蝴蝶"],
        },
        geometry=[
            shapely.box(116.40, 39.90, 116.41, 39.91),
            shapely.box(116.41, 39.90, 116.42, 39.91),
            shapely.box(121.48, 31.23, 121.50, 31.25),
            shapely.Point(116.4, 39.9),
            bowtie,
        ],
        crs="EPSG:4326",
    )
    path = write_zones(tmp_path, gpd.pd.concat([z, extra], ignore_index=True), "bad.geojson")
    res = store.read_boundaries(path, "bad")
    rep = res.report
    assert not res.ok and res.zones.empty and rep.rows_kept == 0 and rep.rows_dropped == 9
    errors = {(p.row, p.column, p.message.code) for p in rep.problems if p.severity == "error"}
    assert errors == {
        (5, "zone_id", "bnd_duplicate_id"),
        (6, "zone_id", "bnd_no_id"),
        (7, "geometry", "bnd_outside_beijing"),
        (8, "geometry", "bnd_not_polygon"),
    }
    assert rep.errors == 4 and rep.outside_beijing == 1 and rep.duplicate_ids == 1
    assert all(p.file == "bad.geojson" for p in rep.problems)
    warned = {(p.row, p.message.code) for p in rep.problems if p.severity == "warning"}
    assert (9, "bnd_repaired") in warned and rep.geometries_repaired == 1
    assert any(code == "bnd_overlap" for _row, code in warned) and rep.overlaps >= 1
    point = next(p for p in rep.problems if p.message.code == "bnd_not_polygon")
    assert "Point" in point.message and "Point" in point.message.text("zh")
    d = rep.to_dict("zh")
    assert d["ok"] is False and d["problems"][0]["code"]
    assert {"file", "row", "column", "message", "severity", "code"} == set(d["problems"][0])
    assert any(p["message"].startswith("分区编号 ") for p in d["problems"])


def test_overlaps_and_zones_across_districts_are_warnings(tmp_path):
    d = gpd.read_file(Path(store.__file__).parents[1] / "geodata" / "districts.geojson")
    a = d.loc[d["adcode"] == "110101", "geometry"].iloc[0]
    b = d.loc[d["adcode"] == "110102", "geometry"].iloc[0]
    across = shapely.union(a, b).convex_hull
    zones = gpd.GeoDataFrame(
        {"id": ["A", "AB"], "name": ["东城", "东西城"]}, geometry=[a, across], crs="EPSG:4326"
    )
    res = store.read_boundaries(write_zones(tmp_path, zones), "zones")
    rep = res.report
    assert res.ok and rep.overlaps == 1 and rep.straddling == 1
    codes = [p.message.code for p in rep.problems]
    assert "bnd_overlap" in codes and "bnd_straddles" in codes
    assert len(rep.warnings) == 2
    assert res.zones["adcode"].iloc[0] == "110101"


def test_no_id_column_numbers_the_zones_and_one_name_column_serves_both(tmp_path):
    z = sample().iloc[:3][["name_zh", "geometry"]].rename(columns={"name_zh": "名称"})
    res = store.read_boundaries(write_zones(tmp_path, z), "zones")
    assert res.ok and res.report.ids_generated
    assert list(res.zones["zone_id"]) == ["Z0001", "Z0002", "Z0003"]
    assert list(res.zones["name_en"]) == list(res.zones["name_zh"]) == list(z["名称"])
    assert not res.report.synthetic and res.zones["source"].iloc[0] == "import: zones.geojson"


@pytest.mark.parametrize("name", ["Sub", "districts", "", "a/b", "x" * 41, "../up"])
def test_a_bad_set_name_is_refused(tmp_path, name):
    with pytest.raises(LoaderError, match="cannot name a boundary set"):
        store.read_boundaries(write_sample(tmp_path), name)


def test_a_file_without_polygons_is_refused(tmp_path):
    path = tmp_path / "points.csv"
    path.write_text("name,lon,lat\nA,116.4,39.9\n", encoding="utf-8")
    with pytest.raises(LoaderError, match="no geometries"):
        store.read_boundaries(path, "zones")


# --------------------------------------------------------------------------- the store


def test_a_bad_file_leaves_nothing(home, tmp_path):
    z = sample().iloc[:2][["zone_id", "geometry"]]
    z.loc[:, "zone_id"] = "same"
    res = store.read_boundaries(write_zones(tmp_path, z), "zones")
    assert not res.ok
    before = snapshot(home)
    with pytest.raises(WorkspaceError, match="nothing was written"):
        import_boundaries(LOCAL, "zones", res, home)
    with pytest.raises(WorkspaceError, match="nothing was written"):
        store.commit_boundaries("zones", res, home)
    assert snapshot(home) == before and store.list_boundaries(home) == []


def test_store_load_list_undo_remove(home, tmp_path):
    full = store.read_boundaries(write_sample(tmp_path), "sample")
    info = import_boundaries(LOCAL, "sample", full, home, source="zones.geojson")
    assert (info.version, info.zone_count, info.synthetic) == ("v0001.json", 107, True)
    loaded = store.load_boundaries("sample", home)
    assert list(loaded.columns) == [*store.ZONE_COLUMNS, "geometry"]
    assert loaded.crs.to_epsg() == 4326 and len(loaded) == 107
    assert shapely.equals(loaded.geometry.to_numpy(), full.zones.geometry.to_numpy()).all()
    part = store.read_boundaries(write_zones(tmp_path, sample().iloc[:10]), "sample")
    second = import_boundaries(LOCAL, "sample", part, home)
    assert second.version == "v0002.json" and len(store.load_boundaries("sample", home)) == 10
    assert [s.name for s in store.list_boundaries(home)] == ["sample"]
    assert undo_boundaries(LOCAL, "sample", home) == "v0001.json"
    assert len(store.load_boundaries("sample", home)) == 107
    removed = remove_boundaries(LOCAL, "sample", home)
    assert removed == "v0003.json" and store.list_boundaries(home) == []
    with pytest.raises(WorkspaceError, match="no boundary set 'sample'"):
        store.load_boundaries("sample", home)
    assert undo_boundaries(LOCAL, "sample", home) == "v0001.json"  # a removal undone
    assert undo_boundaries(LOCAL, "sample", home) is None  # the first import undone
    with pytest.raises(WorkspaceError, match="nothing to undo"):
        undo_boundaries(LOCAL, "sample", home)
    with pytest.raises(WorkspaceError, match="no boundary set 'sample' to remove"):
        remove_boundaries(LOCAL, "sample", home)
    actions = [e.action for e in read_audit(home)]
    assert actions == [
        "boundaries_import",
        "boundaries_import",
        "boundaries_undo",
        "boundaries_remove",
        "boundaries_undo",
        "boundaries_undo",
    ]
    history = store.boundary_history("sample", home)
    assert [v.action for v in history] == ["save", "save", "reset"]
    # one zones file per content, never deleted
    files = sorted(p.name for p in store.set_dir("sample", home).glob("zones-*.parquet"))
    assert len(files) == 2


def test_a_record_naming_another_path_is_not_followed(home, tmp_path):
    res = store.read_boundaries(write_sample(tmp_path), "sample")
    info = store.commit_boundaries("sample", res, home)
    record = store.set_dir("sample", home) / info.version
    data = json.loads(record.read_text(encoding="utf-8"))
    data["content"]["file"] = "../../layers/x.parquet"
    record.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(WorkspaceError, match="names no zones file"):
        store.load_boundaries("sample", home)


# --------------------------------------------------------------------------- rights


def test_an_editor_imports_only_zones_of_their_districts(home, tmp_path):
    editor = Actor("ed", "editor", ("110105",))
    own = store.read_boundaries(
        write_zones(tmp_path, sample()[sample()["adcode"] == "110105"], "chaoyang.geojson"),
        "chaoyang",
    )
    info = import_boundaries(editor, "chaoyang", own, home, source="chaoyang.geojson")
    assert info.zone_count == 4 and can_undo_boundaries(editor, "chaoyang", home)
    city = store.read_boundaries(write_sample(tmp_path), "city")
    with pytest.raises(PermissionDenied) as refused:
        import_boundaries(editor, "city", city, home, source="zones-wgs84.geojson")
    assert refused.value.problems and refused.value.problems[0].column == "adcode"
    assert "zones-wgs84.geojson, row 1, column 'adcode'" in str(refused.value)
    assert store.boundary_info("city", home) is None
    # the admin's set: not the editor's to replace, undo or remove
    import_boundaries(LOCAL, "admins", own, home)
    assert not can_undo_boundaries(editor, "admins", home)
    for write in (
        lambda: import_boundaries(editor, "admins", own, home),
        lambda: undo_boundaries(editor, "admins", home),
        lambda: remove_boundaries(editor, "admins", home),
    ):
        with pytest.raises(PermissionDenied):
            write()
    assert store.boundary_info("admins", home).version == "v0001.json"  # type: ignore[union-attr]
    assert remove_boundaries(editor, "chaoyang", home) == "v0002.json"  # their own


def test_a_viewer_writes_no_boundary_set(home, tmp_path):
    viewer = Actor("vera", "viewer")
    res = store.read_boundaries(write_sample(tmp_path), "sample")
    with pytest.raises(PermissionDenied):
        import_boundaries(viewer, "sample", res, home)
    assert snapshot(home) == {}
