"""loaders.importer: each stage of `clean` on its own, on small hand-made tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from loaders import columns as colmod
from loaders import importer as im
from loaders.chinacrs import gcj02_to_wgs84, wgs84_to_gcj02
from loaders.errors import LoaderError
from loaders.readers import RawTable

GUOMAO = (116.4590, 39.9097)  # Chaoyang
TIANANMEN = (116.3975, 39.9087)  # Dongcheng


def table(rows: list[tuple], cols=("名称", "类型", "经度", "纬度", "区")) -> pd.DataFrame:
    return pd.DataFrame([[str(v) for v in r] for r in rows], columns=list(cols))


def stages(df: pd.DataFrame, bad_lines=(), layer="key-locations"):
    raw = RawTable(df=df, fmt="CSV", encoding="utf-8", bad_lines=list(bad_lines))
    options = im.ImportOptions(layer=layer)
    df = im.header_columns(raw.df, "t.csv")
    rep, probs = im.start_report(raw, df, options, "t.csv")
    mapping = colmod.recognise(list(df.columns))
    return raw, df, rep, probs, mapping


def test_header_columns_cleans_names_and_refuses_duplicates_and_no_rows():
    df = pd.DataFrame({"\ufeff名称 ": ["a"], " 经度": ["1"]})
    assert list(im.header_columns(df, "t.csv").columns) == ["名称", "经度"]
    with pytest.raises(LoaderError, match="duplicated column names"):
        im.header_columns(pd.DataFrame([["a", "b"]], columns=["名称", "名称 "]), "t.csv")
    with pytest.raises(LoaderError, match="no data rows"):
        im.header_columns(pd.DataFrame(columns=["名称"]), "t.csv")


def test_start_report_numbers_rows_past_the_ones_the_parser_skipped():
    df = table([("甲", "商场", *GUOMAO, ""), ("乙", "商场", *GUOMAO, "")])
    _, _, rep, probs, _ = stages(df, bad_lines=[1])
    assert rep.rows_read == 3
    assert probs.rowmap.tolist() == [2, 3]
    assert [p.row for p in probs.items] == [1] and "skipped" in rep.warnings[0]


def test_coordinates_swap_range_and_projected():
    df = table(
        [
            ("甲", "商场", 39.9097, 116.4590, ""),
            ("乙", "商场", 200, 95, ""),
            ("丙", "商场", "", "", ""),
        ]
    )
    raw, df, rep, probs, mapping = stages(df)
    pts = im.coordinates(raw, df, mapping, probs, rep, None, "t.csv")
    assert (pts.lon[0], pts.lat[0]) == GUOMAO and rep.swapped == 1
    assert pts.usable.tolist() == [True, False, False]
    assert probs.drop.tolist() == [False, True, True]
    metres = table([("甲", "商场", 450000, 4420000, "")] * 3)
    raw, df, rep, probs, mapping = stages(metres)
    with pytest.raises(LoaderError, match="look projected"):
        im.coordinates(raw, df, mapping, probs, rep, None, "t.csv")


def test_named_districts_maps_names_and_warns_on_unknown_ones():
    df = table(
        [
            ("甲", "商场", *GUOMAO, "朝阳区"),
            ("乙", "商场", *GUOMAO, "浦东新区"),
            ("丙", "商场", *GUOMAO, ""),
        ]
    )
    _, df, _, probs, mapping = stages(df)
    named = im.named_districts(df, mapping, None, {}, probs)
    assert named.tolist() == ["110105", "", ""]
    assert [(p.row, p.severity) for p in probs.items] == [(2, "warning")]
    assert (
        im.named_districts(df, mapping, None, {"district": "东城区"}, probs).tolist()
        == ["110101"] * 3
    )


def test_rectify_converts_gcj02_and_leaves_wgs84():
    gx, gy = wgs84_to_gcj02(*GUOMAO)
    df = table([("国贸", "商场", gx, gy, "朝阳区")])
    raw, df, rep, probs, mapping = stages(df)
    pts = im.coordinates(raw, df, mapping, probs, rep, None, "t.csv")
    named = im.named_districts(df, mapping, None, {}, probs)
    out = im.rectify(raw, "gcj02", pts, named, None, mapping, "t.csv", rep)
    assert rep.crs == "gcj02" and rep.crs_confidence == "declared"
    assert (out.lon[0], out.lat[0]) == pytest.approx(gcj02_to_wgs84(gx, gy))
    same = im.rectify(raw, "wgs84", pts, named, None, mapping, "t.csv", rep)
    assert same.lon[0] == gx and rep.crs == "wgs84"


def test_locate_drops_points_outside_and_warns_on_a_different_named_district():
    df = table(
        [
            ("甲", "商场", *GUOMAO, "东城区"),
            ("外滩", "商场", 121.49, 31.24, ""),
            ("乙", "商场", *TIANANMEN, "东城区"),
        ]
    )
    raw, df, rep, probs, mapping = stages(df)
    pts = im.coordinates(raw, df, mapping, probs, rep, None, "t.csv")
    named = im.named_districts(df, mapping, None, {}, probs)
    located = im.locate(pts, named, mapping, probs, rep)
    assert located.tolist() == ["110105", "", "110101"]
    assert rep.outside_beijing == 1 and rep.district_mismatches == 1
    assert probs.drop.tolist() == [False, True, False]


def test_drop_duplicates_drops_repeats_and_renames_repeated_ids():
    out = pd.DataFrame(
        {
            "id": pd.array(["A", "A", "B", "B"], dtype="string"),
            "name_zh": ["甲", "乙", "丙", "丙"],
            "name_en": [None] * 4,
            "category": ["hotel"] * 4,
        }
    )
    lon = np.array([116.40, 116.41, 116.42, 116.42])
    pts = im.Points(lon, np.full(4, 39.9), "经度", None, np.ones(4, dtype=bool))
    probs, rep = im._Problems("t.csv", 4), im.ImportReport(file="t.csv", layer="key-locations")
    im.drop_duplicates(out, pts, {}, probs, rep)
    assert probs.drop.tolist() == [False, False, False, True]  # the repeated row
    assert rep.duplicates == 1 and rep.ids_renamed == 1
    assert out["id"].tolist() == ["A", "A-dup1", "B", "B"]


def test_model_check_drops_failing_rows_numbered_as_in_the_file():
    df = table([("甲", "商场", *GUOMAO, ""), ("乙", "商场", *GUOMAO, "")])
    raw, df, rep, probs, mapping = stages(df, bad_lines=[1])
    out = im._model_fields(df, mapping, None, {}, "key-locations", probs, "t.csv", {})
    out["adcode"] = pd.Series(["110105", "110105"], dtype="string")
    out["lon"], out["lat"] = GUOMAO
    out.loc[1, "sector"] = "space"  # not a sector: the model refuses it
    frame = im.model_check(out, "key-locations", "t.csv", probs)
    assert len(frame) == 1 and probs.drop.tolist() == [False, True]
    assert any(p.row == 3 and p.column == "sector" for p in probs.items)  # file row 3


def test_clean_runs_the_stages_into_a_result():
    df = table([("国贸", "商场", *GUOMAO, "朝阳区"), ("外滩", "商场", 121.49, 31.24, "")])
    raw = RawTable(df=df, fmt="CSV", encoding="utf-8")
    res = im.clean(raw, im.ImportOptions(layer="key-locations"), "t.csv", "auto", None, {})
    assert res.report.rows_read == 2 and res.report.rows_kept == 1
    assert res.preview["kept"].tolist() == [True, False]
    assert res.frame.crs.to_epsg() == 4326 and res.frame["adcode"].tolist() == ["110105"]


def test_the_report_reads_in_english_by_default_and_in_chinese_on_request(tmp_path):
    """Every message of a report is a Msg: English as before by default, Chinese in the
    JSON of ``to_dict("zh")`` and ``summary("zh")``, with the same keys and codes."""
    import json
    import re

    from dashboard.core.messages import Msg

    bad = tmp_path / "mixed.csv"
    bad.write_text(
        "名称,类型,经度,纬度,区\n"
        "国贸商城,商场,39.9087,116.4595,朝阳区\n"  # latitude and longitude swapped
        "某商场,商场,abc,39.9,朝阳区\n"  # not a number
        "外滩,商场,121.49,31.24,黄浦区\n"  # outside Beijing, and not a Beijing district
        "无类型,,116.40,39.90,东城区\n",  # no category
        encoding="utf-8",
    )
    rep = im.import_file(bad, im.ImportOptions("key-locations")).report
    messages = [*rep.warnings, *rep.notes, *(p.message for p in rep.problems)]
    messages += [e["text"] for e in rep.crs_evidence]
    assert messages and all(isinstance(m, Msg) for m in messages)  # nothing left unworded
    en, zh = rep.to_dict(), rep.to_dict("zh")
    assert set(en) == set(zh) and en["problems"][0].keys() == zh["problems"][0].keys()
    assert [p["code"] for p in en["problems"]] == [p["code"] for p in zh["problems"]]
    assert "not a number: 'abc'" in [p["message"] for p in en["problems"]]
    assert "不是数字：'abc'" in [p["message"] for p in zh["problems"]]
    assert any("swapped; corrected" in w for w in en["warnings"])
    assert any("经纬度颠倒" in w for w in zh["warnings"])
    cjk = re.compile("[\u4e00-\u9fff]")
    for p in zh["problems"]:
        assert cjk.search(p["message"]), p
    for e in zh["crs_evidence"]:
        assert cjk.search(e["text"]) or not e["text"], e
    assert rep.summary().startswith("4 rows read, 1 kept, 3 dropped; coordinates")
    assert rep.summary("zh").startswith("读取 4 行，保留 1 行，剔除 3 行；坐标系")
    assert json.loads(json.dumps(en))["problems"] == en["problems"]  # plain JSON
