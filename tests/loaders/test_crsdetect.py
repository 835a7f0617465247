"""Auto-detection of the coordinate system: the definition of done and its edges."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dashboard.cli import main
from loaders.chinacrs import wgs84_to_gcj02
from loaders.crsdetect import Evidence, decide, locate
from loaders.importer import ImportOptions, import_file

from .conftest import ZH_DISTRICT, near_border_points, provider_export, shipped_places


@pytest.mark.parametrize(
    "system,encoding,fname",
    [
        ("gcj02", "gbk", "调查导出.csv"),
        ("gcj02", "utf-8", "survey.csv"),
        ("bd09", "gbk", "survey_b.csv"),
        ("bd09", "utf-8-sig", "调查.csv"),
    ],
)
def test_provider_export_imports_into_the_right_system(tmp_path, home, system, encoding, fname):
    """Done-when: an AMap/Baidu-style export with Chinese headers (GBK or UTF-8) imports with
    --crs auto into the right system with >= 98% of rows in the district it names."""
    places = shipped_places()
    export = provider_export(system, places)
    path = tmp_path / fname
    export.to_csv(path, index=False, encoding=encoding)
    report = tmp_path / "report.json"
    rc = main(["import", str(path), "--layer", "key-locations", "--report", str(report)])
    assert rc == 0
    import json

    rep = json.loads(report.read_text(encoding="utf-8"))
    assert rep["crs"] == system
    assert rep["crs_confidence"] in ("high", "medium")
    assert any(e["source"] == "districts" and e["system"] == system for e in rep["crs_evidence"])
    assert not any(e["source"] == "landmarks" and e["system"] for e in rep["crs_evidence"])
    assert rep["encoding"] == ("gb18030" if encoding == "gbk" else encoding)
    assert rep["columns"]["district"] == "区"
    # the imported rows sit in the district the file names
    from dashboard.engine.layers import load_layer

    layer = load_layer("key-locations")
    imported = layer[layer["name_zh"].str.endswith("（调查点）")]
    assert len(imported) == len(places)
    named = imported["address"].str.replace("北京市", "", regex=False)
    in_named = (imported["adcode"].map(ZH_DISTRICT) == named).mean()
    assert in_named >= 0.98
    # and at their true WGS-84 positions
    merged = imported.assign(key=imported["name_zh"].str.replace("（调查点）", "", regex=False))
    truth = places.drop_duplicates("name_zh").set_index("name_zh")
    m = merged[merged["key"].isin(truth.index)]
    assert np.abs(m["lon"].to_numpy() - truth.loc[m["key"], "lon"].to_numpy()).max() < 1e-5


@pytest.mark.parametrize("system", ["wgs84", "gcj02", "bd09"])
def test_district_evidence_near_borders(tmp_path, system):
    pts = near_border_points()
    if system == "wgs84":
        export = pts.assign(经度=pts["lon"], 纬度=pts["lat"])
    else:
        export = provider_export(system, pts)
    export = export.assign(区=pts["adcode"].map(ZH_DISTRICT), 名称=pts["name_zh"], 类型="酒店")
    p = tmp_path / "border.csv"
    export[["名称", "类型", "区", "经度", "纬度"]].to_csv(p, index=False)
    r = import_file(p, ImportOptions(layer="key-locations"))
    assert r.report.crs == system
    assert r.report.crs_confidence == "high"
    assert r.report.crs_scores[system] == 1.0
    assert max(v for k, v in r.report.crs_scores.items() if k != system) < 0.9


def test_no_evidence_is_undetermined_and_warns(tmp_path):
    p = tmp_path / "plain.csv"
    pd.DataFrame(
        {"name": ["x1", "x2"], "category": "hotel", "lon": [116.40, 116.45], "lat": [39.9, 39.95]}
    ).to_csv(p, index=False)
    r = import_file(p, ImportOptions(layer="key-locations"))
    assert r.report.crs == "wgs84"
    assert r.report.crs_confidence == "undetermined"
    assert any("undetermined" in w for w in r.report.warnings)


def test_name_hint_alone_is_low_confidence(tmp_path):
    p = tmp_path / "amap_poi.csv"
    x, y = wgs84_to_gcj02(np.array([116.40, 116.45]), np.array([39.9, 39.95]))
    pd.DataFrame({"name": ["x1", "x2"], "category": "hotel", "lng": x, "lat": y}).to_csv(
        p, index=False
    )
    r = import_file(p, ImportOptions(layer="key-locations"))
    assert r.report.crs == "gcj02"
    assert r.report.crs_confidence == "low"
    assert r.report.warnings


def test_declared_system_contradicted_by_strong_evidence_warns(tmp_path):
    pts = near_border_points(200)
    export = provider_export("gcj02", pts).assign(区=pts["adcode"].map(ZH_DISTRICT))
    p = tmp_path / "x.csv"
    export.to_csv(p, index=False)
    r = import_file(p, ImportOptions(layer="key-locations", crs="wgs84"))
    assert r.report.crs == "wgs84" and r.report.crs_confidence == "declared"
    assert any("evidence points to GCJ-02" in w for w in r.report.warnings)
    assert r.report.district_mismatches > 0


def test_decide_rules():
    assert decide([]).confidence == "undetermined"
    tie = decide([Evidence("names", "gcj02", 1, ""), Evidence("names", "bd09", 1, "")])
    assert tie.confidence == "undetermined" and tie.system == "wgs84"
    strong = decide([Evidence("districts", "bd09", 3, ""), Evidence("format", "wgs84", 1, "")])
    assert (strong.system, strong.confidence) == ("bd09", "high")


def test_locate_uses_the_district_polygons():
    from loaders.crsdetect import districts

    d = districts()
    pts = d.geometry.representative_point()
    got = locate(pts.x.to_numpy(), pts.y.to_numpy())
    assert list(got) == list(d["adcode"])
    assert list(locate(np.array([2.35, np.nan]), np.array([48.85, 39.9]))) == ["", ""]


def test_amap_and_baidu_api_style_columns(tmp_path):
    """AMap place-search style (location "lng,lat", adname, type path) and Baidu style
    (uid, area, lng/lat) exports are recognised and put in the right system."""
    places = shipped_places()
    amap = provider_export("gcj02", places)
    a = pd.DataFrame(
        {
            "id": [f"B0FFG{i:05d}" for i in range(len(amap))],
            "name": amap["名称"],
            "type": "住宿服务;宾馆酒店;五星级宾馆",
            "typecode": "100101",
            "pname": "北京市",
            "cityname": "北京市",
            "adname": amap["区"],
            "address": amap["地址"],
            "location": amap["经度"].map("{:.6f}".format) + "," + amap["纬度"].map("{:.6f}".format),
        }
    )
    pa = tmp_path / "poi.csv"
    a.to_csv(pa, index=False, encoding="utf-8")
    r = import_file(pa, ImportOptions(layer="key-locations"))
    assert r.report.columns["location"] == "location" and r.report.columns["district"] == "adname"
    assert (r.report.crs, r.report.rows_kept) == ("gcj02", len(places))
    assert set(r.frame["category"]) == {"hotel"}
    baidu = provider_export("bd09", places)
    b = pd.DataFrame(
        {
            "uid": [f"{i:024x}" for i in range(len(baidu))],
            "name": baidu["名称"],
            "province": "北京市",
            "city": "北京市",
            "area": baidu["区"],
            "address": baidu["地址"],
            "lng": baidu["经度"],
            "lat": baidu["纬度"],
            "tag": "酒店;星级酒店",
        }
    )
    pb = tmp_path / "places.xlsx"
    b.to_excel(pb, index=False)
    r = import_file(pb, ImportOptions(layer="key-locations", mapping={"category": "tag"}))
    assert (r.report.crs, r.report.rows_kept) == ("bd09", len(places))
    assert r.report.crs_scores["bd09"] >= 0.98
