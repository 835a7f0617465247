"""Boundary sets on maps and in tables: a zone choropleth and the localised zone table.

The map is the district map's own machinery (:func:`dashboard.views.maps.districts_geojson`
for the simplified, escaped outlines, :func:`~dashboard.views.maps.recolor` and
:func:`dashboard.engine.explore.choropleth` for the colours, :func:`~dashboard.views.maps.
district_layer` for the layer) with zones in the districts' place: a zone's ``zone_id``
is its key. No Streamlit.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pydeck as pdk

from dashboard.core.i18n import name_col, t
from dashboard.engine import explore
from dashboard.engine.compare import COMPARISON_COLUMNS
from dashboard.engine.coverage import CITY_ADCODE
from dashboard.engine.zones import OUTSIDE
from dashboard.views import maps, reports

#: Zone outlines are simplified for display to this tolerance (degrees, ≈ 40 m): finer
#: than the districts' context outlines, as zones are seen at district zoom.
ZONE_TOLERANCE = 0.0004
#: Metrics a zone choropleth can show (those of the district choropleth).
ZONE_METRICS = tuple(explore.CHOROPLETH_METRICS)
#: Columns of the zone table as shown and exported (``zone`` and ``district``: names):
#: the comparison table's metrics (:data:`dashboard.engine.compare.COMPARISON_COLUMNS`,
#: not its rank, adcode and names) between the zone's names and its id.
ZONE_TABLE_COLUMNS = (
    "rank",
    "zone",
    "district",
    *(c for c in COMPARISON_COLUMNS if c not in ("rank", "adcode", "name_zh", "name_en")),
    "zone_id",
)


def zone_geojson(zones: gpd.GeoDataFrame, lang: str) -> dict:
    """The zones' outlines as display GeoJSON (simplified, names in ``lang``), keyed by
    ``zone_id`` in the features' ``adcode`` property, as :func:`maps.recolor` expects."""
    frame = gpd.GeoDataFrame(
        {
            "adcode": zones["zone_id"].astype(str).to_numpy(),
            "name_zh": zones["name_zh"].astype(str).to_numpy(),
            "name_en": zones["name_en"].astype(str).to_numpy(),
        },
        geometry=zones.geometry.to_numpy(),
        crs=zones.crs,
    )
    return maps.districts_geojson(frame, lang, None, context_tolerance=ZONE_TOLERANCE)


def zone_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of a zone table (:func:`dashboard.engine.zones.coverage_by` or
    :func:`~dashboard.engine.zones.zone_comparison`) that are zones: not the
    :data:`OUTSIDE` row, not the total."""
    ids = table["zone_id"].astype(str)
    keep = ids != OUTSIDE
    if "rank" not in table.columns:  # coverage_by: the total is last
        keep &= pd.Series(range(len(table)), index=table.index) < len(table) - 1
    return table[keep]


def zone_choropleth(
    geojson: dict,
    table: pd.DataFrame,
    metric: str,
    lang: str,
    scheme: str = explore.CLASS_SCHEMES[0],
) -> tuple[pdk.Layer, list[tuple[tuple[int, int, int], str]]]:
    """The zones coloured by ``metric`` of ``table`` and the legend rows.

    Zones of the geometry without a row in ``table`` (not in the district drilled into)
    stay grey; the tooltip names the zone and gives the value.
    """
    if metric not in explore.CHOROPLETH_METRICS:
        raise ValueError(f"unknown metric {metric!r}; use one of {ZONE_METRICS}")
    rows = zone_rows(table).rename(columns={"adcode": "district", "zone_id": "adcode"})
    label = t("m_" + metric, lang)
    fills, bodies, legend = explore.choropleth(rows, metric, scheme, label)
    shown = set(rows["adcode"].astype(str))
    features = [f for f in geojson["features"] if f["properties"]["adcode"] in shown]
    geo = maps.recolor({**geojson, "features": features}, fills, bodies)
    return maps.district_layer(geo, pickable=True, layer_id="zones"), legend


def localize_zones(table: pd.DataFrame, lang: str, district_names: dict[str, str]) -> pd.DataFrame:
    """A zone table for reading: the zone's and its district's names in ``lang`` (the
    :data:`OUTSIDE` row, the places in no zone, labelled in ``lang`` whatever names the
    table gives it), the metrics of :data:`ZONE_TABLE_COLUMNS` that ``table`` has,
    headers in ``lang``."""
    df = table.copy()
    outside = df["zone_id"].astype(str).to_numpy() == OUTSIDE
    df["zone"] = np.where(outside, t("bnd_outside_row", lang), df[name_col(lang)].astype(str))
    # the city total spans every district: no district of its own (not "110000")
    names = {CITY_ADCODE: "", **district_names}
    df["district"] = df["adcode"].astype(str).map(lambda a: names.get(a, a))
    return reports.localize(df, lang, ZONE_TABLE_COLUMNS)
