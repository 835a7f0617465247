"""Point layers as map tiles: clusters with counts and coverage at city and district zoom,
single places as the user zooms in.

A layer of a few thousand places is drawn dot by dot (:func:`dashboard.views.maps.point_layer`).
Above :data:`AGGREGATE_ABOVE` places that becomes a carpet in which no gap can be told from
its neighbours, and megabytes sent on every change. Such a layer is drawn instead by deck.gl's
``TileLayer`` from tiles the app's own server makes on request (offline: nothing leaves the
machine). A tile holding more than :data:`SINGLES_MAX` places (below :data:`SINGLE_ZOOM`)
shows one circle per cell of a :data:`CELL_PX`-pixel grid — screen-space clustering, as
supercluster and the web-map tools do — placed at the mean of its members, sized by the
count (a logarithmic scale in pixels, so a big cluster never hides its neighbours), labelled
with the count and coloured by the share covered; a cell with one place shows that place.
Emptier tiles, and every tile from :data:`SINGLE_ZOOM` on, show single places: small dots of a
fixed pixel size, uncovered places drawn after (above) covered ones, so both stay visible.

A layer coloured by category instead (:class:`Classes`: the Work list by reason, Inspect by
check status) counts each cluster's members per category: the circle is filled in the colour of
its most frequent category, ringed in the colour of the most important category it holds when
that is another (so a failed check among hundreds never inspected still shows), and its tooltip
lists the count of each; single places are dots in their category's colour, the most important
drawn on top.

The tiles are GeoJSON (deck.gl's ``TileLayer`` renders them with a ``GeoJsonLayer``); the
browser fetches only the tiles in view and, while the URL stays the same, keeps them. A change
of radius, date or standard gives a new source key, hence a new URL: the tiles in view are
fetched again (a few tens of KB), nothing else.

Points are indexed once per source by a Morton (Z-order) key of their web-mercator position at
:data:`LEVEL`; a tile at any zoom is one contiguous range of that sorted key, found by two
binary searches, so a tile costs O(log n + points in it) whatever the size of the layer. Pure:
no Streamlit; :func:`publish` and :func:`tile_json` are process-wide and thread-safe.
"""

from __future__ import annotations

import gzip
import json
import math
import threading
import weakref
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pydeck as pdk

from dashboard.core import model
from dashboard.core.i18n import layer_label, t
from dashboard.views import maps, served

