"""Any map as a file: a page's pydeck ``Deck`` as a standalone HTML file and as a PNG.

**HTML.** One file that opens offline: deck.gl's standalone bundle (the
``@deck.gl/jupyter-widget`` build that pydeck ships for ``to_html(offline=True)``,
MIT-licensed; its version is written into the file) is inlined with the page's layer
JSON (:func:`deck_json`: the same layers as the page, data inline), a legend and the
page's tooltip template. No basemap, no CDN, no request: a Content-Security-Policy in the
file forbids any fetch, and a browser test opens it with the network cut off.
Tooltips stay plain text: pydeck's own tooltip code pastes field values into HTML
unescaped, so the file brings its own (every ``{field}`` of the template is HTML-escaped
before it is put in); the JSON is embedded with ``<``, ``>`` and ``&`` as ``\\u`` escapes,
so no name can close the script.

**PNG.** :func:`deck_spec` reads the same deck's layers into a static map
(:mod:`dashboard.views.static_map`: district polygons, points, rings, labels, without
tiles) framed like the page's view, and :func:`deck_png` draws it with
:mod:`dashboard.views.render`.

No Streamlit: the download buttons are :mod:`dashboard.ui.map_download`.
"""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Sequence
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, cast

import pandas as pd
import pydeck as pdk

from dashboard.core.i18n import layer_label, t
from dashboard.core.model import LAYERS
from dashboard.views import events as evv
from dashboard.views import maps, render, tiles
from dashboard.views.static_map import MapLayer, css, extent_around, map_spec

#: deck.gl's standalone bundle as pydeck ships it (what ``pydeck``'s offline HTML uses).
BUNDLE = Path(pdk.__file__).resolve().parent / "nbextension" / "static" / "index.js"
#: The page width (px) the pages' view states are chosen for (see ``maps.view_for``).
PAGE_WIDTH_PX = 620
#: What the exported file may load: nothing from anywhere (inline script and style only).
CSP = (
    "default-src 'none'; script-src 'unsafe-inline' 'wasm-unsafe-eval'; style-src 'unsafe-inline'; "
    "img-src data: blob:; worker-src blob:; connect-src data: blob:"
)


# ----------------------------------------------------------------------------- the deck


def _resolve_data(data: Any, static_dir: Path) -> Any:
    """Layer data as the page's browser gets it, inline: a served outline file
    (``app/static/<file>?v=…``) is read from ``static_dir``; any other URL is dropped
    (the file makes no request)."""
    if isinstance(data, str):
        if data.startswith("app/static/"):
            name = data.removeprefix("app/static/").split("?", 1)[0]
            path = (static_dir / name).resolve()
            if path.parent == static_dir.resolve() and path.is_file():
                return json.loads(path.read_text("utf-8"))
        return []
    return data


def deck_json(deck: pdk.Deck, static_dir: Path = maps.STATIC_DIR) -> dict:
    """The deck's JSON as the page sends it to deck.gl, with every layer's data inline and
    no basemap (``mapProvider`` and ``mapStyle`` null)."""
    from pydeck.bindings.json_tools import default_serialize

    # under the lock CompactDeck.to_json holds while it swaps served data for URLs: a cached
    # deck may be drawn by another session while a download builds its file
    with maps._SERIALIZING:  # noqa: SLF001 - the one lock over a deck's layer data
        spec = json.loads(json.dumps(deck, default=default_serialize))
    zoom = float((spec.get("initialViewState") or {}).get("zoom", 10) or 10)
    for layer in spec.get("layers", []):
        if layer.get("@@type") == "TileLayer":  # served tiles: their clusters, inline
            source = tiles.source_of(str(layer.get("data", "")))
            layer["@@type"] = "GeoJsonLayer"
            layer["data"] = tiles.overview(source, zoom) if source is not None else []
            continue
        layer["data"] = _resolve_data(layer.get("data"), static_dir)
    spec["mapProvider"] = None
    spec["mapStyle"] = None
    return spec


