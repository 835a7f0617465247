"""E2SFCA at sizes whose pairs would not fit: pooled on a grid, bounded, close to exact."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.engine import accessibility as acc
from dashboard.engine.layers import load_all
from loaders.standards_store import shipped_standards


def _cloud(n: int, seed: int, spread: float = 3000.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.normal(0, spread, (n, 2)) + np.array([450_000.0, 4_420_000.0])


def test_pooling_on_a_grid_finer_than_any_gap_is_exact():
    d, s = _cloud(3000, 1), _cloud(800, 2)
    p = np.random.default_rng(3).choice([1.0, 2.0, 3.0], len(d))
    c = np.ones(len(s))
    decay = acc.step_decay(acc.DEFAULT_STEPS)
    exact = acc.e2sfca(d, p, s, c, decay)
    pooled = acc.pooled_e2sfca(d, p, s, c, decay, cell=0.001)
    np.testing.assert_allclose(pooled, exact, rtol=1e-9, atol=1e-12)


def test_pooled_scores_stay_close_and_keep_the_totals():
    d, s = _cloud(20_000, 4), _cloud(6000, 5)
    p = np.ones(len(d))
    c = np.ones(len(s))
    decay = acc.step_decay(acc.DEFAULT_STEPS)
    exact = acc.e2sfca(d, p, s, c, decay)
    pooled = acc.pooled_e2sfca(d, p, s, c, decay, cell=50.0)
    # the demand-weighted mean (what the district tables show) moves by well under 5 %
    assert abs(pooled.mean() - exact.mean()) / exact.mean() < 0.05
    assert np.corrcoef(pooled, exact)[0, 1] > 0.95


def test_the_pair_estimate_is_close_to_the_count():
    d, s = _cloud(20_000, 6), _cloud(6000, 7)
    true = acc.distance_pairs(d, s, 1000.0)[0].size
    assert abs(acc.estimate_pairs(d, s, 1000.0) - true) / true < 0.1


def test_accessibility_pools_when_the_pairs_would_not_fit_and_says_so(monkeypatch):
    lay = load_all()
    std = shipped_standards()
    exact = acc.accessibility(lay["key-locations"], lay["payments"], std)
    assert exact.attrs["pooled_m"] == 0
    monkeypatch.setattr(acc, "PAIRS_MAX", 10)  # as if the city held millions of places
    pooled = acc.accessibility(lay["key-locations"], lay["payments"], std)
    assert pooled.attrs["pooled_m"] in acc.POOL_CELLS
    pd.testing.assert_index_equal(pooled.index, exact.index)
    assert (pooled["demand"] == exact["demand"]).all()
    assert ((pooled["access"] > 0) == (exact["access"] > 0)).mean() > 0.9
