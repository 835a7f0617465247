"""The selected place: from a map click, a search pick or a link, mirrored into the URL."""

from __future__ import annotations

import streamlit as st

from dashboard.core.model import POINT_LAYERS
from dashboard.ui.page_state import PageState as P
from dashboard.ui.session import RESTORED_KEY, page_state


def selection(layers: dict, layer: str, place_id: str) -> dict | None:
    """A selected place as stored in the session: layer, id and its WGS-84 position."""
    gdf = layers.get(layer)
    if gdf is None:
        return None
    rows = gdf[gdf["id"] == str(place_id)]
    if rows.empty:
        return None
    r = rows.iloc[0]
    return {"layer": layer, "id": str(place_id), "lon": float(r["lon"]), "lat": float(r["lat"])}


def restore_selection(layers: dict) -> None:
    """Select the place a link names (``place``) once, when the session began from it.

    Also marks the link's search pick as already applied, so it does not replace the
    place the link restored.
    """
    if not st.session_state.pop(RESTORED_KEY, False):
        return
    ps = page_state()
    ps.last_pick = (ps.q, ps.pick)
    ref = ps.place
    chosen = selection(layers, *ref.split(":", 1)) if ref and ":" in ref else None
    if chosen:
        ps.selected = chosen
    else:  # a place the data does not have: drop it rather than carry it on in the URL
        ps.forget(P.place)


def sync_selection() -> dict | None:
    """The selected place, mirrored into page parameter ``place`` (``layer:id``) for the
    URL."""
    ps = page_state()
    selected = ps.selected
    if selected:
        ps.place = f"{selected['layer']}:{selected['id']}"
    return selected


def map_selection(key: str) -> tuple[str, str] | None:
    """``(layer, id)`` of the point last clicked on the pydeck chart ``key`` (read before drawing).

    Clicks on the gap rings select the key location under them.
    """
    state = st.session_state.get(key)
    selection = (
        getattr(state, "selection", None) or (state or {}).get("selection") if state else None
    )
    objects = (selection or {}).get("objects") or {}
    for layer_id, items in objects.items():
        if not items or layer_id not in POINT_LAYERS + ("gaps",):
            continue
        item = items[0]  # a dot's record, or a tile's GeoJSON feature (a cluster has no id)
        if isinstance(item.get("properties"), dict):
            item = item["properties"]
        if item.get("id"):
            return ("key-locations" if layer_id == "gaps" else layer_id, str(item["id"]))
    return None
