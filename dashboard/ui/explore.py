"""Streamlit glue of the Map explorer: its filter widgets and the place search."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from dashboard.core import model
from dashboard.core.i18n import label_of, layer_label, name_col, t
from dashboard.core.safetext import md_literal
from dashboard.engine import stats
from dashboard.engine.explore import Filters
from dashboard.engine.search import search_layers
from dashboard.ui import cache, search_index, selection, session
from dashboard.ui.cache import ViewInputs
from dashboard.ui.page_state import PageState as P


def filter_widgets(box: DeltaGenerator, visible: list[str], lang: str) -> None:
    """The filter multiselects and the events-window toggle, drawn in ``box`` (the open
    expander); their values live in the session under their page-filter keys."""
    cols = box.columns(2)
    for i, layer in enumerate(visible):
        cols[i % 2].multiselect(
            t("f_categories", lang, layer=layer_label(layer, lang, short=True)),
            list(model.LAYERS[layer].categories),
            key=P.categories_of(layer).key,
            format_func=lambda c, la=layer: label_of(la, c, lang),
            placeholder=t("f_all", lang),
        )
    for col, (label, codes, key, kind) in zip(
        (cols[0], cols[1], cols[0]),
        (
            ("f_sectors", model.SECTORS, P.sectors.key, "sector"),
            ("f_capabilities", model.CAPABILITIES, P.caps.key, "capability"),
            ("f_schemes", model.CARD_SCHEMES, P.schemes.key, "card_scheme"),
        ),
    ):
        col.multiselect(
            t(label, lang),
            list(codes),
            key=key,
            format_func=lambda c, kind=kind: label_of(kind, c, lang),
            placeholder=t("f_all", lang),
        )
    cols[1].toggle(t("events_window", lang), key=P.ev_window.key)


def place_search(layers: dict, lang: str) -> None:
    """The search box and its results; a new pick becomes the selected place
    (``PageState.selected``), winning over an earlier map click."""
    ps = session.page_state()
    query = st.text_input(t("search", lang), key=P.q.key)
    hits = search_layers(search_index.layer_index(), query) if query else None  # an index
    if hits is not None and hits.empty:
        st.info(t("no_results", lang))
    elif hits is not None:
        if not 0 <= ps.pick < len(hits):
            ps.pick = 0
        labels = [  # radio options are Markdown: the names are escaped to show literally
            f"{md_literal(n)} · {layer_label(la, lang, short=True)}"
            for n, la in zip(hits[name_col(lang)], hits["layer"])
        ]
        pick = st.radio(
            t("search_results", lang),
            range(len(hits)),
            key=P.pick.key,
            format_func=labels.__getitem__,
        )
        pick = int(pick or 0)
        if ps.last_pick != (query, pick):  # a new pick wins over an old click
            ps.last_pick = (query, pick)
            ps.selected = selection.selection(
                layers, hits.iloc[pick]["layer"], hits.iloc[pick]["id"]
            )


@cache.view_cached(max_entries=64)
def gap_places(
    inputs: ViewInputs, district: str, categories: tuple[str, ...], sectors: tuple[str, ...]
) -> pd.DataFrame:
    """The uncovered key locations of ``district`` among those the explorer's key-location
    filters keep (``categories``/``sectors``; empty: all), indexed by id (cached: a rerun
    that changes nothing of them costs a lookup, not a scan of every place)."""
    places = cache.coverage(inputs).places  # one row per place, the layer's own index
    keep = Filters(categories={"key-locations": categories}, sectors=sectors)
    shown = cache.layer_rows("key-locations", district, keep)
    aligned = places.index.equals(cache.layer_data("key-locations").frame.index)
    kept = places.index.isin(shown.index) if aligned else places["id"].isin(shown["id"])
    mask = ~places["covered"].to_numpy(dtype=bool) & np.asarray(kept)
    return stats.in_district(places[mask].set_index("id", drop=False), district)