#: A point layer with more places than this is drawn from tiles (when the server serves them).
AGGREGATE_ABOVE = 2000
#: A tile with at most this many places shows them one by one.
SINGLES_MAX = 150
#: From this zoom every tile shows single places (and deeper zooms reuse its tiles).
SINGLE_ZOOM = 15
#: Side of a cluster cell on screen, in pixels (a tile is 256 px: 4 × 4 cells).
CELL_PX = 64
_CELL_BITS = int(math.log2(256 // CELL_PX))
#: Precision of the Morton key: web-mercator pixel of zoom LEVEL − 8 (≈ 2 m in Beijing).
LEVEL = 24
#: Pixel radius of a single place, and the smallest and largest cluster circle.
SINGLE_PX = 4.0
CLUSTER_MIN_PX, CLUSTER_MAX_PX = 9.0, 22.0
#: Coverage classes of a cluster, lowest share first: (upper bound, RGBA).
COVERAGE_CLASSES: tuple[tuple[float, tuple[int, int, int, int]], ...] = (
    (0.70, (215, 48, 39, 225)),
    (0.85, (244, 109, 67, 225)),
    (0.95, (253, 174, 97, 225)),
    (0.99, (166, 217, 106, 225)),
    (1.01, (26, 152, 80, 225)),
)
UNCOVERED_RGBA = (220, 30, 30, 235)
#: Route of the tiles under the server's base path; tiles kept per process.
ROUTE = "atlas-tiles"
#: The sources last published are held here; older ones are served as long as anything
#: else (a cached map or page result) still holds them.
MAX_SOURCES = 24
MAX_TILES = 4096


def _spread(v: np.ndarray) -> np.ndarray:
    """Interleave zeros between the low 32 bits of ``v`` (uint64): bit i → bit 2i."""
    v = v & np.uint64(0xFFFFFFFF)
    for shift, mask in (
        (16, 0x0000FFFF0000FFFF),
        (8, 0x00FF00FF00FF00FF),
        (4, 0x0F0F0F0F0F0F0F0F),
        (2, 0x3333333333333333),
        (1, 0x5555555555555555),
    ):
        v = (v | (v << np.uint64(shift))) & np.uint64(mask)
    return v


def morton(ix: np.ndarray, iy: np.ndarray) -> np.ndarray:
    """The Z-order key of integer grid positions (x in the even bits, y in the odd)."""
    return _spread(np.asarray(ix, dtype=np.uint64)) | (
        _spread(np.asarray(iy, dtype=np.uint64)) << np.uint64(1)
    )


def world_pixels(
    lon: np.ndarray, lat: np.ndarray, level: int = LEVEL
) -> tuple[np.ndarray, np.ndarray]:
    """Web-mercator grid positions of lon/lat at ``level`` (the XYZ tile scheme: y down)."""
    n = float(2**level)
    x = (np.asarray(lon, dtype=float) + 180.0) / 360.0
    phi = np.radians(np.clip(np.asarray(lat, dtype=float), -85.05, 85.05))
    y = (1.0 - np.log(np.tan(phi) + 1.0 / np.cos(phi)) / math.pi) / 2.0
    ix = np.clip(np.floor(x * n), 0, n - 1).astype(np.uint64)
    iy = np.clip(np.floor(y * n), 0, n - 1).astype(np.uint64)
    return ix, iy


def lonlat_of(ix: np.ndarray, iy: np.ndarray, level: int = LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """The inverse of :func:`world_pixels` (fractional grid positions allowed)."""
    n = float(2**level)
    lon = np.asarray(ix, dtype=float) / n * 360.0 - 180.0
    lat = np.degrees(np.arctan(np.sinh(math.pi * (1.0 - 2.0 * np.asarray(iy, dtype=float) / n))))
    return lon, lat


@dataclass(frozen=True)
class Classes:
    """The categories of a layer coloured by category, the most important first.

    ``codes`` are the values of the frame's column ``column``; a value not among them counts
    as the last (least important) category. ``title`` names what they are ("Reason"),
    ``noun`` what a member is ("items due"), both in the source's language; ``labels`` and
    ``colors`` (RGBA) go with ``codes``.
    """

    column: str
    codes: tuple[str, ...]
    labels: tuple[str, ...]
    colors: tuple[tuple[int, ...], ...]
    title: str
    noun: str

    def index_of(self, values: pd.Series | np.ndarray) -> np.ndarray:
        """The category index (into ``codes``) of each value; unknown values: the last."""
        # each distinct value looked up once (a work list holds a few reasons, 50k rows)
        codes, uniques = pd.factorize(pd.Series(values), use_na_sentinel=False)
        keys = pd.Index([str(u) for u in uniques], dtype=object)
        lut = np.asarray(pd.Index(list(self.codes)).get_indexer(keys), dtype=np.int64)
        lut = np.where(lut < 0, len(self.codes) - 1, lut)
        return lut[codes] if len(codes) else np.zeros(0, dtype=np.int64)


@dataclass(frozen=True, eq=False)
class TileSource:
    """One point layer prepared for tiling (rows sorted by their Morton key).

    ``frame`` holds the rows in their own order (for the tooltips of single places, made per
    tile; ``order[k]`` is the frame row of sorted position ``k``), ``lon`` / ``lat`` their
    display positions (already moved into the basemap's system), ``covered`` whether each is
    covered (None: a layer without coverage, drawn in ``color``).
    """

    key: str
    layer: str
    lang: str
    frame: pd.DataFrame
    lon: np.ndarray
    lat: np.ndarray
    ix: np.ndarray
    iy: np.ndarray
    keys: np.ndarray
    covered: np.ndarray | None
    order: np.ndarray
    color: tuple[int, int, int]
    district_names: dict[str, str] = field(default_factory=dict)
    #: clusters as labelled discs, or (beside a layer coloured by coverage) as rings
    ring: bool = False
    #: categories the layer is coloured by (None: by coverage or in ``color``), and the
    #: category index of each sorted row
    classes: Classes | None = None
    cls: np.ndarray | None = None
    #: a column of plain text added as the last tooltip line of a single place
    note: str | None = None
    #: pixel radius of a single place (bigger on the maps one taps to pick a place)
    single_px: float = SINGLE_PX

    def __len__(self) -> int:
        return len(self.keys)


@dataclass(frozen=True, eq=False)
class Placement:
    """Where a frame's places fall on the tile grid, whatever colours them: display
    positions, grid positions and Morton keys in key order, and ``order`` (the frame row of
    each sorted position). A new radius or date recolours the same places: a source made
    with the same placement sorts nothing again."""

    n: int
    system: str
    lon: np.ndarray
    lat: np.ndarray
    ix: np.ndarray
    iy: np.ndarray
    keys: np.ndarray
    order: np.ndarray


def placement(frame: pd.DataFrame, system: str = "wgs84") -> Placement:
    """The :class:`Placement` of ``frame``'s places (``lon``/``lat`` in WGS-84), moved into
    the basemap's ``system`` for display."""
    lon = frame["lon"].to_numpy(dtype=float)
    lat = frame["lat"].to_numpy(dtype=float)
    if system != "wgs84" and len(lon):
        from loaders.chinacrs import from_wgs84

        x, y = from_wgs84(lon, lat, system)
        lon, lat = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    ix, iy = world_pixels(lon, lat)
    keys = morton(ix, iy)
    order = np.argsort(keys, kind="stable")
    out = Placement(
        len(frame), system, lon[order], lat[order], ix[order], iy[order], keys[order], order
    )
    for a in (out.lon, out.lat, out.ix, out.iy, out.keys, out.order):
        a.flags.writeable = False  # shared by every source made with it
    return out


def tile_source(
    frame: pd.DataFrame,
    layer: str,
    lang: str,
    key: str,
    district_names: dict[str, str] | None = None,
    covered: np.ndarray | pd.Series | None = None,
    system: str = "wgs84",
    ring: bool = False,
    classes: Classes | None = None,
    note: str | None = None,
    single_px: float = SINGLE_PX,
    placed: Placement | None = None,
) -> TileSource:
    """Index ``frame``'s places (``lon``/``lat`` in WGS-84, the layer's columns) for tiles.

    ``key`` names the source in tile URLs: it must change whenever anything drawn changes
    (the data version, filters, radius, date, language, basemap system). ``covered`` (aligned
    with ``frame``) colours clusters by the share covered and singles by their state; ``ring``
    draws clusters as unlabelled rings in the layer's colour, for a layer shown over one
    coloured by coverage (the count is in the tooltip). ``classes`` colours the places by the
    category in their column ``classes.column`` instead (clusters by their mix), with
    tooltips from the names, the category and the district (and ``note``, a column of plain
    text), so any frame with ``id``, the two names, ``adcode``, ``lon`` and ``lat`` will do.
    ``placed``: ``frame``'s :func:`placement` in ``system``, if the caller keeps it.
    """
    if classes is not None and covered is not None:
        raise ValueError("a tile source is coloured by coverage or by category, not both")
    if placed is None:
        placed = placement(frame, system)
    elif placed.n != len(frame) or placed.system != system:
        raise ValueError("the placement is of other rows or another system")
    order = placed.order
    cov = None if covered is None else np.asarray(covered, dtype=bool)[order]
    cls = None if classes is None else classes.index_of(frame[classes.column].to_numpy())[order]
    return TileSource(
        key=key,
        layer=layer,
        lang=lang,
        frame=frame,
        lon=placed.lon,
        lat=placed.lat,
        ix=placed.ix,
        iy=placed.iy,
        keys=placed.keys,
        covered=cov,
        order=order,
        color=tuple(model.LAYERS[layer].color) if layer in model.LAYERS else (90, 90, 90),  # type: ignore[arg-type]
        district_names=dict(district_names or {}),
        ring=ring and covered is None and classes is None,
        classes=classes,
        cls=cls,
        note=note,
        single_px=single_px,
    )


def tile_range(source: TileSource, z: int, x: int, y: int) -> tuple[int, int]:
    """Positions ``[lo, hi)`` of the places inside tile ``z/x/y`` (rows of the sorted source)."""
    if z > LEVEL or not (0 <= x < 2**z and 0 <= y < 2**z):
        return 0, 0
    shift = np.uint64(2 * (LEVEL - z))
    prefix = morton(np.array([x]), np.array([y]))[0]
    lo = np.uint64(prefix) << shift
    hi = (np.uint64(prefix) + np.uint64(1)) << shift
    a, b = np.searchsorted(source.keys, [lo, hi])
    return int(a), int(b)


def coverage_rgba(share: float) -> tuple[int, int, int, int]:
    """The colour of a cluster whose places are covered in ``share`` (0–1)."""
    for bound, rgba in COVERAGE_CLASSES:
        if share < bound:
            return rgba
    return COVERAGE_CLASSES[-1][1]


def count_label(n: int) -> str:
    """A cluster's count as a short label: 7, 312, 4.2k, 18k, 1.3M."""
    if n < 1000:
        return str(n)
    if n < 10_000:
        return f"{n / 1000:.1f}k"
    if n < 1_000_000:
        return f"{n // 1000}k"
    return f"{n / 1_000_000:.1f}M"


def cluster_radius(n: np.ndarray) -> np.ndarray:
    """Circle radius in pixels for clusters of ``n`` places (logarithmic, capped)."""
    r = CLUSTER_MIN_PX + 4.0 * np.log10(np.maximum(n, 2) / 2.0)
    return np.minimum(r, CLUSTER_MAX_PX)


def _point(lon: float, lat: float, props: dict) -> dict:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
        "properties": props,
    }


def text_rgba(fill: Sequence[int]) -> list[int]:
    """A count label's colour on ``fill``: near-black on light fills, white on dark ones."""
    r, g, b = (float(c) for c in fill[:3])
    light = 0.299 * r + 0.587 * g + 0.114 * b > 150
    return [25, 25, 25, 255] if light else [255, 255, 255, 255]


def _class_tips(source: TileSource, sub: pd.DataFrame, cls: np.ndarray) -> pd.DataFrame:
    """Plain-text tooltip fields of single places of a source coloured by category: the
    name, the other language's name, the category, the district (and the note)."""
    classes = source.classes
    assert classes is not None
    lang = source.lang
    other = "name_en" if lang == "zh" else "name_zh"
    own = "name_zh" if lang == "zh" else "name_en"

    def text(col: str) -> pd.Series:
        if col not in sub.columns:
            return pd.Series("", index=sub.index, dtype="string")
        return sub[col].astype("string").fillna("")

    title = text(own)
    title = title.where(title != "", text(other))
    title = title.where(title != "", text("id"))
    labels = np.asarray(classes.labels, dtype=object)[cls]
    names = source.district_names
    district = text("adcode").map(lambda a: names.get(str(a), str(a)))
    body = (classes.title + ": " + pd.Series(labels, index=sub.index, dtype="string")) + (
        "\n" + t("tt_district", lang) + ": " + district
    )
    if source.note and source.note in sub.columns:
        note = text(source.note)
        body = body + np.where(note != "", "\n" + note, "")
    return pd.DataFrame({"tt_title": title, "tt_sub": text(other), "tt_body": body})


def _singles(source: TileSource, rows: np.ndarray) -> list[dict]:
    """Features of single places ``rows`` (positions in the sorted source), uncovered (or
    the most important category) last, so drawn on top."""
    if not len(rows):
        return []
    if source.covered is not None:  # covered first, so uncovered dots are drawn on top
        rows = rows[np.argsort(~source.covered[rows], kind="stable")]
    if source.cls is not None:  # the least important category first
        rows = rows[np.argsort(-source.cls[rows], kind="stable")]
    sub = source.frame.iloc[source.order[rows]]
    if source.classes is not None and source.cls is not None:
        tips = _class_tips(source, sub, source.cls[rows])
    else:
        tips = maps.tooltip_fields(sub, source.layer, source.lang, source.district_names)
    base = [*source.color, 220]
    lang = source.lang
    out = []
    for r, title, sub_t, body, pid in zip(
        rows, tips["tt_title"], tips["tt_sub"], tips["tt_body"], sub["id"].astype(str)
    ):
        fill = base
        props: dict = {}
        if source.covered is not None:
            ok = bool(source.covered[r])
            fill = base if ok else list(UNCOVERED_RGBA)
            body = body + "\n" + t("dp_status_covered" if ok else "dp_status_uncovered", lang)
        elif source.classes is not None and source.cls is not None:
            k = int(source.cls[r])
            fill = list(source.classes.colors[k])
            props = {"cls": source.classes.codes[k], "tc": text_rgba(fill)}
        out.append(
            _point(
                float(source.lon[r]),
                float(source.lat[r]),
                {
                    "id": pid,
                    "tt_title": title,
                    "tt_sub": sub_t,
                    "tt_body": body,
                    "fill": fill,
                    "line": [255, 255, 255, 235],
                    "w": 1,
                    "r": source.single_px,
                    "label": "",
                    **props,
                },
            )
        )
    return out


def _clusters(source: TileSource, a: int, b: int, z: int) -> list[dict]:
    """Features of one tile's cells: a circle per cell of two places or more, the place
    itself for a cell of one."""
    shift = np.uint64(LEVEL - z - _CELL_BITS)
    side = np.uint64(2**_CELL_BITS - 1)
    cx = (source.ix[a:b] >> shift) & side
    cy = (source.iy[a:b] >> shift) & side
    cell = (cy * np.uint64(2**_CELL_BITS) + cx).astype(np.int64)
    cells = 4**_CELL_BITS
    n = np.bincount(cell, minlength=cells)
    covered = (
        np.bincount(cell, weights=source.covered[a:b].astype(float), minlength=cells)
        if source.covered is not None
        else None
    )
    classes, per_class = source.classes, None
    if classes is not None and source.cls is not None:  # members per cell and category
        kinds = len(classes.codes)
        per_class = np.bincount(cell * kinds + source.cls[a:b], minlength=cells * kinds).reshape(
            cells, kinds
        )
    lang = source.lang
    name = layer_label(source.layer, lang, short=True) if source.layer in model.LAYERS else ""
    if classes is not None:
        name = classes.noun
    feats: list[dict] = []
    ones = np.flatnonzero(n == 1)
    if len(ones):  # the single member of each one-place cell
        first = np.full(cells, -1, dtype=np.int64)
        first[cell[::-1]] = np.arange(b - a)[::-1]
        feats.extend(_singles(source, a + first[ones]))
    many = np.flatnonzero(n >= 2)
    radius = cluster_radius(n[many]) + (3.0 if source.ring else 0.0)
    # at the mean of its members, moved inside its cell far enough that circles of
    # neighbouring cells never overlap (in the tile's own pixels)
    unit = float(2 ** (LEVEL - z - 8))  # grid units per pixel of the tile
    cell_units = unit * CELL_PX
    mx = np.bincount(cell, weights=source.ix[a:b].astype(float), minlength=cells)[many] / n[many]
    my = np.bincount(cell, weights=source.iy[a:b].astype(float), minlength=cells)[many] / n[many]
    x0 = np.floor(mx / cell_units) * cell_units
    y0 = np.floor(my / cell_units) * cell_units
    pad = np.minimum(radius * unit, cell_units / 2)
    mx = np.clip(mx, x0 + pad, x0 + cell_units - pad)
    my = np.clip(my, y0 + pad, y0 + cell_units - pad)
    clon, clat = lonlat_of(mx, my)
    for k, (c, r) in enumerate(zip(many, radius)):
        count = int(n[c])
        extra: dict = {}
        line = [*source.color, 255] if source.ring else [255, 255, 255, 235]
        width = 2.5 if source.ring else 1.0
        if classes is not None and per_class is not None:
            fill, line, width, body, extra = _class_cluster(classes, per_class[c], lang)
        elif covered is not None:
            share = float(covered[c]) / count
            fill = list(coverage_rgba(share))
            body = t(
                "tl_cluster_covered",
                lang,
                share=f"{share:.1%}",
                uncovered=f"{count - int(round(covered[c])):,}",
            )
        else:  # a layer without coverage: a ring in its colour, its count under it, so a
            fill = [*source.color, 40 if source.ring else 215]  # coverage cluster still reads
            body = ""
        feats.append(
            _point(
                float(clon[k]),
                float(clat[k]),
                {
                    "tt_title": t("tl_cluster", lang, n=f"{count:,}", layer=name),
                    "tt_sub": t("tl_cluster_zoom", lang),
                    "tt_body": body,
                    "fill": fill,
                    "line": line,
                    "w": width,
                    "r": round(float(r), 1),
                    "label": "" if source.ring else count_label(count),
                    "n": count,
                    **extra,
                },
            )
        )
    return feats


#: Width in pixels of a cluster's coloured ring: at a share of 0 and from a share of
#: RING_FULL_SHARE on (a cluster's circle is at least CLUSTER_MIN_PX, so the ring stays a ring).
RING_MIN_PX, RING_MAX_PX, RING_FULL_SHARE = 1.5, 5.0, 0.45


def ring_width(share: float) -> float:
    """The width of a cluster's coloured ring whose category holds ``share`` of its members:
    thin for a few, thick for many (linear, capped)."""
    k = min(max(share, 0.0), RING_FULL_SHARE) / RING_FULL_SHARE
    return round(RING_MIN_PX + (RING_MAX_PX - RING_MIN_PX) * k, 1)


def _class_cluster(
    classes: Classes, counts: np.ndarray, lang: str
) -> tuple[list[int], list[int], float, str, dict]:
    """Fill, ring, ring width, tooltip body and extra properties of a cluster whose members
    number ``counts`` per category: filled by its most frequent category (a tie: the more
    important), ringed by the most important one present when that is another — the ring
    the thicker the larger that one's share (:func:`ring_width`)."""
    major = int(np.argmax(counts))  # the first of the largest: the more important
    first = int(np.flatnonzero(counts)[0])
    fill = list(classes.colors[major])
    total = int(counts.sum())
    line, width = [255, 255, 255, 235], 1.0
    if first != major:
        line, width = [*classes.colors[first][:3], 255], ring_width(float(counts[first]) / total)
    body = "\n".join(
        t("tl_class_count", lang, label=classes.labels[i], n=f"{m:,}", share=f"{m / total:.0%}")
        for i, m in enumerate(counts.tolist())
        if m
    )
    extra = {
        "cls": classes.codes[major],
        "k": [int(m) for m in counts],
        "tc": text_rgba(fill),
    }
    return fill, line, width, body, extra


def tile(source: TileSource, z: int, x: int, y: int) -> dict:
    """The GeoJSON FeatureCollection of tile ``z/x/y``: clusters or single places."""
    a, b = tile_range(source, z, x, y)
    if b <= a:
        feats: list[dict] = []
    elif z >= SINGLE_ZOOM or b - a <= SINGLES_MAX:
        feats = _singles(source, np.arange(a, b))
    else:
        feats = _clusters(source, a, b, z)
    return {"type": "FeatureCollection", "features": feats}


def overview(source: TileSource, zoom: float) -> dict:
    """All of ``source`` as one FeatureCollection drawn as the tiles of ``zoom`` would
    (inline maps: AppTest, ``streamlit run``, map files without the app's server)."""
    z = max(0, min(SINGLE_ZOOM, int(math.floor(zoom))))
    if not len(source):
        return {"type": "FeatureCollection", "features": []}
    tx = np.unique((source.ix >> np.uint64(LEVEL - z)).astype(np.int64))
    ty = np.unique((source.iy >> np.uint64(LEVEL - z)).astype(np.int64))
    feats: list[dict] = []
    for x in tx:
        for y in ty:
            feats.extend(tile(source, z, int(x), int(y))["features"])
    return {"type": "FeatureCollection", "features": feats}


# ---------------------------------------------------------------- the process-wide registry

_lock = threading.Lock()
#: The last :data:`MAX_SOURCES` published, held so that they stay alive.
_sources: OrderedDict[str, TileSource] = OrderedDict()
#: Every published source still alive somewhere, where tiles are looked up. A cached map
#: (an event's surroundings, a page's deck) keeps the URL of its tiles without publishing
#: again on a rerun, so a source dropped from ``_sources`` while such a map is shown must
#: still be found, or every tile of that map answers 404 and it is drawn empty.
_alive: weakref.WeakValueDictionary[str, TileSource] = weakref.WeakValueDictionary()
_tiles: OrderedDict[tuple[str, int, int, int], bytes] = OrderedDict()


def _prefix() -> str | None:
    base = served.prefix()
    return None if base is None else base.replace(f"/{served.ROUTE}/", f"/{ROUTE}/")


def route_pattern() -> str | None:
    """The server route of the tiles (``…/atlas-tiles/{key}/{z}/{x}/{y}.json``), or None."""
    p = _prefix()
    return None if p is None else p + "{key}/{z:int}/{x:int}/{y:int}.json"


def publish(source: TileSource) -> str | None:
    """Register ``source``; the URL template of its tiles, or None when nothing is served
    (draw :func:`overview` inline instead)."""
    p = _prefix()
    if p is None:
        return None
    with _lock:
        _sources[source.key] = source
        _sources.move_to_end(source.key)
        _alive[source.key] = source
        while len(_sources) > MAX_SOURCES:
            _sources.popitem(last=False)
    return f"{p}{source.key}/{{z}}/{{x}}/{{y}}.json"


def tile_json(key: str, z: int, x: int, y: int, compress: bool = True) -> bytes | None:
    """The tile's JSON (gzip-compressed when ``compress``), None when ``key`` is unknown."""
    with _lock:
        source = _alive.get(key)
        hit = _tiles.get((key, z, x, y))
        if hit is not None:
            _tiles.move_to_end((key, z, x, y))
    if source is None:
        return None
    if hit is None:
        text = json.dumps(tile(source, z, x, y), separators=(",", ":"), ensure_ascii=False)
        hit = gzip.compress(text.encode("utf-8"), compresslevel=5)
        with _lock:
            _tiles[(key, z, x, y)] = hit
            while len(_tiles) > MAX_TILES:
                _tiles.popitem(last=False)
    return hit if compress else gzip.decompress(hit)


def source_of(url: str) -> TileSource | None:
    """The registered source a tile URL template (:func:`publish`) names, if still known."""
    p = _prefix()
    if p is None or not url.startswith(p):
        return None
    key = url.removeprefix(p).split("/", 1)[0]
    with _lock:
        return _alive.get(key)


def clear() -> None:
    """Forget every source and tile (tests)."""
    with _lock:
        _sources.clear()
        _alive.clear()
        _tiles.clear()


# ---------------------------------------------------------------- the deck.gl layer

#: Beijing's extent with a margin (no tiles are requested outside it).
EXTENT = [115.2, 39.3, 117.7, 41.2]


def tile_layer(source: TileSource, zoom: float, layer_id: str | None = None) -> pdk.Layer:
    """The deck.gl layer drawing ``source``: a ``TileLayer`` of served tiles, or (nothing
    served) one ``GeoJsonLayer`` of the clusters at ``zoom``.

    Either way the features are styled by their properties, so the two look the same; the
    layer id is the layer's name, so a click on a single place selects it as a dot would.
    """
    lid = layer_id or source.layer
    text_color = "properties.tc" if source.classes is not None else [25, 25, 25, 255]
    style = dict(
        id=lid,
        point_type="'circle+text'",
        get_fill_color="properties.fill",
        get_line_color="properties.line",
        get_point_radius="properties.r",
        point_radius_units="'pixels'",
        line_width_units="'pixels'",
        get_line_width="properties.w",
        stroked=True,
        filled=True,
        get_text="properties.label",
        get_text_size=11,
        get_text_color=text_color,
        text_font_family='"Noto Sans CJK SC, Noto Sans SC, sans-serif"',
        text_font_weight=600,
        text_character_set="'0123456789.kM'",
        pickable=True,
        auto_highlight=True,
    )
    url = publish(source)
    if url is None:
        return pdk.Layer("GeoJsonLayer", data=overview(source, zoom), **style)
    return pdk.Layer(
        "TileLayer",
        data=url,
        min_zoom=0,
        max_zoom=SINGLE_ZOOM,
        tile_size=256,
        extent=EXTENT,
        refinement_strategy="'best-available'",
        max_requests=8,
        **style,
    )


def legend_text(sources: Sequence[TileSource], lang: str) -> str:
    """What a circle and a dot stand for, for the caption under a tiled map."""
    if not sources:
        return ""
    text = t("tl_legend", lang, n=f"{SINGLES_MAX:,}", zoom=SINGLE_ZOOM)
    if any(s.covered is not None for s in sources):
        bounds = [f"{b:.0%}" for b, _ in COVERAGE_CLASSES[:-1]]
        text += " " + t("tl_legend_coverage", lang, classes=" / ".join(bounds))
    for classes in dict.fromkeys(s.classes for s in sources if s.classes is not None):
        text += " " + t("tl_legend_classes", lang, title=classes.title.lower())
    return text
