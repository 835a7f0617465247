"""Fixtures of the coverage-engine tests: shipped layers and random instances."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.core.model import CAPABILITIES
from tests.fixtures import isolated_home, layers  # noqa: F401  (fixtures)


def random_instance(
    seed: int,
    n_demand: int = 300,
    n_supply: int = 200,
    box: tuple[float, float, float, float] = (116.25, 39.82, 116.55, 40.02),
    categories: tuple[str, ...] = ("hotel", "airport", "museum", "restaurant"),
):
    """Random demand/supply over a box of central Beijing with capabilities and dates."""
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = box
    caps = list(CAPABILITIES)
    demand = pd.DataFrame(
        {
            "id": [f"D{i}" for i in range(n_demand)],
            "category": rng.choice(list(categories), n_demand),
            "sector": "shopping",
            "lon": rng.uniform(x0, x1, n_demand),
            "lat": rng.uniform(y0, y1, n_demand),
        }
    )
    cells = [
        ";".join(sorted(set(rng.choice(caps, rng.integers(1, 3)).tolist())))
        for _ in range(n_supply)
    ]
    dates = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 1000, n_supply), "D")
    supply = pd.DataFrame(
        {
            "id": [f"S{i}" for i in range(n_supply)],
            "lon": rng.uniform(x0, x1, n_supply),
            "lat": rng.uniform(y0, y1, n_supply),
            "capabilities": cells,
            "in_service_date": dates,
        }
    )
    return demand, supply
