"""`exchange-atlas targets`: show (with status equal to the engine's), set, remove, reset,
undo and history; bad input is one message and nothing is written."""

from __future__ import annotations

import json

import pytest

from dashboard.cli import main
from dashboard.core.targets import CITY
from dashboard.engine.layers import load_layer
from dashboard.engine.progress import coverage_series, target_status
from loaders.standards_store import load_standards
from loaders.targets_store import load_targets, shipped_targets, targets_history


def run_json(capsys, *argv):
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def test_show_lists_the_shipped_examples_labelled(capsys):
    assert main(["targets", "show"]) == 0
    out = capsys.readouterr().out
    assert "example targets, not an official decision" in out
    data = run_json(capsys, "targets", "show", "--format", "json")
    assert len(data["targets"]) == len(shipped_targets())


def test_status_equals_the_engine(capsys, store, isolated_home):
    rows = run_json(
        capsys, "targets", "show", "--status", "--as-of", "2024-12-31", "--format", "json"
    )
    k, p, d = (load_layer(x, isolated_home) for x in ("key-locations", "payments", "districts"))
    std = load_standards(isolated_home)
    start = p["in_service_date"].min()
    series = coverage_series(k, p, d, std, start, "2024-12-31")
    sectors = {
        s: coverage_series(k, p, d, std, start, "2024-12-31", sector=s)
        for s in {t.sector for t in shipped_targets() if t.sector}
    }
    want = target_status(series, shipped_targets(), "2024-12-31", sector_series=sectors)
    assert [r["status"] for r in rows] == want["status"].tolist()
    assert [r["value"] for r in rows] == pytest.approx(want["value"].tolist())
    assert {r["status"] for r in rows} <= {"achieved", "on_track", "at_risk", "off_track"}


def test_set_remove_reset_undo_history(capsys, store, isolated_home):
    argv = ["Chaoyang", "--milestone", "2026-06-30=65", "--milestone", "2026-12-31=90%"]
    assert main(["targets", "set", *argv]) == 0
    chaoyang = [t for t in load_targets(isolated_home) if t.district == "110105"][0]
    assert [m.percent for m in chaoyang.milestones] == [65, 90] and not chaoyang.example
    assert main(["targets", "remove", "city"]) == 0
    assert all(t.key != (CITY, "coverage", None) for t in load_targets(isolated_home))
    assert main(["targets", "reset"]) == 0
    assert load_targets(isolated_home) == shipped_targets()
    assert main(["targets", "undo"]) == 0  # the reset undone
    assert all(t.key != (CITY, "coverage", None) for t in load_targets(isolated_home))
    capsys.readouterr()
    versions = run_json(capsys, "targets", "history", "--json")
    assert [v["action"] for v in versions] == ["save", "save", "reset"]


@pytest.mark.parametrize(
    "argv, message",
    [
        (["city", "--milestone", "2026-12-31=120"], "outside (0, 100]"),
        (["city", "--milestone", "2020-01-01=50"], "before the data"),
        (["Atlantis", "--milestone", "2026-12-31=50"], "unknown district 'Atlantis'"),
        (["city", "--milestone", "2026-12-31"], "expected DATE=PERCENT"),
    ],
)
def test_bad_targets_are_one_message_and_nothing_is_written(
    capsys, store, isolated_home, argv, message
):
    assert main(["targets", "set", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (isolated_home / "documents").exists()
    assert targets_history(isolated_home) == []


def test_unknown_sector_is_refused_by_the_parser(capsys):
    with pytest.raises(SystemExit) as info:
        main(["targets", "set", "city", "--sector", "space", "--milestone", "2026-12-31=50"])
    assert info.value.code == 2
