"""E2SFCA against PySAL ``access`` and against a dense brute-force implementation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dashboard.engine.accessibility import (
    DEFAULT_STEPS,
    accessibility,
    district_accessibility,
    e2sfca,
    gaussian_decay,
    step_decay,
)
from loaders.standards_store import shipped_standards

from .conftest import random_instance


def dense_e2sfca(dxy, p, sxy, s, decay, d0):
    """Textbook E2SFCA on the full distance matrix (independent of the sparse code)."""
    d = np.sqrt(((dxy[:, None, :] - sxy[None, :, :]) ** 2).sum(-1))
    w = np.where(d <= d0, decay(d), 0.0)
    reach = (w * p[:, None]).sum(0)
    r = np.divide(s, reach, out=np.zeros_like(s), where=reach > 0)
    return (w * r[None, :]).sum(1)


def instance(seed, n=60, m=25, extent=3000.0):
    rng = np.random.default_rng(seed)
    dxy = rng.uniform(0, extent, (n, 2))
    sxy = rng.uniform(0, extent, (m, 2))
    sxy[0] = dxy[0]  # a zero distance
    return dxy, rng.uniform(0.5, 5, n), sxy, rng.integers(1, 4, m).astype(float)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("kind", ["step", "gaussian"])
def test_matches_dense_brute_force(seed, kind):
    dxy, p, sxy, s = instance(seed)
    decay = step_decay(DEFAULT_STEPS) if kind == "step" else gaussian_decay(800.0)
    d0 = decay.catchment
    np.testing.assert_allclose(
        e2sfca(dxy, p, sxy, s, decay), dense_e2sfca(dxy, p, sxy, s, decay, d0), rtol=1e-10
    )


@pytest.mark.filterwarnings("ignore:The inplace keyword")
@pytest.mark.parametrize("seed", [0, 1])
def test_matches_pysal_access(seed):
    access = pytest.importorskip("access")
    from access import weights

    dxy, p, sxy, s = instance(seed)
    d = np.sqrt(((dxy[:, None, :] - sxy[None, :, :]) ** 2).sum(-1))
    i, j = np.nonzero(d <= 1000.0)  # sparse pairs as cost_df (never a full cross join)
    cost = pd.DataFrame({"o": i, "d": j, "c": d[i, j]})
    demand = pd.DataFrame({"id": np.arange(len(p)), "pop": p})
    supply = pd.DataFrame({"id": np.arange(len(s)), "cap": s})
    a = access.Access(
        demand_df=demand,
        demand_index="id",
        demand_value="pop",
        supply_df=supply,
        supply_index="id",
        supply_value="cap",
        cost_df=cost,
        cost_origin="o",
        cost_dest="d",
        cost_name="c",
    )
    steps = {250: 1.0, 500: 0.68, 1000: 0.22}
    got_access = a.enhanced_two_stage_fca(
        name="e2", cost="c", max_cost=1000, weight_fn=weights.step_fn(steps), normalize=False
    )
    ref = got_access.iloc[:, 0].reindex(np.arange(len(p))).fillna(0.0).to_numpy()
    ours = e2sfca(dxy, p, sxy, s, step_decay(steps))
    np.testing.assert_allclose(ours, ref, rtol=1e-9, atol=1e-12)


def test_supply_per_demand_is_conserved():
    # With every pair fully weighted and one catchment, Σ_i P_i A_i = Σ_j S_j over reached supply.
    dxy, p, sxy, s = instance(5, extent=500.0)
    a = e2sfca(dxy, p, sxy, s, step_decay({1e6: 1.0}))
    assert np.isclose((p * a).sum(), s.sum())


def test_places_frame_and_district_means(layers):
    k, pay, d = layers["key-locations"], layers["payments"], layers["districts"]
    scores = accessibility(k, pay, shipped_standards(), districts=d, as_of="2025-06-01")
    assert len(scores) == len(k) and (scores["access"] >= 0).all()
    tab = district_accessibility(scores)
    assert tab["places"].sum() == len(k)
    assert ((tab["share_without_access"] >= 0) & (tab["share_without_access"] <= 1)).all()


def test_errors():
    dxy, p, sxy, s = instance(0)
    with pytest.raises(ValueError, match="non-negative"):
        e2sfca(dxy, -p, sxy, s, step_decay(DEFAULT_STEPS))
    with pytest.raises(ValueError, match="lengths"):
        e2sfca(dxy, p[:-1], sxy, s, step_decay(DEFAULT_STEPS))
    with pytest.raises(ValueError, match="catchment"):
        e2sfca(dxy, p, sxy, s, lambda x: np.ones_like(x))
    demand, supply = random_instance(0, 5, 5)
    with pytest.raises(ValueError, match="standard"):
        accessibility(demand.assign(category="x"), supply, shipped_standards())
