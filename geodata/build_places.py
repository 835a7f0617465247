"""Assemble and check the shipped place layers from the gathered CSVs in ``geodata/places/``.

* ``venues.csv``, ``organizations.csv``, ``events.csv`` are copied as they are;
* ``key_locations_*.csv`` are concatenated into ``key_locations.csv``;
* every row is validated against the model, and its ``adcode`` is checked against
  the district polygon that contains the point (a mismatch is an error: it means a
  wrong coordinate or a wrong district, never something to paper over).

Usage: ``python geodata/build_places.py`` (then ``python geodata/generate_payments.py``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from dashboard.engine.layers import points_frame, read_districts  # noqa: E402

HERE = Path(__file__).resolve().parent
SRC = HERE / "places"
OUTPUTS = {
    "venues": ["venues.csv"],
    "organizations": ["organizations.csv"],
    "events": ["events.csv"],
    "key-locations": sorted(p.name for p in SRC.glob("key_locations_*.csv")),
}
FILE_OF = {
    "venues": "venues.csv",
    "organizations": "organizations.csv",
    "events": "events.csv",
    "key-locations": "key_locations.csv",
}


def check_districts(gdf: gpd.GeoDataFrame, districts: gpd.GeoDataFrame) -> pd.DataFrame:
    """Rows whose point is not inside the district their ``adcode`` names."""
    joined = gpd.sjoin(
        gdf[["id", "adcode", "geometry"]],
        districts[["adcode", "geometry"]],
        how="left",
        predicate="within",
        lsuffix="claimed",
        rsuffix="actual",
    )
    bad = joined[joined["adcode_claimed"] != joined["adcode_actual"]]
    return bad[["id", "adcode_claimed", "adcode_actual"]]


def main() -> int:
    districts = read_districts()
    failed = False
    for layer, names in OUTPUTS.items():
        frames = [
            pd.read_csv(
                SRC / n, dtype={"id": str, "adcode": str}, keep_default_na=False, na_values=[""]
            )
            for n in names
            if (SRC / n).exists()
        ]
        if not frames:
            print(f"{layer}: no source file yet")
            continue
        df = pd.concat(frames, ignore_index=True)
        gdf = points_frame(df, layer, file=", ".join(names))
        bad = check_districts(gdf, districts)
        if len(bad):
            failed = True
            print(f"{layer}: {len(bad)} rows outside their claimed district:\n{bad.to_string()}")
        out = HERE / FILE_OF[layer]
        df.to_csv(out, index=False, encoding="utf-8")
        print(f"{layer}: {len(df)} rows → {out.name}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
