"""Point layers on the pages' maps: dots while few, served tiles of clusters when many.

One decision for every map (:func:`is_tiled`): a layer of more than
:data:`dashboard.views.tiles.AGGREGATE_ABOVE` places in the view is drawn from tiles
(:mod:`dashboard.views.tiles`), fewer as dots from their map records, as before. The tile
sources are cached per data version, district, filters, language, basemap system and — for
key locations coloured by coverage — the view's coverage inputs, so a rerun that changes
nothing of a layer reuses its source and its URL (the browser keeps its tiles).

Layers that are not a model layer's rows — the Work list's items coloured by reason, the
Inspect page's payment points coloured by check status — are tiled the same way from their
own frame by :func:`class_source` (categories: :class:`dashboard.views.tiles.Classes`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pydeck as pdk

from dashboard.core import model
from dashboard.engine.explore import Filters
from dashboard.ui import cache
from dashboard.ui.cache import LayerData, ViewInputs
from dashboard.views import maps, tiles


def is_tiled(rows: pd.DataFrame | int) -> bool:
    """Whether a layer of ``rows`` (a frame or a count) is drawn from tiles."""
    n = rows if isinstance(rows, int) else len(rows)
    return n > tiles.AGGREGATE_ABOVE


def _inputs_key(inputs: ViewInputs | None) -> str:
    if inputs is None:
        return ""
    return json.dumps([inputs.signature, inputs.standards_json, inputs.as_of], default=str)


def _filters_key(filters: Filters | None) -> str:
    return "" if filters is None else cache._filters_key(filters)


@cache.layer_cached(max_entries=12, hash_funcs={Filters: _filters_key})
def _placement(
    data: LayerData, district: str, filters: Filters | None, system: str
) -> tiles.Placement:
    """The tile placement of :func:`cache.layer_rows` (cached: the sources of one district
    at every radius and date share it)."""
    return tiles.placement(cache.layer_rows(data.name, district, filters), system)


@cache.layer_cached(max_entries=48, hash_funcs={Filters: _filters_key, ViewInputs: _inputs_key})
def _source(
    data: LayerData,
    district: str,
    lang: str,
    filters: Filters | None,
    system: str,
    inputs: ViewInputs | None,
    ring: bool,
) -> tiles.TileSource:
    rows = cache.layer_rows(data.name, district, filters)
    covered = None
    if inputs is not None:  # key locations coloured by the view's coverage
        places = cache.coverage(inputs).places  # one row per place, the layer's own index
        if places.index.equals(cache.layer_data(data.name).frame.index):
            covered = places["covered"].reindex(rows.index, fill_value=False).to_numpy(bool)
        else:  # not aligned (never seen): by id
            where = pd.Index(places["id"].astype(str)).get_indexer(pd.Index(rows["id"].astype(str)))
            flags = places["covered"].to_numpy(dtype=bool)
            covered = np.where(where >= 0, flags[np.maximum(where, 0)], False)
    parts = [data.name, data.signature, district, lang, _filters_key(filters), system, ring]
    key = hashlib.sha1(json.dumps([*parts, _inputs_key(inputs)]).encode()).hexdigest()[:24]
    return tiles.tile_source(
        rows,
        data.name,
        lang,
        key,
        cache.district_names(lang),
        covered=covered,
        system=system,
        ring=ring,
        # kept across radii and dates; not for rows of one date (another date, other rows)
        placed=None
        if filters is not None and filters.as_of is not None
        else _placement(data.name, district, filters, system),
    )


def source(
    layer: str,
    district: str,
    lang: str,
    filters: Filters | None = None,
    system: str = "wgs84",
    coverage: ViewInputs | None = None,
    ring: bool = False,
) -> tiles.TileSource:
    """The cached :class:`~dashboard.views.tiles.TileSource` of ``layer``'s rows in
    ``district`` under ``filters`` (``coverage``: colour key locations by the view's
    coverage; ``ring``: clusters as rings, over a layer coloured by coverage)."""
    return _source(layer, district, lang, filters, system, coverage, ring)


def point_layer(
    layer: str,
    district: str,
    lang: str,
    zoom: float,
    filters: Filters | None = None,
    system: str = "wgs84",
    coverage: ViewInputs | None = None,
    layer_id: str | None = None,
    radius_px: float = 4.0,
    ring: bool = False,
) -> tuple[pdk.Layer, tiles.TileSource | None]:
    """The deck layer of ``layer`` on a map opening at ``zoom``: its dots (few places), or
    its tiles and their source (many); the source names what the legend must explain.
    ``ring``: this layer is drawn over one coloured by coverage (its clusters as rings)."""
    rows = cache.layer_rows(layer, district, filters)
    if is_tiled(rows):
        src = source(layer, district, lang, filters, system, coverage, ring)
        return tiles.tile_layer(src, zoom, layer_id), src
    recs = maps.shift_records(cache.layer_view(layer, district, lang, filters)[1], system)
    if layer_id is None:
        return maps.point_layer(recs, layer, radius_px), None
    return maps.scatter_layer(recs, layer_id, [*model.LAYERS[layer].color, 220], radius_px), None


def class_source(
    rows: pd.DataFrame,
    layer: str,
    lang: str,
    classes: tiles.Classes | None,
    inputs: ViewInputs | None,
    parts: Sequence[object] = (),
    note: str | None = None,
    system: str = "wgs84",
    single_px: float = tiles.SINGLE_PX,
    ring: bool = False,
) -> tiles.TileSource:
    """A :class:`~dashboard.views.tiles.TileSource` of ``rows`` coloured by ``classes``
    (None: in the layer's colour; ``ring``: its clusters as rings, over a layer coloured by
    coverage or category; ``single_px``: the radius of a single place).

    Its key (hence its tiles' URL) is made of the layer, language, system, the view's
    ``inputs`` and ``parts`` — everything else that decides what is drawn (the district, a
    date): callers cache the source on the same things, so a rerun keeps the browser's tiles.
    """
    raw = json.dumps([layer, lang, system, _inputs_key(inputs), ring, *parts], default=str)
    key = hashlib.sha1(raw.encode()).hexdigest()[:24]
    return tiles.tile_source(
        rows,
        layer,
        lang,
        key,
        cache.district_names(lang),
        system=system,
        classes=classes,
        note=note,
        single_px=single_px,
        ring=ring,
    )
