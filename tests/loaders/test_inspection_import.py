"""Importing inspection sheets: Chinese and English headers, encodings, Excel, coordinates
of new points rectified from GCJ-02/BD-09, problems by file, row and column."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from loaders.chinacrs import gcj02_to_wgs84, wgs84_to_bd09, wgs84_to_gcj02
from loaders.errors import LoaderError
from loaders.importer import message_code
from loaders.inspection_import import import_inspections, recognise
from tests.loaders.conftest import GEODATA, ZH_DISTRICT, near_border_points

NOW = datetime(2026, 3, 5, 12, 0)
GCJ = wgs84_to_gcj02(116.45, 39.93)

HEADER = (
    "场所编号,检查时间,检查人,外卡,境外钱包,现金（找零）,外币兑换,ATM取现,英语服务,"
    "名称,经度,纬度,备注"
)
SHEET = f"""{HEADER}
P0001,2026-03-01 10:00,王小明,通过,拒绝,,,,,,,,正常
K001,2026/3/2 9:30,李华,故障,,受理,,,不受理,,,,
,2026-03-02 11:00,李华,通过,,,,,,新咖啡馆,{GCJ[0]:.7f},{GCJ[1]:.7f},新发现
"""


def layers():
    return (
        pd.read_csv(GEODATA / "payments.csv", dtype=str),
        pd.read_csv(GEODATA / "key_locations.csv", dtype=str),
    )


def run(path, **kw):
    pay, kl = layers()
    kw.setdefault("districts", None)
    return import_inspections(path, payments=pay, key_locations=kl, now=NOW, **kw)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk"])
def test_chinese_headers_in_utf8_bom_and_gbk(tmp_path, encoding):
    path = tmp_path / "检查记录.csv"
    path.write_text(SHEET, encoding=encoding)
    res = run(path, crs="gcj02")
    rep = res.report
    assert rep.layer == "inspections" and rep.format == "CSV"
    assert rep.encoding in ("utf-8-sig", "gbk", "gb18030")
    assert rep.columns["place_id"] == "场所编号"
    assert rep.columns["inspected_at"] == "检查时间"
    assert rep.columns["check_cash"] == "现金（找零）"
    assert rep.columns["check_atm_withdrawal"] == "ATM取现"
    assert rep.columns["check_help_desk"] == "英语服务"
    assert rep.columns["notes"] == "备注"
    assert rep.rows_read == 3 and rep.rows_kept == 3 and res.errors == 0
    f = res.frame
    assert f["place_kind"].tolist() == ["payment", "key_location", "new"]
    assert f["check_foreign_card"].tolist() == ["accepted", "out_of_order", "accepted"]
    assert f["check_foreign_wallet"].tolist() == ["refused", "", ""]
    assert f["check_cash"].tolist() == ["", "accepted", ""]
    assert f["check_help_desk"].tolist() == ["", "refused", ""]
    assert f["notes"].tolist() == ["正常", "", "新发现"]
    assert f["inspector"].tolist() == ["王小明", "李华", "李华"]
    assert f["inspected_at"].iloc[1] == pd.Timestamp("2026-03-02 09:30")
    assert f["place_id"].iloc[2].startswith("F")


def test_gcj02_new_point_rectified_when_declared(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text(SHEET, encoding="utf-8")
    res = run(path, crs="gcj02")
    assert res.report.crs == "gcj02" and res.report.crs_confidence == "declared"
    new = res.frame[res.frame["place_kind"] == "new"].iloc[0]
    wl, wt = gcj02_to_wgs84(float(f"{GCJ[0]:.7f}"), float(f"{GCJ[1]:.7f}"))
    assert new["lon"] == pytest.approx(float(wl), abs=1e-7)
    assert new["lat"] == pytest.approx(float(wt), abs=1e-7)
    assert new["lon"] == pytest.approx(116.45, abs=2e-6)  # ~0.2 m
    assert new["adcode"] == "110105"
    # known places keep their layer's WGS-84 position whatever the sheet's system
    pay, _ = layers()
    p1 = pay.set_index("id").loc["P0001"]
    assert res.frame["lon"].iloc[0] == pytest.approx(float(p1["lon"]))


def test_coordinate_system_detected_from_the_districts(tmp_path):
    pts = near_border_points(60)
    x, y = wgs84_to_bd09(pts["lon"].to_numpy(), pts["lat"].to_numpy())
    sheet = pd.DataFrame(
        {
            "核查时间": "2026-03-01 10:00",
            "核查人": "调查组",
            "外卡钱包": "yes",
            "名称": pts["name_zh"] + "（新）",
            "区": pts["adcode"].map(ZH_DISTRICT),
            "经度": np.round(x, 7),
            "纬度": np.round(y, 7),
        }
    )
    path = tmp_path / "field.csv"
    sheet.to_csv(path, index=False)
    res = run(path)
    assert res.report.crs == "bd09"
    assert res.report.crs_confidence in ("high", "medium")
    assert any(message_code(n) == "insp_crs_used" for n in res.report.notes)
    got = res.frame
    assert len(got) == len(pts)
    assert np.abs(got["lon"].to_numpy() - pts["lon"].to_numpy()).max() < 1e-5
    assert (got["adcode"].to_numpy() == pts["adcode"].to_numpy()).mean() > 0.95
    assert got["check_foreign_wallet"].eq("accepted").all()


def test_xlsx_with_english_headers_and_real_datetimes(tmp_path):
    path = tmp_path / "inspections.xlsx"
    pd.DataFrame(
        {
            "place_id": ["P0002", "K003"],
            "inspected_at": [pd.Timestamp("2026-02-28 16:45"), pd.Timestamp("2026-03-01 08:00")],
            "inspector": ["Alice", "Bob"],
            "check_foreign_card": ["pass", "fail"],
            "Cash and change": ["ok", ""],
            "notes": ["till had no change", None],
        }
    ).to_excel(path, index=False, sheet_name="visits")
    res = run(path)
    assert res.report.format == "Excel" and res.report.rows_kept == 2
    assert res.report.columns["check_cash"] == "Cash and change"
    f = res.frame
    assert f["inspected_at"].tolist() == [
        pd.Timestamp("2026-02-28 16:45"),
        pd.Timestamp("2026-03-01 08:00"),
    ]
    assert f["check_foreign_card"].tolist() == ["accepted", "refused"]
    assert f["check_cash"].tolist() == ["accepted", ""]
    assert f["notes"].tolist() == ["till had no change", ""]


def test_problems_name_the_files_row_and_column(tmp_path):
    sheet = (
        "点位编号,核查时间,核查人,外卡\n"
        "P0001,2026-03-01 10:00,王,通过\n"
        "P9999,2026-03-01 10:00,王,通过\n"
        "P0002,2027-01-01 10:00,王,通过\n"
        "P0003,2026-03-01 10:00,王,也许\n"
        "P0004,2026-03-01 10:00,,通过\n"
        "P0005,2026-03-01 10:00,王,\n"
    )
    path = tmp_path / "bad.csv"
    path.write_text(sheet, encoding="utf-8")
    res = run(path, lang="zh")
    errs = [(p.file, p.row, p.column, message_code(p.message)) for p in res.report.problems]
    assert errs == [
        ("bad.csv", 2, "点位编号", "insp_unknown_place_any"),
        ("bad.csv", 3, "核查时间", "insp_future"),
        ("bad.csv", 4, "外卡", "insp_bad_result"),
        ("bad.csv", 5, "核查人", "insp_no_inspector"),
        ("bad.csv", 6, "外卡", "insp_no_checks"),
    ]
    assert res.errors == 5 and res.report.rows_kept == 1
    d = res.to_dict()
    assert d["problems"][0]["message"] == "没有编号为 'P9999' 的支付服务点或重点场所"
    assert d["problems"][0]["code"] == "insp_unknown_place_any"


def test_rows_skipped_by_the_parser_keep_the_files_numbering(tmp_path):
    sheet = (
        "场所编号,检查时间,检查人,外卡\n"
        "P0001,2026-03-01 10:00,王,通过\n"
        "P0002,2026-03-01 10:00,王,通过,多余\n"
        "NOPE,2026-03-01 10:00,王,通过\n"
    )
    path = tmp_path / "lines.csv"
    path.write_text(sheet, encoding="utf-8")
    res = run(path)
    rows = {(p.row, message_code(p.message)) for p in res.report.problems}
    assert (2, "imp_bad_line") in rows and (3, "insp_unknown_place_any") in rows


def test_unusable_files_are_one_clear_error(tmp_path):
    path = tmp_path / "no-time.csv"
    path.write_text("场所编号,检查人,外卡\nP0001,王,通过\n", encoding="utf-8")
    with pytest.raises(LoaderError) as exc:
        run(path)
    assert exc.value.args[0].code == "insp_no_time_column"
    assert "检查时间" in exc.value.args[0].text("zh")
    path = tmp_path / "no-place.csv"
    path.write_text("检查时间,检查人,外卡\n2026-03-01,王,通过\n", encoding="utf-8")
    with pytest.raises(LoaderError, match="no place id column"):
        run(path)
    with pytest.raises(LoaderError, match="unknown coordinate system"):
        run(path, crs="mars")


def test_mapping_overrides():
    cols = ["编号X", "when", "who", "card?"]
    m = recognise(cols, {"place_id": "编号X", "inspected_at": "when", "inspector": "who"})
    assert m["place_id"] == "编号X" and m["inspector"] == "who"
    with pytest.raises(LoaderError, match="unknown field"):
        recognise(cols, {"colour": "who"})
    with pytest.raises(LoaderError, match="no column"):
        recognise(cols, {"inspector": "nobody"})
