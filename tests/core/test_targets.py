"""dashboard.core.targets: milestones and targets validated, round trip, edits."""

from __future__ import annotations

from datetime import date

import pytest

from dashboard.core.targets import (
    CITY,
    Milestone,
    Target,
    parse_milestones,
    remove_target,
    set_target,
    target_for,
    targets_from_dict,
    targets_to_dict,
)
from loaders.targets_store import shipped_targets

ONE = {"date": "2026-12-31", "percent": 50}


def test_shipped_examples_are_valid_and_marked():
    targets = shipped_targets()
    assert targets and all(t.example for t in targets)
    assert target_for(targets, "all") is not None  # the city's
    assert targets_from_dict(targets_to_dict(targets)) == targets


@pytest.mark.parametrize(
    "pairs, message",
    [
        ([("2026-12-31", "120")], "outside"),
        ([("2026-12-31", "0")], "outside"),
        ([("31/12/2026", "50")], "not a date"),
        ([("2026-12-31", "lots")], "not a percentage"),
        ([("2026-12-31", "50"), ("2026-06-30", "60")], "not after"),
        ([("2026-06-30", "60"), ("2026-12-31", "50")], "below the earlier"),
        ([], "at least one milestone"),
    ],
)
def test_bad_milestones_say_what_is_wrong(pairs, message):
    with pytest.raises(ValueError, match=message):
        parse_milestones(pairs)


@pytest.mark.parametrize(
    "raw, message",
    [
        ({"district": "999999", "milestones": [ONE]}, "999999"),
        (
            {
                "district": CITY,
                "sector": "space",
                "milestones": [{"date": "2026-12-31", "percent": 5}],
            },
            "unknown sector",
        ),
        (
            {"district": CITY, "metric": "x", "milestones": [ONE]},
            "unknown metric",
        ),
    ],
)
def test_bad_targets_are_named(raw, message):
    with pytest.raises(ValueError, match=message) as info:
        targets_from_dict({"targets": [raw]})
    assert str(info.value).startswith("target 1 (")


def test_a_key_twice_is_refused():
    t = {"district": CITY, "milestones": [{"date": "2026-12-31", "percent": 50}]}
    with pytest.raises(ValueError, match="set twice"):
        targets_from_dict({"targets": [t, t]})


def test_set_replaces_and_is_never_an_example_remove_drops():
    base = shipped_targets()
    new = Target(CITY, (Milestone(date(2026, 12, 31), 95),), example=True)
    edited = set_target(base, new)
    city = target_for(edited, CITY)
    assert city is not None and city.milestones[0].percent == 95 and not city.example
    assert len(edited) == len(base)
    assert target_for(remove_target(edited, CITY, "coverage", None), CITY) is None
    with pytest.raises(ValueError, match="no coverage target"):
        remove_target(edited, "110119", "coverage", None)
