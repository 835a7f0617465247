"""Tiled layers coloured by category (dashboard.views.tiles.Classes): the Work list by reason,
Inspect by check status. Every member is counted in its category, a cluster is filled by its
most frequent category and ringed by the most important one it holds, single places show
one by one in their category's colour as one zooms in."""

from __future__ import annotations

from typing import cast

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.views import tiles

RED, PURPLE, ORANGE, GREY = (
    (215, 48, 39, 235),
    (117, 42, 135, 235),
    (244, 165, 30, 235),
    (
        120,
        120,
        120,
        210,
    ),
)
CODES = ("failed", "newly_uncovered", "expired", "never")


def _classes(lang: str = "en") -> tiles.Classes:
    labels = {
        "en": ("Failed its latest check", "Newly uncovered", "Verification expired", "Never"),
        "zh": ("最近一次检查未通过", "新近失去覆盖", "核验已过期", "从未核验"),
    }[lang]
    return tiles.Classes(
        column="reason",
        codes=CODES,
        labels=labels,
        colors=(RED, PURPLE, ORANGE, GREY),
        title="Reason" if lang == "en" else "原因",
        noun="items due" if lang == "en" else "待检项目",
    )


def _items(n: int, reasons: np.ndarray | list[str], seed: int = 1, spread: float = 0.08):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "lon": 116.40 + rng.normal(0, spread, n),
            "lat": 39.92 + rng.normal(0, spread * 0.8, n),
            "id": [f"W{i:06d}" for i in range(n)],
            "name_zh": "商户",
            "name_en": "Shop <img src=x onerror=alert(1)>",
            "adcode": "110105",
            "reason": reasons,
            "kind_label": "Payment point",
        }
    )


def _tile_of(src: tiles.TileSource, z: int) -> tuple[np.ndarray, np.ndarray]:
    s = np.uint64(tiles.LEVEL - z)
    return (src.ix >> s).astype(np.int64), (src.iy >> s).astype(np.int64)


def _per_class(features: list[dict]) -> dict[str, int]:
    """Members per category of a tile's features: a cluster's counts, a single place one."""
    out: dict[str, int] = dict.fromkeys(CODES, 0)
    for f in features:
        p = f["properties"]
        if "n" in p:
            assert sum(p["k"]) == p["n"]
            for code, m in zip(CODES, p["k"], strict=True):
                out[code] += m
        else:
            out[p["cls"]] += 1
    return out


@pytest.fixture(scope="module")
def source() -> tiles.TileSource:
    rng = np.random.default_rng(4)
    reasons = rng.choice(CODES, size=20_000, p=[0.05, 0.1, 0.25, 0.6])
    return tiles.tile_source(
        _items(20_000, reasons), "worklist", "en", "wl", classes=_classes(), note="kind_label"
    )


@pytest.mark.parametrize("z", [8, 10, 12, 14, tiles.SINGLE_ZOOM])
def test_counts_per_category_add_up_to_the_items_of_each_tile(source, z):
    tx, ty = _tile_of(source, z)
    assert source.cls is not None
    truth = pd.crosstab([tx, ty], np.asarray(CODES)[source.cls]).reindex(
        columns=list(CODES), fill_value=0
    )
    if z >= 14:  # a sample of the many tiles of a deep zoom, the fullest first
        truth = truth.loc[truth.sum(axis=1).sort_values(ascending=False).index[:300]]
    clustered = 0
    for (x, y), inside in truth.iterrows():
        feats = tiles.tile(source, z, int(x), int(y))["features"]
        clustered += sum("n" in f["properties"] for f in feats)
        assert _per_class(feats) == {c: int(inside[c]) for c in CODES}
    assert (clustered > 0) == (z < tiles.SINGLE_ZOOM)  # clusters at city and district zoom
    if z <= 12:  # the inline map of the same zoom counts every item once
        assert sum(_per_class(tiles.overview(source, z)["features"]).values()) == len(source)


@settings(max_examples=60, deadline=None)
@given(counts=st.lists(st.integers(0, 40), min_size=4, max_size=4).filter(lambda c: sum(c) >= 2))
def test_a_cluster_is_filled_by_its_majority_and_ringed_by_its_most_important(counts):
    reasons = np.repeat(CODES, counts)
    f = _items(len(reasons), reasons, spread=0.0)  # one spot: one cell, one cluster
    src = tiles.tile_source(f, "worklist", "en", "mix", classes=_classes())
    (feat,) = tiles._clusters(src, 0, len(src), 9)  # a tile of many: clustered
    cluster = feat["properties"]
    assert cluster["k"] == counts and cluster["n"] == sum(counts)
    major = int(np.argmax(counts))  # a tie: the more important (earlier) category
    assert cluster["fill"] == list(_classes().colors[major]) and cluster["cls"] == CODES[major]
    first = next(i for i, m in enumerate(counts) if m)
    if first == major:
        assert cluster["line"] == [255, 255, 255, 235] and cluster["w"] == 1
    else:
        assert cluster["line"] == [*_classes().colors[first][:3], 255]
        assert cluster["w"] == tiles.ring_width(counts[first] / sum(counts))
    lines = cluster["tt_body"].split("\n")  # the breakdown, most important first
    labels = _classes().labels
    assert lines == [
        f"{labels[i]}: {m:,} ({m / sum(counts):.0%})" for i, m in enumerate(counts) if m
    ]
    assert cluster["tt_title"] == f"{sum(counts):,} items due"


