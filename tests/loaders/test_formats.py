"""Every supported format, encoding and column convention, read from real files."""

from __future__ import annotations

import json
import zipfile

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from loaders.chinacrs import wgs84_to_gcj02
from loaders.errors import LoaderError
from loaders.importer import ImportOptions, import_file
from loaders.readers import detect_delimiter, detect_encoding

from .conftest import provider_export, shipped_places

PLACES = shipped_places().head(12)


def wgs_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "名称": PLACES["name_zh"],
            "类型": "酒店",
            "经度": PLACES["lon"],
            "纬度": PLACES["lat"],
        }
    )


def run(path, layer="key-locations", **kw):
    return import_file(path, ImportOptions(layer=layer, **kw))


@pytest.mark.parametrize(
    "encoding,expected",
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gb18030"), ("gb18030", "gb18030")],
)
def test_csv_encodings(tmp_path, encoding, expected):
    p = tmp_path / "in.csv"
    wgs_table().to_csv(p, index=False, encoding=encoding)
    r = run(p, crs="wgs84")
    assert r.report.encoding == expected
    assert r.report.rows_kept == len(PLACES)
    assert list(r.frame["name_zh"]) == list(PLACES["name_zh"])


def test_big5(tmp_path):
    p = tmp_path / "big5.csv"
    text = (
        "名稱,類型,經度,緯度\n國家博物館,博物館,116.4012,39.9051\n臺灣會館,酒店,116.3902,39.8990\n"
    )
    p.write_bytes(text.encode("big5"))
    assert detect_encoding(p.read_bytes()) == "big5"
    r = run(
        p, crs="wgs84", mapping={"name": "名稱", "lon": "經度", "lat": "緯度", "category": "類型"}
    )
    assert r.report.encoding == "big5"
    assert r.frame["name_zh"].tolist() == ["國家博物館", "臺灣會館"]
    assert r.frame["category"].tolist() == ["museum", "hotel"]


def test_utf16_tab_separated_excel_unicode_text(tmp_path):
    p = tmp_path / "unicode.txt"
    wgs_table().to_csv(p, index=False, sep="\t", encoding="utf-16")
    r = run(p, crs="wgs84")
    assert r.report.delimiter == "\t"
    assert r.report.rows_kept == len(PLACES)


@pytest.mark.parametrize("sep", [",", "\t", ";", "|"])
def test_delimiters(tmp_path, sep):
    p = tmp_path / "in.txt"
    wgs_table().to_csv(p, index=False, sep=sep)
    assert detect_delimiter(p.read_text()) == sep
    assert run(p, crs="wgs84").report.rows_kept == len(PLACES)


def test_english_headers_single_location_column_and_wkt(tmp_path):
    a = tmp_path / "loc.csv"
    pd.DataFrame(
        {
            "Name": PLACES["name_en"],
            "Type": "hotel",
            "location": PLACES["lon"].astype(str) + "," + PLACES["lat"].astype(str),
        }
    ).to_csv(a, index=False)
    r = run(a, crs="wgs84")
    assert r.report.columns["location"] == "location"
    np.testing.assert_allclose(r.frame["lon"], PLACES["lon"], atol=1e-6)
    b = tmp_path / "wkt.csv"
    pd.DataFrame(
        {
            "name": PLACES["name_en"],
            "category": "hotel",
            "WKT": [f"POINT ({x} {y})" for x, y in zip(PLACES["lon"], PLACES["lat"], strict=True)],
        }
    ).to_csv(b, index=False)
    r = run(b, crs="wgs84")
    assert r.report.columns["wkt"] == "WKT"
    np.testing.assert_allclose(r.frame["lat"], PLACES["lat"], atol=1e-6)
    assert set(r.frame["name_en"]) == set(PLACES["name_en"])


