"""An exported CSV (formula-looking text prefixed with ') imports again: the prefixed
text stays text, numbers stay numbers, and a second export adds no second prefix."""

from __future__ import annotations

import pandas as pd

from dashboard.cli import main
from dashboard.data import load_layer

FORMULAS = ['=HYPERLINK("http://x.example","y")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)"]


def test_an_exported_csv_imports_again_and_exports_the_same(tmp_path, home):
    src = tmp_path / "hostile.csv"
    pd.DataFrame(
        {
            "name": FORMULAS,
            "category": "hotel",
            "lon": [116.40 + i / 100 for i in range(len(FORMULAS))],
            "lat": 39.91,
            "address": FORMULAS,
        }
    ).to_csv(src, index=False)
    first = tmp_path / "first.csv"
    assert (
        main(
            [
                "import",
                str(src),
                "--layer",
                "key-locations",
                "--crs",
                "wgs84",
                "--replace",
                "--export",
                str(first),
            ]
        )
        == 0
    )
    second = tmp_path / "second.csv"
    assert (
        main(
            [
                "import",
                str(first),
                "--layer",
                "key-locations",
                "--crs",
                "wgs84",
                "--replace",
                "--export",
                str(second),
            ]
        )
        == 0
    )
    layer = load_layer("key-locations", home)
    assert len(layer) == len(FORMULAS)
    assert sorted(layer["address"]) == sorted("'" + f for f in FORMULAS)
    assert sorted(layer["name_zh"]) == sorted("'" + f for f in FORMULAS)
    assert (layer["lon"] - [116.40 + i / 100 for i in range(len(FORMULAS))]).abs().max() < 1e-9
    a = pd.read_csv(first, dtype=str, keep_default_na=False)
    b = pd.read_csv(second, dtype=str, keep_default_na=False)
    for col in ("name_zh", "name_en", "address", "lon", "lat"):
        assert a[col].tolist() == b[col].tolist(), col  # no second apostrophe
