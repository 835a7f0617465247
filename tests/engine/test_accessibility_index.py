"""The accessibility index: E2SFCA at any date from pairs formed once, the same answer as
forming the pairs of the points in service on that date."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from dashboard.core.state import ViewState
from dashboard.engine import accessibility as acc
from dashboard.engine.coverage import in_service, project_lonlat
from loaders.standards_store import shipped_standards

DATES = [None, "2023-01-01", "2024-03-31", "2024-12-31", "2025-06-01"]


def _per_date(kl: pd.DataFrame, pay: pd.DataFrame, std, as_of) -> np.ndarray:
    """E2SFCA formed from scratch over the points in service on ``as_of`` only."""
    sup = pay[in_service(pay, as_of)]
    dxy = np.column_stack(project_lonlat(kl["lon"].to_numpy(), kl["lat"].to_numpy()))
    sxy = np.column_stack(project_lonlat(sup["lon"].to_numpy(), sup["lat"].to_numpy()))
    p = kl["category"].map({c: s.weight for c, s in std.items()}).to_numpy("float64")
    decay = acc.step_decay(acc.DEFAULT_STEPS)
    return acc.e2sfca(dxy, p, sxy, np.ones(len(sup)), decay)


def test_each_date_is_the_e2sfca_of_the_points_then_in_service(layers):
    kl, pay, dis = layers["key-locations"], layers["payments"], layers["districts"]
    std = shipped_standards()
    index = acc.access_index(kl, pay, std, districts=dis)
    assert index.pooled_m == 0
    seen = set()
    for d in DATES:
        got = index.at(d)
        np.testing.assert_allclose(got["access"], _per_date(kl, pay, std, d), rtol=1e-12)
        assert list(got.columns) == ["id", "category", "adcode", "demand", "access"]
        pd.testing.assert_index_equal(got.index, kl.index)
        assert got.attrs["pooled_m"] == 0
        seen.add(round(float(got["access"].sum()), 9))
    assert len(seen) > 2  # the dates differ: the test can tell a date-blind index
    # the engine's accessibility() is the index's answer
    pd.testing.assert_frame_equal(
        acc.accessibility(kl, pay, std, as_of="2024-12-31", districts=dis),
        index.at("2024-12-31"),
    )


def test_capacity_and_an_empty_supply(layers):
    kl, pay = layers["key-locations"], layers["payments"]
    std = shipped_standards()
    doubled = acc.access_index(kl, pay.assign(cap=2.0), std, capacity="cap").at("2025-06-01")
    single = acc.access_index(kl, pay, std).at("2025-06-01")
    np.testing.assert_allclose(doubled["access"], 2 * single["access"])
    none = acc.access_index(kl, pay.iloc[:0], std).at("2025-06-01")
    assert (none["access"] == 0).all() and len(none) == len(kl)
    before_any = acc.access_index(kl, pay, std).at("1990-01-01")
    undated = pay["in_service_date"].isna()
    assert (before_any["access"] > 0).any() == bool(undated.any())
    with pytest.raises(ValueError, match="non-negative"):
        acc.access_index(kl, pay.assign(cap=-1.0), std, capacity="cap")


def test_pooled_pairs_stay_fixed_and_close_to_exact(layers, monkeypatch):
    kl, pay = layers["key-locations"], layers["payments"]
    std = shipped_standards()
    exact = acc.access_index(kl, pay, std)
    monkeypatch.setattr(acc, "PAIRS_MAX", 10)  # as if the city held millions of places
    pooled = acc.access_index(kl, pay, std)
    assert pooled.pooled_m in acc.POOL_CELLS
    assert 0 < pooled.pairs < exact.pairs
    for d in ("2024-06-30", "2025-06-01"):
        a, b = pooled.at(d), exact.at(d)
        assert a.attrs["pooled_m"] == pooled.pooled_m
        assert ((a["access"] > 0) == (b["access"] > 0)).mean() > 0.9
        # the capacity in service that day is kept whole: no point counted twice or lost
        assert np.isclose(
            np.bincount(pooled.point_unit, weights=pooled.capacity * in_service(pay, d)).sum(),
            in_service(pay, d).sum(),
        )


def test_a_date_step_on_the_pages_builds_no_index(isolated_home, layers):
    from dashboard.ui import cache
    from dashboard.ui import compare as ui_compare

    ui_compare.access_index.clear()  # type: ignore[attr-defined]
    ui_compare._access_of.clear()  # type: ignore[attr-defined]
    before = ui_compare.ACCESS_INDEX_BUILDS
    lay = cache.load_layers()
    for v in [
        ViewState(),
        ViewState(as_of=date(2025, 6, 1)),
        ViewState(as_of=date(2024, 1, 1)),
        ViewState(radius=300, as_of=date(2024, 1, 1)),
    ]:
        inputs = cache.view_inputs(v)
        got = ui_compare.place_access(inputs)
        ref = acc.accessibility(
            lay["key-locations"],
            lay["payments"],
            inputs.standards,
            as_of=inputs.as_of,
            districts=lay["districts"],
        )
        pd.testing.assert_frame_equal(got, ref)
    assert ui_compare.ACCESS_INDEX_BUILDS - before == 1
