"""dashboard.core.state: the shared view state's round trip through the URL."""

from __future__ import annotations

from datetime import date

from dashboard.core.state import ViewState, from_query, to_query


def test_state_round_trip():
    s = ViewState(
        district="110105",
        lang="en",
        layers=("venues", "payments"),
        as_of=date(2024, 12, 31),
        std="any",
        radius=500,
        basis="verified",
        basemap="osm",
        compare=("110101", "110102"),
    )
    q = to_query(s)
    assert q == {
        "district": "110105",
        "lang": "en",
        "layers": "venues,payments",
        "as_of": "2024-12-31",
        "std": "any",
        "radius": "500",
        "basis": "verified",
        "basemap": "osm",
        "compare": "110101,110102",
    }
    assert from_query(q) == s
    assert to_query(ViewState()) == {}


def test_state_ignores_bad_values():
    s = from_query(
        {
            "district": "999999",
            "lang": "fr",
            "as_of": "yesterday",
            "layers": "x,venues",
            "radius": "-3",
            "std": "none",
            "basis": "trusted",
            "basemap": "javascript:alert(1)",
        }
    )
    assert s.district == "all" and s.lang == "zh" and s.as_of is None
    assert s.radius is None and s.std == "standards" and s.basemap == "none"
    assert s.layers == ("venues",)
    assert s.basis == "claimed"
