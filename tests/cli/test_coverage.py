"""The CLI gives the same figures as the functions; standards show/set/reset round trip."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from dashboard.cli import main
from dashboard.core.standards import uniform_standards
from dashboard.engine.coverage import assess_coverage
from dashboard.engine.layers import load_layer
from loaders.standards_store import load_standards, shipped_standards


def run_json(capsys, *argv):
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def _expected(home, **kw):
    k = load_layer("key-locations", home)
    p = load_layer("payments", home)
    d = load_layer("districts", home)
    as_of = kw.pop("as_of", None)
    return assess_coverage(k, p, d, uniform_standards(load_standards(home), **kw), as_of=as_of)


@pytest.mark.parametrize(
    "argv, kw",
    [
        ([], {"require": []}),
        (["--radius", "800"], {"radius_m": 800, "require": []}),
        (
            ["--require", "foreign_card|foreign_wallet", "cash"],
            {"require": ["foreign_card|foreign_wallet", "cash"]},
        ),
        (["--use-standards", "--as-of", "2024-06-30"], {"as_of": "2024-06-30"}),
    ],
)
def test_coverage_json_equals_functions(capsys, isolated_home, argv, kw):
    rows = run_json(capsys, "coverage", "--format", "json", "--home", str(isolated_home), *argv)
    want = _expected(isolated_home, **kw).districts
    assert len(rows) == len(want) == 17
    for row, (_, w) in zip(rows, want.iterrows()):
        assert {"adcode", "name_en", "demand", "covered", "coverage"} <= set(row)
        assert row["adcode"] == w["adcode"] and row["name_en"] == w["name_en"]
        assert row["demand"] == w["demand"] and row["covered"] == w["covered"]
        if np.isnan(w["coverage"]):
            assert row["coverage"] is None
        else:
            assert row["coverage"] == pytest.approx(w["coverage"])
    assert rows[-1]["adcode"] == "110000"


def test_coverage_csv_and_table_and_out(capsys, isolated_home, tmp_path):
    assert main(["coverage", "--format", "csv", "--home", str(isolated_home)]) == 0
    from io import StringIO

    df = pd.read_csv(StringIO(capsys.readouterr().out), dtype={"adcode": str})
    assert list(df["adcode"])[-1] == "110000" and len(df) == 17
    out = tmp_path / "cov.json"
    assert main(["coverage", "--format", "json", "--out", str(out)]) == 0
    assert json.loads(out.read_text())[-1]["adcode"] == "110000"
    assert main(["coverage"]) == 0
    assert "Beijing (city total)" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["coverage", "--require", "bitcoin"], "unknown capability"),
        (["coverage", "--radius", "-5"], "radius"),
        (["coverage", "--as-of", "yesterday-ish"], "not a date"),
        (["coverage", "--scheduler", "tcp://x:1"], "--backend dask"),
        (["recommend", "--k", "2", "--district", "Atlantis"], "unknown district"),
        (["recommend", "--k", "0"], "at least 1"),
        (["standards", "set", "spaceport", "--radius", "10"], "unknown category"),
        (["standards", "set", "hotel"], "nothing to set"),
    ],
)
def test_user_errors_are_one_line(capsys, argv, message):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_since_matches_coverage_progress(capsys, isolated_home):
    from dashboard.engine.coverage import coverage_progress

    rows = run_json(
        capsys,
        "coverage",
        "--format",
        "json",
        "--use-standards",
        "--since",
        "2024-01-01",
        "--as-of",
        "2025-06-30",
    )
    k, p, d = (load_layer(n) for n in ("key-locations", "payments", "districts"))
    prog = coverage_progress(k, p, d, shipped_standards(), "2024-01-01", "2025-06-30")
    assert [r["newly_covered"] for r in rows] == list(prog["newly_covered"])
    assert [r["covered_since"] for r in rows] == list(prog["covered_start"])
    assert [r["covered"] for r in rows] == list(prog["covered_end"])
    assert main(["coverage", "--since", "2025-01-01", "--as-of", "2024-01-01"]) == 2
