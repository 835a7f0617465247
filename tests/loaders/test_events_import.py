"""Importing an events table keeps its ``major_event`` series key and refuses unknown ones."""

from __future__ import annotations

from loaders.importer import ImportOptions, import_file

HEADER = "id,name_zh,name_en,category,start_date,end_date,lon,lat,major_event\n"


def test_major_event_column_is_imported(tmp_path):
    f = tmp_path / "events.csv"
    f.write_text(
        HEADER
        + "X1,服贸会,CIFTIS,fair,2026-09-09,2026-09-13,116.14522,39.91057,ciftis\n"
        + "X2,其他,Other,forum,2026-05-01,2026-05-02,116.383672,39.998183,\n",
        encoding="utf-8",
    )
    res = import_file(f, ImportOptions(layer="events", crs="wgs84"))
    assert res.report.rows_kept == 2
    keys = res.frame.set_index("id")["major_event"]
    assert keys["X1"] == "ciftis" and (keys.isna()["X2"] or keys["X2"] == "")


def test_unknown_major_event_is_named_by_row_and_column(tmp_path):
    f = tmp_path / "events.csv"
    f.write_text(
        HEADER + "X1,奥运,Olympics,fair,2026-09-09,2026-09-13,116.14522,39.91057,olympics\n",
        encoding="utf-8",
    )
    res = import_file(f, ImportOptions(layer="events", crs="wgs84"))
    assert res.report.rows_kept == 0
    probs = res.report.to_dict()["problems"]
    assert any(
        p["row"] == 1 and p["column"] == "major_event" and "olympics" in p["message"] for p in probs
    ), probs
