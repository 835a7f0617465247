"""Map builders: pydeck layers and decks from (Geo)DataFrames, no Streamlit.

Everything here returns plain data (dicts, lists) or ``pydeck`` objects so it can
be cached at the UI edge and inspected in tests.

Tooltips: the HTML structure lives only in the fixed :data:`TOOLTIP` template; data
reaches it only through the fields ``tt_title``, ``tt_sub`` and ``tt_body`` (plain
text, lines separated by ``\n``), which Streamlit's deck.gl component HTML-escapes
when it interpolates them (checked by a browser test with hostile names). No user
text is ever concatenated into HTML here.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import pydeck as pdk
import shapely

from dashboard import model
from dashboard.i18n import label_of, name_col, t

#: Whole-city view (fits the 16 districts in a ~1000 px wide map).
BEIJING_VIEW = {"longitude": 116.40, "latitude": 40.23, "zoom": 7.6}
#: District outline simplification for display only (degrees; ≈ 25 m).
DISPLAY_TOLERANCE = 0.00025

TOOLTIP = {
    "html": "<b>{tt_title}</b><br/><span style='opacity:.75'>{tt_sub}</span>"
    "<div style='white-space:pre-line;margin-top:4px'>{tt_body}</div>",
    "style": {
        "backgroundColor": "rgba(20,24,32,0.92)",
        "color": "white",
        "fontSize": "13px",
        "maxWidth": "320px",
        "fontFamily": "'Noto Sans CJK SC', 'Noto Sans SC', sans-serif",
    },
}


def esc(value: object) -> str:
    """HTML-escape any value for a tooltip (NaN/None → empty)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return html.escape(str(value), quote=True)


def view_for(districts: gpd.GeoDataFrame, adcode: str | None = None) -> dict:
    """A view state that fits the city, or the district ``adcode``.

    deck.gl draws 512 px per 360° at zoom 0, so a box ``extent`` degrees wide fills
    ``w`` pixels at ``zoom = log2(360 / extent) + log2(w / 512)``; ``w ≈ 520`` px (a margin in a 620 px map) and
    latitude stretched by 1/cos(40°) ≈ 1.3 frame the district with a margin.
    """
    if adcode is None or adcode == "all":
        return dict(BEIJING_VIEW)
    geom = districts.loc[districts["adcode"] == adcode, "geometry"]
    if geom.empty:
        return dict(BEIJING_VIEW)
    x0, y0, x1, y1 = geom.total_bounds
    extent = max(x1 - x0, (y1 - y0) * 1.3, 1e-3)
    zoom = min(13.0, math.log2(360.0 / extent) + math.log2(520 / 512))
    return {"longitude": (x0 + x1) / 2, "latitude": (y0 + y1) / 2, "zoom": round(zoom, 2)}


