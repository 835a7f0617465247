"""Boundary sets (loaders.boundaries): polygon files read in WGS-84, GCJ-02 or BD-09,
detected and rectified, checked all or nothing, stored as versions, undone, removed;
and the write gateway's rights over them (loaders.writes). The store's tests run on both
stores (the ``store`` fixture: the workspace directory, and a real PostgreSQL)."""

from __future__ import annotations

import dataclasses
import json
import zipfile
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

from dashboard.core.rights import LOCAL, Actor, PermissionDenied
from loaders import boundaries as bnd
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
    res = bnd.read_boundaries(write_sample(tmp_path), "sample")
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
    res = bnd.read_boundaries(path, "sample")
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
    rep = bnd.read_boundaries(path, "sample", crs="wgs84").report
    assert (rep.crs, rep.crs_confidence) == ("wgs84", "declared")
    assert any("GCJ-02" in w for w in rep.warnings)
    rep = bnd.read_boundaries(path, "sample", crs="gcj02").report
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
    res = bnd.read_boundaries(archive, "from-zip")
    assert res.ok and res.report.format == "Shapefile (zip)" and len(res.zones) == 12
    assert list(res.zones["name_zh"]) == list(zones["name_zh"])
    gpkg = tmp_path / "zones.gpkg"
    pts = gpd.GeoDataFrame({"n": [1]}, geometry=[shapely.Point(116.4, 39.9)], crs="EPSG:4326")
    pts.to_file(gpkg, layer="points", driver="GPKG")
    zones.to_file(gpkg, layer="zones", driver="GPKG")
    res = bnd.read_boundaries(gpkg, "from-gpkg")
    assert res.ok and len(res.zones) == 12  # the polygon layer, not the first (point) one


def test_a_projected_shapefile_is_converted(tmp_path):
    zones = sample().iloc[:5][["zone_id", "name_zh", "geometry"]].to_crs("EPSG:4547")
    path = tmp_path / "cgcs2000-3deg.gpkg"
    zones.to_file(path, driver="GPKG")
    res = bnd.read_boundaries(path, "projected")
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
    res = bnd.read_boundaries(path, "bad")
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
    d = gpd.read_file(Path(bnd.__file__).parents[1] / "geodata" / "districts.geojson")
    a = d.loc[d["adcode"] == "110101", "geometry"].iloc[0]
    b = d.loc[d["adcode"] == "110102", "geometry"].iloc[0]
    across = shapely.union(a, b).convex_hull
    zones = gpd.GeoDataFrame(
        {"id": ["A", "AB"], "name": ["东城", "东西城"]}, geometry=[a, across], crs="EPSG:4326"
    )
    res = bnd.read_boundaries(write_zones(tmp_path, zones), "zones")
    rep = res.report
    assert res.ok and rep.overlaps == 1 and rep.straddling == 1
    codes = [p.message.code for p in rep.problems]
    assert "bnd_overlap" in codes and "bnd_straddles" in codes
    assert len(rep.warnings) == 2
    assert res.zones["adcode"].iloc[0] == "110101"


def test_no_id_column_numbers_the_zones_and_one_name_column_serves_both(tmp_path):
    z = sample().iloc[:3][["name_zh", "geometry"]].rename(columns={"name_zh": "名称"})
    res = bnd.read_boundaries(write_zones(tmp_path, z), "zones")
    assert res.ok and res.report.ids_generated
    assert list(res.zones["zone_id"]) == ["Z0001", "Z0002", "Z0003"]
    assert list(res.zones["name_en"]) == list(res.zones["name_zh"]) == list(z["名称"])
    assert not res.report.synthetic and res.zones["source"].iloc[0] == "import: zones.geojson"


@pytest.mark.parametrize("name", ["Sub", "districts", "", "a/b", "x" * 41, "../up"])
def test_a_bad_set_name_is_refused(tmp_path, name):
    with pytest.raises(LoaderError, match="cannot name a boundary set"):
        bnd.read_boundaries(write_sample(tmp_path), name)


def test_a_file_without_polygons_is_refused(tmp_path):
    path = tmp_path / "points.csv"
    path.write_text("name,lon,lat\nA,116.4,39.9\n", encoding="utf-8")
    with pytest.raises(LoaderError, match="no geometries"):
        bnd.read_boundaries(path, "zones")


