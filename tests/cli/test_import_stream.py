"""``exchange-atlas import --chunk-rows N``: the same report and the same layer as an
import of the whole file, memory bounded; nothing written when it fails."""

from __future__ import annotations

import json

import pandas as pd
import pandas.testing as pdt
import pytest

from dashboard.cli import main
from loaders import crsdetect, readers
from loaders import workspace as ws
from tests.loaders.conftest import snapshot
from tests.loaders.test_importer_stream import survey


def run(src, home, *extra) -> int:
    return main(["import", str(src), "--layer", "key-locations", "--home", str(home), *extra])


def _in_effect(home) -> pd.DataFrame:
    from dashboard.engine.layers import load_layer

    return pd.DataFrame(load_layer("key-locations", home)).drop(columns="geometry")


def test_chunked_import_reports_and_stores_what_a_whole_import_does(store, tmp_path, capsys):
    src = survey(tmp_path / "survey.csv", rows=4_000)
    home = tmp_path / "home"
    assert run(src, home, "--report", str(tmp_path / "a.json")) == 0
    whole_out = capsys.readouterr().out
    whole = _in_effect(home)
    assert main(["undo", "--layer", "key-locations", "--home", str(home)]) == 0
    capsys.readouterr()
    assert run(src, home, "--report", str(tmp_path / "b.json"), "--chunk-rows", "500") == 0
    chunked_out = capsys.readouterr().out
    # the same words, but for the version number of the second import
    assert whole_out.replace("v0001", "v0002") == chunked_out
    ra = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    rb = json.loads((tmp_path / "b.json").read_text(encoding="utf-8"))
    assert ra == rb and ra["rows_read"] == 4_003
    pdt.assert_frame_equal(_in_effect(home), whole)
    hist = ws.history("key-locations", home)
    assert [(v.added, v.current) for v in hist] == [(ra["rows_kept"], False)] + [
        (ra["rows_kept"], True)
    ]
    assert main(["undo", "--layer", "key-locations", "--home", str(home)]) == 0
    assert not any(v.current for v in ws.history("key-locations", home))


def test_dry_run_and_export_of_a_chunked_import(tmp_path, capsys):
    src = survey(tmp_path / "survey.csv", rows=2_000)
    home = tmp_path / "home"
    out = tmp_path / "clean.parquet"
    assert run(src, home, "--chunk-rows", "300", "--dry-run", "--export", str(out)) == 0
    assert "dry run" in capsys.readouterr().out
    assert snapshot(home) == {}
    import geopandas as gpd

    gdf = gpd.read_parquet(out)
    assert gdf.crs is not None and gdf.crs.to_epsg() == 4326 and len(gdf) > 1_700
    assert (gdf.geometry.x - gdf["lon"]).abs().max() == 0
    assert run(src, home, "--chunk-rows", "300", "--export", str(tmp_path / "x.csv")) == 2
    assert "GeoParquet" in capsys.readouterr().err
    assert snapshot(home) == {} and not (tmp_path / "x.csv").exists()
    assert run(src, home, "--chunk-rows", "0") == 2
    assert "at least 1" in capsys.readouterr().err


def test_a_late_failure_leaves_the_workspace_as_it_was(store, tmp_path, capsys, monkeypatch):
    src = survey(tmp_path / "survey.csv", rows=6_000)
    home = tmp_path / "home"
    assert run(survey(tmp_path / "first.csv", rows=300), home) == 0
    before = snapshot(home)
    versions = [(v.name, v.current) for v in ws.history("key-locations", home)]
    rows = _in_effect(home)
    lines = src.read_text(encoding="utf-8").split("\n")
    lines[4_000] = '"未闭合' + lines[5_500]  # the rest of the file becomes one field
    src.write_text("\n".join(lines), encoding="utf-8")
    monkeypatch.setattr(readers, "STREAM_BLOCK", 32 * 1024)
    monkeypatch.setattr(crsdetect, "SAMPLE", 1_000)
    assert run(src, home, "--chunk-rows", "500") == 2
    err = capsys.readouterr().err
    assert "survey.csv" in err and "Traceback" not in err
    assert snapshot(home) == before
    assert [(v.name, v.current) for v in ws.history("key-locations", home)] == versions
    pdt.assert_frame_equal(_in_effect(home), rows)


@pytest.mark.parametrize("size", [200])
def test_a_large_text_file_is_streamed_without_the_option(tmp_path, capsys, monkeypatch, size):
    """Over the threshold a delimited text file is streamed by default."""
    from loaders import importer

    calls = []
    real = importer.import_stream
    monkeypatch.setattr(importer, "STREAM_BYTES", size)
    monkeypatch.setattr(importer, "import_stream", lambda *a, **k: calls.append(a) or real(*a, **k))
    src = survey(tmp_path / "survey.csv", rows=500)
    assert run(src, tmp_path / "home") == 0
    assert len(calls) == 1
