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

import base64
import hashlib
import html
import json
import math
import threading
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import pydeck as pdk
import shapely
from shapely.geometry import Point

from dashboard.core import model
from dashboard.core.i18n import label_of, name_col, t
from dashboard.views import served

#: Whole-city view (fits the 16 districts in a ~1000 px wide map).
BEIJING_VIEW = {"longitude": 116.40, "latitude": 40.23, "zoom": 7.6}
#: District outline simplification for display only (degrees): the chosen district
#: at ≈ 35 m (sub-pixel at the zoom it is shown at), the others and the whole city at
#: ≈ 90 m (sub-pixel at city zoom; context when zoomed in). Halves the map payload.
DISPLAY_TOLERANCE = 0.0004
CONTEXT_TOLERANCE = 0.001

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
    ``w`` pixels at ``zoom = log2(360 / extent) + log2(w / 512)``; ``w ≈ 520`` px (a
    margin in a 620 px map) and
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


def display_geometries(districts: gpd.GeoDataFrame, tolerance: float) -> np.ndarray:
    """The districts' geometries simplified to ``tolerance`` (degrees) and rounded to
    1e-5° (≈ 1 m: plenty for display, and short numbers keep the payload small).

    The slow part of :func:`districts_geojson` (≈ 50 ms for the 16 districts); compute it
    once per tolerance and pass it in.
    """
    geoms = shapely.simplify(districts.geometry.values, tolerance, preserve_topology=True)
    return shapely.set_precision(geoms, 1e-5, mode="pointwise")


def districts_geojson(
    districts: gpd.GeoDataFrame,
    lang: str,
    highlight: str | None = None,
    tolerance: float = DISPLAY_TOLERANCE,
    context_tolerance: float = CONTEXT_TOLERANCE,
    *,
    fine: np.ndarray | None = None,
    context: np.ndarray | None = None,
) -> dict:
    """District outlines as a GeoJSON dict with display properties.

    Each feature carries ``adcode``, ``name``, tooltip fields, ``fill`` and ``line``
    RGBA colours; the highlighted district is outlined more strongly and drawn at the
    finer ``tolerance``, the others at ``context_tolerance``. :func:`recolor` turns it
    into a choropleth. ``fine`` and ``context`` are :func:`display_geometries` at those
    tolerances, when the caller has them already.
    """
    chosen_mask = districts["adcode"].to_numpy() == highlight
    if context is None:
        context = display_geometries(districts, context_tolerance)
    geoms = np.array(context, dtype=object)  # a copy: the caller's arrays stay as they are
    if chosen_mask.any():
        geoms[chosen_mask] = (
            fine[chosen_mask]
            if fine is not None
            else display_geometries(districts[chosen_mask], tolerance)
        )
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


#: Where the display outlines are written for Streamlit's static serving (served at
#: ``app/static/<file>`` when ``server.enableStaticServing`` is on, as ``exchange-atlas run``
#: sets it). Rebuilt by ``python geodata/build_display.py``; a test keeps them current.
STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
OUTLINE_SYSTEMS: tuple[str, ...] = ("wgs84", "gcj02")


def outline_file(lang: str, system: str) -> str:
    """File name of the display outlines for ``lang`` in coordinate ``system``."""
    return f"districts-{lang}-{system}.json"


def outlines_geojson(districts: gpd.GeoDataFrame, lang: str, system: str) -> dict:
    """All districts at context detail, unhighlighted, in display ``system``."""
    return shift_geojson(districts_geojson(districts, lang, None), system)


def dump_geojson(geojson: dict) -> str:
    """Compact, deterministic JSON text of a GeoJSON dict."""
    return json.dumps(geojson, separators=(",", ":"), ensure_ascii=False, sort_keys=True)


