"""The search and details indexes of the pages, built once per data version and cached
(``st.cache_resource``: shared, returned without a copy, read-only to callers).

* :func:`layer_index` — the Map explorer's search over every point layer, keyed by the
  data signature; :func:`place_index` — the Inspect page's, sharing its text index.
* :func:`ids` — a layer's rows by id; :func:`latest_inspections`, :func:`inspection_names`
  — the latest inspection of each place, the name inspectors gave it, keyed by the field
  checks in effect.
* :func:`rows_of` — the rows of a table aligned with a layer (point status, coverage of
  the key locations) for one id, by the layer's id lookup instead of a scan.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from dashboard.core.model import POINT_LAYERS
from dashboard.engine import search
from dashboard.ui import cache
from loaders.inspections_store import inspections_signature
from loaders.workspace import default_home


@st.cache_resource(show_spinner=False, max_entries=2)
def _layer_index(signature: tuple[tuple[str, str], ...], home: str) -> search.LayerIndex:
    sig = dict(signature)
    return search.layer_index({la: cache.LayerData(la, sig[la], home).frame for la in POINT_LAYERS})


def _signature() -> tuple[tuple[tuple[str, str], ...], str]:
    home = default_home()
    return cache.data_signature(home), str(home)


def layer_index() -> search.LayerIndex:
    """The Map explorer's :class:`~dashboard.engine.search.LayerIndex` of the data in
    effect (cached; do not modify)."""
    return _layer_index(*_signature())


@st.cache_resource(show_spinner=False, max_entries=2)
def _place_index(signature: tuple[tuple[str, str], ...], home: str) -> search.PlaceIndex:
    sig = dict(signature)
    places = search.inspect_places(
        cache.LayerData("payments", sig["payments"], home).frame,
        cache.LayerData("key-locations", sig["key-locations"], home).frame,
    )
    # the text index is the Map explorer's, fetched at the first query: an empty search
    # (the page's first run) needs only the places' kinds and districts
    return search.place_index(places, lambda: _layer_index(signature, home))


def place_index() -> search.PlaceIndex:
    """The Inspect page's :class:`~dashboard.engine.search.PlaceIndex` of the data in
    effect, sharing the Map explorer's text index (cached; do not modify)."""
    return _place_index(*_signature())


@cache.layer_cached(max_entries=16)
def ids(data: cache.LayerData) -> search.IdLookup:
    """The rows of a point layer by id (cached per layer version)."""
    return search.id_lookup(data.frame["id"])


def rows_of(frame: pd.DataFrame, layer: str, place_id: str) -> pd.DataFrame:
    """The rows of ``frame`` whose ``id`` is ``place_id``, where ``frame`` has one row per
    row of the loaded ``layer`` in its order (the layer itself, the point status, the
    coverage of the key locations): looked up by id, a scan only when the rows are not
    aligned."""
    pos = ids(layer).first([place_id])
    k = int(pos[0])
    aligned = len(frame) == len(cache.layer_data(layer).frame)
    if aligned and k >= 0 and str(frame["id"].iat[k]) == str(place_id):
        return frame.iloc[[k]]
    if aligned and k < 0:
        return frame.iloc[:0]
    return frame[frame["id"].astype(str) == str(place_id)]


@st.cache_resource(show_spinner=False, max_entries=4)
def _latest(signature: str, home: str) -> tuple[pd.DataFrame, pd.Series]:
    ins = cache.inspections()
    return search.latest_by_place(ins), search.last_names(ins)


def _inspection_key() -> tuple[str, str]:
    home = default_home()
    return inspections_signature(home), str(home)


def latest_inspections() -> pd.DataFrame:
    """The latest inspection of each place, indexed by ``place_id`` (cached)."""
    return _latest(*_inspection_key())[0]


def inspection_names() -> pd.Series:
    """The name the last inspection naming a place gave it, by ``place_id`` (cached)."""
    return _latest(*_inspection_key())[1]


def place_names(place_ids: pd.Series | np.ndarray | list[str], column: str) -> dict[str, str]:
    """``column`` (a name column) of the Inspect page's places with these ids, the last
    place of a repeated id (as a dict of every place would give)."""
    pi = place_index()
    wanted = pd.unique(np.asarray(place_ids, dtype=object).astype(str))
    rows = pi.by_id.last(wanted)
    found = rows >= 0
    # only the rows asked for: the whole column as objects costs ~1 s at 1.5M places
    names = pi.places[column].iloc[rows[found]].to_numpy()
    return {str(i): str(n) for i, n in zip(wanted[found], names, strict=True)}
