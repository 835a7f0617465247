"""The presenter's slide sequence (dashboard.core.slides)."""

from __future__ import annotations

import pytest

from dashboard.core.slides import MIN_AUTO_S, Slide, auto_interval, clamp, slide_deck, step

RANKING = ["110105", "110108", "110101"]


def test_the_deck_runs_summary_ranking_trend_districts_in_ranking_order_then_events():
    deck = slide_deck(RANKING)
    assert [s.kind for s in deck] == ["summary", "ranking", "trend", *["district"] * 3, "events"]
    assert [s.adcode for s in deck if s.kind == "district"] == RANKING


def test_a_chosen_list_replaces_the_ranking_in_the_presenters_order():
    deck = slide_deck(RANKING, ["110101", "110105", "110101", "999999"])
    assert [s.adcode for s in deck if s.kind == "district"] == ["110101", "110105"]


def test_a_chosen_list_of_unknown_districts_falls_back_to_the_ranking():
    deck = slide_deck(RANKING, ["999999"])
    assert [s.adcode for s in deck if s.kind == "district"] == RANKING


def test_without_events_there_is_no_events_slide():
    deck = slide_deck(RANKING, events=False)
    assert deck[-1] == Slide("district", "110101") and len(deck) == 6


@pytest.mark.parametrize(
    "number, total, want", [(None, 5, 1), (0, 5, 1), (3, 5, 3), (9, 5, 5), (4, 0, 1)]
)
def test_clamp_keeps_the_number_on_the_deck(number, total, want):
    assert clamp(number, total) == want


def test_step_stops_at_the_ends():
    assert step(1, -1, 8) == 1
    assert step(8, 1, 8) == 8
    assert step(3, 1, 8) == 4
    assert step(3, -1, 8) == 2
    assert step(12, 1, 8) == 8  # a number past the end (data changed) is brought back


def test_step_with_wrap_goes_round():
    assert step(8, 1, 8, wrap=True) == 1
    assert step(1, -1, 8, wrap=True) == 8
    assert step(4, 1, 8, wrap=True) == 5


def test_auto_interval_is_off_for_zero_and_has_a_floor():
    assert auto_interval(0) is None and auto_interval(None) is None
    assert auto_interval(1) == MIN_AUTO_S
    assert auto_interval(20) == 20.0
