"""``exchange-atlas export --partitioned`` and ``coverage --backend dask --demand --supply``
on a real 2-process dask cluster (through ``--scheduler``): the same table and JSON as the
local command, per-place results under ``--out``, and every bad input one message, exit
status 2 and nothing written."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from dashboard.cli import main
from dashboard.engine.coverage import assess_coverage
from dashboard.engine.partitioned import MANIFEST, read_dataset
from loaders.standards_store import shipped_standards

pytest.importorskip("distributed", reason="the [scale] extra is not installed")

pytestmark = pytest.mark.scale


@pytest.fixture(scope="module")
def scheduler():
    from dashboard.engine.scale import dask_client

    with dask_client(n_workers=2) as c:
        yield c.scheduler.address


@pytest.fixture
def datasets(tmp_path):
    """The shipped places and payment points as datasets of small partitions."""
    k, p = tmp_path / "k", tmp_path / "p"
    assert main(["export", "key-locations", "--partitioned", str(k), "--partition-rows", "25"]) == 0
    assert main(["export", "payments", "--partitioned", str(p), "--partition-rows", "16"]) == 0
    return k, p


def _files(*argv: object) -> list[str]:
    return ["coverage", "--backend", "dask", *map(str, argv)]


def test_same_table_and_json_as_the_local_command(capsys, tmp_path, datasets, scheduler, layers):
    k, p = datasets
    capsys.readouterr()
    assert main(["coverage", "--use-standards", "--as-of", "2025-01-01", "--format", "json"]) == 0
    local = capsys.readouterr().out
    out = tmp_path / "out"
    argv = _files("--demand", k, "--supply", p, "--scheduler", scheduler, "--out", out)
    argv += ["--use-standards", "--as-of", "2025-01-01", "--format", "json"]
    assert main(argv) == 0
    got = capsys.readouterr()
    assert got.out == local  # the same JSON, byte for byte
    assert f"wrote {out}" in got.err
    assert (out / "districts.json").read_text(encoding="utf-8") == local
    csv = pd.read_csv(out / "districts.csv", dtype={"adcode": str})
    assert csv["adcode"].tolist() == [r["adcode"] for r in json.loads(local)]
    run = json.loads((out / "coverage.json").read_text())
    assert run["places"] == len(layers["key-locations"]) and run["partitions"] == 11
    # per place: the local engine's answer on the same rows
    from dashboard.core.standards import uniform_standards
    from dashboard.engine.scale import read_places

    std = uniform_standards(shipped_standards(), require=None)
    want = assess_coverage(
        read_dataset(k), read_dataset(p), layers["districts"], std, as_of="2025-01-01"
    )
    pd.testing.assert_frame_equal(read_places(out), want.places, check_exact=True)
    assert sorted(f.name for f in (out / "places").iterdir())[0] == MANIFEST
    # again into the same --out: replaced whole; the table format goes to standard output
    assert main(argv[:-2] + ["--format", "table"]) == 0
    assert "Beijing (city total)" in capsys.readouterr().out
    assert len(list((out / "places").glob("part-*.parquet"))) == 11
    assert not [f for f in tmp_path.iterdir() if f.name.startswith(".")]


def _plain_parquet_dir(tmp_path: Path, layers) -> Path:
    d = tmp_path / "plain"
    d.mkdir()
    layers["payments"].to_parquet(d / "payments.parquet")
    return d


def _mismatched(tmp_path: Path, datasets) -> Path:
    f = datasets[0] / "part-00004.parquet"
    pq.write_table(pq.read_table(f).drop_columns(["name_en"]), f)
    return datasets[0]


def _no_crs(tmp_path: Path, datasets) -> Path:
    f = datasets[1] / "part-00002.parquet"
    pq.write_table(pq.read_table(f).replace_schema_metadata({}), f)
    return datasets[1]


@pytest.mark.parametrize(
    "case, expect",
    [
        ("missing", "does not exist"),
        ("file", "is not a partitioned dataset"),
        ("empty_dir", "is not a partitioned dataset"),
        ("no_bounds", "has no bounds metadata (_bounds.json)"),
        ("mismatched", "part-00004.parquet does not have the dataset's schema (no column name_en)"),
        ("no_crs", "part-00002.parquet has no CRS"),
        ("manifest_no_crs", "_bounds.json has no CRS"),
        ("unreachable", "cannot reach the dask scheduler"),
        ("only_demand", "--demand and --supply go together"),
        ("local_backend", "--demand and --supply need --backend dask"),
        ("since_after", "--since 2025-01-01 is after --as-of 2024-01-01"),
        ("unknown_set", "--by nosuch: no boundary set 'nosuch'"),
        ("foreign_out", "already exists and is not a coverage output"),
    ],
)
def test_bad_input_is_one_message_exit_2_nothing_written(
    capsys, tmp_path, datasets, scheduler, layers, monkeypatch, case, expect
):
    k, p = datasets
    out = tmp_path / "out"
    demand, supply, sched = k, p, scheduler
    extra: list[str] = []
    if case == "missing":
        demand = tmp_path / "nowhere"
    elif case == "file":
        demand = tmp_path / "places.csv"
        demand.write_text("id,lon,lat\n")
    elif case == "empty_dir":
        (tmp_path / "empty").mkdir()
        demand = tmp_path / "empty"
    elif case == "no_bounds":
        supply = _plain_parquet_dir(tmp_path, layers)
    elif case == "mismatched":
        demand = _mismatched(tmp_path, datasets)
    elif case == "no_crs":
        supply = _no_crs(tmp_path, datasets)
    elif case == "manifest_no_crs":
        doc = json.loads((p / MANIFEST).read_text())
        doc["crs"] = None
        (p / MANIFEST).write_text(json.dumps(doc))
    elif case == "unreachable":
        import dashboard.engine.scale as scale

        monkeypatch.setattr(scale, "SCHEDULER_TIMEOUT", "1s")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            sched = f"tcp://127.0.0.1:{s.getsockname()[1]}"
    elif case == "foreign_out":
        out.mkdir()
        (out / "notes.txt").write_text("mine")
    elif case == "since_after":
        extra = ["--since", "2025-01-01", "--as-of", "2024-01-01"]
    elif case == "unknown_set":
        extra = ["--by", "nosuch"]
    argv = ["coverage", "--backend", "dask", "--demand", str(demand), "--supply", str(supply)]
    argv += ["--scheduler", sched, "--out", str(out), *extra]
    if case == "only_demand":
        argv = ["coverage", "--backend", "dask", "--demand", str(demand), "--out", str(out)]
    if case == "local_backend":
        argv = ["coverage", "--demand", str(demand), "--supply", str(supply), "--out", str(out)]
    before = sorted(p.name for p in tmp_path.iterdir())
    capsys.readouterr()
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert expect in err, err
    assert err.count("\n") == 1 and "Traceback" not in err  # one message
    if case == "no_bounds":
        assert "exchange-atlas export LAYER --partitioned DIR" in err
    if case == "foreign_out":
        assert sorted(f.name for f in out.iterdir()) == ["notes.txt"]
    else:
        assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no staging left behind


def test_messages_in_chinese(capsys, tmp_path, datasets, scheduler):
    argv = _files("--demand", tmp_path / "nowhere", "--supply", datasets[1])
    assert main([*argv, "--scheduler", scheduler, "--lang", "zh"]) == 2
    assert "不存在" in capsys.readouterr().err


def test_export_partitioned_refuses_a_polygon_layer_and_a_foreign_directory(capsys, tmp_path):
    assert main(["export", "districts", "--partitioned", str(tmp_path / "d")]) == 2
    assert "not a point layer" in capsys.readouterr().err
    assert not (tmp_path / "d").exists()
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "x.txt").write_text("x")
    assert main(["export", "venues", "--partitioned", str(tmp_path / "mine")]) == 2
    assert "not a partitioned dataset" in capsys.readouterr().err
    assert [f.name for f in (tmp_path / "mine").iterdir()] == ["x.txt"]
    assert not [f for f in tmp_path.iterdir() if f.name.startswith(".")]


def test_relative_paths_mean_the_clients_directory(
    capsys, tmp_path, datasets, scheduler, monkeypatch
):
    # the workers were started elsewhere: paths are resolved on the client
    monkeypatch.chdir(tmp_path)
    argv = _files("--demand", "k", "--supply", "p", "--scheduler", scheduler, "--out", "res")
    assert main([*argv, "--format", "csv"]) == 0
    assert (tmp_path / "res" / "places" / MANIFEST).exists()
    run = json.loads((tmp_path / "res" / "coverage.json").read_text())
    assert run["demand"] == "k" and run["partitions"] == 11


@pytest.fixture
def checked_home(capsys, tmp_path, isolated_home):
    """A workspace with field checks (a failed card check, a new point that takes wallets)
    and a boundary set: what ``--verified``, ``--since`` and ``--by`` read."""
    from loaders.examples import synthetic_subdistricts_geojson

    zones = tmp_path / "jiedao.geojson"
    zones.write_bytes(synthetic_subdistricts_geojson("wgs84"))
    assert main(["boundaries", "import", str(zones), "--name", "jiedao", "--json"]) == 0
    for argv in (
        ("--place", "P0001", "--at", "2025-03-01 10:00", "--foreign-card", "refused"),
        ("--place", "P0002", "--at", "2025-03-02 10:00", "--foreign-card", "accepted"),
        ("--kind", "new", "--name", "新咖啡馆", "--lon", "116.45", "--lat", "39.93"),
    ):
        extra = () if "--at" in argv else ("--at", "2025-04-01 09:30", "--foreign-wallet", "yes")
        assert main(["inspect", "add", "--inspector", "李华", *argv, *extra, "--json"]) == 0
    capsys.readouterr()
    return isolated_home


#: Option sets of the local ``coverage`` command the files backend must answer alike.
SINCE_VERIFIED_BY = [
    ("--since", "2024-01-01"),
    ("--verified",),
    ("--by", "jiedao"),
    ("--by", "jiedao", "--since", "2024-06-01", "--verified"),
]


def test_since_verified_and_by_give_the_local_commands_table(
    capsys, tmp_path, checked_home, datasets, scheduler
):
    """``--since``, ``--verified`` and ``--by`` from files: the local command's JSON byte for
    byte (the field checks corrected on each task's supply, zones counted on the
    workers), and per place the zone and the coverage at the ``--since`` date. The
    verified answer differs from the claimed one (fails if the checks were ignored)."""
    k, p = datasets
    capsys.readouterr()
    covered = {}
    for n, options in enumerate([(), *SINCE_VERIFIED_BY]):
        common = ["--use-standards", "--as-of", "2025-06-01", "--format", "json", *options]
        assert main(["coverage", *common]) == 0
        local = capsys.readouterr()
        rows = json.loads(local.out)
        covered[options] = rows[-1]["covered"]
        if "--since" in options:
            assert sum(r["newly_covered"] for r in rows[:-1]) == rows[-1]["newly_covered"] > 0
        if "--by" in options:
            assert rows[0]["zone_id"] != "110000" and rows[-1]["zone_id"] == "110000"
            assert "jiedao" in local.err  # the set is synthetic, and said so
        out = tmp_path / f"out{n}"
        argv = _files("--demand", k, "--supply", p, "--scheduler", scheduler, "--out", out)
        assert main([*argv, *common]) == 0
        got = capsys.readouterr()
        assert got.out == local.out, options
        assert (out / "districts.json").read_text(encoding="utf-8") == local.out
        places = pq.read_table(out / "places").to_pandas()
        assert ("zone_id" in places.columns) == ("--by" in options)
        assert ("covered_since" in places.columns) == ("--since" in options)
        if "--since" in options:
            assert (places["covered_since"] <= places["covered"]).all()
        run = json.loads((out / "coverage.json").read_text())
        assert run["field_checks"] == ("verified" if "--verified" in options else "claimed")
    assert covered[("--verified",)] < covered[()]
