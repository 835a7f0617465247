"""The monthly series counted from each place's first covered month
(:func:`covered_steps`, what the Progress page keeps instead of a places × months matrix)
and from kept gap groups equal the ones counted from the matrix."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dashboard.core.model import SECTORS
from dashboard.engine.coverage import covered_from
from dashboard.engine.progress import (
    GAP_GROUPS,
    coverage_series,
    covered_matrix,
    covered_steps,
    gap_groups,
    gap_series,
    month_ends,
    series_inputs,
)
from loaders.standards_store import shipped_standards

SPAN = ("2023-01-01", "2025-10-12")


def test_steps_say_what_the_matrix_says():
    dates = month_ends("2024-01-01", "2024-06-15")
    days = ["2023-05-01", "2024-01-31", "2024-02-01", "NaT", "2024-06-15", "2024-06-16"]
    since = pd.Series(pd.to_datetime(days))
    steps = covered_steps(since, dates)
    assert steps.tolist() == [0, 0, 1, 6, 5, 6]
    matrix = since.to_numpy()[:, None] <= dates.to_numpy()[None, :]
    np.testing.assert_array_equal(np.arange(len(dates))[None, :] >= steps[:, None], matrix)


@pytest.mark.parametrize("sector", [None, *SECTORS])
def test_series_from_steps_equal_the_series_from_the_matrix(layers, sector):
    std = shipped_standards()
    k, p, d = layers["key-locations"], layers["payments"], layers["districts"]
    places, matrix = series_inputs(k, p, d, std, *SPAN)
    steps = covered_steps(covered_from(k, p, std), month_ends(*SPAN))
    a = coverage_series(k, p, d, std, *SPAN, sector=sector, assessed=(places, matrix))
    b = coverage_series(k, p, d, std, *SPAN, sector=sector, assessed=(places, steps))
    pd.testing.assert_frame_equal(b, a, check_exact=False, rtol=1e-12)
    pd.testing.assert_frame_equal(a[["covered", "demand"]], b[["covered", "demand"]])
    assert a["covered"].sum() > 0


@pytest.mark.parametrize("by", list(GAP_GROUPS))
@pytest.mark.parametrize("district", [None, "110105", "110108"])
def test_gaps_from_steps_and_kept_groups_equal_the_gaps_from_the_matrix(layers, by, district):
    std = shipped_standards()
    k, p, d = layers["key-locations"], layers["payments"], layers["districts"]
    places, matrix = series_inputs(k, p, d, std, *SPAN)
    steps = covered_steps(covered_from(k, p, std), month_ends(*SPAN))
    want = gap_series(k, p, d, std, *SPAN, by=by, district=district)
    got = gap_series(
        k,
        p,
        d,
        std,
        *SPAN,
        by=by,
        district=district,
        assessed=(places, steps),
        group_codes=gap_groups(k, by),
    )
    pd.testing.assert_frame_equal(got, want)
    assert (want["uncovered"] > 0).any()


def test_matrix_and_steps_agree_on_random_data():
    from tests.engine.conftest import random_instance

    demand, supply = random_instance(3, n_demand=500, n_supply=200)
    std = shipped_standards()
    dates = month_ends(*SPAN)
    matrix = covered_matrix(demand, supply, std, dates)
    steps = covered_steps(covered_from(demand, supply, std), dates)
    np.testing.assert_array_equal(np.arange(len(dates))[None, :] >= steps[:, None], matrix)
    assert 0 < matrix.sum() < matrix.size


def test_unknown_grouping_is_refused(layers):
    with pytest.raises(ValueError, match="unknown grouping"):
        gap_groups(layers["key-locations"], "colour")
