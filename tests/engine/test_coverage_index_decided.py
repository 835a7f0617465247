"""A coverage index decides each place's distance once per set of points in service — the
places its staircases leave open (ties, points beyond its horizon) by the engine's own
search — and a radius step reuses that, with the engine's answer exactly."""

from __future__ import annotations

import pandas as pd

from dashboard.core.standards import uniform_standards
from dashboard.engine.coverage import assess_coverage
from dashboard.engine.coverage_index import (
    assess_from_index,
    build_coverage_index,
    requirement_structure,
)
from loaders.standards_store import shipped_standards


def _tied_instance() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Places with two payment points at the very same spot (a tie at the deciding
    distance) and one far away (beyond a 300 m horizon)."""
    demand = pd.DataFrame(
        {
            "id": ["D0", "D1", "D2"],
            "category": ["hotel", "shopping_mall", "hotel"],
            "sector": "accommodation",
            "adcode": "110101",
            "lon": [116.400, 116.402, 116.460],
            "lat": [39.910, 39.911, 39.950],
        }
    )
    caps = "foreign_card;foreign_wallet;cash;currency_exchange"
    supply = pd.DataFrame(
        {
            "id": ["S0", "S1", "S2", "S3"],
            "lon": [116.401, 116.401, 116.4015, 116.403],
            "lat": [39.9105, 39.9105, 39.9107, 39.9112],
            "capabilities": [caps] * 4,
            "in_service_date": pd.to_datetime(["2023-01-01", "2023-01-01", "2024-01-01", None]),
        }
    )
    return demand, supply


def test_a_radius_step_reuses_the_open_places_answers():
    demand, supply = _tied_instance()
    standards = shipped_standards()
    index = build_coverage_index(
        demand, supply, None, requirement_structure(standards), horizon=300
    )
    for as_of in ("2023-06-01", "2024-06-01", None):
        first = None
        for r in (50, 200, 800, 2500):
            std = uniform_standards(standards, radius_m=r)
            got = assess_from_index(index, std, as_of, None)
            ref = assess_coverage(demand, supply, None, std, as_of=as_of)
            pd.testing.assert_frame_equal(got.places, ref.places)
            pd.testing.assert_frame_equal(got.districts, ref.districts)
            kept = next(reversed(index.decided.values()))
            if first is None:
                first = kept
            assert kept is first  # searched once for this date, whatever the radius
    assert len(index.decided) == 3  # one entry per set of points in service
    assert not kept[0].flags.writeable  # shared: no caller can change it