def districts_geojson(
    districts: gpd.GeoDataFrame,
    lang: str,
    highlight: str | None = None,
    tolerance: float = DISPLAY_TOLERANCE,
) -> dict:
    """District outlines as a GeoJSON dict with display properties.

    Each feature carries ``adcode``, ``name``, ``tt_html`` (escaped tooltip), ``fill``
    and ``line`` RGBA colours; the highlighted district is filled more strongly.
    """
    geoms = shapely.simplify(districts.geometry.values, tolerance, preserve_topology=True)
    names = districts[name_col(lang)].astype(str)
    features = []
    for adcode, name, geom in zip(districts["adcode"], names, geoms):
        chosen = highlight not in (None, "all") and adcode == highlight
        fill = [30, 60, 120, 60] if chosen else [120, 130, 150, 22]
        if highlight not in (None, "all") and not chosen:
            fill = [120, 130, 150, 10]
        features.append(
            {
                "type": "Feature",
                "geometry": shapely.geometry.mapping(geom),
                "properties": {
                    "adcode": adcode,
                    "name": name,
                    "tt_title": name,
                    "tt_sub": adcode,
                    "tt_body": "",
                    "fill": fill,
                    "line": [40, 50, 70, 230] if chosen else [90, 100, 120, 200],
                    "width": 3 if chosen else 1,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def district_labels(districts: gpd.GeoDataFrame, lang: str) -> list[dict]:
    """One label point per district (a point guaranteed inside the polygon)."""
    pts = districts.geometry.representative_point()
    return [
        {"lon": p.x, "lat": p.y, "text": str(n)}
        for p, n in zip(pts, districts[name_col(lang)].astype(str))
    ]


def _text(value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def tooltip_fields(
    gdf: pd.DataFrame, layer: str, lang: str, district_names: dict[str, str]
) -> pd.DataFrame:
    """Plain-text tooltip fields (``tt_title``, ``tt_sub``, ``tt_body``) for a point layer."""
    other = "name_en" if lang == "zh" else "name_zh"
    title = gdf[name_col(lang)].map(_text)
    title = title.where(title != "", gdf[other].map(_text))
    lines = [
        t("tt_category", lang) + ": " + gdf["category"].map(lambda c: label_of(layer, c, lang)),
        t("tt_district", lang) + ": " + gdf["adcode"].map(lambda a: district_names.get(a, a)),
    ]
    if layer == "key-locations":
        lines.append(
            t("tt_sector", lang) + ": " + gdf["sector"].map(lambda c: label_of("sector", c, lang))
        )
    if layer == "events":
        fmt = "%Y-%m-%d"
        dates = gdf["start_date"].dt.strftime(fmt) + " – " + gdf["end_date"].dt.strftime(fmt)
        lines.append(t("tt_dates", lang) + ": " + dates)
    if layer == "payments":
        caps = gdf["capabilities"].map(
            lambda v: ", ".join(label_of("capability", c, lang) for c in model.split_list(v))
        )
        lines.append(t("tt_capabilities", lang) + ": " + caps)
        lines.append(
            t("tt_in_service", lang) + ": " + gdf["in_service_date"].dt.strftime("%Y-%m-%d")
        )
    body = lines[0]
    for extra in lines[1:]:
        body = body + "\n" + extra
    if "address" in gdf.columns:
        addr = gdf["address"].map(_text)
        body = body + np.where(addr != "", "\n" + t("tt_address", lang) + ": " + addr, "")
    if "synthetic" in gdf.columns:
        body = body + np.where(gdf["synthetic"].astype(bool), "\n" + t("tt_synthetic", lang), "")
    return pd.DataFrame(
        {"tt_title": title, "tt_sub": gdf[other].map(_text), "tt_body": body}, index=gdf.index
    )


def point_records(
    gdf: gpd.GeoDataFrame, layer: str, lang: str, district_names: dict[str, str]
) -> list[dict]:
    """Minimal JSON records for a point layer: position, id and tooltip fields."""
    if gdf.empty:
        return []
    tips = tooltip_fields(gdf, layer, lang, district_names)
    return [
        {"lon": float(x), "lat": float(y), "id": str(i), "tt_title": a, "tt_sub": b, "tt_body": c}
        for x, y, i, a, b, c in zip(
            gdf["lon"], gdf["lat"], gdf["id"], tips["tt_title"], tips["tt_sub"], tips["tt_body"]
        )
    ]


def district_layer(geojson: dict) -> pdk.Layer:
    return pdk.Layer(
        "GeoJsonLayer",
        data=geojson,
        id="districts",
        stroked=True,
        filled=True,
        get_fill_color="properties.fill",
        get_line_color="properties.line",
        get_line_width="properties.width",
        line_width_units="'pixels'",
        pickable=True,
        auto_highlight=True,
        highlight_color=[255, 255, 255, 40],
    )


def label_layer(labels: list[dict]) -> pdk.Layer:
    return pdk.Layer(
        "TextLayer",
        data=labels,
        id="district-labels",
        get_position="[lon, lat]",
        get_text="text",
        get_size=13,
        get_color=[40, 45, 60, 200],
        character_set="'auto'",
        font_family='"Noto Sans CJK SC, Noto Sans SC, sans-serif"',
        outline_width=2,
        outline_color=[255, 255, 255, 220],
        font_settings={"sdf": True},
        pickable=False,
    )


def point_layer(records: list[dict], layer: str, radius_px: float = 4.0) -> pdk.Layer:
    spec = model.LAYERS[layer]
    return pdk.Layer(
        "ScatterplotLayer",
        data=records,
        id=layer,
        get_position="[lon, lat]",
        get_fill_color=[*spec.color, 220],
        get_line_color=[255, 255, 255, 230],
        stroked=True,
        line_width_min_pixels=1,
        radius_units="'pixels'",
        get_radius=radius_px,
        pickable=True,
        auto_highlight=True,
    )


def make_deck(layers: Sequence[pdk.Layer], view: dict, height: int = 620) -> pdk.Deck:
    """A deck with no basemap (``map_provider=None``): works with no internet at all."""
    return pdk.Deck(
        layers=list(layers),
        initial_view_state=pdk.ViewState(**view),
        map_provider=None,
        map_style=None,
        tooltip=TOOLTIP,
        height=height,
    )


def layer_legend(layers: Iterable[str], lang: str) -> list[tuple[str, str]]:
    """``(css colour, label)`` pairs for the visible point layers."""
    from dashboard.i18n import layer_label

    out = []
    for name in layers:
        r, g, b = model.LAYERS[name].color
        out.append((f"rgb({r},{g},{b})", layer_label(name, lang)))
    return out
