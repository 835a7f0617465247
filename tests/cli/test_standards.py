"""`exchange-atlas standards show|set|reset` round trip through the workspace."""

from __future__ import annotations

import json

from dashboard.cli import main
from loaders.standards_store import load_standards, shipped_standards, standards_history
from tests.cli.test_coverage import _expected


def run_json(capsys, *argv):
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def test_standards_round_trip(capsys, store, isolated_home):
    assert (
        main(["standards", "set", "hotel", "--radius", "350", "--require", "cash", "--weight", "4"])
        == 0
    )
    capsys.readouterr()
    doc = run_json(capsys, "standards", "show", "--format", "json")
    hotel = doc["categories"]["hotel"]
    assert hotel["radius_m"] == 350 and hotel["require"] == [["cash"]] and hotel["weight"] == 4
    assert [v.name for v in standards_history(isolated_home)] == ["v0001.json"]
    if store == "workspace":
        assert (isolated_home / "documents" / "standards" / "v0001.json").is_file()
    # the coverage command uses the saved radius
    rows = run_json(capsys, "coverage", "--format", "json", "--use-standards")
    want = _expected(isolated_home).districts
    assert rows[-1]["covered"] == want["covered"].iloc[-1]
    assert main(["standards", "reset"]) == 0
    assert load_standards(isolated_home) == shipped_standards()
