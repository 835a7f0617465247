"""MCLP siting: exact against enumeration, greedy within its bound, and the what-if."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse

from dashboard.core.standards import uniform_standards
from dashboard.engine.siting import (
    add_service_points,
    cover_matrix,
    greedy_mclp,
    milp_mclp,
    new_point_capabilities,
    recommend_sites,
    solve_mclp,
)
from loaders.standards_store import shipped_standards


def enumerate_best(cover: np.ndarray, w: np.ndarray, k: int) -> float:
    m = cover.shape[1]
    best = 0.0
    for r in range(0, min(k, m) + 1):
        for combo in itertools.combinations(range(m), r):
            hit = cover[:, list(combo)].any(axis=1) if combo else np.zeros(len(w), bool)
            best = max(best, float(w[hit].sum()))
    return best


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 14),
    m=st.integers(1, 7),
    k=st.integers(1, 4),
    density=st.floats(0.05, 0.6),
    seed=st.integers(0, 10_000),
)
def test_exact_matches_enumeration_and_greedy_bound_holds(n, m, k, density, seed):
    rng = np.random.default_rng(seed)
    a = rng.random((n, m)) < density
    w = rng.integers(0, 6, n).astype(float)
    opt = enumerate_best(a, w, k)
    exact = milp_mclp(sparse.csc_matrix(a), w, k)
    assert exact.optimal and np.isclose(exact.objective, opt)
    assert len(exact.chosen) <= k and np.isclose(exact.gains.sum(), exact.objective)
    hit = a[:, exact.chosen].any(axis=1) if len(exact.chosen) else np.zeros(n, bool)
    assert np.isclose(w[hit].sum(), exact.objective)  # reported value is the true value
    greedy = greedy_mclp(sparse.csc_matrix(a), w, k)
    assert greedy.objective <= opt + 1e-9
    assert greedy.bound >= opt - 1e-9  # the reported bound is a valid upper bound
    assert greedy.objective >= (1 - 1 / np.e) * opt - 1e-9


def test_cover_matrix_is_exact_per_radius():
    rng = np.random.default_rng(0)
    d = rng.uniform(0, 2000, (200, 2))
    c = rng.uniform(0, 2000, (50, 2))
    r = rng.choice([100.0, 300.0], 200)
    got = cover_matrix(d, r, c).toarray()
    dist = np.sqrt(((d[:, None] - c[None]) ** 2).sum(-1))
    assert (got == (dist <= r[:, None])).all()


def test_auto_switches_to_greedy_on_large_models():
    rng = np.random.default_rng(1)
    a = sparse.csc_matrix(rng.random((300, 40)) < 0.2)
    w = np.ones(300)
    assert solve_mclp(a, w, 3, max_exact_pairs=10).method == "greedy"
    assert solve_mclp(a, w, 3).method == "milp"
    with pytest.raises(ValueError, match="method"):
        solve_mclp(a, w, 3, method="magic")
    with pytest.raises(ValueError, match="rows"):
        solve_mclp(a, w[:-1], 3)


@pytest.mark.parametrize("candidates", ["uncovered", "h3"])
def test_what_if_recovers_the_objective(layers, candidates):
    k, p, d = layers["key-locations"], layers["payments"], layers["districts"]
    std = shipped_standards()
    res = recommend_sites(k, p, d, std, 4, candidates=candidates, as_of="2025-06-01")
    gained = res.after.city["covered_weight"] - res.before.city["covered_weight"]
    assert np.isclose(gained, res.solution.objective)
    assert len(res.sites) <= 4
    assert np.isclose(res.sites["newly_covered_weight"].sum(), res.solution.objective)
    assert (
        res.after.city["covered"] - res.before.city["covered"] == res.sites["newly_covered"].sum()
    )


def test_district_scope(layers):
    k, p, d = layers["key-locations"], layers["payments"], layers["districts"]
    std = uniform_standards(shipped_standards(), require=[])
    before = recommend_sites(k, p, d, std, 1).before.districts.set_index("adcode")
    code = before[before["uncovered"] > 0].index[0]
    res = recommend_sites(k, p, d, std, 2, district=code)
    assert res.scope == code and set(res.sites["adcode"]) <= {code}
    b = res.before.districts.set_index("adcode").loc[code, "covered_weight"]
    a = res.after.districts.set_index("adcode").loc[code, "covered_weight"]
    assert np.isclose(a - b, res.solution.objective) and res.solution.objective > 0
    with pytest.raises(ValueError, match="unknown district"):
        recommend_sites(k, p, d, std, 2, district="999999")


def test_given_coverage_is_used_and_checked(layers):
    """The dashboard hands in its cached coverage: the same sites and what-if follow, and
    coverage of other demand is refused."""
    from dashboard.engine.coverage import assess_coverage

    k, p, d = layers["key-locations"], layers["payments"], layers["districts"]
    std = shipped_standards()
    code = "110105"
    fresh = recommend_sites(k, p, d, std, 3, district=code, as_of="2025-06-01")
    before = assess_coverage(k, p, d, std, as_of="2025-06-01")
    given = recommend_sites(k, p, d, std, 3, district=code, as_of="2025-06-01", before=before)
    assert given.before is before
    assert given.sites.equals(fresh.sites)
    assert given.after.districts.equals(fresh.after.districts)
    other = assess_coverage(k.iloc[:10], p, d, std)
    with pytest.raises(ValueError, match="covers 10 places"):
        recommend_sites(k, p, d, std, 3, district=code, before=other)


def test_new_points_meet_every_clause():
    std = shipped_standards()
    caps = new_point_capabilities(std)
    for s in std.values():
        for clause in s.require:
            assert set(clause) & set(caps)
    import pandas as pd

    supply = pd.DataFrame({"id": ["a"], "lon": [116.4], "lat": [39.9], "capabilities": ["cash"]})
    out = add_service_points(supply, pd.DataFrame({"lon": [116.5], "lat": [39.95]}), caps)
    assert len(out) == 2 and out["id"].iloc[-1] == "NEW-001"
