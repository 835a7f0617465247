"""The pages benchmark's figures: besides each median, the fastest and slowest sample, so a
reader sees how far one sample strays on the machine that measured it."""

from __future__ import annotations

from benchmarks.pages import _median, _spread, _spread_cell


def test_spread_is_the_fastest_and_slowest_sample():
    samples = [2.614, 1.953, 2.2, None]
    assert _spread(samples) == [1.95, 2.61]
    assert _median(samples, 3) == 2.2


def test_a_control_the_page_lacks_has_no_spread():
    assert _spread([None, None]) is None
    assert _spread_cell(None).strip() == "–"


def test_spread_cell_reads_fastest_to_slowest():
    cell = _spread_cell([1.95, 2.61])
    assert cell == "  1.95–2.61"
    assert len(cell) == 11
