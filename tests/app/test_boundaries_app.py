"""Boundary sets in the app (AppTest): the Data page's section (the synthetic sample read,
detected GCJ-02, stored, listed, undone; a bad file stores nothing; a viewer sees no
write control), Compare by set and the District profile's drill-down adding up."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from dashboard.core.rights import LOCAL
from dashboard.engine.coverage import assess_coverage
from dashboard.engine.layers import load_layer
from loaders import boundaries
from loaders.examples import synthetic_subdistricts_geojson
from loaders.standards_store import load_standards
from loaders.users_store import add_user
from loaders.writes import import_boundaries
from tests.app.conftest import open_page

PASSWORD = "correct-horse-9"


@pytest.fixture(scope="module")
def sample_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("zones") / "sample.geojson"
    path.write_bytes(synthetic_subdistricts_geojson("wgs84"))
    return path


def frame(at, column: str):
    """The first table of the page with ``column`` (AppTest does not expose tables' keys)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def has_frame(at, column: str) -> bool:
    return any(column in d.value.columns for d in at.dataframe)


def stored(home: Path, sample_file: Path, name: str = "sample") -> None:
    result = boundaries.read_boundaries(sample_file, name)
    import_boundaries(LOCAL, name, result, home, source=sample_file.name)


def test_data_page_reads_stores_lists_and_undoes_the_sample(store, home: Path):
    at = open_page("../pages/data.py", {"lang": "en"})
    assert not at.exception
    assert any(s.value == "Boundary sets (subdistricts, planning zones)" for s in at.subheader)
    assert any(i.value == "No boundary sets yet." for i in at.info)
    at.toggle(key="bnd_sample").set_value(True).run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Zones read"] == "107" and metrics["Errors"] == "0"
    assert metrics["Coordinate system used"] == "GCJ-02" and metrics["Confidence"] == "high"
    evidence = frame(at, "Source")
    assert "district boundaries" in set(evidence["Source"])
    assert any("synthetic example data" in c.value for c in at.caption)
    at.button(key="bnd_store").click().run()
    assert not at.exception
    assert any(s.value.startswith("Stored") and "107 zones" in s.value for s in at.success)
    sets = frame(at, "Zones")
    assert list(sets["Name"]) == ["sample-subdistricts"] and list(sets["Zones"]) == [107]
    assert list(sets["Synthetic"]) == ["yes"]
    assert any("synthetic example data" in w.value for w in at.warning)  # flagged as such
    assert boundaries.boundary_info("sample-subdistricts", home).synthetic  # type: ignore[union-attr]
    at.button(key="bnd_undo").click().run()
    assert not at.exception
    assert boundaries.list_boundaries(home) == []
    assert any("no longer exists" in s.value for s in at.success)


def test_data_page_in_chinese_and_a_bad_file_stores_nothing(home: Path, tmp_path, monkeypatch):
    bad = tmp_path / "bad.geojson"
    gpd.GeoDataFrame(
        {"id": ["a", "a"], "name": ["外滩", "天安门"]},
        geometry=[
            shapely.box(121.48, 31.23, 121.50, 31.25),
            shapely.box(116.39, 39.90, 116.40, 39.91),
        ],
        crs="EPSG:4326",
    ).to_file(bad, driver="GeoJSON")
    real = boundaries.read_boundaries

    def fixed(path, name, **kw):  # the sample toggle stands in for an upload
        return real(bad, name, **kw)

    monkeypatch.setattr(boundaries, "read_boundaries", fixed)
    at = open_page("../pages/data.py", {"lang": "zh"})
    at.toggle(key="bnd_sample").set_value(True).run()
    assert not at.exception
    problems = frame(at, "行")
    rows = dict(zip(problems["行"], problems["说明"], strict=True))
    assert rows[1] == "分区完全位于北京16个区以外"
    assert rows[2].startswith("分区编号 'a' 与前面某行重复")
    assert "bnd_store" not in {b.key for b in at.button}
    assert any("不能保存" in e.value for e in at.error)
    assert not (home / "documents").exists()


def test_a_viewer_sees_the_sets_but_no_write_control(home: Path, sample_file: Path):
    stored(home, sample_file)
    add_user("vera", PASSWORD, "viewer", home=home)
    at = open_page(None, {"lang": "en"})
    at.text_input(key="si_name").set_value("vera")
    at.text_input(key="si_password").set_value(PASSWORD)
    at.get("form_submit_button")[0].click()
    at = at.run().switch_page("../pages/data.py").run()
    assert not at.exception
    assert list(frame(at, "Zones")["Name"]) == ["sample"]
    keys = {b.key for b in at.button} | {t.key for t in at.toggle}
    assert not keys & {"bnd_store", "bnd_undo", "bnd_remove", "bnd_sample"}
    assert not at.get("file_uploader")


def _expected(home: Path):
    k, p, d = (load_layer(x, home) for x in ("key-locations", "payments", "districts"))
    return assess_coverage(k, p, d, load_standards(home))


def test_compare_by_set_ranks_the_zones_and_colours_them(home: Path, sample_file: Path):
    stored(home, sample_file)
    at = open_page("../pages/compare.py", {"lang": "en", "cmp_set": "sample"})
    assert not at.exception
    assert at.selectbox(key="k_cmp_set").value == "sample"
    table = frame(at, "Zone id")
    assert len(table) == 108  # 107 zones and the places outside any zone
    assert table["Key locations"].sum() == _expected(home).city["demand"]
    assert table["Zone id"].iloc[-1] == "outside" and table["Rank"].isna().iloc[-1]
    assert any("synthetic example data" in w.value for w in at.warning)
    deck = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    zones = next(layer for layer in deck["layers"] if layer["id"] == "zones")
    assert len(zones["data"]["features"]) == 107
    assert not has_frame(at, "Adcode")  # not the district table
    # back to the districts: the district table again
    at.selectbox(key="k_cmp_set").set_value("").run()
    assert not at.exception and has_frame(at, "Adcode") and not has_frame(at, "Zone id")


def test_district_drill_down_adds_up_to_the_district(store, home: Path, sample_file: Path):
    stored(home, sample_file)
    at = open_page("../pages/district.py", {"lang": "en", "district": "110105", "dp_set": "sample"})
    assert not at.exception
    table = frame(at, "Zone id")
    zones, total = table.iloc[:-1], table.iloc[-1]
    want = _expected(home).districts.set_index("adcode").loc["110105"]
    assert total["Key locations"] == want["demand"] and total["Covered"] == want["covered"]
    assert zones["Key locations"].sum() == want["demand"]
    assert zones["Covered"].sum() == want["covered"]
    # shares drawn in percent with one decimal, as the district table draws them
    assert total["Coverage"] == pytest.approx(want["coverage"] * 100)
    drawn = next(d for d in at.dataframe if "Zone id" in d.value.columns)
    assert json.loads(drawn.proto.columns)["Coverage"]["type_config"]["format"] == "%.1f%%"
    # the zone without places has no share: "—", not Streamlit's English "None"
    assert pd.isna(zones.set_index("Zone id").loc["outside", "Coverage"])
    assert drawn.proto.placeholder == "—"
    assert set(zones["Zone id"]) >= {"110105-S01", "110105-S04", "outside"}
    assert zones.set_index("Zone id").loc["outside", "Zone"] == "Outside any zone"
    deck = json.loads(at.get("deck_gl_json_chart")[-1].proto.json)
    layer = next(x for x in deck["layers"] if x["id"] == "zones")
    assert {f["properties"]["adcode"] for f in layer["data"]["features"]} == {
        f"110105-S0{i}" for i in range(1, 5)
    }
    assert any("synthetic example data" in w.value for w in at.warning)


def test_district_drill_down_in_chinese_labels_the_places_outside_every_zone(
    home: Path, sample_file: Path
):
    stored(home, sample_file)
    at = open_page("../pages/district.py", {"lang": "zh", "district": "110105", "dp_set": "sample"})
    assert not at.exception
    table = frame(at, "分区")
    names = dict(zip(table.iloc[:, -1], table["分区"], strict=True))  # the zone id is last
    assert names["outside"] == "不在任何分区内"
    assert names["110105-S01"] == "朝阳区示例街道 1"
    assert "None" not in set(table["分区"]) and table["分区"].notna().all()


def test_district_profile_without_sets_only_says_where_to_import(home: Path):
    at = open_page("../pages/district.py", {"lang": "en", "district": "110105"})
    assert not at.exception
    assert not has_frame(at, "Zone id")
    assert any("No boundary sets yet" in c.value for c in at.caption)
