"""``exchange-atlas boundaries`` and ``coverage --by`` on real files in a temporary
workspace: the JSON keys (a contract), all or nothing, exit 2 with one message."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from dashboard.cli import main
from loaders.examples import synthetic_subdistricts_geojson
from tests.loaders.conftest import snapshot

SET_KEYS = {
    "name",
    "version",
    "created",
    "zone_count",
    "districts",
    "synthetic",
    "source",
    "crs",
    "crs_confidence",
}
REPORT_KEYS = {
    "file",
    "name",
    "format",
    "encoding",
    "columns",
    "source_columns",
    "crs",
    "crs_confidence",
    "crs_evidence",
    "crs_scores",
    "rows_read",
    "rows_kept",
    "rows_dropped",
    "errors",
    "geometries_repaired",
    "outside_beijing",
    "duplicate_ids",
    "empty_ids",
    "ids_generated",
    "overlaps",
    "straddling",
    "districts",
    "synthetic",
    "ok",
    "notes",
    "warnings",
    "problems",
}
COVERAGE_KEYS = {
    "adcode",
    "name_zh",
    "name_en",
    "demand",
    "demand_weight",
    "covered",
    "covered_weight",
    "uncovered",
    "coverage",
    "weighted_coverage",
}


@pytest.fixture(scope="module")
def gcj_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("zones") / "jiedao.geojson"
    path.write_bytes(synthetic_subdistricts_geojson("gcj02"))
    return path


@pytest.fixture
def bad_file(tmp_path) -> Path:
    path = tmp_path / "bad.geojson"
    gpd.GeoDataFrame(
        {"id": ["A", "A", "B"]},
        geometry=[
            shapely.box(116.40, 39.90, 116.41, 39.91),
            shapely.box(116.41, 39.90, 116.42, 39.91),
            shapely.box(121.48, 31.23, 121.50, 31.25),
        ],
        crs="EPSG:4326",
    ).to_file(path, driver="GeoJSON")
    return path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def imported(capsys, home: Path, file: Path, name: str = "jiedao") -> dict:
    code, out, _err = run(
        capsys, "boundaries", "import", str(file), "--name", name, "--json", "--home", str(home)
    )
    assert code == 0
    return json.loads(out)


def test_import_list_show_history_undo_remove(capsys, home, gcj_file, tmp_path):
    report = tmp_path / "out" / "report.json"
    code, out, err = run(
        capsys, "boundaries", "import", str(gcj_file), "--name", "jiedao",
        "--report", str(report), "--home", str(home),
    )  # fmt: skip
    assert code == 0
    assert "107 zones read, all valid; coordinates GCJ-02 (high)" in out
    assert "stored boundary set jiedao: version v0001.json, 107 zones" in out
    assert "synthetic" in out
    saved = json.loads(report.read_text(encoding="utf-8"))
    assert set(saved) == REPORT_KEYS and saved["crs"] == "gcj02" and saved["ok"] is True
    code, out, _ = run(capsys, "boundaries", "list", "--json", "--home", str(home))
    (listed,) = json.loads(out)
    assert set(listed) == SET_KEYS
    assert (listed["name"], listed["zone_count"], listed["synthetic"]) == ("jiedao", 107, True)
    assert listed["crs"] == "gcj02" and sum(listed["districts"].values()) == 107
    code, out, _ = run(capsys, "boundaries", "show", "jiedao", "--json", "--home", str(home))
    shown = json.loads(out)
    assert set(shown) == SET_KEYS | {"zones"} and len(shown["zones"]) == 107
    assert set(shown["zones"][0]) == {
        "zone_id", "name_zh", "name_en", "adcode", "district_share", "area_km2", "source",
    }  # fmt: skip
    assert shown["zones"][0]["zone_id"] == "110101-S01"
    code, out, _ = run(capsys, "boundaries", "remove", "jiedao", "--home", str(home))
    assert code == 0 and "removed (v0002.json" in out
    assert json.loads(run(capsys, "boundaries", "list", "--json", "--home", str(home))[1]) == []
    code, out, _ = run(capsys, "boundaries", "undo", "jiedao", "--home", str(home))
    assert code == 0 and "v0001.json in effect" in out
    code, out, _ = run(capsys, "boundaries", "history", "jiedao", "--json", "--home", str(home))
    assert [v["action"] for v in json.loads(out)] == ["save", "reset"]
    code, out, _ = run(capsys, "audit", "--action", "boundaries", "--json", "--home", str(home))
    actions = [e["action"] for e in json.loads(out)]
    assert actions == ["boundaries_import", "boundaries_remove", "boundaries_undo"]


def test_import_json_and_dry_run(capsys, home, gcj_file):
    code, out, _ = run(
        capsys, "boundaries", "import", str(gcj_file), "--name", "x", "--dry-run", "--json",
        "--lang", "zh", "--home", str(home),
    )  # fmt: skip
    data = json.loads(out)
    assert set(data) == {"name", "stored", "version", "zone_count", "synthetic", "report"}
    assert data["stored"] is False and data["version"] is None and data["zone_count"] == 107
    assert data["report"]["crs_evidence"][0]["text"].startswith("多边形顶点")
    assert snapshot(home) == {}
    data = imported(capsys, home, gcj_file, "x")
    assert data["stored"] is True and data["version"] == "v0001.json"


def test_a_file_with_errors_exits_2_names_every_problem_and_writes_nothing(
    capsys, home, bad_file, tmp_path
):
    report = tmp_path / "r.json"
    code, out, err = run(
        capsys, "boundaries", "import", str(bad_file), "--name", "bad",
        "--report", str(report), "--home", str(home),
    )  # fmt: skip
    assert code == 2 and out == ""
    assert "bad.geojson, row 2, column 'id': zone id 'A' repeats an earlier row's" in err
    assert "bad.geojson, row 3, column 'geometry': the zone lies entirely outside" in err
    assert "2 error(s), nothing was written" in err.splitlines()[-1]
    assert err.splitlines()[-1].startswith("exchange-atlas boundaries: ")
    assert json.loads(report.read_text(encoding="utf-8"))["errors"] == 2
    assert snapshot(home) == {}


@pytest.mark.parametrize(
    "argv, message",
    [
        (["boundaries", "import", "missing.geojson", "--name", "a"], "does not exist"),
        (["boundaries", "import", "FILE", "--name", "Bad Name"], "cannot name a boundary set"),
        (["boundaries", "import", "FILE", "--name", "a", "--crs", "mars"], "unknown coordinate"),
        (["boundaries", "show", "nope"], "no boundary set 'nope'"),
        (["boundaries", "undo", "nope"], "nothing to undo"),
        (["boundaries", "remove", "nope"], "no boundary set 'nope' to remove"),
        (["coverage", "--by", "nope"], "--by nope: no boundary set 'nope'"),
        (["coverage", "--by", "../x"], "cannot name a boundary set"),
    ],
)
def test_bad_input_exits_2_with_one_message(capsys, home, gcj_file, argv, message):
    argv = [str(gcj_file) if a == "FILE" else a for a in argv]
    code, out, err = run(capsys, *argv, "--home", str(home))
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in err


def test_coverage_by_a_set_adds_up_to_the_districts_and_the_city(capsys, home, gcj_file):
    imported(capsys, home, gcj_file)
    h = ["--home", str(home)]
    code, out, _ = run(capsys, "coverage", "--format", "json", *h)
    districts = json.loads(out)
    code, out, err = run(capsys, "coverage", "--by", "jiedao", "--format", "json", *h)
    assert code == 0 and "synthetic" in err
    rows = json.loads(out)
    assert set(rows[0]) == COVERAGE_KEYS | {"zone_id", "synthetic"}
    assert all(r["synthetic"] is True for r in rows)
    assert [r["zone_id"] for r in rows[-2:]] == ["outside", "110000"]
    city = rows[-1]
    assert {k: city[k] for k in COVERAGE_KEYS} == districts[-1]  # the same city row
    for col in ("demand", "covered", "uncovered"):
        assert sum(r[col] for r in rows[:-1]) == city[col]
    for d in districts[:-1]:
        zones = [r for r in rows[:-2] if r["adcode"] == d["adcode"]]
        assert sum(r["demand"] for r in zones) == d["demand"], d["adcode"]
        assert sum(r["covered"] for r in zones) == d["covered"], d["adcode"]
    # --since adds the progress columns; --by districts is the district table
    code, out, _ = run(
        capsys, "coverage", "--by", "jiedao", "--since", "2024-01-01", "--format", "json", *h
    )
    since = json.loads(out)
    assert {"covered_since", "coverage_since", "newly_covered", "change"} <= set(since[0])
    assert sum(r["newly_covered"] for r in since[:-1]) == since[-1]["newly_covered"]
    code, out, _ = run(capsys, "coverage", "--by", "districts", "--format", "json", *h)
    assert json.loads(out) == districts
    code, out, _ = run(capsys, "coverage", "--by", "jiedao", *h)  # the table prints too
    assert code == 0 and "Outside any zone" in out


def test_the_command_runs_as_a_program(home, gcj_file):
    proc = subprocess.run(
        [sys.executable, "-m", "dashboard.cli", "boundaries", "import", str(gcj_file),
         "--name", "jiedao", "--home", str(home)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "stored boundary set jiedao" in proc.stdout