def write_outlines(
    districts: gpd.GeoDataFrame, langs: Iterable[str], out_dir: Path = STATIC_DIR
) -> list[Path]:
    """Write every language's and display system's outlines to ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for lang in langs:
        for system in OUTLINE_SYSTEMS:
            path = out_dir / outline_file(lang, system)
            path.write_text(dump_geojson(outlines_geojson(districts, lang, system)), "utf-8")
            written.append(path)
    return written


@lru_cache(maxsize=32)
def _digest(path: str, mtime_ns: int) -> str:
    return hashlib.sha1(Path(path).read_bytes()).hexdigest()[:10]


def outline_url(lang: str, system: str, static_dir: Path = STATIC_DIR) -> str | None:
    """Relative URL of the served outlines (versioned by content), None if not built.

    A layer whose ``data`` is this URL is fetched once by the browser and, while the URL
    stays the same, never re-sent or re-tessellated when the rest of the map changes.
    """
    path = static_dir / outline_file(lang, system)
    if not path.exists():
        return None
    return f"app/static/{path.name}?v={_digest(str(path), path.stat().st_mtime_ns)}"


def highlight_geojson(geojson: dict, adcode: str) -> dict:
    """The features of ``geojson`` for district ``adcode`` only (the chosen-district overlay)."""
    return {
        **geojson,
        "features": [f for f in geojson["features"] if f["properties"]["adcode"] == adcode],
    }


def recolor(
    geojson: dict, fills: dict[str, list[int]] | None, bodies: dict[str, str] | None = None
) -> dict:
    """A district GeoJSON with new fill colours and tooltip lines, geometry shared.

    Lets a choropleth reuse the cached, simplified outlines instead of rebuilding them;
    with ``fills=None`` the input is returned unchanged.
    """
    if fills is None:
        return geojson
    features = []
    for f in geojson["features"]:
        props = dict(f["properties"])
        props["fill"] = list(fills.get(props["adcode"], [200, 200, 200, 60]))
        props["tt_body"] = (bodies or {}).get(props["adcode"], "")
        features.append({**f, "properties": props})
    return {**geojson, "features": features}


def district_labels(districts: gpd.GeoDataFrame, lang: str) -> list[dict]:
    """One label point per district (a point guaranteed inside the polygon)."""
    pts = cast("Iterable[Point]", districts.geometry.representative_point())
    return [
        {"lon": p.x, "lat": p.y, "text": str(n)}
        for p, n in zip(pts, districts[name_col(lang)].astype(str))
    ]


def _text(value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def _per_value(values: pd.Series, label: Callable[[Any], Any]) -> pd.Series:
    """``values.map(label)``, calling ``label`` once per distinct value (missing included)
    instead of once per row: a layer's categories, districts and capability lists repeat."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    labels = np.empty(len(uniques), dtype=object)
    labels[:] = [label(u) for u in uniques]
    return pd.Series(labels[codes], index=values.index, dtype=object)


def tooltip_fields(
    gdf: pd.DataFrame, layer: str, lang: str, district_names: dict[str, str]
) -> pd.DataFrame:
    """Plain-text tooltip fields (``tt_title``, ``tt_sub``, ``tt_body``) for a point layer."""
    other = "name_en" if lang == "zh" else "name_zh"
    title = gdf[name_col(lang)].map(_text)
    title = title.where(title != "", gdf[other].map(_text))
    # label_of takes any code (NaN → "nan"); its ``str`` annotation is narrower than that
    category = _per_value(gdf["category"], lambda c: label_of(layer, c, lang))
    district = _per_value(gdf["adcode"], lambda a: a if pd.isna(a) else district_names.get(a, a))
    lines = [t("tt_category", lang) + ": " + category, t("tt_district", lang) + ": " + district]
    if layer == "key-locations":
        sector = _per_value(gdf["sector"], lambda c: label_of("sector", c, lang))
        lines.append(t("tt_sector", lang) + ": " + sector)
    if layer == "events":
        fmt = "%Y-%m-%d"
        dates = gdf["start_date"].dt.strftime(fmt) + " – " + gdf["end_date"].dt.strftime(fmt)
        lines.append(t("tt_dates", lang) + ": " + dates)
    if layer == "payments":
        caps = _per_value(
            gdf["capabilities"],
            lambda v: ", ".join(label_of("capability", c, lang) for c in model.split_list(v)),
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
        {
            "lon": round(float(x), 6),
            "lat": round(float(y), 6),
            "id": str(i),
            "tt_title": a,
            "tt_sub": b,
            "tt_body": c,
        }
        for x, y, i, a, b, c in zip(
            gdf["lon"], gdf["lat"], gdf["id"], tips["tt_title"], tips["tt_sub"], tips["tt_body"]
        )
    ]