# --------------------------------------------------------------------------- the store


def test_a_bad_file_leaves_nothing(store, home, tmp_path):
    z = sample().iloc[:2][["zone_id", "geometry"]]
    z.loc[:, "zone_id"] = "same"
    res = bnd.read_boundaries(write_zones(tmp_path, z), "zones")
    assert not res.ok
    before = snapshot(home)
    with pytest.raises(WorkspaceError, match="nothing was written"):
        import_boundaries(LOCAL, "zones", res, home)
    with pytest.raises(WorkspaceError, match="nothing was written"):
        bnd.commit_boundaries("zones", res, home)
    assert snapshot(home) == before and bnd.list_boundaries(home) == []


def test_store_load_list_undo_remove(store, home, tmp_path):
    full = bnd.read_boundaries(write_sample(tmp_path), "sample")
    info = import_boundaries(LOCAL, "sample", full, home, source="zones.geojson")
    assert (info.version, info.zone_count, info.synthetic) == ("v0001.json", 107, True)
    loaded = bnd.load_boundaries("sample", home)
    assert list(loaded.columns) == [*bnd.ZONE_COLUMNS, "geometry"]
    assert loaded.crs.to_epsg() == 4326 and len(loaded) == 107
    assert shapely.equals(loaded.geometry.to_numpy(), full.zones.geometry.to_numpy()).all()
    part = bnd.read_boundaries(write_zones(tmp_path, sample().iloc[:10]), "sample")
    second = import_boundaries(LOCAL, "sample", part, home)
    assert second.version == "v0002.json" and len(bnd.load_boundaries("sample", home)) == 10
    assert [s.name for s in bnd.list_boundaries(home)] == ["sample"]
    assert undo_boundaries(LOCAL, "sample", home) == "v0001.json"
    assert len(bnd.load_boundaries("sample", home)) == 107
    removed = remove_boundaries(LOCAL, "sample", home)
    assert removed == "v0003.json" and bnd.list_boundaries(home) == []
    with pytest.raises(WorkspaceError, match="no boundary set 'sample'"):
        bnd.load_boundaries("sample", home)
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
    history = bnd.boundary_history("sample", home)
    assert [v.action for v in history] == ["save", "save", "reset"]
    # one zones file per content, never deleted
    assert len(bnd.zones_files("sample", home)) == 2
    files = sorted(p.name for p in bnd.set_dir("sample", home).glob("zones-*.parquet"))
    assert files == (bnd.zones_files("sample", home) if store == "workspace" else [])


def test_a_record_naming_another_path_is_not_followed(store, home, tmp_path):
    res = bnd.read_boundaries(write_sample(tmp_path), "sample")
    info = bnd.commit_boundaries("sample", res, home)
    if store == "workspace":
        record = bnd.set_dir("sample", home) / info.version
        data = json.loads(record.read_text(encoding="utf-8"))
        data["content"]["file"] = "../../layers/x.parquet"
        record.write_text(json.dumps(data), encoding="utf-8")
    else:  # the record edited by hand in the database
        _db_execute(
            "UPDATE atlas_documents SET content = jsonb_set(content, '{file}', "
            "'\"../../layers/x.parquet\"') WHERE name = 'boundaries/sample'"
        )
    with pytest.raises(WorkspaceError, match="names no zones file"):
        bnd.load_boundaries("sample", home)


def _db_execute(query: str, params: tuple = ()) -> list[tuple]:
    import psycopg

    from loaders.pg import database_url

    with psycopg.connect(database_url() or "") as conn:
        cur = conn.execute(query.encode(), params)  # pyright: ignore[reportArgumentType]
        return cur.fetchall() if cur.description else []


