"""Descriptive statistics of the layers: counts per layer, per district.

Pure functions on the layer GeoDataFrames; the Overview page and the CLI call them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

from dashboard.core.model import POINT_LAYERS

if TYPE_CHECKING:
    from dashboard.engine.coverage import DateLike


def district_counts(
    layers: Mapping[str, gpd.GeoDataFrame], districts: gpd.GeoDataFrame
) -> pd.DataFrame:
    """Points of each layer in each district.

    Returns one row per district (index ``adcode``, in the districts' order) with
    ``name_zh``, ``name_en``, ``area_km2`` and one integer column per point layer
    present in ``layers``; districts without points get 0.
    """
    out = districts[["adcode", "name_zh", "name_en"]].set_index("adcode").copy()
    if "area_km2" in districts.columns:
        out["area_km2"] = districts["area_km2"].to_numpy()
    else:
        out["area_km2"] = (districts.to_crs("EPSG:32650").area / 1e6).round(1).to_numpy()
    for name in POINT_LAYERS:
        if name not in layers:
            continue
        counts = layers[name]["adcode"].value_counts()
        out[name] = counts.reindex(out.index, fill_value=0).astype(int)
    return out


def layer_totals(
    layers: Mapping[str, gpd.GeoDataFrame], adcode: str | None = None
) -> dict[str, int]:
    """Number of points per layer, citywide or in district ``adcode``."""
    totals = {}
    for name in POINT_LAYERS:
        if name not in layers:
            continue
        gdf = layers[name]
        totals[name] = int(len(gdf) if adcode in (None, "all") else (gdf["adcode"] == adcode).sum())
    return totals


def in_district(gdf: gpd.GeoDataFrame, adcode: str | None) -> gpd.GeoDataFrame:
    """Rows of ``gdf`` in district ``adcode`` (all rows for ``None``/``"all"``)."""
    if adcode in (None, "all"):
        return gdf
    # positions, not a boolean Series: the same rows at a quarter of the cost (no alignment)
    return gdf.iloc[np.flatnonzero((gdf["adcode"] == adcode).to_numpy(dtype=bool, na_value=False))]


def in_service_in(
    points: gpd.GeoDataFrame, adcode: str | None, as_of: DateLike | None
) -> gpd.GeoDataFrame:
    """Payment ``points`` in district ``adcode`` (all for ``None``/``"all"``) that are in
    service on ``as_of`` (see :func:`dashboard.engine.coverage.in_service`)."""
    from dashboard.engine.coverage import in_service

    keep = np.array(in_service(points, as_of), dtype=bool)  # a copy: it may be read-only
    if adcode not in (None, "all"):
        keep &= (points["adcode"] == adcode).to_numpy(dtype=bool, na_value=False)
    # one selection by position (a boolean GeoDataFrame filter aligns and copies twice)
    return points.iloc[np.flatnonzero(keep)]