def test_single_places_at_high_zoom_are_coloured_by_category_most_important_on_top():
    reasons = ["never", "failed", "expired", "never", "newly_uncovered", "weird"] * 10
    f = _items(len(reasons), reasons, spread=0.002)
    src = tiles.tile_source(
        f, "worklist", "en", "few", classes=_classes(), note="kind_label", single_px=6.0
    )
    z = tiles.SINGLE_ZOOM
    tx, ty = _tile_of(src, z)
    seen = {}
    for x, y in set(zip(tx.tolist(), ty.tolist())):
        feats = [x["properties"] for x in tiles.tile(src, z, x, y)["features"]]
        assert all("n" not in p and p["r"] == 6.0 for p in feats)
        order = [CODES.index(p["cls"]) for p in feats]
        assert order == sorted(order, reverse=True)  # failed drawn last, above the others
        seen.update({p["id"]: p for p in feats})
    assert len(seen) == len(f)
    colours = dict(zip(CODES, _classes().colors, strict=True))
    for i, reason in enumerate(reasons):
        p = seen[f"W{i:06d}"]
        code = reason if reason in CODES else "never"  # an unknown value: the last category
        assert p["cls"] == code and p["fill"] == list(colours[code])
        label = _classes().labels[CODES.index(code)]
        assert p["tt_body"] == f"Reason: {label}\nDistrict: 110105\nPayment point"
        assert p["tt_title"] == "Shop <img src=x onerror=alert(1)>"  # plain text, escaped later
        assert p["tt_sub"] == "商户"


def test_a_ring_is_the_thicker_the_larger_its_share():
    w = [tiles.ring_width(x) for x in (0.0, 0.01, 0.1, 0.3, tiles.RING_FULL_SHARE, 0.9)]
    assert w == sorted(w) and w[0] == tiles.RING_MIN_PX and w[-1] == tiles.RING_MAX_PX
    assert w[1] < w[2] < w[3] < w[4] == w[5]
    assert tiles.RING_MAX_PX < tiles.CLUSTER_MIN_PX  # a ring, never a filled disc


def test_count_labels_stay_readable_on_dark_and_light_fills():
    assert tiles.text_rgba(PURPLE) == [255, 255, 255, 255]
    assert tiles.text_rgba(RED) == [255, 255, 255, 255]
    assert tiles.text_rgba(ORANGE) == [25, 25, 25, 255]
    assert tiles.text_rgba((253, 174, 97, 225)) == [25, 25, 25, 255]


def test_the_layer_takes_its_label_colour_from_each_feature(source):
    layer = tiles.tile_layer(source, 10)
    assert getattr(layer, "get_text_color") == "@@=properties.tc"  # noqa: B009 (pydeck's kwargs)
    feats = cast(dict, layer.data)["features"]
    assert feats and all(f["properties"]["tc"] in ([25, 25, 25, 255], [255] * 4) for f in feats)
    plain = tiles.tile_source(_items(50, ["never"] * 50).assign(category="x"), "venues", "en", "p")
    assert getattr(tiles.tile_layer(plain, 10), "get_text_color") == [25, 25, 25, 255]  # noqa: B009
    assert all("tc" not in f["properties"] for f in tiles.overview(plain, 10)["features"])


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_legend_says_what_a_circle_its_ring_and_a_dot_stand_for(lang):
    src = tiles.tile_source(
        _items(50, ["never"] * 50), "worklist", lang, "lg", classes=_classes(lang)
    )
    text = tiles.legend_text([src], lang)
    if lang == "en":
        assert "a circle with a number stands for that many places" in text
        assert (
            "most of its members have" in text
            and "the thicker the larger its share" in text
            and "reason" in text
        )
        assert "A dot is one place in the colour of its reason" in text
    else:
        assert (
            "带数字的圆圈" in text and "占比越大外环越粗" in text and "单个点按其原因着色" in text
        )
    assert tiles.legend_text([], lang) == ""


def test_a_source_is_coloured_by_coverage_or_by_category_not_both():
    f = _items(10, ["never"] * 10)
    with pytest.raises(ValueError, match="not both"):
        tiles.tile_source(f, "worklist", "en", "x", covered=np.ones(10, bool), classes=_classes())
