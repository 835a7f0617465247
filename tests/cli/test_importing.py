"""``exchange-atlas import | undo | history`` end to end, through the real entry point."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from dashboard.cli import main
from dashboard.engine.layers import load_layer
from loaders.workspace import shipped_table
from tests.loaders.conftest import provider_export, shipped_places, snapshot

REPORT_KEYS = {"crs", "crs_evidence", "encoding", "columns", "rows_read", "rows_kept", "problems"}


def export_file(tmp_path, system="gcj02", n=20):
    p = tmp_path / "amap.csv"
    provider_export(system, shipped_places().head(n)).to_csv(p, index=False, encoding="gbk")
    return p


def test_dry_run_export_and_report_write_nothing_to_the_workspace(store, tmp_path, home, capsys):
    src = export_file(tmp_path)
    out, rep = tmp_path / "clean.geojson", tmp_path / "r.json"
    rc = main(
        [
            "import",
            str(src),
            "--layer",
            "key-locations",
            "--dry-run",
            "--export",
            str(out),
            "--report",
            str(rep),
        ]
    )
    assert rc == 0
    assert snapshot(home) == {}
    assert "dry run" in capsys.readouterr().out
    assert main(["history", "--layer", "key-locations", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []  # nothing in the store in use either
    data = json.loads(rep.read_text(encoding="utf-8"))
    assert REPORT_KEYS <= set(data)
    assert data["rows_read"] == data["rows_kept"] == 20
    assert data["crs"] == "gcj02"
    gdf = gpd.read_file(out)
    assert len(gdf) == 20 and gdf.crs.to_epsg() == 4326
    truth = shipped_places().head(20)
    assert (gdf.geometry.x - truth["lon"].to_numpy()).abs().max() < 1e-6


def test_import_set_replace_undo_history(store, tmp_path, home, capsys):
    src = export_file(tmp_path)
    assert main(["import", str(src), "--layer", "key-locations", "--set", "category=museum"]) == 0
    layer = load_layer("key-locations")
    added = layer.iloc[len(shipped_table("key-locations")) :]
    assert set(added["category"]) == {"museum"} and set(added["sector"]) == {"culture_tourism"}
    assert main(["import", str(src), "--layer", "key-locations", "--replace"]) == 0
    assert len(load_layer("key-locations")) == 20
    capsys.readouterr()
    assert main(["history", "--layer", "key-locations", "--json"]) == 0
    hist = json.loads(capsys.readouterr().out)
    assert [h["action"] for h in hist] == ["add", "replace"] and hist[-1]["current"]
    assert main(["undo", "--layer", "key-locations"]) == 0
    assert len(load_layer("key-locations")) == len(shipped_table("key-locations")) + 20
    assert main(["undo", "--layer", "key-locations"]) == 0
    assert main(["undo", "--layer", "key-locations"]) == 2
    assert "nothing to undo" in capsys.readouterr().err


def test_map_option_and_explicit_crs(store, tmp_path, home):
    p = tmp_path / "odd.csv"
    pd.DataFrame({"点": ["甲"], "种类X": ["hotel"], "E": [116.45], "N": [39.90]}).to_csv(
        p, index=False
    )
    rc = main(
        [
            "import",
            str(p),
            "--layer",
            "key-locations",
            "--crs",
            "wgs84",
            "--map",
            "name=点",
            "--map",
            "category=种类X",
            "--map",
            "lon=E",
            "--map",
            "lat=N",
        ]
    )
    assert rc == 0
    assert "甲" in set(load_layer("key-locations")["name_zh"])


def test_console_script_exit_codes_and_no_traceback(store, tmp_path, home):
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    # the installed console script (python -m dashboard.cli would load a second copy of
    # the module, whose CliError class is not the one the subcommands raise)
    exe = [str(Path(sys.executable).parent / "exchange-atlas")]
    r = subprocess.run(
        [*exe, "import", str(bad), "--layer", "venues"], capture_output=True, text=True
    )
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    good = export_file(tmp_path, "bd09", 5)
    r = subprocess.run(
        [*exe, "import", str(good), "--layer", "key-locations", "--dry-run"],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr
    assert "BD-09" in r.stdout


APPEND_SETS = {
    "venues": ["category=convention_center"],
    "organizations": ["category=un_agency"],
    "events": ["category=forum", "start_date=2026-05-01", "end_date=2026-05-03"],
    "key-locations": ["category=hotel"],
    "payments": [
        "category=foreign_card_atm",
        "capabilities=atm_withdrawal;cash",
        "in_service_date=2024-01-01",
    ],
}


@pytest.mark.parametrize("layer", sorted(APPEND_SETS))
def test_append_to_every_shipped_layer_with_empty_optional_columns(layer, store, tmp_path, home):
    """name, lon, lat and the required values only: the optional columns stay empty in the
    new rows, and missing stays missing through the merge with the shipped rows."""
    src = tmp_path / "few.csv"
    src.write_text("name,lon,lat\n新点一,116.40,39.91\n新点二,116.45,39.93\n", encoding="utf-8")
    sets = [a for s in APPEND_SETS[layer] for a in ("--set", s)]
    rc = main(["import", str(src), "--layer", layer, "--crs", "wgs84", *sets])
    assert rc == 0
    if store == "workspace":
        table = pd.read_parquet(next((home / "layers" / layer).glob("v0001.parquet")))
    else:  # the version in effect as the database keeps it (read back once, as GeoParquet)
        table = pd.DataFrame(load_layer(layer, home))
    assert len(table) == len(shipped_table(layer)) + 2
    text = table.drop(columns="geometry").astype("string")
    for bad in ("<NA>", "nan", "None", "NaT"):
        assert not (text == bad).any().any(), bad
    assert len(load_layer(layer, home)) == len(table)


def test_lang_zh_words_the_report_and_the_output_in_chinese(tmp_path, home, capsys):
    src = tmp_path / "bad.csv"
    src.write_text(
        "名称,类型,经度,纬度\n国贸商城,商场,116.4595,39.9087\n外滩,商场,121.49,31.24\n",
        encoding="utf-8",
    )
    reports = {}
    for lang in ("en", "zh"):
        rep = tmp_path / f"r-{lang}.json"
        argv = ["import", str(src), "--layer", "key-locations", "--dry-run", "--report", str(rep)]
        assert main([*argv, *(["--lang", lang] if lang == "zh" else [])]) == 0
        reports[lang] = (json.loads(rep.read_text(encoding="utf-8")), capsys.readouterr())
    (en, en_out), (zh, zh_out) = reports["en"], reports["zh"]
    assert set(en) == set(zh) and REPORT_KEYS <= set(zh)  # the same keys in any language
    assert en["problems"][0]["message"] == "point lies outside Beijing"  # the default: English
    assert zh["problems"][0]["message"] == "点位于北京以外"
    assert en["problems"][0]["code"] == zh["problems"][0]["code"] == "imp_outside_beijing"
    assert "2 rows read, 1 kept, 1 dropped" in en_out.out and "dry run" in en_out.out
    assert "读取 2 行，保留 1 行，剔除 1 行" in zh_out.out and "试运行：工作区未改动" in zh_out.out


def test_lang_zh_words_the_no_rows_error(tmp_path, home, capsys):
    src = tmp_path / "none.csv"
    src.write_text("名称,类型,经度,纬度\n外滩,商场,121.49,31.24\n", encoding="utf-8")
    assert main(["import", str(src), "--layer", "key-locations", "--lang", "zh"]) == 2
    err = capsys.readouterr().err
    assert "中没有可用的行" in err and "第 1 行" in err and "点位于北京以外" in err
    assert main(["import", str(src), "--layer", "key-locations"]) == 2
    err = capsys.readouterr().err
    assert "no usable rows" in err and "row 1, column '经度': point lies outside Beijing" in err
    assert snapshot(home) == {}