def district_layer(
    geojson: dict | str, pickable: bool = True, layer_id: str = "districts"
) -> pdk.Layer:
    """District outlines/fills from a GeoJSON dict or the URL of a served one.

    Use ``pickable=False`` on maps whose clicks select places: a pickable GeoJsonLayer
    under the points swallows Streamlit's selection events.
    """
    return pdk.Layer(
        "GeoJsonLayer",
        data=geojson,
        id=layer_id,
        stroked=True,
        filled=True,
        get_fill_color="properties.fill",
        get_line_color="properties.line",
        get_line_width="properties.width",
        line_width_units="'pixels'",
        pickable=pickable,
        auto_highlight=pickable,
        highlight_color=[255, 255, 255, 40],
    )


def label_layer(
    labels: list[dict],
    layer_id: str = "district-labels",
    size: float = 13,
    color: Sequence[int] = (40, 45, 60, 200),
    pixel_offset: Sequence[int] = (0, 0),
) -> pdk.Layer:
    """Text with a white halo in a CJK font (``labels``: ``lon``, ``lat``, ``text``).

    The font atlas is built from the characters used (``character_set='auto'``), so
    Chinese names render offline with the system's Noto CJK font.
    """
    return pdk.Layer(
        "TextLayer",
        data=labels,
        id=layer_id,
        get_position="[lon, lat]",
        get_text="text",
        get_size=size,
        get_color=list(color),
        get_pixel_offset=list(pixel_offset),
        character_set="'auto'",
        font_family='"Noto Sans CJK SC, Noto Sans SC, sans-serif"',
        outline_width=2,
        outline_color=[255, 255, 255, 220],
        font_settings={"sdf": True},
        pickable=False,
    )


def scatter_layer(
    records: list[dict], layer_id: str, fill: list[int] | str, radius_px: float = 4.0
) -> pdk.Layer:
    """Pickable dots of a fixed pixel size with a white rim; ``fill`` is an RGBA list or the
    name of a record field holding one."""
    return pdk.Layer(
        "ScatterplotLayer",
        data=records,
        id=layer_id,
        get_position="[lon, lat]",
        get_fill_color=fill,
        get_line_color=[255, 255, 255, 230],
        stroked=True,
        line_width_min_pixels=1,
        radius_units="'pixels'",
        get_radius=radius_px,
        pickable=True,
        auto_highlight=True,
    )


def point_layer(records: list[dict], layer: str, radius_px: float = 4.0) -> pdk.Layer:
    """A point layer of the model in its colour."""
    return scatter_layer(records, layer, [*model.LAYERS[layer].color, 220], radius_px)


_SERIALIZING = threading.Lock()


def style_url(style: dict) -> str:
    """A MapLibre style as a ``data:`` URL: the browser needs no style server."""
    raw = json.dumps(style, separators=(",", ":")).encode()
    return "data:application/json;base64," + base64.b64encode(raw).decode()


#: pydeck's "style not set" marker. Streamlit then draws no MapLibre map at all: without
#: any style it would fetch a Carto basemap style from the internet, and an empty style of
#: our own (a MapLibre map drawing nothing) made a page switch ~1.4 s slower (a second
#: WebGL canvas created, resized and torn down with every map). The deck alone zooms with
#: the wheel, a pinch, a double click or the +/- keys.
NO_BASEMAP = "__MAP_STYLE__"