def test_list_boundaries_finds_the_sets_of_the_store_in_use(store, home, tmp_path):
    """The sets in effect are listed from the store in use. With a database that is its
    documents, whatever HOME says: a server or a command with another HOME (only its
    local cache) sees the sets another imported (listing HOME's folders found none)."""
    full = bnd.read_boundaries(write_sample(tmp_path), "sample")
    for name in ("beta", "alpha", "gamma"):
        bnd.commit_boundaries(name, full, home, source=f"{name}.geojson")
    there = home if store == "workspace" else tmp_path / "another-home"
    assert [s.name for s in bnd.list_boundaries(there)] == ["alpha", "beta", "gamma"]
    assert [s.source for s in bnd.list_boundaries(there)] == [
        "alpha.geojson",
        "beta.geojson",
        "gamma.geojson",
    ]
    assert len(bnd.load_boundaries("alpha", there)) == 107
    bnd.remove_boundaries("beta", there)
    bnd.undo_boundaries("gamma", there)  # its only version undone: no version in effect
    assert [s.name for s in bnd.list_boundaries(home)] == ["alpha"]
    assert [s.name for s in bnd.list_boundaries(there)] == ["alpha"]
    assert bnd.boundary_names(there) == ["alpha", "beta"]  # beta's removal is a version
    assert bnd.boundary_names(there, every=True) == ["alpha", "beta", "gamma"]
    with pytest.raises(WorkspaceError, match=r"sets in effect: alpha\)"):
        bnd.load_boundaries("beta", there)
    if store == "postgresql":  # nothing of the sets in either workspace
        assert not (home / "documents").exists() and not (there / "documents").exists()


def test_both_stores_give_the_same_zones(store, home, tmp_path):
    """load_boundaries on the store in use equals the workspace's: the same columns,
    dtypes, values and geometries to the bit."""
    from loaders.pg import using

    full = bnd.read_boundaries(write_sample(tmp_path), "sample")
    odd = full.zones.copy()  # a missing English name and a missing share come back so
    odd["name_en"] = odd["name_en"].astype("string").where(odd.index != 0, pd.NA)
    odd["district_share"] = odd["district_share"].where(odd.index != 1, np.nan)
    full = dataclasses.replace(full, zones=odd)
    with using(None):
        bnd.commit_boundaries("sample", full, tmp_path / "ws")
        want = bnd.load_boundaries("sample", tmp_path / "ws")
        want_info = bnd.boundary_info("sample", tmp_path / "ws")
    info = bnd.commit_boundaries("sample", full, home)
    got = bnd.load_boundaries("sample", home)
    pd.testing.assert_frame_equal(
        pd.DataFrame(got.drop(columns="geometry")), pd.DataFrame(want.drop(columns="geometry"))
    )
    assert got.crs == want.crs and got.geometry.name == "geometry"
    assert list(got.geometry.to_wkb()) == list(want.geometry.to_wkb())
    assert got["name_en"].isna().iloc[0] and np.isnan(got["district_share"].iloc[1])
    assert want_info is not None
    assert (info.zone_count, info.districts, info.synthetic) == (
        want_info.zone_count,
        want_info.districts,
        want_info.synthetic,
    )
    # the same zones name the same file in both stores: the records copy as they are
    assert bnd.zones_files("sample", home) == bnd.zones_files("sample", tmp_path / "ws")


def test_zones_copy_between_stores_under_their_names(store, home, tmp_path):
    """zones_files, read_zones and copy_zones (for ``store copy``): another store's zones
    files kept under the same names, once; the copied records then load."""
    from loaders.documents import load_document, save_document
    from loaders.pg import using

    full = bnd.read_boundaries(write_sample(tmp_path), "sample")
    part = bnd.read_boundaries(write_zones(tmp_path, sample().iloc[:5]), "sample")
    src = tmp_path / "src"
    with using(None):
        bnd.commit_boundaries("sample", full, src)
        bnd.commit_boundaries("sample", part, src)
        files = bnd.zones_files("sample", src)
        zones = {f: bnd.read_zones("sample", f, src) for f in files}
        content = load_document("boundaries/sample", src)
    assert len(files) == 2 and content is not None
    for f in files:
        bnd.copy_zones("sample", f, zones[f], home)
        bnd.copy_zones("sample", f, zones[f], home)  # once: write-once, kept as it was
    assert bnd.zones_files("sample", home) == files
    save_document("boundaries/sample", content, home)  # the record, as a copy makes it
    got = bnd.load_boundaries("sample", home)
    assert len(got) == 5 and list(got.geometry.to_wkb()) == list(
        zones[content["file"]].geometry.to_wkb()
    )
    with pytest.raises(WorkspaceError, match="not a zones file"):
        bnd.copy_zones("sample", "../x.parquet", zones[files[0]], home)
    with pytest.raises(WorkspaceError, match="lack name_zh"):
        bnd.copy_zones("sample", files[0], zones[files[0]].drop(columns="name_zh"), home)


