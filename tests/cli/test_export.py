"""`exchange-atlas export`: every layer, every format, WGS-84, round-trips."""

from __future__ import annotations

import subprocess
import sys

import geopandas as gpd
import pandas as pd
import pytest

from dashboard.cli import main
from dashboard.engine.layers import load_layer


@pytest.mark.parametrize("ext", [".geojson", ".csv", ".parquet", ".gpkg"])
@pytest.mark.parametrize("layer", ["districts", "venues", "payments"])
def test_export_round_trip(tmp_path, monkeypatch, layer, ext):
    monkeypatch.setenv("EXCHANGE_ATLAS_HOME", str(tmp_path / "home"))
    out = tmp_path / f"{layer}{ext}"
    assert main(["export", layer, "--out", str(out)]) == 0
    expected = load_layer(layer)
    if ext == ".csv":
        back = pd.read_csv(out, dtype={"id": str, "adcode": str})
        assert len(back) == len(expected)
        if layer != "districts":
            assert back["lon"].round(6).tolist() == expected["lon"].round(6).tolist()
        else:
            assert back["wkt"].str.startswith("MULTIPOLYGON").all()
        return
    back = gpd.read_parquet(out) if ext == ".parquet" else gpd.read_file(out)
    assert back.crs.to_epsg() == 4326
    assert len(back) == len(expected)
    assert back.geometry.total_bounds == pytest.approx(expected.geometry.total_bounds, abs=1e-6)


def test_export_unknown_format_is_a_clear_error(tmp_path, capsys):
    assert main(["export", "venues", "--out", str(tmp_path / "x.docx")]) == 2
    err = capsys.readouterr().err
    assert "x.docx" in err and ".geojson" in err and "Traceback" not in err
    assert not list(tmp_path.iterdir())


def test_console_script_help():
    out = subprocess.run(
        [sys.executable, "-m", "dashboard.cli", "--help"], capture_output=True, text=True
    )
    assert out.returncode == 0
    for cmd in ("run", "export"):
        assert cmd in out.stdout


FORMULAS = ['=HYPERLINK("http://x.example","y")', "+cmd|' /C calc'!A0", "@SUM(A1)", "-2+3"]


def hostile_csv(tmp_path, **extra: str):
    """A CSV of four places in Beijing whose names and addresses look like formulas."""
    src = tmp_path / "hostile.csv"
    pd.DataFrame(
        {
            "name": FORMULAS,
            **extra,
            "lon": [116.40 + i / 100 for i in range(len(FORMULAS))],
            "lat": 39.91,
            "address": FORMULAS,
        }
    ).to_csv(src, index=False)
    return src


def test_csv_exports_cannot_carry_formulas(tmp_path, monkeypatch):
    """A layer imported from a hostile file: `export` and `import --export` write every
    text cell that a spreadsheet would run as a formula with a leading apostrophe."""
    home = tmp_path / "home"
    monkeypatch.setenv("EXCHANGE_ATLAS_HOME", str(home))
    src = hostile_csv(tmp_path)
    again = tmp_path / "again.csv"
    assert (
        main(
            [
                "import",
                str(src),
                "--layer",
                "key-locations",
                "--crs",
                "wgs84",
                "--set",
                "category=hotel",
                "--export",
                str(again),
            ]
        )
        == 0
    )
    out = tmp_path / "out.csv"
    assert main(["export", "key-locations", "--out", str(out)]) == 0
    for path in (out, again):
        back = pd.read_csv(path, dtype=str, keep_default_na=False)
        mine = back[back["address"].str.lstrip("'").isin(FORMULAS)]
        assert len(mine) == len(FORMULAS)
        for col in ("name_zh", "name_en", "address"):
            assert mine[col].isin(["'" + f for f in FORMULAS] + [""]).all(), mine[col].tolist()
        text = back.drop(columns=["lon", "lat", "coord_precision_m"], errors="ignore")
        assert not text.apply(lambda s: s.str.match(r"^[=+\-@\t\r]")).any().any()
        assert pd.to_numeric(back["lon"]).notna().all()  # numbers stay numbers


def test_an_exported_csv_imports_again_and_exports_the_same(tmp_path, monkeypatch):
    """An exported CSV (formula-looking text prefixed with ') imports again: the prefixed
    text stays text, numbers stay numbers, and a second export adds no second prefix."""
    home = tmp_path / "home"
    monkeypatch.setenv("EXCHANGE_ATLAS_HOME", str(home))
    src = hostile_csv(tmp_path, category="hotel")
    first = tmp_path / "first.csv"
    assert (
        main(
            [
                "import",
                str(src),
                "--layer",
                "key-locations",
                "--crs",
                "wgs84",
                "--replace",
                "--export",
                str(first),
            ]
        )
        == 0
    )
    second = tmp_path / "second.csv"
    assert (
        main(
            [
                "import",
                str(first),
                "--layer",
                "key-locations",
                "--crs",
                "wgs84",
                "--replace",
                "--export",
                str(second),
            ]
        )
        == 0
    )
    layer = load_layer("key-locations", home)
    assert len(layer) == len(FORMULAS)
    assert sorted(layer["address"]) == sorted("'" + f for f in FORMULAS)
    assert sorted(layer["name_zh"]) == sorted("'" + f for f in FORMULAS)
    assert (layer["lon"] - [116.40 + i / 100 for i in range(len(FORMULAS))]).abs().max() < 1e-9
    a = pd.read_csv(first, dtype=str, keep_default_na=False)
    b = pd.read_csv(second, dtype=str, keep_default_na=False)
    for col in ("name_zh", "name_en", "address", "lon", "lat"):
        assert a[col].tolist() == b[col].tolist(), col  # no second apostrophe