class CompactDeck(pdk.Deck):
    """A ``pydeck.Deck`` whose JSON has no indentation.

    pydeck pretty-prints with ``indent=2``, which makes a map's spec about four times
    larger; Streamlit sends ``to_json()`` to the browser on every rerun, so compact JSON
    is a direct saving on each redraw.
    """

    def to_json(self) -> str:
        """Compact JSON; layer data the app's server publishes (:mod:`dashboard.views.served`)
        goes as its URL, so the browser keeps unchanged layers across reruns."""
        from pydeck.bindings.json_tools import default_serialize

        def dump() -> str:
            return json.dumps(
                self, sort_keys=True, default=default_serialize, separators=(",", ":")
            )

        if not served.enabled():
            return dump()
        with _SERIALIZING:  # a cached deck may be drawn by two sessions at once
            swapped = []
            for layer in self.layers:
                url = served.url_for(getattr(layer, "data", None))
                if url is not None:
                    swapped.append((layer, layer.data))
                    layer.data = url
            try:
                return dump()
            finally:
                for layer, data in swapped:  # the deck itself is left as it was
                    layer.data = data


def make_deck(
    layers: Sequence[pdk.Layer],
    view: dict,
    height: int = 620,
    basemap_style: str | None = None,
    tooltip: dict | None = None,
) -> pdk.Deck:
    """A deck; with no ``basemap_style`` there is no basemap at all (works with no internet).

    ``basemap_style`` is a MapLibre style URL (see :func:`basemap_style`); tiles that
    fail to load leave the overlays drawn and the map usable.
    """
    return CompactDeck(
        layers=list(layers),
        initial_view_state=pdk.ViewState(**view),
        # pydeck is unannotated: pyright reads its defaults ("carto", True) as the only types
        map_provider="carto" if basemap_style else None,  # pyright: ignore[reportArgumentType]
        map_style=basemap_style or NO_BASEMAP,  # see NO_BASEMAP
        tooltip=tooltip or TOOLTIP,  # pyright: ignore[reportArgumentType]
        height=height,
    )


# ----------------------------------------------------------------------------- basemaps

#: Online raster basemaps: name → (tile URL template, coordinate system, attribution).
BASEMAP_TILES: dict[str, tuple[str, str, str]] = {
    "osm": (
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "wgs84",
        "© OpenStreetMap contributors",
    ),
    "carto": (
        "https://a.basemaps.cartocdn.com/light_all/{z}/{x}/{y}.png",
        "wgs84",
        "© OpenStreetMap contributors © CARTO",
    ),
    "amap": (
        "https://webrd01.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8"
        "&x={x}&y={y}&z={z}",
        "gcj02",
        "© AutoNavi (高德地图), GCJ-02",
    ),
}


def valid_tile_url(url: str) -> bool:
    """An http(s) XYZ template with ``{z}``, ``{x}`` and ``{y}``."""
    u = (url or "").strip()
    return u.startswith(("http://", "https://")) and all(p in u for p in ("{z}", "{x}", "{y}"))


def basemap_system(basemap: str) -> str:
    """Coordinate system a basemap is drawn in (overlays are shifted to it for display)."""
    return BASEMAP_TILES.get(basemap, ("", "wgs84", ""))[1]


def basemap_style(basemap: str, custom_url: str = "") -> str | None:
    """A MapLibre style (as a ``data:`` URL, so no style server is needed) for a basemap.

    ``none`` → None (no basemap). ``custom`` uses ``custom_url`` when it is a valid XYZ
    template, else None.
    """
    if basemap == "custom":
        if not valid_tile_url(custom_url):
            return None
        url, attribution = custom_url.strip(), ""
    elif basemap in BASEMAP_TILES:
        url, _, attribution = BASEMAP_TILES[basemap]
    else:
        return None
    style = {
        "version": 8,
        "sources": {
            "basemap": {
                "type": "raster",
                "tiles": [url],
                "tileSize": 256,
                "attribution": attribution,
                "maxzoom": 18,
            }
        },
        "layers": [
            {"id": "background", "type": "background", "paint": {"background-color": "#f4f5f7"}},
            {"id": "basemap", "type": "raster", "source": "basemap"},
        ],
    }
    return style_url(style)


def shift_records(records: list[dict], system: str) -> list[dict]:
    """Point records moved from WGS-84 into ``system`` for display on such a basemap."""
    if system == "wgs84" or not records:
        return records
    from loaders.chinacrs import from_wgs84

    lon = np.array([r["lon"] for r in records])
    lat = np.array([r["lat"] for r in records])
    x, y = from_wgs84(lon, lat, system)
    xs, ys = np.asarray(x), np.asarray(y)  # arrays already (array in, array out)
    return [{**r, "lon": float(a), "lat": float(b)} for r, a, b in zip(records, xs, ys)]


