"""The dask backend gives exactly the local backend's answer (2-worker local cluster)."""

from __future__ import annotations

import pandas as pd
import pytest

pytest.importorskip("dask_geopandas", reason="the [scale] extra is not installed")
pytest.importorskip("distributed", reason="the [scale] extra is not installed")

from dashboard.core.standards import uniform_standards  # noqa: E402
from dashboard.engine.coverage import assess_coverage  # noqa: E402
from dashboard.engine.scale import assess_coverage_dask, dask_client  # noqa: E402
from loaders.standards_store import shipped_standards

from .conftest import random_instance  # noqa: E402

pytestmark = [pytest.mark.scale, pytest.mark.slow]


@pytest.fixture(scope="module")
def client():
    with dask_client(n_workers=2) as c:
        yield c


def test_identical_to_local(client, layers):
    k, p, d = layers["key-locations"], layers["payments"], layers["districts"]
    std = shipped_standards()
    a = assess_coverage(k, p, d, std, as_of="2025-01-01")
    b = assess_coverage_dask(k, p, d, std, as_of="2025-01-01", client=client, npartitions=4)
    pd.testing.assert_frame_equal(a.places, b.places)
    pd.testing.assert_frame_equal(a.districts, b.districts)


@pytest.mark.parametrize("max_distance", [None, 900.0])
def test_identical_on_random_data_with_halo_edges(client, layers, max_distance):
    # sparse supply: many nearest points lie outside a partition's halo, so the exact
    # distances must be resolved; coverage must match regardless
    demand, supply = random_instance(7, n_demand=3000, n_supply=150)
    std = uniform_standards(shipped_standards(), radius_m=400)
    d = layers["districts"]
    a = assess_coverage(demand, supply, d, std, max_distance=max_distance)
    b = assess_coverage_dask(
        demand, supply, d, std, client=client, npartitions=6, max_distance=max_distance
    )
    pd.testing.assert_frame_equal(a.places, b.places)
    pd.testing.assert_frame_equal(a.districts, b.districts)


def test_cli_dask_backend_on_existing_scheduler(client, capsys):
    import json

    from dashboard.cli import main

    assert main(["coverage", "--format", "json"]) == 0
    local = json.loads(capsys.readouterr().out)
    addr = client.scheduler.address
    assert main(["coverage", "--format", "json", "--backend", "dask", "--scheduler", addr]) == 0
    assert json.loads(capsys.readouterr().out) == local


def test_identical_with_no_supply_in_service_and_isolated_partitions(client, layers):
    demand, supply = random_instance(9, n_demand=400, n_supply=40)
    far = demand.copy()
    far["lon"] = far["lon"] + 0.6  # a second cluster ~50 km east, far from every point
    far["id"] = "F" + far["id"]
    demand = pd.concat([demand, far], ignore_index=True)
    std = shipped_standards()
    d = layers["districts"]
    for as_of in ("2000-01-01", None):
        a = assess_coverage(demand, supply, d, std, as_of=as_of)
        b = assess_coverage_dask(demand, supply, d, std, as_of=as_of, client=client, npartitions=4)
        pd.testing.assert_frame_equal(a.places, b.places)
        pd.testing.assert_frame_equal(a.districts, b.districts)


def test_halo_pairs_meet_the_grown_box_and_keep_one_partition():
    from dashboard.engine.scale import halo_pairs

    box = lambda x0, y0, x1, y1, n=1: (x0, y0, x1, y1, n)  # noqa: E731
    cols = ["xmin", "ymin", "xmax", "ymax", "n"]
    dbox = pd.DataFrame(
        [box(0, 0, 10, 10), box(100, 100, 110, 110), box(0, 0, 0, 0, 0)], columns=cols
    )
    sbox = pd.DataFrame(
        [box(12, 0, 20, 10), box(30, 30, 40, 40), box(0, 0, 10, 10, 0), box(-5, -5, -1, -1)],
        columns=cols,
    )
    # within 5 of [0, 10]²: the first and the last (an empty partition never counts)
    assert halo_pairs(dbox, sbox, 5.0) == [(0, [0, 3]), (1, [0])]
    assert halo_pairs(dbox, sbox, 0.5) == [(0, [0]), (1, [0])]  # none meets: the first
    assert halo_pairs(dbox, sbox, 25.0)[0] == (0, [0, 1, 3])
