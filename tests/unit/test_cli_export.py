"""`exchange-atlas export`: every layer, every format, WGS-84, round-trips."""

from __future__ import annotations

import subprocess
import sys

import geopandas as gpd
import pandas as pd
import pytest

from dashboard.cli import main
from dashboard.data import load_layer


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
