"""The bad-input corpus through the real CLI: a clear message, never a traceback, and the
workspace either unchanged (fatal) or holding exactly the good rows (partial)."""

from __future__ import annotations

import json
import re
import warnings

import pytest

from dashboard.cli import main
from dashboard.engine.layers import load_layer
from loaders.workspace import current_layer_file, history

from .conftest import snapshot
from .corpus import CASES, Case


def test_corpus_is_large_enough():
    assert len(CASES) >= 40
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.fixture
def seeded(tmp_path, home):
    """A workspace with one earlier import in every layer the corpus touches."""
    seed = tmp_path / "seed.csv"
    seed.write_text("名称,类型,经度,纬度\n前一版本,商场,116.40,39.91\n", encoding="utf-8")
    assert main(["import", str(seed), "--layer", "key-locations", "--crs", "wgs84"]) == 0
    return home


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input(case: Case, tmp_path, seeded, capsys, monkeypatch):
    for k, v in case.env.items():
        monkeypatch.setenv(k, v)
    d = tmp_path / "in"
    d.mkdir()
    path = case.build(d)
    before = snapshot(seeded)
    before_rows = len(load_layer(case.layer, seeded))
    report = tmp_path / "report.json"
    capsys.readouterr()
    argv = ["import", str(path), "--layer", case.layer, "--report", str(report), *case.args]
    with warnings.catch_warnings(record=True) as leaked:
        warnings.simplefilter("always")
        rc = main(argv)
    out, err = capsys.readouterr()
    # a library's warning is a note of the report or the error, never printed
    assert not [str(w.message) for w in leaked if not issubclass(w.category, DeprecationWarning)]
    assert "Traceback" not in out + err
    if case.kind == "fatal":
        assert rc == 2, out + err
        msg = err.strip().splitlines()[-1]
        assert msg.startswith("exchange-atlas import: ")
        assert re.search(case.pattern, msg, re.I), msg
        assert snapshot(seeded) == before, "a failed import changed the workspace"
        assert len(load_layer(case.layer, seeded)) == before_rows
        assert not list(seeded.rglob(".*.tmp*")) and not list(seeded.rglob(".v*"))
    else:
        assert rc == 0, out + err
        rep = json.loads(report.read_text(encoding="utf-8"))
        texts = [p["message"] for p in rep["problems"]] + rep["warnings"]
        if case.pattern:
            assert any(re.search(case.pattern, t) for t in texts), texts
        for p in rep["problems"]:
            assert {"row", "column", "message"} <= set(p)
        layer = load_layer(case.layer, seeded)
        assert len(layer) == before_rows + rep["rows_kept"]
        assert history(case.layer, seeded)[-1].current
        assert current_layer_file(case.layer, seeded) is not None


def test_script_in_names_is_stored_as_text(tmp_path, seeded):
    case = next(c for c in CASES if c.name == "html-in-names")
    path = case.build(tmp_path)
    assert main(["import", str(path), "--layer", "key-locations"]) == 0
    names = set(load_layer("key-locations", seeded)["name_zh"])
    assert "<script>alert('x')</script>" in names
    assert "<img src=x onerror=alert(1)>" in names