def test_the_signature_changes_with_every_version(store, home, tmp_path):
    full = bnd.read_boundaries(write_sample(tmp_path), "sample")
    part = bnd.read_boundaries(write_zones(tmp_path, sample().iloc[:5]), "sample")
    seen = [bnd.boundary_signature("sample", home)]
    bnd.commit_boundaries("sample", full, home)
    seen.append(bnd.boundary_signature("sample", home))
    bnd.commit_boundaries("sample", part, home)
    seen.append(bnd.boundary_signature("sample", home))
    bnd.remove_boundaries("sample", home)
    seen.append(bnd.boundary_signature("sample", home))
    assert len(set(seen)) == 4
    bnd.undo_boundaries("sample", home)
    assert bnd.boundary_signature("sample", home) == seen[2]  # the same version again


def test_the_database_keeps_zones_write_once_with_their_version(store, home, tmp_path):
    """In the database a commit's zones and version are one transaction (a failure keeps
    neither), and stored zones cannot be changed."""
    if store == "workspace":
        pytest.skip("the database's own guarantees")
    import psycopg

    from loaders.pg.connection import transaction

    full = bnd.read_boundaries(write_sample(tmp_path), "sample")
    before = snapshot(home)
    with pytest.raises(RuntimeError), transaction():
        bnd.commit_boundaries("sample", full, home)
        raise RuntimeError("a failure after the commit, inside its transaction")
    assert snapshot(home) == before and bnd.list_boundaries(home) == []
    bnd.commit_boundaries("sample", full, home)
    with pytest.raises(psycopg.errors.IntegrityConstraintViolation, match="write-once"):
        _db_execute("UPDATE atlas_boundary_zones SET name_zh = 'x' WHERE ord = 0")
    with pytest.raises(psycopg.errors.CheckViolation):
        _db_execute(
            "INSERT INTO atlas_boundary_zone_sets (name, file, zones) VALUES "
            "('sample', '../x.parquet', 1)"
        )
    rows = _db_execute(
        "SELECT count(*), count(*) FILTER (WHERE ST_Contains(geom, "
        "ST_SetSRID(ST_MakePoint(116.40, 39.91), 4326))) FROM atlas_boundary_zones"
    )
    assert rows[0][0] == 107 and rows[0][1] >= 1  # PostGIS polygons: queryable by SQL


# --------------------------------------------------------------------------- rights


def test_an_editor_imports_only_zones_of_their_districts(store, home, tmp_path):
    editor = Actor("ed", "editor", ("110105",))
    own = bnd.read_boundaries(
        write_zones(tmp_path, sample()[sample()["adcode"] == "110105"], "chaoyang.geojson"),
        "chaoyang",
    )
    info = import_boundaries(editor, "chaoyang", own, home, source="chaoyang.geojson")
    assert info.zone_count == 4 and can_undo_boundaries(editor, "chaoyang", home)
    city = bnd.read_boundaries(write_sample(tmp_path), "city")
    with pytest.raises(PermissionDenied) as refused:
        import_boundaries(editor, "city", city, home, source="zones-wgs84.geojson")
    assert refused.value.problems and refused.value.problems[0].column == "adcode"
    assert "zones-wgs84.geojson, row 1, column 'adcode'" in str(refused.value)
    assert bnd.boundary_info("city", home) is None
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
    assert bnd.boundary_info("admins", home).version == "v0001.json"  # type: ignore[union-attr]
    assert remove_boundaries(editor, "chaoyang", home) == "v0002.json"  # their own


def test_a_viewer_writes_no_boundary_set(store, home, tmp_path):
    viewer = Actor("vera", "viewer")
    res = bnd.read_boundaries(write_sample(tmp_path), "sample")
    with pytest.raises(PermissionDenied):
        import_boundaries(viewer, "sample", res, home)
    assert snapshot(home) == snapshot(tmp_path / "untouched")