def test_mapping_override_and_set(tmp_path):
    p = tmp_path / "odd.csv"
    pd.DataFrame({"标签": PLACES["name_zh"], "E": PLACES["lon"], "N": PLACES["lat"]}).to_csv(
        p, index=False
    )
    r = run(
        p,
        crs="wgs84",
        mapping={"name": "标签", "lon": "E", "lat": "N"},
        fixed={"category": "museum"},
    )
    assert r.report.rows_kept == len(PLACES)
    assert set(r.frame["category"]) == {"museum"}
    assert set(r.frame["sector"]) == {"culture_tourism"}
    with pytest.raises(LoaderError, match="no column 'nope'"):
        run(p, mapping={"lon": "nope"})
    with pytest.raises(LoaderError, match="not a settable field"):
        run(p, mapping={"name": "标签", "lon": "E", "lat": "N"}, fixed={"colour": "red"})


def test_swapped_columns_are_detected(tmp_path):
    p = tmp_path / "swapped.csv"
    t = wgs_table()
    t["经度"], t["纬度"] = t["纬度"].copy(), t["经度"].copy()
    t.to_csv(p, index=False)
    r = run(p, crs="wgs84")
    assert r.report.swapped == len(PLACES)
    np.testing.assert_allclose(r.frame["lon"], PLACES["lon"], atol=1e-6)


def test_xlsx_with_chinese_headers_and_sheet_choice(tmp_path):
    p = tmp_path / "survey.xlsx"
    with pd.ExcelWriter(p) as xw:
        pd.DataFrame({"说明": ["封面"]}).to_excel(xw, sheet_name="封面", index=False)
        wgs_table().to_excel(xw, sheet_name="数据", index=False)
    r = run(p, crs="wgs84", sheet="数据")
    assert r.report.rows_kept == len(PLACES)
    assert r.report.format == "Excel"
    with pytest.raises(LoaderError, match="no coordinate columns"):
        run(p, crs="wgs84")  # the first sheet with data is the cover sheet


def test_geojson_and_osm_geojson(tmp_path):
    gdf = gpd.GeoDataFrame(
        {"name": PLACES["name_zh"], "type": "hotel"},
        geometry=gpd.points_from_xy(PLACES["lon"], PLACES["lat"]),
        crs="EPSG:4326",
    )
    p = tmp_path / "in.geojson"
    gdf.to_file(p, driver="GeoJSON")
    r = run(p)
    assert r.report.format == "GeoJSON"
    assert r.report.rows_kept == len(PLACES)
    osm = tmp_path / "osm.geojson"
    feats = [
        {
            "type": "Feature",
            "id": f"node/{i}",
            "properties": {
                "@id": f"node/{i}",
                "amenity": "atm",
                "name": f"ATM {i}",
                "payment:visa": "yes",
                "payment:mastercard": "yes",
                "check_date": "2024-05-01",
            },
            "geometry": {"type": "Point", "coordinates": [116.40 + i / 1000, 39.91]},
        }
        for i in range(5)
    ]
    osm.write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
    r = run(osm, layer="payments")
    assert r.report.rows_kept == 5
    assert r.report.crs == "wgs84"
    row = r.frame.iloc[0]
    assert row["category"] == "foreign_card_atm"
    assert set(row["capabilities"].split(";")) == {"cash", "atm_withdrawal"}
    assert row["card_schemes"] == "visa;mastercard"
    assert row["id"] == "osm-node-0"


def test_overpass_json_payment_tags(tmp_path):
    elements = [
        {
            "type": "node",
            "id": 1,
            "lat": 39.9087,
            "lon": 116.3975,
            "tags": {"amenity": "bureau_de_change", "name": "外币兑换", "currency:USD": "yes"},
        },
        {
            "type": "node",
            "id": 2,
            "lat": 39.9150,
            "lon": 116.4100,
            "tags": {
                "shop": "mall",
                "name": "商场",
                "payment:alipay": "yes",
                "payment:visa": "yes",
                "payment:cash": "yes",
            },
        },
        {
            "type": "way",
            "id": 3,
            "center": {"lat": 39.9200, "lon": 116.4300},
            "tags": {"amenity": "bank", "name": "银行"},
        },
        {"type": "node", "id": 4, "lat": 39.93, "lon": 116.44},  # untagged: ignored
    ]
    p = tmp_path / "overpass.json"
    p.write_text(json.dumps({"version": 0.6, "generator": "Overpass API", "elements": elements}))
    r = run(p, layer="payments", fixed={"in_service_date": "2024-01-01"})
    assert r.report.format == "Overpass JSON"
    assert r.report.rows_kept == 3
    f = r.frame.set_index("id")
    assert f.loc["osm-node-1", "category"] == "currency_exchange"
    assert "currency_exchange" in f.loc["osm-node-1", "capabilities"]
    assert f.loc["osm-node-2", "category"] == "foreign_card_pos"
    assert set(f.loc["osm-node-2", "capabilities"].split(";")) == {
        "foreign_card",
        "foreign_wallet",
        "cash",
    }
    assert f.loc["osm-node-2", "wallets"] == "alipay_intl"
    assert f.loc["osm-way-3", "category"] == "currency_exchange"
    assert any(e["source"] == "provenance" for e in r.report.crs_evidence)


