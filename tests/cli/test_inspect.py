"""``exchange-atlas inspect add | import | list | undo | history | settings`` in a temporary
workspace, through the real entry point: writes go through the gateway (audit log),
an import is all or nothing, photos lose their metadata."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image
from PIL.TiffImagePlugin import IFDRational

from dashboard.cli import main
from loaders.audit import read_audit
from loaders.chinacrs import wgs84_to_gcj02
from loaders.inspections_store import inspections_history, load_inspections, load_settings
from tests.loaders.conftest import snapshot

ROOT = Path(__file__).resolve().parents[2]


def run_json(capsys, *argv):
    assert main(list(argv)) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def test_add_a_payment_point_then_list_and_audit(capsys, isolated_home):
    out = run_json(
        capsys,
        *("inspect", "add", "--place", "P0001", "--inspector", "王小明"),
        *("--at", "2026-03-01 10:00", "--foreign-card", "通过", "--cash", "refused"),
        *("--notes", "<b>no change</b>", "--json"),
    )
    assert out["batch"]["number"] == 1 and out["batch"]["actor"].startswith("cli:")
    row = out["inspections"][0]
    assert row["place_kind"] == "payment" and row["adcode"] == "110101"
    assert row["check_foreign_card"] == "accepted" and row["check_cash"] == "refused"
    assert row["inspected_at"] == "2026-03-01T10:00:00"
    assert row["notes"] == "<b>no change</b>"
    listed = run_json(capsys, "inspect", "list", "--json")
    assert [r["id"] for r in listed] == out["batch"]["ids"]
    assert main(["inspect", "list"]) == 0
    text = capsys.readouterr().out
    assert "P0001" in text and "✓·✗···" in text
    entries = read_audit(isolated_home)
    assert [(e.action, e.version) for e in entries] == [("inspect", "1")]
    assert entries[0].actor.startswith("cli:")


def test_a_new_point_in_gcj02_is_rectified(capsys):
    x, y = wgs84_to_gcj02(116.45, 39.93)
    out = run_json(
        capsys,
        *("inspect", "add", "--kind", "new", "--inspector", "李华", "--name", "新咖啡馆"),
        *("--lon", f"{x:.7f}", "--lat", f"{y:.7f}", "--crs", "gcj02"),
        *("--foreign-wallet", "yes", "--at", "2026-03-02T09:30", "--json"),
    )
    row = out["inspections"][0]
    assert row["place_kind"] == "new" and row["place_id"].startswith("F")
    assert row["lon"] == pytest.approx(116.45, abs=2e-6)
    assert row["lat"] == pytest.approx(39.93, abs=2e-6)
    assert row["adcode"] == "110105"
    # a second visit by its id needs no position
    again = run_json(
        capsys,
        *("inspect", "add", "--place", row["place_id"], "--kind", "new", "--inspector", "李华"),
        *("--cash", "ok", "--at", "2026-03-03 09:30", "--json"),
    )
    assert again["inspections"][0]["place_id"] == row["place_id"]
    assert again["inspections"][0]["lon"] == pytest.approx(row["lon"])


def _jpeg_with_gps(tmp_path: Path) -> Path:
    im = Image.new("RGB", (2400, 1800), (10, 120, 200))
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "AcmeCam", "Spy-9000"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[3] = "N", "E"
    gps[2] = (IFDRational(39, 1), IFDRational(55, 1), IFDRational(48, 1))  # 39.93
    gps[4] = (IFDRational(116, 1), IFDRational(27, 1), IFDRational(0, 1))  # 116.45
    buf = io.BytesIO()
    im.save(buf, "JPEG", exif=exif)
    path = tmp_path / "IMG_0042.JPG"
    path.write_bytes(buf.getvalue())
    return path


def test_photo_stored_without_metadata_places_a_new_point(capsys, tmp_path, isolated_home):
    photo = _jpeg_with_gps(tmp_path)
    out = run_json(
        capsys,
        *("inspect", "add", "--kind", "new", "--inspector", "李华", "--name", "书店"),
        *("--photo", str(photo), "--help-desk", "refused", "--json"),
    )
    row = out["inspections"][0]
    assert row["lon"] == pytest.approx(116.45) and row["lat"] == pytest.approx(39.93)
    stored = isolated_home / row["photo"]
    data = stored.read_bytes()
    assert b"Exif" not in data and b"AcmeCam" not in data
    with Image.open(stored) as im:
        assert not im.getexif() and max(im.size) == 1600


def test_refused_photo_and_bad_options_write_nothing(capsys, tmp_path, isolated_home):
    text = tmp_path / "notes.txt"
    text.write_text("not a picture", encoding="utf-8")
    cases = [
        ["--place", "P0001", "--cash", "ok", "--photo", str(text)],
        ["--place", "NOPE", "--cash", "ok"],
        ["--place", "P0001", "--cash", "maybe"],
        ["--place", "P0001"],  # no check tried
        ["--place", "P0001", "--cash", "ok", "--at", "2099-01-01 10:00"],
        ["--kind", "new", "--cash", "ok"],  # no position
        ["--kind", "new", "--cash", "ok", "--lon", "121.47", "--lat", "31.23"],  # Shanghai
    ]
    for extra in cases:
        assert main(["inspect", "add", "--inspector", "王", *extra]) == 2, extra
        assert capsys.readouterr().err.startswith("exchange-atlas inspect: ")
    assert main(["inspect", "add", "--inspector", " ", "--place", "P0001", "--cash", "ok"]) == 2
    assert "--inspector" in capsys.readouterr().err
    assert snapshot(isolated_home) == {}


SHEET = (
    "场所编号,检查时间,检查人,外卡,境外钱包,现金,备注\n"
    "P0001,2026-03-01 10:00,王小明,通过,拒绝,,正常\n"
    "K001,2026/3/2 9:30,李华,故障,,受理,\n"
)


def test_import_a_chinese_sheet(capsys, tmp_path, isolated_home):
    path = tmp_path / "检查.csv"
    path.write_text(SHEET, encoding="gbk")
    report = tmp_path / "report.json"
    assert main(["inspect", "import", str(path), "--report", str(report), "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    assert "读取 2 行，可保存 2 行" in out and "已保存检查批次 1" in out
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["batch"]["rows"] == 2 and data["columns"]["place_id"] == "场所编号"
    got = load_inspections(isolated_home)
    assert got["place_id"].tolist() == ["P0001", "K001"]
    assert got["check_cash"].tolist() == ["", "accepted"]
    assert inspections_history(isolated_home)[0].source == "检查.csv"


def test_import_is_all_or_nothing(capsys, tmp_path, isolated_home):
    path = tmp_path / "bad.csv"
    path.write_text(SHEET + "P9999,2026-03-01 10:00,王,通过,,,\nP0002,2026-03-01,,ok,,,\n")
    report = tmp_path / "r.json"
    before = snapshot(isolated_home)
    assert main(["inspect", "import", str(path), "--report", str(report)]) == 2
    err = capsys.readouterr().err
    assert "bad.csv, row 3, column '场所编号'" in err and "P9999" in err
    assert "bad.csv, row 4, column '检查人'" in err
    assert "2 row(s) with errors: nothing was stored" in err
    assert snapshot(isolated_home) == before
    data = json.loads(report.read_text(encoding="utf-8"))
    assert [(p["row"], p["column"], p["code"]) for p in data["problems"]] == [
        (3, "场所编号", "insp_unknown_place_any"),
        (4, "检查人", "insp_no_inspector"),
    ]
    assert main(["inspect", "import", str(path), "--lang", "zh"]) == 2
    assert "未写入任何记录" in capsys.readouterr().err


def test_import_dry_run_and_json(capsys, tmp_path, isolated_home):
    path = tmp_path / "s.xlsx"
    pd.DataFrame(
        {
            "place_id": ["P0002"],
            "inspected_at": [pd.Timestamp("2026-02-28 16:45")],
            "inspector": ["Alice"],
            "check_atm_withdrawal": ["broken"],
        }
    ).to_excel(path, index=False)
    data = run_json(capsys, "inspect", "import", str(path), "--dry-run", "--json")
    assert data["rows_kept"] == 1 and data["batch"] is None
    assert snapshot(isolated_home) == {}
    data = run_json(capsys, "inspect", "import", str(path), "--json")
    assert data["batch"]["number"] == 1
    assert load_inspections(isolated_home)["check_atm_withdrawal"].tolist() == ["out_of_order"]


def test_list_filters_undo_history(capsys):
    common = ("--inspector", "王", "--cash", "ok")
    assert main(["inspect", "add", "--place", "P0001", "--at", "2026-01-05", *common]) == 0
    x, y = 116.30, 39.98  # Haidian
    add_new = ["--kind", "new", "--lon", str(x), "--lat", str(y), "--at", "2026-03-05"]
    assert main(["inspect", "add", *add_new, *common]) == 0
    capsys.readouterr()
    assert len(run_json(capsys, "inspect", "list", "--json")) == 2
    haidian = run_json(capsys, "inspect", "list", "--district", "海淀区", "--json")
    assert [r["adcode"] for r in haidian] == ["110108"]
    assert len(run_json(capsys, "inspect", "list", "--district", "110101", "110108", "--json")) == 2
    assert len(run_json(capsys, "inspect", "list", "--since", "2026-02-01", "--json")) == 1
    hist = run_json(capsys, "inspect", "history", "--json")
    assert [b["number"] for b in hist] == [1, 2] and hist[1]["current"]
    assert run_json(capsys, "inspect", "undo", "--json") == {"current": 1}
    assert len(run_json(capsys, "inspect", "list", "--json")) == 1
    assert main(["inspect", "undo"]) == 0
    assert "no inspection batch is in effect" in capsys.readouterr().out
    assert main(["inspect", "undo"]) == 2
    assert "no inspection batch to undo" in capsys.readouterr().err
    assert main(["inspect", "list"]) == 0
    assert "no inspections" in capsys.readouterr().out


def test_settings(capsys, isolated_home):
    assert run_json(capsys, "inspect", "settings", "--json") == {
        "validity_days": 180,
        "version": None,
    }
    got = run_json(capsys, "inspect", "settings", "--validity-days", "90", "--json")
    assert got["validity_days"] == 90 and got["version"] == "v0001.json"
    assert load_settings(isolated_home).validity_days == 90
    assert main(["inspect", "settings", "--validity-days", "0"]) == 2
    assert "1 to 3650" in capsys.readouterr().err
    assert load_settings(isolated_home).validity_days == 90
    assert [e.action for e in read_audit(isolated_home)] == ["settings"]


def test_the_real_entry_point(tmp_path):
    env = {**os.environ, "EXCHANGE_ATLAS_HOME": str(tmp_path / "h")}
    argv = ["inspect", "add", "--place", "K001", "--inspector", "王", "--cash", "通过"]
    done = subprocess.run(
        [sys.executable, "-m", "dashboard.cli", *argv, "--lang", "zh"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "已保存检查批次 1：1 条记录" in done.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "dashboard.cli", "inspect", "import", str(tmp_path / "none.csv")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=False,
    )
    assert bad.returncode == 2 and "does not exist" in bad.stderr