def has_basemap(deck: pdk.Deck) -> bool:
    """Whether the page draws the deck over basemap tiles (left out of the files)."""
    style = getattr(deck, "map_style", None)
    return bool(style) and style != maps.NO_BASEMAP


def tooltip_of(deck: pdk.Deck) -> dict:
    """The deck's tooltip template (``html`` with ``{field}`` slots, ``style``)."""
    tip = getattr(deck, "_tooltip", None)
    return tip if isinstance(tip, dict) else maps.TOOLTIP


# ----------------------------------------------------------------------------- layers → legend


def _field(expr: Any) -> str | None:
    """The record field of a deck.gl accessor expression (``@@=color`` → ``color``)."""
    if isinstance(expr, str) and expr.startswith("@@="):
        name = expr[3:].strip()
        return name if re.fullmatch(r"[A-Za-z_][\w.]*", name) else None
    return None


#: Legend text of the map layers by id (model layers are named by the model).
_LEGEND_KEYS = {
    "covered": "mf_covered",
    "uncovered": "mf_uncovered",
    "proposed": "mf_proposed",
    "gaps": "mf_gaps",
    "selected": "mf_selected",
    "heat": "mf_heat",
    "venue": "mf_venue",
    "ring-r": "mf_ring",
    "ring-venue": "mf_ring_venue",
}
#: Legend text of records coloured one by one, by their colour (the Events map).
_COLOR_KEYS = {
    tuple(evv.COVERED_RGB): "mf_covered",
    tuple(evv.GAP_RGB): "mf_uncovered",
    tuple(evv.PAYMENT_RGB): "rp_status_payment",
    tuple(evv.VENUE_RGB): "mf_venue",
}


def legend_label(layer_id: str, lang: str, color: Sequence[int] | None = None) -> str:
    """What the legend calls a layer of a page's deck ("" for outlines and labels)."""
    if color is not None and tuple(color[:3]) in _COLOR_KEYS:
        return t(_COLOR_KEYS[tuple(color[:3])], lang)
    if layer_id in LAYERS:
        return layer_label(layer_id, lang)
    key = _LEGEND_KEYS.get(layer_id)
    return t(key, lang) if key else ""


def _points(records: list[dict]) -> pd.DataFrame:
    rows = [r for r in records if isinstance(r, dict) and "lon" in r and "lat" in r]
    return pd.DataFrame(
        {"lon": [float(r["lon"]) for r in rows], "lat": [float(r["lat"]) for r in rows]}
    )