def test_zipped_shapefile_with_prj_and_cpg(tmp_path):
    gdf = gpd.GeoDataFrame(
        {"名称": PLACES["name_zh"], "类型": "酒店"},
        geometry=gpd.points_from_xy(PLACES["lon"], PLACES["lat"]),
        crs="EPSG:4326",
    ).to_crs("EPSG:32650")
    d = tmp_path / "shp"
    d.mkdir()
    gdf.to_file(d / "places.shp", encoding="GBK")
    assert (d / "places.cpg").exists() and (d / "places.prj").exists()
    z = tmp_path / "places.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for f in d.iterdir():
            zf.write(f, f"export/{f.name}")
    r = run(z)
    assert r.report.format == "Shapefile (zip)"
    assert r.report.crs == "EPSG:32650"
    assert r.report.crs_confidence == "declared"
    assert r.frame["name_zh"].tolist() == PLACES["name_zh"].tolist()
    np.testing.assert_allclose(r.frame["lon"], PLACES["lon"], atol=1e-6)


def test_shapefile_without_cpg_in_gbk(tmp_path):
    gdf = gpd.GeoDataFrame(
        {"名称": PLACES["name_zh"], "类型": "酒店"},
        geometry=gpd.points_from_xy(PLACES["lon"], PLACES["lat"]),
        crs="EPSG:4326",
    )
    d = tmp_path / "shp"
    d.mkdir()
    gdf.to_file(d / "p.shp", encoding="GBK")
    (d / "p.cpg").unlink()
    z = tmp_path / "p.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for f in d.iterdir():
            zf.write(f, f.name)
    r = run(z, crs="wgs84")
    assert r.frame["name_zh"].tolist() == PLACES["name_zh"].tolist()
    assert any("encoding detected" in n for n in r.report.notes)


def test_geopackage_layer_choice_and_polygons(tmp_path):
    p = tmp_path / "data.gpkg"
    pts = gpd.GeoDataFrame(
        {"name": PLACES["name_zh"], "category": "hotel"},
        geometry=gpd.points_from_xy(PLACES["lon"], PLACES["lat"]),
        crs="EPSG:4326",
    )
    polys = pts.copy()
    polys["geometry"] = pts.buffer(0.001)
    polys.to_file(p, layer="footprints", driver="GPKG")
    pts.to_file(p, layer="poi", driver="GPKG")
    r = run(p, crs="wgs84")  # the first point layer is chosen
    assert any("poi" in n for n in r.report.notes)
    assert r.report.rows_kept == len(PLACES)
    r2 = run(p, crs="wgs84", layer_name="footprints")
    assert any("representative point" in n for n in r2.report.notes)
    np.testing.assert_allclose(r2.frame["lon"], PLACES["lon"], atol=2e-3)
    with pytest.raises(LoaderError, match="no layer 'roads'"):
        run(p, layer_name="roads")


def test_geoparquet_and_plain_parquet(tmp_path):
    gdf = gpd.GeoDataFrame(
        {"name": PLACES["name_zh"], "category": "hotel"},
        geometry=gpd.points_from_xy(PLACES["lon"], PLACES["lat"]),
        crs="EPSG:4326",
    )
    p = tmp_path / "g.parquet"
    gdf.to_parquet(p)
    assert run(p).report.format == "GeoParquet"
    q = tmp_path / "plain.parquet"
    pd.DataFrame(
        {"name": PLACES["name_zh"], "category": "hotel", "lng": PLACES["lon"], "lat": PLACES["lat"]}
    ).to_parquet(q)
    r = run(q, crs="wgs84")
    assert r.report.rows_kept == len(PLACES)


