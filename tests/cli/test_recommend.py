"""`exchange-atlas recommend` gives the figures of recommend_sites."""

from __future__ import annotations

import json

import pytest

from dashboard.cli import main
from dashboard.core.standards import uniform_standards
from dashboard.engine.layers import load_layer
from dashboard.engine.siting import recommend_sites
from loaders.standards_store import shipped_standards


def run_json(capsys, *argv):
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def test_recommend_json_equals_functions(capsys, isolated_home):
    doc = run_json(capsys, "recommend", "--k", "3", "--district", "Chaoyang", "--format", "json")
    k, p, d = (load_layer(n) for n in ("key-locations", "payments", "districts"))
    std = uniform_standards(shipped_standards(), require=[])
    res = recommend_sites(k, p, d, std, 3, district="110105")
    assert doc["scope"] == "110105"
    assert [s["id"] for s in doc["sites"]] == list(res.sites["id"])
    assert doc["objective"] == pytest.approx(res.solution.objective)
    b = res.before.districts.set_index("adcode").loc["110105"]
    a = res.after.districts.set_index("adcode").loc["110105"]
    assert doc["before"]["covered"] == b["covered"] and doc["after"]["covered"] == a["covered"]
    assert main(["recommend", "--k", "2"]) == 0
    assert "coverage before" in capsys.readouterr().out