def shift_geojson(geojson: dict, system: str) -> dict:
    """A GeoJSON dict moved from WGS-84 into ``system`` for display."""
    if system == "wgs84":
        return geojson
    from loaders.chinacrs import from_wgs84

    def fn(coords: np.ndarray) -> np.ndarray:  # 1e-5° ≈ 1 m, as the unshifted outlines
        return np.column_stack(from_wgs84(coords[:, 0], coords[:, 1], system)).round(5)

    feats = []
    for f in geojson["features"]:
        geom = shapely.transform(shapely.geometry.shape(f["geometry"]), fn)
        feats.append({**f, "geometry": shapely.geometry.mapping(geom)})
    return {**geojson, "features": feats}


def shift_polygons(records: list[dict], system: str) -> list[dict]:
    """Polygon records (``polygon``: list of [lon, lat]) moved into ``system``."""
    if system == "wgs84" or not records:
        return records
    from loaders.chinacrs import from_wgs84

    out = []
    for r in records:
        ring = np.asarray(r["polygon"], dtype="float64")
        x, y = from_wgs84(ring[:, 0], ring[:, 1], system)
        out.append({**r, "polygon": np.column_stack([x, y]).tolist()})
    return out


# ----------------------------------------------------------------------------- analysis layers


def h3_records(grid: pd.DataFrame, lang: str) -> list[dict]:
    """H3 cells as polygons with a red→green colour by coverage and tooltip fields."""
    import h3

    out = []
    for cell, cov, dem, covd in zip(grid["h3"], grid["coverage"], grid["demand"], grid["covered"]):
        ring = [[lng, lat] for lat, lng in h3.cell_to_boundary(cell)]
        c = 0.0 if not np.isfinite(cov) else float(cov)
        color = [int(215 - 180 * c), int(60 + 140 * c), 70, 150]
        out.append(
            {
                "polygon": ring,
                "color": color,
                "tt_title": f"H3 {cell}",
                "tt_sub": "",
                "tt_body": f"{t('tt_coverage', lang)}: {c:.0%} ({int(covd)}/{int(dem)})",
            }
        )
    return out


def h3_layer(records: list[dict]) -> pdk.Layer:
    return pdk.Layer(
        "PolygonLayer",
        data=records,
        id="h3-grid",
        get_polygon="polygon",
        get_fill_color="color",
        get_line_color=[255, 255, 255, 160],
        line_width_min_pixels=0.5,
        stroked=True,
        filled=True,
        pickable=True,
    )


def heat_layer(records: list[dict], weight_field: str = "weight") -> pdk.Layer:
    """Density of ``records`` (``lon``, ``lat`` and a weight) as a heat map."""
    return pdk.Layer(
        "HeatmapLayer",
        data=records,
        id="heat",
        get_position="[lon, lat]",
        get_weight=weight_field,
        radius_pixels=40,
        intensity=1.0,
        threshold=0.05,
        opacity=0.55,
        pickable=False,
    )


def ring_layer(
    records: list[dict], layer_id: str, color: Sequence[int], radius_px: float = 8.0
) -> pdk.Layer:
    """Hollow rings around points: coverage gaps, the selected place."""
    return pdk.Layer(
        "ScatterplotLayer",
        data=records,
        id=layer_id,
        get_position="[lon, lat]",
        filled=False,
        stroked=True,
        get_line_color=list(color),
        line_width_min_pixels=2.5,
        radius_units="'pixels'",
        get_radius=radius_px,
        pickable=True,
    )


def layer_legend(layers: Iterable[str], lang: str) -> list[tuple[str, str]]:
    """``(css colour, label)`` pairs for the visible point layers."""
    from dashboard.core.i18n import layer_label

    out = []
    for name in layers:
        r, g, b = model.LAYERS[name].color
        out.append((f"rgb({r},{g},{b})", layer_label(name, lang)))
    return out