def test_kml(tmp_path):
    gdf = gpd.GeoDataFrame(
        {"Name": PLACES["name_en"], "Description": "hotel"},
        geometry=gpd.points_from_xy(PLACES["lon"], PLACES["lat"]),
        crs="EPSG:4326",
    )
    p = tmp_path / "places.kml"
    gdf.to_file(p, driver="KML")
    r = run(p, fixed={"category": "hotel"})
    assert r.report.format == "KML"
    assert r.report.rows_kept == len(PLACES)
    assert any(e["source"] == "format" for e in r.report.crs_evidence)


def test_declared_epsg_for_projected_csv(tmp_path):
    x, y = (
        gpd.GeoSeries(gpd.points_from_xy(PLACES["lon"], PLACES["lat"]), crs=4326)
        .to_crs(4547)
        .pipe(lambda s: (s.x, s.y))
    )
    p = tmp_path / "cgcs_gk.csv"
    pd.DataFrame({"名称": PLACES["name_zh"], "类型": "酒店", "X": x, "Y": y}).to_csv(p, index=False)
    with pytest.raises(LoaderError, match="look projected"):
        run(p)
    r = run(p, crs="EPSG:4547")
    assert r.report.crs == "EPSG:4547"
    np.testing.assert_allclose(r.frame["lon"], PLACES["lon"], atol=1e-6)


def test_gcj02_declared(tmp_path):
    p = tmp_path / "g.csv"
    provider_export("gcj02", PLACES).to_csv(p, index=False)
    r = run(p, crs="gcj02")
    assert r.report.crs == "gcj02" and r.report.crs_confidence == "declared"
    np.testing.assert_allclose(r.frame["lon"], PLACES["lon"], atol=1e-6)
    np.testing.assert_allclose(r.frame["lat"], PLACES["lat"], atol=1e-6)


def test_events_and_payments_fields(tmp_path):
    p = tmp_path / "events.csv"
    pd.DataFrame(
        {
            "名称": ["服贸会", "论坛"],
            "类型": ["展览", "论坛"],
            "开始日期": ["2024-09-12", "2024/10/01"],
            "结束日期": ["2024-09-16", "2024-10-02"],
            "经度": [116.38, 116.47],
            "纬度": [39.99, 39.95],
        }
    ).to_csv(p, index=False)
    r = run(p, layer="events", crs="wgs84")
    assert r.frame["start_date"].tolist() == ["2024-09-12", "2024-10-01"]
    assert r.frame["category"].tolist() == ["exhibition", "forum"]
    q = tmp_path / "pay.csv"
    pd.DataFrame(
        {
            "名称": ["兑换点"],
            "类型": ["外币兑换点"],
            "capabilities": ["currency_exchange，cash"],
            "启用日期": ["2024-01-02"],
            "经度": [116.40],
            "纬度": [39.91],
        }
    ).to_csv(q, index=False)
    r = run(q, layer="payments", crs="wgs84")
    assert r.frame.iloc[0]["capabilities"] == "currency_exchange;cash"
    assert r.frame.iloc[0]["category"] == "currency_exchange"


def test_geometry_repair_and_empty(tmp_path):
    bowtie = "POLYGON ((116.40 39.90, 116.41 39.91, 116.41 39.90, 116.40 39.91, 116.40 39.90))"
    p = tmp_path / "geoms.csv"
    pd.DataFrame(
        {
            "name": ["a", "b", "c"],
            "category": "hotel",
            "wkt": [bowtie, "POINT EMPTY", "POINT (116.4 39.9)"],
        }
    ).to_csv(p, index=False)
    r = run(p, crs="wgs84")
    assert r.report.geometries_repaired == 1
    assert r.report.geometries_dropped == 1
    assert r.report.rows_kept == 2
    assert shapely.is_valid(r.frame.geometry.values).all()


