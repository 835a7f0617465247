"""Coverage from partitioned GeoParquet datasets on a real 2-process dask cluster: exactly
the local engine's answer with tiny partitions (so partition edges matter), the client
never opening a data file, and bad datasets refused with one message.

The dataset format itself (the Hilbert curve, the writer, the generator, the checks) is
tested without a cluster."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyarrow import fs as pafs

from dashboard.core.messages import Msg
from dashboard.core.standards import uniform_standards
from dashboard.engine.coverage import assess_coverage, district_coverage, project_lonlat
from dashboard.engine.partitioned import (
    MANIFEST,
    DatasetError,
    check_partition,
    hilbert_key,
    open_dataset,
    read_dataset,
    read_partition,
    synthetic_chunks,
    write_partitioned,
    write_synthetic,
)
from loaders.standards_store import shipped_standards

from .conftest import random_instance

pytest.importorskip("distributed", reason="the [scale] extra is not installed")

# --------------------------------------------------------------------------- no cluster


def test_hilbert_key_visits_every_cell_once_stepping_to_a_neighbour():
    side = 16
    iy, ix = np.divmod(np.arange(side * side), side)
    key = hilbert_key(ix.astype(float), iy.astype(float), (0, 0, side - 1, side - 1), order=4)
    assert sorted(key.tolist()) == list(range(side * side))  # a permutation of the cells
    o = np.argsort(key)
    steps = np.abs(np.diff(ix[o])) + np.abs(np.diff(iy[o]))
    assert (steps == 1).all()  # no jumps: consecutive keys are neighbouring cells


def test_writer_sorts_spatially_records_bounds_and_round_trips(tmp_path, layers):
    k = layers["key-locations"]
    ds = write_partitioned(k, tmp_path / "k", rows_per_partition=40, layer="key-locations")
    assert [p.rows for p in ds.partitions] == [40] * (len(k) // 40) + [len(k) % 40]
    back = read_dataset(tmp_path / "k")
    assert sorted(back["id"]) == sorted(k["id"]) and len(back) == len(k)
    x, y = project_lonlat(back["lon"].to_numpy(), back["lat"].to_numpy())
    start = 0
    for p in ds.partitions:
        sl = slice(start, start + p.rows)
        assert p.bounds == (x[sl].min(), y[sl].min(), x[sl].max(), y[sl].max())
        start += p.rows
    # compact partitions: on uniform points, 16 boxes together cover little more than
    # the whole box (chunks in random order would each cover nearly all of it)
    demand, _ = random_instance(1, n_demand=4000, n_supply=1)
    b = write_partitioned(demand, tmp_path / "u", rows_per_partition=250).bounds()
    whole = (b[:, 2].max() - b[:, 0].min()) * (b[:, 3].max() - b[:, 1].min())
    assert ((b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])).sum() < 1.6 * whole
    # GeoParquet: geopandas reads a partition with its CRS
    import geopandas as gpd

    g = gpd.read_parquet(tmp_path / "k" / ds.partitions[0].file)
    assert g.crs.to_epsg() == 4326 and (g.geometry.x.to_numpy() == back["lon"][:40]).all()
    doc = json.loads((tmp_path / "k" / MANIFEST).read_text())
    assert doc["curve"] == "hilbert" and doc["bounds_crs"] == "EPSG:32650"


def test_synthetic_chunks_are_bounded_and_written_chunk_by_chunk(tmp_path):
    sizes = [len(c) for c in synthetic_chunks("supply", 5_000, rows_per_partition=700)]
    assert sum(sizes) == 5_000 and max(sizes) < 2 * 700
    ds = write_synthetic(tmp_path / "s", "supply", 3_000, rows_per_partition=500, seed=3)
    assert ds.rows == 3_000 and {"capabilities", "in_service_date"} <= set(ds.names)
    again = write_synthetic(tmp_path / "s2", "supply", 3_000, rows_per_partition=500, seed=3)
    assert [p.bounds for p in again.partitions] == [p.bounds for p in ds.partitions]
    d = read_dataset(write_synthetic(tmp_path / "d", "demand", 1_000, rows_per_partition=300).path)
    assert d["id"].is_unique and set(d["category"]) <= set(shipped_standards())


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["110101", "110105", "999999", None]),
            st.sampled_from(["hotel", "museum", "restaurant", "airport"]),
            st.booleans(),
        ),
        max_size=60,
    ),
    st.integers(1, 4),
)
def test_district_table_from_counts_equals_district_coverage(rows, pieces):
    # the per-district table built from per-partition counts is the local engine's table
    from dashboard.engine.layers import read_districts
    from dashboard.engine.scale import _counts, district_table

    def _place_counts(p: pd.DataFrame) -> pd.DataFrame:
        return _counts(p["adcode"], p["category"], p["covered"].to_numpy(bool))

    districts = read_districts()
    std = shipped_standards()
    cats = [str(a) for a in districts["adcode"]]
    ad = [r[0] for r in rows]
    places = pd.DataFrame(
        {
            "adcode": pd.Categorical(ad, categories=cats + ["999999"]),
            "category": [r[1] for r in rows],
            "covered": np.array([r[2] for r in rows], dtype=bool),
            "weight": [std[r[1]].weight for r in rows],
        }
    )
    cuts = np.linspace(0, len(places), pieces + 1).astype(int)
    counts = pd.concat([_place_counts(places.iloc[a:b]) for a, b in zip(cuts, cuts[1:])])
    want = district_coverage(places, districts, total=True)
    pd.testing.assert_frame_equal(district_table(counts, districts, std), want, check_exact=True)


def _code(exc: pytest.ExceptionInfo) -> str:
    msg = exc.value.args[0]
    assert isinstance(msg, Msg) and msg.text("zh") != str(msg)  # worded in both languages
    return msg.code


def test_open_dataset_refuses_what_is_not_a_dataset(tmp_path, layers):
    with pytest.raises(DatasetError) as e:
        open_dataset(tmp_path / "nowhere")
    assert _code(e) == "part_not_found"
    (tmp_path / "file.parquet").write_bytes(b"x")
    with pytest.raises(DatasetError) as e:
        open_dataset(tmp_path / "file.parquet")
    assert _code(e) == "part_not_dataset"
    plain = tmp_path / "plain"
    plain.mkdir()
    layers["payments"].iloc[:10].to_parquet(plain / "a.parquet")
    with pytest.raises(DatasetError) as e:
        open_dataset(plain)
    assert _code(e) == "part_no_bounds" and "--partitioned" in str(e.value)
    ds = write_partitioned(layers["payments"], tmp_path / "p", rows_per_partition=100)
    manifest = tmp_path / "p" / MANIFEST
    good = manifest.read_text()
    for broken in ("{not json", json.dumps({"format": "x"})):
        manifest.write_text(broken)
        with pytest.raises(DatasetError) as e:
            open_dataset(tmp_path / "p")
        assert _code(e) == "part_bad_bounds"
    doc = json.loads(good)
    doc["crs"] = None
    manifest.write_text(json.dumps(doc))
    with pytest.raises(DatasetError) as e:
        open_dataset(tmp_path / "p")
    assert _code(e) == "part_no_crs"
    manifest.write_text(good)
    (tmp_path / "p" / ds.partitions[1].file).unlink()
    with pytest.raises(DatasetError) as e:
        open_dataset(tmp_path / "p")
    assert _code(e) == "part_missing_partition"
    with pytest.raises(DatasetError) as e:
        no_category = layers["payments"].drop(columns="category")
        open_dataset(write_partitioned(no_category, tmp_path / "q").path, "demand")
    assert _code(e) == "part_columns" and "category" in str(e.value)


def _rewrite(path: Path, table: pa.Table) -> None:
    pq.write_table(table, path)


def test_check_partition_finds_mismatched_schemas_missing_crs_and_rows(tmp_path, layers):
    ds = write_partitioned(layers["payments"], tmp_path / "p", rows_per_partition=100)
    part = ds.partitions[1]
    f = tmp_path / "p" / part.file
    good = pq.read_table(f)
    assert check_partition(ds, part) is None
    _rewrite(f, good.drop_columns(["capabilities"]))
    assert check_partition(ds, part).code == "part_schema"  # type: ignore[union-attr]
    _rewrite(
        f,
        good.set_column(
            good.schema.get_field_index("lon"),
            "lon",
            pa.array(good["lon"].to_numpy().astype("float32")),
        ),
    )
    problem = check_partition(ds, part)
    assert problem is not None and problem.code == "part_schema" and "lon is float" in problem
    _rewrite(f, good.replace_schema_metadata({}))  # plain Parquet: no GeoParquet CRS
    assert check_partition(ds, part).code == "part_no_crs"  # type: ignore[union-attr]
    geo = json.loads(good.schema.metadata[b"geo"])
    geo["columns"]["geometry"]["crs"] = None
    _rewrite(f, good.replace_schema_metadata({b"geo": json.dumps(geo).encode()}))
    assert check_partition(ds, part).code == "part_no_crs"  # type: ignore[union-attr]
    geo["columns"]["geometry"]["crs"] = "EPSG:32650"
    _rewrite(f, good.replace_schema_metadata({b"geo": json.dumps(geo).encode()}))
    assert check_partition(ds, part).code == "part_wrong_crs"  # type: ignore[union-attr]
    _rewrite(f, good.slice(0, 5))
    assert check_partition(ds, part).code == "part_rows"  # type: ignore[union-attr]


def test_check_partition_finds_stale_partition_and_row_group_bounds(tmp_path, layers):
    ds = write_partitioned(layers["payments"], tmp_path / "p", rows_per_partition=50, group_rows=8)
    assert all(len(p.groups) == 7 for p in ds.partitions[:-1])
    assert all(check_partition(ds, p) is None for p in ds.partitions)
    for where in ("partition", "group"):
        doc = json.loads((tmp_path / "p" / MANIFEST).read_text())
        entry = doc["partitions"][2]
        if where == "partition":
            entry["bounds"][0] += 200.0
        else:
            entry["groups"][3][1] += 200.0
        (tmp_path / "p" / MANIFEST).write_text(json.dumps(doc))
        stale = open_dataset(tmp_path / "p")
        assert check_partition(stale, stale.partitions[1]) is None
        problem = check_partition(stale, stale.partitions[2])
        assert problem is not None and problem.code == "part_stale_bounds"
        write_partitioned(layers["payments"], tmp_path / "p", rows_per_partition=50, group_rows=8)
    # a reader asking for a box gets the row groups meeting it: a superset of its points
    part = ds.partitions[0]
    box = part.groups[2][:4]
    got = read_partition(ds, part, ["lon", "lat"], box)
    assert 8 <= len(got) < part.rows


# --------------------------------------------------------------------------- on a cluster


@pytest.fixture(scope="module")
def client():
    from dashboard.engine.scale import dask_client

    with dask_client(n_workers=2) as c:
        yield c


def _files(tmp_path, demand, supply, dparts, sparts, groups=4):
    # row groups of 4 points: supply is read by row group, so their edges matter too
    d = write_partitioned(demand, tmp_path / "demand", rows_per_partition=dparts)
    s = write_partitioned(supply, tmp_path / "supply", rows_per_partition=sparts, group_rows=groups)
    return d.path, s.path


def _same_as_local(client, tmp_path, demand, supply, districts, std, **kw):
    from dashboard.engine.scale import assess_coverage_files, read_places

    dpath, spath = _files(tmp_path, demand, supply, kw.pop("dparts"), kw.pop("sparts"))
    out = tmp_path / "out"
    res = assess_coverage_files(dpath, spath, districts, std, out=out, client=client, **kw)
    # the local engine on the same rows (the dataset's order) and on the original table
    local = assess_coverage(read_dataset(dpath), read_dataset(spath), districts, std, **kw)
    pd.testing.assert_frame_equal(read_places(out), local.places, check_exact=True)
    pd.testing.assert_frame_equal(res.districts, local.districts, check_exact=True)
    original = assess_coverage(demand, supply, districts, std, **kw)
    pd.testing.assert_frame_equal(res.districts, original.districts, check_exact=True)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging left
    return res


@pytest.mark.parametrize(
    "as_of, require, dparts, sparts",
    [
        ("2025-01-01", None, 17, 11),  # each category's own requirement
        (None, [], 50, 240),  # any point; all supply in one partition
        ("2024-06-30", ["cash"], 6, 7),  # 46 partitions of six places
    ],
)
def test_shipped_layers_equal_the_local_engine(
    client, tmp_path, layers, as_of, require, dparts, sparts
):
    std = uniform_standards(shipped_standards(), require=require)
    _same_as_local(
        client,
        tmp_path,
        layers["key-locations"],
        layers["payments"],
        layers["districts"],
        std,
        as_of=as_of,
        dparts=dparts,
        sparts=sparts,
    )


@settings(max_examples=2, deadline=None)
@given(seed=st.integers(0, 10_000), dparts=st.integers(20, 200), sparts=st.integers(3, 60))
def test_random_sparse_data_equals_the_local_engine(
    client, tmp_path_factory, layers, seed, dparts, sparts
):
    # sparse supply with capabilities: most nearest points lie beyond a partition's halo,
    # so distances are refined over several rounds; a second cluster 50 km east has no
    # supply near it at all
    demand, supply = random_instance(seed, n_demand=600, n_supply=60)
    far = demand.iloc[:80].assign(lon=lambda d: d["lon"] + 0.6, id=lambda d: "F" + d["id"])
    demand = pd.concat([demand, far], ignore_index=True)
    std = uniform_standards(shipped_standards(), radius_m=400, require=["foreign_card|cash"])
    res = _same_as_local(
        client,
        tmp_path_factory.mktemp("r"),
        demand,
        supply,
        layers["districts"],
        std,
        dparts=dparts,
        sparts=sparts,
    )
    assert res.rounds >= 1


def test_max_distance_needs_no_refinement_and_equals_local(client, tmp_path, layers):
    demand, supply = random_instance(5, n_demand=500, n_supply=40)
    std = uniform_standards(shipped_standards(), radius_m=300)
    res = _same_as_local(
        client,
        tmp_path,
        demand,
        supply,
        layers["districts"],
        std,
        max_distance=900.0,
        dparts=37,
        sparts=9,
    )
    assert res.rounds == 0


def test_no_supply_in_service_and_no_out(client, tmp_path, layers):
    from dashboard.engine.scale import assess_coverage_files

    dpath, spath = _files(tmp_path, layers["key-locations"], layers["payments"], 30, 30)
    d, std = layers["districts"], shipped_standards()
    res = assess_coverage_files(dpath, spath, d, std, as_of="2000-01-01", client=client)
    want = assess_coverage(layers["key-locations"], layers["payments"], d, std, as_of="2000-01-01")
    pd.testing.assert_frame_equal(res.districts, want.districts, check_exact=True)
    assert res.places is None and res.districts.iloc[-1]["covered"] == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demand", "supply"]


class _Recording(pafs.FileSystemHandler):
    """The local disk as a pyarrow filesystem that records every file opened (and
    refuses anything but reading: the client writes nothing into the datasets)."""

    def __init__(self, opened: list[str]):
        self.local, self.opened = pafs.LocalFileSystem(), opened

    def get_type_name(self):
        return "recording"

    def normalize_path(self, path):
        return path

    def equals(self, other):
        return self is other

    def get_file_info(self, paths):
        return self.local.get_file_info(paths)

    def get_file_info_selector(self, selector):
        return self.local.get_file_info(selector)

    def open_input_stream(self, path):
        self.opened.append(path)
        return self.local.open_input_stream(path)

    def open_input_file(self, path):
        self.opened.append(path)
        return self.local.open_input_file(path)

    def _refuse(self, *args):
        raise AssertionError(f"the client changed a dataset: {args}")

    create_dir = delete_dir = delete_dir_contents = delete_root_dir_contents = _refuse
    delete_file = move = copy_file = open_output_stream = open_append_stream = _refuse


def test_client_opens_only_the_manifests(client, tmp_path, layers, monkeypatch):
    # every read of the data on the client would go through these; the workers (other
    # processes) are not patched, so the answer still comes from reading the partitions
    import geopandas as gpd

    import dashboard.engine.partitioned as part
    from dashboard.engine.scale import assess_coverage_files

    dpath, spath = _files(tmp_path, layers["key-locations"], layers["payments"], 20, 20)
    opened: list[str] = []
    calls: list[str] = []
    recording = pafs.PyFileSystem(_Recording(opened))
    real = part.filesystem
    monkeypatch.setattr(part, "filesystem", lambda p: (recording, real(p)[1]))

    def spy(name):
        def refuse(*a, **k):
            calls.append(name)
            raise AssertionError(f"the client called {name}")

        return refuse

    for mod, name in [
        (pq, "read_table"),
        (pq, "read_metadata"),
        (pq, "read_schema"),
        (pq, "ParquetFile"),
        (pq, "ParquetDataset"),
        (pd, "read_parquet"),
        (gpd, "read_parquet"),
    ]:
        monkeypatch.setattr(mod, name, spy(f"{mod.__name__}.{name}"))
    seen: list[str] = []
    on = [True]

    def hook(event, args):  # Python-level opens (an audit hook cannot be removed: a flag)
        if on[0] and event == "open" and args and str(args[0]).startswith(str(tmp_path)):
            seen.append(str(args[0]))

    sys.addaudithook(hook)
    try:
        res = assess_coverage_files(
            dpath, spath, layers["districts"], shipped_standards(), client=client
        )
    finally:
        on[0] = False
    assert res.districts.iloc[-1]["demand"] == len(layers["key-locations"])
    assert calls == [] and [p for p in seen if "part-" in p] == []
    assert sorted(Path(p).name for p in opened) == [MANIFEST, MANIFEST]


def test_stale_bounds_and_mismatched_partitions_found_by_the_workers(client, tmp_path, layers):
    from dashboard.engine.scale import assess_coverage_files

    dpath, spath = _files(tmp_path, layers["key-locations"], layers["payments"], 50, 50)
    d, std = layers["districts"], shipped_standards()
    manifest = Path(spath) / MANIFEST
    doc = json.loads(manifest.read_text())
    doc["partitions"][2]["bounds"][2] -= 500.0  # the recorded box no longer holds its points
    manifest.write_text(json.dumps(doc))
    with pytest.raises(DatasetError) as e:
        assess_coverage_files(dpath, spath, d, std, client=client, out=tmp_path / "out")
    assert _code(e) == "part_stale_bounds" and "part-00002" in str(e.value)
    assert not (tmp_path / "out").exists() and not list(tmp_path.glob(".out*"))
    f = Path(dpath) / "part-00003.parquet"
    t = pq.read_table(f)
    pq.write_table(t.drop_columns(["sector"]), f)
    with pytest.raises(DatasetError) as e:
        assess_coverage_files(dpath, spath, d, std, client=client, out=tmp_path / "out")
    assert _code(e) == "part_schema" and "part-00003" in str(e.value)
    assert not (tmp_path / "out").exists() and not list(tmp_path.glob(".out*"))


def test_unreachable_scheduler(tmp_path, layers, monkeypatch):
    import socket

    import dashboard.engine.scale as scale

    dpath, spath = _files(tmp_path, layers["key-locations"], layers["payments"], 100, 100)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setattr(scale, "SCHEDULER_TIMEOUT", "1s")
    with pytest.raises(DatasetError) as e:
        scale.assess_coverage_files(
            dpath,
            spath,
            layers["districts"],
            shipped_standards(),
            scheduler=f"tcp://127.0.0.1:{port}",
            out=tmp_path / "out",
        )
    assert _code(e) == "part_scheduler" and str(port) in str(e.value)
    assert not (tmp_path / "out").exists() and not list(tmp_path.glob(".out*"))