def _circle(lon: float, lat: float, radius_m: float, n: int = 72) -> dict:
    dlat = radius_m / 111_320.0
    dlon = dlat / max(math.cos(math.radians(lat)), 1e-6)
    ring = [
        [lon + dlon * math.cos(2 * math.pi * i / n), lat + dlat * math.sin(2 * math.pi * i / n)]
        for i in range(n + 1)
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def _scatter(layer: dict, lang: str) -> list[MapLayer]:
    data = layer.get("data") or []
    lid = str(layer.get("id", ""))
    filled = layer.get("filled", True)
    radius = float(layer.get("getRadius", 4.0) or 4.0)
    if layer.get("radiusUnits") == "meters":  # a radius drawn to scale: an area
        fill = layer.get("getFillColor") if filled else [0, 0, 0, 0]
        line = layer.get("getLineColor", [0, 0, 0, 200])
        feats = [
            {
                "type": "Feature",
                "geometry": _circle(float(r["lon"]), float(r["lat"]), radius),
                "properties": {"fill": fill, "line": line, "width": 2},
            }
            for r in data
            if isinstance(r, dict)
        ]
        return [MapLayer.areas(feats, legend_label(lid, lang))]
    if not filled:  # rings of a fixed pixel size
        color = layer.get("getLineColor") or [0, 0, 0, 255]
        return [MapLayer.rings(_points(data), legend_label(lid, lang), color, radius)]
    color = layer.get("getFillColor")
    field = _field(color)
    if field is None:
        return [MapLayer.dots(_points(data), legend_label(lid, lang), color or (80,) * 3, radius)]
    groups: dict[tuple, list[dict]] = {}  # coloured record by record: one layer per colour
    for r in data:
        if isinstance(r, dict) and isinstance(r.get(field), list):
            groups.setdefault(tuple(r[field]), []).append(r)
    return [
        MapLayer.dots(_points(recs), legend_label(lid, lang, c), c, radius)
        for c, recs in groups.items()
    ]


def _point_features(features: list[dict]) -> list[MapLayer]:
    """Point features styled by their properties (``fill``, ``r`` in px, ``label``), as a
    tiled layer draws them: dots by colour, then the count labels."""
    rows = [
        {
            "lon": f["geometry"]["coordinates"][0],
            "lat": f["geometry"]["coordinates"][1],
            "fill": tuple((f.get("properties") or {}).get("fill") or (80, 80, 80, 220)),
            "r": float((f.get("properties") or {}).get("r") or 4.0),
            "text": str((f.get("properties") or {}).get("label") or ""),
        }
        for f in features
    ]
    df = pd.DataFrame(rows)
    out = [
        MapLayer.dots(group, "", cast("tuple[int, ...]", fill), float(group["r"].median()))
        for fill, group in df.groupby("fill", sort=False)
    ]
    labelled = df[df["text"] != ""]
    if not labelled.empty:
        out.append(MapLayer.text(labelled, (25, 25, 25, 255), 10.0))
    return out


def deck_layers(spec: dict, lang: str) -> list[MapLayer]:
    """The layers of a deck's JSON (:func:`deck_json`) as static-map layers, in order:
    GeoJSON outlines and polygons as areas, scatter layers as dots or rings (or areas
    when their radius is in metres), text as labels, a heat map as faint dots."""
    out: list[MapLayer] = []
    for layer in spec.get("layers", []):
        kind, data = layer.get("@@type"), layer.get("data") or []
        lid = str(layer.get("id", ""))
        if kind == "GeoJsonLayer":
            feats = data.get("features", []) if isinstance(data, dict) else []
            points = [f for f in feats if (f.get("geometry") or {}).get("type") == "Point"]
            if points:  # a tiled layer's clusters and single places
                out.extend(_point_features(points))
            if len(points) < len(feats) or not feats:
                out.append(MapLayer.areas([f for f in feats if f not in points]))
        elif kind == "PolygonLayer":
            field = _field(layer.get("getPolygon")) or "polygon"
            color = _field(layer.get("getFillColor"))
            feats = [
                {
                    "type": "Feature",
                    "geometry": {"type": "Polygon", "coordinates": [r[field]]},
                    "properties": {"fill": r.get(color) if color else layer.get("getFillColor")},
                }
                for r in data
                if isinstance(r, dict) and field in r
            ]
            out.append(MapLayer.areas(feats, legend_label(lid, lang)))
        elif kind == "ScatterplotLayer":
            out.extend(_scatter(layer, lang))
        elif kind == "TextLayer":
            field = _field(layer.get("getText")) or "text"
            rows = [r for r in data if isinstance(r, dict) and field in r]
            df = _points(rows).assign(text=[str(r[field]) for r in rows])
            size = float(layer.get("getSize", 12) or 12)
            color = layer.get("getColor") or [40, 45, 60, 220]
            out.append(MapLayer.text(df, color, size * 0.85))
        elif kind == "HeatmapLayer":
            out.append(MapLayer.dots(_points(data), legend_label(lid, lang), [220, 60, 30, 60], 9))
    return out


def legend_rows(layers: Sequence[MapLayer], lang: str) -> list[tuple[str, str]]:
    """``(css colour, "label (count)")`` of the labelled dot and ring layers that hold
    points, once each."""
    seen: dict[str, str] = {}
    for layer in layers:
        if layer.kind in ("dots", "rings") and layer.label and layer.count:
            text = t("mf_count", lang, label=layer.label, n=f"{layer.count:,}")
            seen.setdefault(text, css(layer.color[:3]))
    return [(c, text) for text, c in seen.items()]


# ----------------------------------------------------------------------------- PNG


def deck_extent(spec: dict) -> tuple[float, float, float, float]:
    """The box the page's map shows (from the deck's initial view)."""
    v = spec.get("initialViewState") or {}
    lon = float(v.get("longitude", maps.BEIJING_VIEW["longitude"]))
    lat = float(v.get("latitude", maps.BEIJING_VIEW["latitude"]))
    zoom = float(v.get("zoom", maps.BEIJING_VIEW["zoom"]))
    return extent_around(lon, lat, zoom, PAGE_WIDTH_PX)


def deck_spec(
    deck: pdk.Deck,
    *,
    lang: str,
    title: str | None = None,
    notes: Sequence[str] = (),
    width: int = 900,
    height: int = 700,
) -> dict:
    """A static map (Vega-Lite) of the page's deck: its layers, framed as its view."""
    spec = deck_json(deck)
    if has_basemap(deck):
        notes = [*notes, t("mf_basemap_dropped", lang)]
    return map_spec(
        None,
        deck_layers(spec, lang),
        lang=lang,
        title=title,
        subtitle=" ".join(notes) or None,
        width=width,
        height=height,
        extent=deck_extent(spec),
    )


def deck_png(
    deck: pdk.Deck,
    *,
    lang: str,
    title: str | None = None,
    notes: Sequence[str] = (),
    width: int = 900,
    height: int = 700,
    scale: float = 2.0,
) -> bytes:
    """The page's map as a PNG (``width`` × ``height`` px of map, times ``scale``)."""
    spec = deck_spec(deck, lang=lang, title=title, notes=notes, width=width, height=height)
    return render.png(spec, scale=scale)


# ----------------------------------------------------------------------------- HTML


@cache
def bundle_text() -> str:
    """deck.gl's standalone bundle, ready to inline (no source-map comment)."""
    if not BUNDLE.is_file():
        raise FileNotFoundError(
            f"deck.gl's bundle is missing from the pydeck install ({BUNDLE}); "
            "reinstall pydeck from its wheel"
        )
    js = BUNDLE.read_text("utf-8")
    js = re.sub(r"//# sourceMappingURL=\S*\s*$", "", js)
    return re.sub(r"</(script)", r"<\\/\1", js, flags=re.IGNORECASE)


@cache
def bundle_version() -> str:
    """The deck.gl version inside the bundle (e.g. ``9.3.6``)."""
    m = re.search(
        r'function \w+\(\)\{let \w+="(\d+\.\d+\.\d+)",\w+=globalThis\.deck', bundle_text()
    )
    return m.group(1) if m else "unknown"


def script_json(value: Any) -> str:
    """JSON text that is safe inside a ``<script>`` element (and valid JavaScript)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(ch, esc)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


#: The file's own tooltip: the template's ``{field}`` slots filled with escaped text.
_TOOLTIP_JS = """
function atlasEscape(v) {
  if (v === null || v === undefined) return "";
  return String(v).replace(/[&<>"']/g, function (c) {
    return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
  });
}
function atlasTooltip(info) {
  const o = info && info.object;
  if (!o || typeof o !== "object") return null;
  const p = (o.properties && typeof o.properties === "object") ? o.properties : {};
  const get = function (k) {
    return Object.prototype.hasOwnProperty.call(o, k) ? o[k]
      : Object.prototype.hasOwnProperty.call(p, k) ? p[k] : undefined;
  };
  if (get("tt_title") === undefined && get("tt_body") === undefined) return null;
  const html = ATLAS_TOOLTIP.html.replace(/\\{([A-Za-z_][\\w]*)\\}/g, function (m, k) {
    return atlasEscape(get(k));
  });
  return {html: html, style: ATLAS_TOOLTIP.style || {}};
}
"""

_PAGE = """<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="Beijing Exchange Atlas">
<title>{title}</title>
<style>
html, body {{ margin: 0; height: 100%; font-family: 'Noto Sans CJK SC', 'Noto Sans SC',
  'Microsoft YaHei', 'PingFang SC', sans-serif; color: #1f2328; }}
body {{ display: flex; flex-direction: column; }}
header {{ padding: 10px 16px 6px; }}
h1 {{ font-size: 18px; margin: 0 0 4px; }}
.note {{ font-size: 12px; color: #57606a; margin: 2px 0; }}
#deck-container {{ position: relative; flex: 1 1 auto; min-height: 320px;
  background: #f6f8fa; border-top: 1px solid #d0d7de; border-bottom: 1px solid #d0d7de; }}
footer {{ padding: 6px 16px 10px; font-size: 13px; }}
.chip {{ display: inline-flex; align-items: center; margin-right: 14px; }}
.dot {{ width: 11px; height: 11px; border-radius: 50%; display: inline-block;
  margin-right: 5px; border: 1px solid #fff; }}
</style>
</head>
<body>
<header><h1>{title}</h1>{notes}</header>
<div id="deck-container" data-testid="atlas-map"></div>
<footer data-testid="atlas-legend">{legend}</footer>
<script>
/* deck.gl {version} standalone bundle (@deck.gl/jupyter-widget, as shipped by pydeck {pydeck}).
   deck.gl: MIT License, Copyright (c) vis.gl contributors; the bundle also contains
   MapLibre GL JS (BSD-3-Clause), loaders.gl and luma.gl (MIT). */
{bundle}
</script>
<script>
const ATLAS_TOOLTIP = {tooltip};
{tooltip_js}
const atlasSpec = {spec};
const atlasDeck = createDeck({{
  container: document.getElementById("deck-container"),
  jsonInput: atlasSpec,
  tooltip: null,
  showError: true,
}});
if (atlasDeck) atlasDeck.setProps({{getTooltip: atlasTooltip}});
window.atlasDeck = atlasDeck;
</script>
</body>
</html>
"""


def deck_html(
    deck: pdk.Deck,
    *,
    lang: str,
    title: str,
    notes: Sequence[str] = (),
    static_dir: Path = maps.STATIC_DIR,
) -> str:
    """The page's map as one self-contained HTML file (text): the same layer JSON and
    tooltips as the page, a legend, ``notes`` under the title; opens offline."""
    spec = deck_json(deck, static_dir)
    lines = [*notes, t("mf_no_basemap", lang)]
    if has_basemap(deck):
        lines.append(t("mf_basemap_dropped", lang))
    chips = "".join(
        f"<span class='chip'><span class='dot' style='background:{c}'></span>"
        f"{html.escape(label)}</span>"
        for c, label in legend_rows(deck_layers(spec, lang), lang)
    )
    return _PAGE.format(
        lang="zh-CN" if lang == "zh" else "en",
        csp=CSP,
        title=html.escape(title),
        notes="".join(f"<p class='note'>{html.escape(n)}</p>" for n in lines),
        legend=chips,
        version=bundle_version(),
        pydeck=pdk.__version__,
        bundle=bundle_text(),
        tooltip=script_json(tooltip_of(deck)),
        tooltip_js=_TOOLTIP_JS,
        spec=script_json(spec),
    )


# ----------------------------------------------------------------------------- names


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower() or "map"


def file_name(page: str, district: str, day: date | None, ext: str) -> str:
    """``atlas-<page>-<district>-<date>.<ext>``: ``district`` an adcode or ``all``,
    ``day`` the view's as-of date (None: today)."""
    day = day or date.today()
    return f"atlas-{_slug(page)}-{_slug(district)}-{day.isoformat()}.{ext}"