def test_gcj02_shift_is_what_the_importer_undoes(tmp_path):
    # a single GCJ-02 point declared as such lands on the WGS-84 original to < 1 cm
    x, y = wgs84_to_gcj02(116.397925, 39.915987)
    p = tmp_path / "one.csv"
    p.write_text(f"name,category,lng,lat\n故宫,museum,{x:.9f},{y:.9f}\n", encoding="utf-8")
    r = run(p, crs="gcj02")
    assert r.frame.iloc[0]["lon"] == pytest.approx(116.397925, abs=1e-7)


def test_kmz_quoted_newlines_and_geojson_crs_member(tmp_path):
    gdf = gpd.GeoDataFrame(
        {"Name": PLACES["name_en"]},
        geometry=gpd.points_from_xy(PLACES["lon"], PLACES["lat"]),
        crs="EPSG:4326",
    )
    kml = tmp_path / "doc.kml"
    gdf.to_file(kml, driver="KML")
    kmz = tmp_path / "places.kmz"
    with zipfile.ZipFile(kmz, "w") as zf:
        zf.write(kml, "doc.kml")
    r = run(kmz, fixed={"category": "hotel"})
    assert r.report.rows_kept == len(PLACES) and "kmz" in r.report.format
    # an address cell with a line break inside quotes stays one row
    p = tmp_path / "nl.csv"
    p.write_text(
        '名称,地址,类型,经度,纬度\n国贸,"建国门外大街1号\n国贸商城",商场,116.459,39.9097\n',
        encoding="utf-8",
    )
    r = run(p, crs="wgs84")
    assert r.report.rows_read == 1 and r.frame.iloc[0]["address"] == "建国门外大街1号\n国贸商城"
    # an old-style GeoJSON "crs" member naming a projected system is honoured
    merc = gdf.to_crs(3857)
    feats = [
        {
            "type": "Feature",
            "properties": {"name": n, "category": "hotel"},
            "geometry": {"type": "Point", "coordinates": [pt.x, pt.y]},
        }
        for n, pt in zip(merc["Name"], merc.geometry, strict=True)
    ]
    g = tmp_path / "merc.geojson"
    g.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": feats,
                "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}},
            }
        )
    )
    r = run(g)
    assert r.report.crs == "EPSG:3857"
    np.testing.assert_allclose(r.frame["lon"], PLACES["lon"], atol=1e-6)


def test_rows_with_a_wrong_field_count_keep_file_row_numbers(tmp_path):
    p = tmp_path / "ragged.csv"
    p.write_text(
        "名称,类型,经度,纬度\n甲,商场,116.45,39.90\n乙,商场,116.45,39.90,多余\n丙,商场,116.46\n"
        "丁,商场,abc,39.91\n",
        encoding="utf-8",
    )
    r = run(p, crs="wgs84")
    assert r.report.rows_read == 4 and r.report.rows_kept == 1
    rows = {(p.row, p.message.split(":")[0]) for p in r.report.problems}
    assert (2, "wrong number of fields") in rows and (3, "wrong number of fields") in rows
    assert (4, "not a number") in rows
    assert r.preview["row"].tolist() == [1, 4]


def test_legacy_xls_with_chinese_headers_in_gcj02(tmp_path):
    """A real BIFF8 .xls (as older survey tools save), Chinese headers, AMap coordinates."""
    import xlwt

    lon, lat = wgs84_to_gcj02(PLACES["lon"].to_numpy(), PLACES["lat"].to_numpy())
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("高德导出")
    for c, name in enumerate(["名称", "地址", "经度", "纬度"]):
        sheet.write(0, c, name)
    for r, (name, x, y) in enumerate(zip(PLACES["name_zh"], lon, lat), start=1):
        sheet.write(r, 0, name)
        sheet.write(r, 1, "北京市")
        sheet.write(r, 2, float(x))
        sheet.write(r, 3, float(y))
    p = tmp_path / "survey.xls"
    book.save(str(p))
    r = run(p, crs="gcj02", fixed={"category": "hotel"})
    assert r.report.rows_kept == len(PLACES)
    got = r.frame.sort_values("name_zh")
    want = PLACES.sort_values("name_zh")
    assert np.allclose(got["lon"].to_numpy(), want["lon"].to_numpy(), atol=1e-6)
    assert np.allclose(got["lat"].to_numpy(), want["lat"].to_numpy(), atol=1e-6)
