"""dashboard.views.charts: Altair specs and pydeck layers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.views import charts

TABLE = pd.DataFrame(
    {
        "rank": pd.array([1, 2, 3, None], dtype="Int64"),
        "adcode": ["110105", "110101", "110102", "110115"],
        "name_zh": ["朝阳区", "东城区", "西城区", "大兴区"],
        "name_en": ["Chaoyang", "Dongcheng", "Xicheng", "Daxing"],
        "demand": [10, 8, 4, 0],
        "covered": [8, 4, 1, 0],
        "uncovered": [2, 4, 3, 0],
        "coverage": [0.8, 0.5, 0.25, np.nan],
        "weighted_coverage": [0.85, 0.55, 0.2, np.nan],
        "access": [1.2, 0.7, 0.1, np.nan],
        "share_without_access": [0.0, 0.1, 0.5, np.nan],
        "coverage_baseline": [0.5, 0.5, 0.25, np.nan],
        "change": [0.3, 0.0, 0.0, np.nan],
        "newly_covered": [3, 0, 0, 0],
    }
)


def _data(chart) -> list[dict]:
    spec = chart.to_dict()
    datasets = spec["datasets"]
    return datasets[spec["layer"][0]["data"]["name"]]


def _ranked(chart) -> list[str]:
    """The districts top to bottom: the bars' y sort is by each row's ``order``."""
    spec = chart.to_dict()
    name = (spec.get("data") or spec["layer"][0]["data"])["name"]  # shared data goes on top
    return [r["district"] for r in sorted(spec["datasets"][name], key=lambda r: r["order"])]


def test_ranked_bar_highlights_and_orders():
    chart = charts.ranked_bar(
        TABLE, "coverage", "en", highlight="110101", chosen=["110102"], city_value=0.6
    )
    spec = chart.to_dict()
    bars = spec["layer"][0]
    assert bars["encoding"]["y"]["sort"] == {"field": "order", "op": "min", "order": "ascending"}
    assert _ranked(chart) == ["Chaoyang", "Dongcheng", "Xicheng"]
    assert bars["encoding"]["x"]["title"] == "Coverage"
    assert bars["encoding"]["x"]["axis"]["format"] == ".0%"
    roles = {r["adcode"]: r["role"] for r in _data(chart)}
    assert roles == {"110105": "other", "110101": "highlight", "110102": "chosen"}
    assert len(spec["layer"]) == 3  # bars, labels, city rule
    zh_chart = charts.ranked_bar(TABLE, "uncovered", "zh")
    zh = zh_chart.to_dict()
    assert zh["layer"][0]["encoding"]["x"]["title"] == "未覆盖（缺口）"
    assert _ranked(zh_chart) == ["朝阳区", "东城区", "西城区"]
    assert len(zh["layer"]) == 2


def test_cached_spec_marked_equals_the_chart_built_with_the_marks():
    """The page caches one spec per ranking and marks districts on it: same drawing."""
    plain = charts.vega_spec(charts.ranked_bar(TABLE, "coverage", "en", city_value=0.6))
    assert "config" not in plain  # Altair's default 300 px view is dropped, as Streamlit does
    for highlight, chosen in ((None, ()), ("110101", ["110102"]), ("110105", ["110105"])):
        built = charts.vega_spec(
            charts.ranked_bar(
                TABLE, "coverage", "en", highlight=highlight, chosen=chosen, city_value=0.6
            )
        )
        marked = charts.mark_districts(plain, highlight, chosen)
        # dataset names are content hashes; the specs agree once the data is compared
        assert sorted(map(str, marked["datasets"].values())) == sorted(
            map(str, built["datasets"].values())
        )
        assert marked["layer"][0]["encoding"] == built["layer"][0]["encoding"]
    roles = [r["role"] for r in next(iter(plain["datasets"].values()))]
    assert roles == ["other"] * 3  # marking returned copies; the cached spec is unchanged


def test_sector_facets_one_panel_per_district():
    sectors = pd.DataFrame(
        {
            "adcode": ["110105", "110105", "110101"],
            "sector": ["dining", "shopping", "dining"],
            "demand": [2, 1, 3],
            "covered": [1, 1, 0],
            "coverage": [0.5, 1.0, 0.0],
        }
    )
    spec = charts.sector_facets(sectors, {"110105": "朝阳区", "110101": "东城区"}, "zh").to_dict()
    assert spec["columns"] == 4
    assert spec["facet"]["field"] == "district"
    assert spec["facet"]["sort"] == ["朝阳区", "东城区"]
    rows = next(iter(spec["datasets"].values()))
    assert {r["sector_label"] for r in rows} == {"餐饮", "购物"}
    bars, ticks = spec["spec"]["layer"]
    assert bars["encoding"]["y"]["scale"]["domain"] == [0, 1]
    # every sector is named under every panel: Vega would hide overlapping labels
    assert bars["encoding"]["x"]["axis"]["labelOverlap"] is False
    # a sector with key locations but none covered (东城区 dining, 0 %) still shows: a tick
    # on the same encoding marks its 0 %, where an empty slot means no key locations
    assert bars["mark"]["type"] == "bar" and ticks["mark"]["type"] == "tick"
    assert ticks["encoding"] == bars["encoding"]
    assert {(r["district"], r["sector_label"], r["coverage"]) for r in rows} >= {
        ("东城区", "餐饮", 0.0)
    }


def test_sector_facets_keep_each_sectors_place_and_colour_in_both_languages():
    """Shopping is the same colour, in the same place, whether the meeting reads zh or en
    (labels sorted alphabetically put 交通 first in zh and Accommodation first in en)."""
    from dashboard.core.model import SECTORS

    sectors = pd.DataFrame(
        {
            "adcode": "110105",
            "sector": list(SECTORS),
            "demand": 2,
            "covered": 1,
            "coverage": 0.5,
        }
    )
    enc = {}
    for lang in ("zh", "en"):
        spec = charts.sector_facets(sectors, {"110105": "Chaoyang"}, lang).to_dict()["spec"]
        enc[lang] = spec["layer"][0]["encoding"]
        labels = [charts.label_of("sector", c, lang) for c in SECTORS]
        assert enc[lang]["x"]["sort"] == labels == enc[lang]["color"]["scale"]["domain"]
    assert enc["zh"]["color"]["scale"]["range"] == enc["en"]["color"]["scale"]["range"]
    assert enc["en"]["color"]["scale"]["range"] == [charts.SECTOR_COLORS[c] for c in SECTORS]


def test_gap_layer_is_pickable_and_sized_in_pixels():
    layer = charts.gap_layer([{"lon": 116.4, "lat": 39.9}], "uncovered", charts.UNCOVERED_RGBA, 7)
    assert layer.id == "uncovered" and layer.pickable
    assert layer.get_radius == 7


def test_stable_datasets_moves_inline_rows_and_named_datasets():
    spec = {"layer": [{"data": {"values": [{"a": 1}]}, "mark": "line"}, {"mark": "rule"}]}
    out = charts.stable_datasets(spec)
    assert out["layer"] == [{"data": {"name": "rows0"}, "mark": "line"}, {"mark": "rule"}]
    assert out["datasets"]["rows0"].to_dict("records") == [{"a": 1}]
    assert charts.stable_datasets({"mark": "bar"}) == {"mark": "bar"}
    # a hash-named dataset used twice is one dataset; inline rows beside it get their own
    both = {
        "datasets": {"data-abc": [{"b": 2}]},
        "layer": [
            {"data": {"name": "data-abc"}, "mark": "bar"},
            {"data": {"name": "data-abc"}, "mark": "text"},
            {"data": {"values": [{"c": 3}]}, "mark": "rule"},
        ],
    }
    out = charts.stable_datasets(both, "ranked")
    assert [x["data"]["name"] for x in out["layer"]] == ["ranked0", "ranked0", "ranked1"]
    assert out["datasets"]["ranked0"].to_dict("records") == [{"b": 2}]
    assert out["datasets"]["ranked1"].to_dict("records") == [{"c": 3}]
    assert "data-abc" not in out["datasets"]
