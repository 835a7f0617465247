"""dashboard.engine.search: the n-gram index finds exactly what a scan of every place finds,
in the same order (property tests against the brute-force scans), for Chinese and Latin
substrings, ids, one character, near a position; and the per-place details lookups."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.core.model import POINT_LAYERS
from dashboard.engine import explore
from dashboard.engine import search as S
from dashboard.engine.layers import read_points_csv, shipped_path

#: Letters of both cases, digits, blanks, Chinese characters and characters whose casefold
#: differs from their lower case (ß ẞ İ Σ ς ﬁ), so both the fast and the exact fold run.
ALPHABET = "abcAB xyZ0129-王府井北京饭店合成酒ßẞİΣςﬁé"
HOTEL = (116.404454, 39.908012)
PROP = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])

text = st.text(alphabet=ALPHABET, max_size=12)
name = st.one_of(st.none(), text)


@st.composite
def places_and_query(draw):
    n = draw(st.integers(0, 40))
    id_text = st.text(alphabet="KkPp0123王", min_size=1, max_size=4)
    ids = draw(st.lists(id_text, min_size=n, max_size=n))
    zh = draw(st.lists(name, min_size=n, max_size=n))
    en = draw(st.lists(name, min_size=n, max_size=n))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    frame = pd.DataFrame(
        {
            "id": pd.array(ids, dtype="str"),
            "name_zh": pd.array(zh, dtype="str"),
            "name_en": pd.array(en, dtype="str"),
            "category": "hotel",
            "adcode": rng.choice(["110101", "110105"], n),
            "lon": np.round(rng.uniform(116.3, 116.5, n), 3),  # rounded: equal distances occur
            "lat": np.round(rng.uniform(39.85, 39.95, n), 3),
        }
    )
    hay = [x for x in ids + zh + en if x]
    if hay and draw(st.booleans()):  # a piece of some text, its case changed
        s = draw(st.sampled_from(hay))
        a = draw(st.integers(0, len(s)))
        b = draw(st.integers(a, len(s)))
        q = s[a:b]
        q = q.upper() if draw(st.booleans()) else q
    else:
        q = draw(text)
    return frame, q


@PROP
@given(
    places_and_query(),
    st.sampled_from(["payment", "key_location"]),
    st.booleans(),
    st.booleans(),
)
def test_inspect_search_is_the_scan(case, kind, in_district, shared):
    frame, q = case
    half = len(frame) // 2
    pay, key = frame.iloc[:half], frame.iloc[half:]
    places = S.inspect_places(pay, key)
    # its own index, or the Map explorer's (other layers first, in another order)
    other = {"venues": key.iloc[:3], "key-locations": key, "payments": pay}
    pi = S.place_index(places, S.layer_index(other) if shared else None)
    district = "110105" if in_district else None
    for limit in (1, 3, 30):
        got = S.search_inspect(pi, kind, district, q, limit=limit)
        want = S.brute_inspect(places, kind, district, q, limit=limit)
        assert got.index.tolist() == want.index.tolist(), (q, limit)
        got = S.search_inspect(pi, kind, district, q, HOTEL, limit=limit)
        want = S.brute_inspect(places, kind, district, q, HOTEL, limit=limit)
        assert got.index.tolist() == want.index.tolist(), (q, limit, "near")
        assert np.array_equal(got["distance_m"].to_numpy(), want["distance_m"].to_numpy())


@PROP
@given(places_and_query(), st.integers(0, 4))
def test_map_explorer_search_is_the_scan(case, split):
    frame, q = case
    layers = {"districts": pd.DataFrame()}
    cut = np.linspace(0, len(frame), len(POINT_LAYERS) + 1).astype(int)
    for i, layer in enumerate(POINT_LAYERS):  # the rows spread over the layers
        layers[layer] = frame.iloc[cut[i] : cut[i + 1]]
    li = S.layer_index(layers)
    for limit in (1, 5, 20):
        got = S.search_layers(li, q, limit)
        want = explore.search_places(layers, q, limit)
        assert got[["layer", "id"]].values.tolist() == want[["layer", "id"]].values.tolist(), q


@pytest.fixture(scope="module")
def shipped_layers():
    return {k: read_points_csv(shipped_path(k), k) for k in POINT_LAYERS}


@pytest.fixture(scope="module")
def shipped(shipped_layers):
    places = S.inspect_places(shipped_layers["payments"], shipped_layers["key-locations"])
    return places, S.place_index(places, S.layer_index(shipped_layers))


QUERIES = [
    "王府井",
    "王",
    "北京饭店",
    "HOTEL",
    "hotel",
    "P0003",
    "k001",
    "k001 王府",
    "beijing h",
    "",
]


@pytest.mark.parametrize("q", QUERIES)
def test_shipped_queries_match_the_scan(shipped, shipped_layers, q):
    places, pi = shipped
    for kind in ("payment", "key_location"):
        for district in (None, "110101"):
            got = S.search_inspect(pi, kind, district, q)
            want = S.brute_inspect(places, kind, district, q)
            assert got.index.tolist() == want.index.tolist()
    point = dict(shipped_layers)
    li = S.layer_index(point)
    got, want = S.search_layers(li, q), explore.search_places(point, q)
    assert got[["layer", "id"]].values.tolist() == want[["layer", "id"]].values.tolist()


def test_chinese_and_latin_substrings_are_found(shipped):
    places, pi = shipped
    hits = S.search_inspect(pi, "key_location", None, "王府井")
    assert len(hits) and hits["name_zh"].str.contains("王府井").all()
    hits = S.search_inspect(pi, "payment", None, "p0003")  # case-insensitive, exact id first
    assert hits["id"].iloc[0] == "P0003"
    one = S.search_inspect(pi, "key_location", None, "王")  # one Chinese character
    keys = places[places["kind"] == "key_location"]
    assert len(one) == min(30, int(keys["name_zh"].str.contains("王").sum()))


def test_casefold_and_limits():
    frame = pd.DataFrame(
        {
            "id": ["a1", "a2", "a3"],
            "name_zh": ["", "", ""],
            "name_en": ["Straße", "STRASSE", "strasse 2"],
            "category": "hotel",
            "adcode": "110101",
            "lon": 116.4,
            "lat": 39.9,
        }
    )
    pi = S.place_index(S.inspect_places(frame.iloc[:0], frame))
    found = S.search_inspect(pi, "key_location", None, "strasse")["id"].tolist()
    assert found == ["a1", "a2", "a3"]
    assert S.search_inspect(pi, "key_location", None, "STRASSE", limit=2)["id"].tolist() == [
        "a1",
        "a2",
    ]
    assert S.search_inspect(pi, "key_location", None, "s\x1fs").empty  # the separator: nothing


def test_the_index_narrows_the_candidates():
    n = 5_000
    frame = pd.DataFrame(
        {
            "id": [f"X{i:05d}" for i in range(n)],
            "name_zh": ["合成酒店"] * (n - 1) + ["王府井饭店"],
            "name_en": [f"Synthetic hotel {i}" for i in range(n)],
        }
    )
    idx = S.build_index(frame)
    cand = idx.candidates(S.fold("王府井"))
    assert cand is not None and cand.tolist() == [n - 1]
    assert len(idx.candidates(S.fold("X01234")) or []) < 20
    assert idx.candidates("a") is None  # one Latin letter: no gram, ranked walk instead


def test_ranked_calls_keep_on_few_rows():
    rows = np.arange(100_000)
    seen: list[int] = []

    def keep(r: np.ndarray) -> np.ndarray:
        seen.append(len(r))
        return r % 2 == 0

    got = S.ranked(rows, (rows % 1000).astype(float), 5, keep)
    assert got.tolist() == [0, 1000, 2000, 3000, 4000]
    assert sum(seen) < 10_000


def test_details_lookups():
    ins = pd.DataFrame(
        {
            "place_id": ["P1", "P2", "P1", "P1"],
            "inspected_at": pd.to_datetime(
                ["2026-01-02", "2026-01-01", "2026-01-03", "2026-01-03"]
            ),
            "inspector": ["a", "b", "c", "d"],
            "name": ["x", None, "y", None],
        }
    )
    latest = S.latest_by_place(ins)
    assert latest.loc["P1", "inspector"] == "d" and latest.loc["P2", "inspector"] == "b"
    assert S.last_names(ins).to_dict() == {"P1": "y"}
    look = S.id_lookup(pd.Series(["A", "B", "A"]))
    assert look.first(["A", "B", "C"]).tolist() == [0, 1, -1]
    assert look.last(["A", "B", "C"]).tolist() == [2, 1, -1]
    assert look.rows("A").tolist() == [0, 2] and look.rows("C").tolist() == []
    assert S.latest_by_place(ins.iloc[:0]).empty


def test_an_empty_search_builds_no_text_index(shipped):
    places, _ = shipped

    def never():
        raise AssertionError("the text index was built for an empty search")

    pi = S.place_index(places, never)
    assert len(S.search_inspect(pi, "payment", None, "  ")) == 30
    assert len(S.search_inspect(pi, "payment", "110101", "", (116.4, 39.9))) > 0
