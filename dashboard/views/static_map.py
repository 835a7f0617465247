"""Static maps: district polygons and point layers as one Vega-Lite spec, drawn without tiles.

:mod:`dashboard.views.render` turns the spec into a PNG or SVG offline, with the bundled
CJK font. The map is a layered Vega-Lite chart under one explicit Web-Mercator projection
fitted to an extent (a district, the city, or any box), so every layer lines up and the
frame is the same whatever the points are. Nothing is fetched: every row is inline.

The parts:

- :class:`MapLayer` — one thing drawn: ``dots`` or ``rings`` (points, a fixed pixel
  radius), ``areas`` (GeoJSON features with deck-style ``fill``/``line`` RGBA properties:
  H3 cells, a radius around a venue, a choropleth) or ``text`` (labels). Dots and rings
  with a ``label`` and any point are in the legend, with their count.
- :func:`map_spec` — the districts (outlined, the focused one filled, as on the pages)
  plus any layers, fitted to ``focus_adcode``, an ``extent`` or the city.
- :func:`gap_map_spec` — the gap map of the city or one district (payment points, covered
  and uncovered key locations, proposed sites) in the District profile's colours.

Big layers are thinned, never silently: above ``max_marks`` points in all, each layer
keeps one point per pixel cell (the cell grows until the total fits), and the subtitle
says so; the legend always gives the real counts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.polygon import orient

from dashboard.core.i18n import name_col, t
from dashboard.views import charts, maps
from dashboard.views.render import FONT_STACK

#: Most point marks in one spec (above it the points are thinned to a pixel grid); at
#: ≈ 40 bytes a point the spec stays under about 1 MB.
MAX_MARKS = 20_000
#: Margin around the fitted extent, as a share of its size.
MARGIN = 0.06
#: Vega-Lite schema the specs declare (vl-convert bundles it; nothing is fetched).
SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"

Kind = Literal["dots", "rings", "areas", "text"]


@dataclass(frozen=True)
class MapLayer:
    """One layer of a static map.

    ``points`` (dots, rings, text) has ``lon`` and ``lat`` columns in WGS-84 (text: also
    ``text``); ``features`` (areas) is a list of GeoJSON features whose ``properties`` may
    hold ``fill`` and ``line`` RGBA lists (else ``color`` is used) and a ``width`` in px.
    ``color`` is RGB or RGBA (0–255, alpha too); ``size`` the radius in px (text: font px).
    ``label`` is the legend text (already in the map's language); "" keeps it out.
    """

    kind: Kind
    label: str = ""
    color: Sequence[int] = (80, 80, 80)
    size: float = 4.0
    points: pd.DataFrame | None = None
    features: list[dict] = field(default_factory=list)

    @classmethod
    def dots(
        cls, points: pd.DataFrame, label: str, color: Sequence[int], size: float = 4.0
    ) -> MapLayer:
        """Filled dots with a white rim (a model layer, covered or uncovered places)."""
        return cls("dots", label, tuple(color), size, _lonlat(points))

    @classmethod
    def rings(
        cls, points: pd.DataFrame, label: str, color: Sequence[int], size: float = 8.0
    ) -> MapLayer:
        """Hollow rings around points (coverage gaps, the selected place)."""
        return cls("rings", label, tuple(color), size, _lonlat(points))

    @classmethod
    def areas(
        cls, features: list[dict], label: str = "", color: Sequence[int] = (120, 130, 150, 40)
    ) -> MapLayer:
        """Polygons (GeoJSON features): H3 cells, a radius, a choropleth."""
        return cls("areas", label, tuple(color), 1.0, None, list(features))

    @classmethod
    def text(
        cls, points: pd.DataFrame, color: Sequence[int] = (40, 45, 60, 230), size: float = 11
    ) -> MapLayer:
        """Labels (``lon``, ``lat``, ``text``) with a white halo."""
        df = pd.DataFrame(
            {
                "lon": pd.to_numeric(points["lon"]),
                "lat": pd.to_numeric(points["lat"]),
                "text": points["text"].astype(str),
            }
        )
        return cls("text", "", tuple(color), size, df)

    @property
    def count(self) -> int:
        """How many points (or features) the layer holds."""
        if self.kind == "areas":
            return len(self.features)
        return 0 if self.points is None else len(self.points)


def _lonlat(points: pd.DataFrame) -> pd.DataFrame:
    if points is None or len(points) == 0:
        return pd.DataFrame({"lon": pd.Series(dtype=float), "lat": pd.Series(dtype=float)})
    return pd.DataFrame(
        {"lon": pd.to_numeric(points["lon"]), "lat": pd.to_numeric(points["lat"])}
    ).dropna()


def css(color: Sequence[int]) -> str:
    """An RGB(A) list (alpha 0–255) as a CSS colour."""
    r, g, b = (int(c) for c in color[:3])
    if len(color) > 3:
        return f"rgba({r},{g},{b},{round(int(color[3]) / 255, 3)})"
    return f"rgb({r},{g},{b})"


# ----------------------------------------------------------------------------- projection


def _merc_y(lat: float | np.ndarray) -> np.ndarray:
    phi = np.radians(np.clip(np.asarray(lat, dtype=float), -85.0, 85.0))
    return np.log(np.tan(np.pi / 4 + phi / 2))


@dataclass(frozen=True)
class Frame:
    """A Web-Mercator projection that fits an extent into ``width`` × ``height`` px."""

    scale: float
    center: tuple[float, float]
    width: int
    height: int

    @classmethod
    def fit(cls, extent: Sequence[float], width: int, height: int) -> Frame:
        x0, y0, x1, y1 = (float(v) for v in extent)
        dx = max(math.radians(x1 - x0), 1e-6)
        my0, my1 = float(_merc_y(y0)), float(_merc_y(y1))
        dy = max(my1 - my0, 1e-6)
        scale = min(width / dx, height / dy) / (1 + 2 * MARGIN)
        mid = (my0 + my1) / 2
        lat_c = math.degrees(2 * math.atan(math.exp(mid)) - math.pi / 2)
        return cls(scale, ((x0 + x1) / 2, lat_c), width, height)

    def pixels(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pixel position (x right, y down) of points in this frame."""
        cx, cy = self.center
        x = self.width / 2 + self.scale * np.radians(np.asarray(lon, dtype=float) - cx)
        y = self.height / 2 - self.scale * (_merc_y(np.asarray(lat, dtype=float)) - _merc_y(cy))
        return x, y

    def bounds(self, pad_px: float = 0.0) -> tuple[float, float, float, float]:
        """(lon0, lat0, lon1, lat1) of the frame, widened by ``pad_px`` on every side
        (Web Mercator keeps it a rectangle on screen)."""
        cx, cy = self.center
        half_w, half_h = self.width / 2 + pad_px, self.height / 2 + pad_px
        lon0, lon1 = (cx + math.degrees(d / self.scale) for d in (-half_w, half_w))
        my = float(_merc_y(cy))
        lat0, lat1 = (
            math.degrees(2 * math.atan(math.exp(my + d / self.scale)) - math.pi / 2)
            for d in (-half_h, half_h)
        )
        return lon0, lat0, lon1, lat1

    def projection(self) -> dict:
        """The Vega-Lite projection (explicit: no fitting to the data)."""
        return {
            "type": "mercator",
            "scale": round(self.scale, 4),
            "center": [round(self.center[0], 6), round(self.center[1], 6)],
            "translate": [self.width / 2, self.height / 2],
        }


def extent_of(districts: gpd.GeoDataFrame, adcode: str | None = None) -> tuple[float, ...]:
    """Bounds (lon0, lat0, lon1, lat1) of district ``adcode``, or of them all."""
    geom = districts.geometry
    if adcode not in (None, "all"):
        sel = districts.loc[districts["adcode"].astype(str) == str(adcode), "geometry"]
        if not sel.empty:
            geom = sel
    return tuple(float(v) for v in geom.total_bounds)


def extent_around(lon: float, lat: float, zoom: float, page_width_px: int = 620) -> tuple:
    """The box a deck.gl view at ``zoom`` centred on (``lon``, ``lat``) shows across
    ``page_width_px`` (square; :meth:`Frame.fit` then keeps the whole box in view)."""
    half = 360.0 * page_width_px / (512.0 * 2.0**zoom) / 2
    half_lat = half * math.cos(math.radians(lat))
    return (lon - half, lat - half_lat, lon + half, lat + half_lat)


# ----------------------------------------------------------------------------- thinning


def thin(layers: Sequence[MapLayer], frame: Frame, max_marks: int = MAX_MARKS) -> tuple:
    """``(layers, cell)``: point layers cut to the frame and, above ``max_marks`` points
    in all, to one point per ``cell``-pixel square (``cell`` 0: nothing thinned)."""

    def inside(layer: MapLayer) -> MapLayer:
        if layer.kind == "areas" or layer.points is None or layer.points.empty:
            return layer
        x, y = frame.pixels(layer.points["lon"].to_numpy(), layer.points["lat"].to_numpy())
        # centres inside the frame: marks are not clipped (see _area_features), so one
        # outside it would draw over the title or widen the picture
        keep = (x >= 0) & (x <= frame.width) & (y >= 0) & (y <= frame.height)
        if layer.kind == "text":  # a name is drawn centred on its point: room for it
            keep &= (x > 50) & (x < frame.width - 50) & (y > 8) & (y < frame.height - 8)
        return _with_points(layer, layer.points[keep])

    shown = [inside(layer) for layer in layers]
    total = sum(len(la.points) for la in shown if la.points is not None and la.kind != "text")
    if total <= max_marks:
        return shown, 0
    cell = 1.0
    while True:
        out = []
        for layer in shown:
            if layer.kind in ("areas", "text") or layer.points is None or layer.points.empty:
                out.append(layer)
                continue
            x, y = frame.pixels(layer.points["lon"].to_numpy(), layer.points["lat"].to_numpy())
            key = pd.Series(np.floor(x / cell).astype(np.int64) * 1_000_003) + np.floor(
                y / cell
            ).astype(np.int64)
            out.append(_with_points(layer, layer.points[~key.duplicated().to_numpy()]))
        n = sum(len(la.points) for la in out if la.points is not None and la.kind != "text")
        if n <= max_marks:
            return out, cell
        cell *= 1.5


def _with_points(layer: MapLayer, points: pd.DataFrame) -> MapLayer:
    return MapLayer(layer.kind, layer.label, layer.color, layer.size, points, layer.features)


# ----------------------------------------------------------------------------- the spec


def _geo_data(features: list[dict]) -> dict:
    return {
        "values": {"type": "FeatureCollection", "features": features},
        "format": {
            "type": "json",
            "property": "features",
        },
    }


def _d3_rings(geometry: dict) -> dict:
    """A (multi)polygon with its rings wound as Vega's spherical geometry wants them
    (exterior clockwise, holes anticlockwise: the reverse of RFC 7946); the other way
    round a ring means the whole globe but that shape, and fills the map."""
    geom = shapely.geometry.shape(geometry)
    if isinstance(geom, shapely.Polygon):
        geom = orient(geom, sign=-1.0)
    elif isinstance(geom, shapely.MultiPolygon):
        geom = shapely.MultiPolygon([orient(g, sign=-1.0) for g in geom.geoms])
    else:
        return geometry
    return shapely.geometry.mapping(geom)


def _fitted(geometry: dict, frame: Frame) -> dict:
    """``geometry`` cut to the frame (one pixel wider) and simplified to half a pixel.

    The rasteriser clips a mark by rendering it into a mask the size of the picture: each
    clipped layer of a report map cost about a second (a PDF report's 18 maps: most of its
    time). Cut here, the map needs no clip; half a pixel of detail is not seen."""
    geom = shapely.geometry.shape(geometry)
    lon0, lat0, lon1, lat1 = frame.bounds(pad_px=1.0)
    tolerance = 0.5 * (lon1 - lon0) / (frame.width + 2.0)
    cut = shapely.clip_by_rect(geom.simplify(tolerance), lon0, lat0, lon1, lat1)
    if isinstance(cut, shapely.GeometryCollection):  # slivers of a cut: its polygons
        polys = [g for g in cut.geoms if isinstance(g, shapely.Polygon) and not g.is_empty]
        cut = shapely.MultiPolygon(polys)
    return shapely.geometry.mapping(cut)


def _area_features(layer: MapLayer, frame: Frame) -> list[dict]:
    out = []
    for f in layer.features:
        p = f.get("properties") or {}
        fill = p.get("fill") or p.get("color") or layer.color
        line = p.get("line") or [255, 255, 255, 160]
        geometry = _fitted(f["geometry"], frame)
        if not geometry.get("coordinates"):  # wholly outside the frame
            continue
        out.append(
            {
                "type": "Feature",
                "geometry": _d3_rings(geometry),
                "properties": {
                    "fill": css(fill),
                    "line": css(line),
                    "width": float(p.get("width", layer.size)),
                },
            }
        )
    return out


def _area_layer(features: list[dict]) -> dict:
    return {
        "data": _geo_data(features),
        "mark": {"type": "geoshape"},  # cut to the frame already: no clip (_fitted)
        "encoding": {
            "fill": {"field": "properties.fill", "type": "nominal", "scale": None},
            "stroke": {"field": "properties.line", "type": "nominal", "scale": None},
            "strokeWidth": {"field": "properties.width", "type": "quantitative", "scale": None},
        },
    }


def _text_layers(layer: MapLayer) -> list[dict]:
    assert layer.points is not None
    rows = [
        {"lon": round(float(x), 5), "lat": round(float(y), 5), "text": s}
        for x, y, s in zip(layer.points["lon"], layer.points["lat"], layer.points["text"])
    ]
    enc = {
        "longitude": {"field": "lon", "type": "quantitative"},
        "latitude": {"field": "lat", "type": "quantitative"},
        "text": {"field": "text", "type": "nominal"},
    }
    base = {"type": "text", "fontSize": layer.size, "font": FONT_STACK}
    halo = {**base, "stroke": "white", "strokeWidth": 3, "strokeOpacity": 0.85, "fill": "white"}
    return [
        {"data": {"values": rows}, "mark": halo, "encoding": enc},
        {"data": {"values": rows}, "mark": {**base, "fill": css(layer.color)}, "encoding": enc},
    ]


def _point_layer(layer: MapLayer, legend: dict, domain: list[str], rng: list[str]) -> dict:
    assert layer.points is not None
    name = legend[id(layer)]
    rows = [
        {"lon": round(float(x), 5), "lat": round(float(y), 5), "layer": name}
        for x, y in zip(layer.points["lon"], layer.points["lat"])
    ]
    ring = layer.kind == "rings"
    diameter = 2 * layer.size
    mark: dict = {
        "type": "point",
        "shape": "circle",
        "size": round(diameter * diameter, 1),  # a square's area: Vega sizes symbols by area
        "filled": not ring,
        "opacity": 1,
    }
    if ring:
        mark.update(strokeWidth=2.5)
    else:
        mark.update(stroke="white", strokeWidth=0.8, strokeOpacity=0.9)
    channel = "stroke" if ring else "fill"
    encoding = {
        "longitude": {"field": "lon", "type": "quantitative"},
        "latitude": {"field": "lat", "type": "quantitative"},
        channel: {
            "field": "layer",
            "type": "nominal",
            "scale": {"domain": domain, "range": rng},
            "legend": None,
        },
    }
    return {"data": {"values": rows}, "mark": mark, "encoding": encoding}


def _legend_layer(domain: list[str], rng: list[str]) -> dict:
    """An invisible layer that carries the one legend of every labelled point layer."""
    return {
        "data": {"values": [{"layer": d} for d in domain]},
        "mark": {"type": "point", "shape": "circle", "filled": True, "opacity": 0},
        "encoding": {
            "color": {
                "field": "layer",
                "type": "nominal",
                "scale": {"domain": domain, "range": rng},
                "legend": {
                    "title": None,
                    "orient": "bottom",
                    "direction": "horizontal",
                    "columns": 3,
                    "symbolType": "circle",
                    "symbolOpacity": 1,
                    "symbolSize": 110,
                    "labelFontSize": 12,
                    "labelLimit": 320,
                    "symbolStrokeWidth": 0,
                },
            }
        },
    }


def map_spec(
    districts: gpd.GeoDataFrame | None,
    layers: Sequence[MapLayer] = (),
    *,
    lang: str,
    title: str | None = None,
    subtitle: str | None = None,
    width: int = 800,
    height: int = 600,
    focus_adcode: str | None = None,
    extent: Sequence[float] | None = None,
    labels: bool = True,
    max_marks: int = MAX_MARKS,
) -> dict:
    """A Vega-Lite spec of a map without tiles, ``width`` × ``height`` px (plus title and
    legend).

    ``districts``: the district polygons (``adcode``, ``name_zh``, ``name_en``, WGS-84
    geometry; None: no outlines), drawn as the pages draw them — every district outlined,
    ``focus_adcode`` filled and outlined more strongly — and named at a point inside each
    when ``labels``. ``layers`` are drawn on top in order (:class:`MapLayer`). The frame
    fits ``extent`` (lon0, lat0, lon1, lat1) if given, else the focused district, else all
    districts, else the layers' points. Every labelled dot and ring layer is in the legend
    as "label (count)"; points are thinned above ``max_marks`` (see :func:`thin`).
    """
    frame = Frame.fit(_extent(districts, layers, focus_adcode, extent), width, height)
    base: list[MapLayer] = []
    top: list[MapLayer] = []  # the district names, over the points so they stay legible
    if districts is not None and len(districts):
        geo = maps.districts_geojson(districts, lang, focus_adcode)
        base.append(MapLayer.areas(geo["features"]))
        if labels:
            pts = districts.geometry.representative_point()
            names = districts[name_col(lang)].astype(str).to_numpy()
            top.append(
                MapLayer.text(pd.DataFrame({"lon": pts.x, "lat": pts.y, "text": names}), size=11)
            )
    shown, cell = thin(list(layers), frame, max_marks)
    top, _ = thin(top, frame, max_marks)

    legend: dict[int, str] = {}
    domain: list[str] = []
    rng: list[str] = []
    for layer, original in zip(shown, layers):
        if layer.kind not in ("dots", "rings"):
            continue
        if layer.label and original.count:  # an empty layer is left out of the legend
            name = t("mf_count", lang, label=layer.label, n=f"{original.count:,}")
            if name not in domain:
                domain.append(name)
                rng.append(css(layer.color[:3]))
        else:
            name = f"\u200b{len(legend)}"  # a key of its own, never shown
        legend[id(layer)] = name

    parts: list[dict] = []
    for layer in [*base, *shown, *top]:
        if layer.kind == "areas":
            if layer.features:
                parts.append(_area_layer(_area_features(layer, frame)))
        elif layer.kind == "text":
            if layer.points is not None and len(layer.points):
                parts.extend(_text_layers(layer))
        elif layer.points is not None:
            name = legend[id(layer)]
            if name in domain:
                parts.append(_point_layer(layer, legend, domain, rng))
            else:  # unlabelled: its own colour, no legend entry
                parts.append(_point_layer(layer, legend, [name], [css(layer.color[:3])]))
    if domain:
        parts.append(_legend_layer(domain, rng))

    notes = [subtitle] if subtitle else []
    if cell:
        notes.append(t("mf_thinned", lang, limit=f"{max_marks:,}", cell=f"{cell:g}"))
    spec: dict = {
        "$schema": SCHEMA,
        "width": width,
        "height": height,
        "background": "white",
        "padding": 8,
        "projection": frame.projection(),
        "layer": parts,
        "config": {"view": {"stroke": "#d0d7de"}, "font": FONT_STACK},
        "resolve": {"scale": {"color": "independent", "fill": "independent"}},
    }
    if title or notes:
        spec["title"] = {
            "text": title or "",
            "subtitle": notes or None,
            "anchor": "start",
            "fontSize": 15,
            "subtitleFontSize": 11,
            "subtitleColor": "#57606a",
        }
    return spec


def _extent(
    districts: gpd.GeoDataFrame | None,
    layers: Sequence[MapLayer],
    focus: str | None,
    extent: Sequence[float] | None,
) -> Sequence[float]:
    if extent is not None:
        return extent
    if districts is not None and len(districts):
        return extent_of(districts, focus)
    frames = [la.points for la in layers if la.points is not None and len(la.points)]
    if frames:
        pts = pd.concat(frames)
        return (pts["lon"].min(), pts["lat"].min(), pts["lon"].max(), pts["lat"].max())
    return extent_around(
        maps.BEIJING_VIEW["longitude"], maps.BEIJING_VIEW["latitude"], maps.BEIJING_VIEW["zoom"]
    )


def gap_map_spec(
    districts: gpd.GeoDataFrame,
    places: pd.DataFrame,
    covered: Sequence[bool] | pd.Series | np.ndarray,
    *,
    lang: str,
    payments: pd.DataFrame | None = None,
    proposed: pd.DataFrame | None = None,
    focus_adcode: str | None = None,
    title: str | None = None,
    subtitle: str | None = None,
    width: int = 800,
    height: int = 600,
    max_marks: int = MAX_MARKS,
    extent: Sequence[float] | None = None,
) -> dict:
    """The gap map of the city (``focus_adcode`` None or ``all``) or of one district, as
    the District profile draws it: payment points, covered and uncovered key locations
    (uncovered on top) and ``proposed`` sites, in the same colours and sizes; for a
    district only its own points (rows with an ``adcode``), as on the page.

    ``places`` has ``lon``/``lat`` (e.g. :attr:`CoverageResult.places`), ``covered`` is a
    boolean per row of it; ``payments`` and ``proposed`` have ``lon``/``lat``. Pass the
    rows of the district or all of them; the legend counts what is drawn. ``extent``
    (lon0, lat0, lon1, lat1) frames a part of the city map (the report's close-up).
    """
    mask = np.asarray(covered, dtype=bool)
    city = focus_adcode in (None, "all")
    scale = 0.6 if city else 1.0
    empty = pd.DataFrame({"lon": [], "lat": []})

    def here(df: pd.DataFrame | None) -> pd.DataFrame:
        if df is None or city or "adcode" not in df.columns:
            return empty if df is None else df
        return df[df["adcode"].astype(str) == str(focus_adcode)]

    if not city and "adcode" in places.columns:
        keep = (places["adcode"].astype(str) == str(focus_adcode)).to_numpy()
        places, mask = places[keep], mask[keep]
    layers = [
        MapLayer.dots(
            here(payments),
            t("rp_status_payment", lang),
            charts.PAYMENT_RGBA,
            3 * scale,
        ),
        MapLayer.dots(places[mask], t("mf_covered", lang), charts.COVERED_RGBA, 5 * scale),
        MapLayer.dots(places[~mask], t("mf_uncovered", lang), charts.UNCOVERED_RGBA, 7 * scale),
    ]
    if proposed is not None and len(proposed):
        layers.append(
            MapLayer.dots(here(proposed), t("mf_proposed", lang), charts.PROPOSED_RGBA, 9)
        )
    return map_spec(
        districts,
        layers,
        lang=lang,
        title=title,
        subtitle=subtitle,
        width=width,
        height=height,
        focus_adcode=None if focus_adcode == "all" else focus_adcode,
        max_marks=max_marks,
        extent=extent,
    )
