"""Map explorer: filter every layer, search, click a place, see gaps, grids, heat and rollout."""

from __future__ import annotations

from datetime import timedelta

import streamlit as st

from dashboard.core import model
from dashboard.core.i18n import layer_label, t
from dashboard.core.state import BASEMAPS
from dashboard.engine import explore
from dashboard.ui import cache, map_download, playback, selection, session, tiling, widgets
from dashboard.ui import explore as ux
from dashboard.ui.page_state import PageState as P
from dashboard.views import maps, tiles

v = session.view()
lang = v.lang
layers = cache.load_layers()
names = cache.district_names(lang)
lo, hi = cache.date_bounds()

v = playback.playback_advance(lo, hi)  # playback moves the shared date before widgets are drawn

ps = session.page_state()  # this page's own choices (kept across pages, in the link)
# a toggle or slider drawn without a value starts at its own default, not the filter's
ps.ensure(P.gaps, P.heat, P.h3, P.h3_res, P.ev_window)

st.title(t("explore_title", lang))
st.caption(t("explore_caption", lang))
visible = widgets.layer_toggles(page="explore")

c_date, c_play, c_base = st.columns([5, 1, 2], vertical_alignment="bottom")
widgets.as_of_slider(c_date)
playback.play_button(c_play, lo)
session.bind_widget(P.basemap_picker.key, v.basemap)
basemap = widgets.choice(
    c_base,
    "selectbox",
    t("basemap", lang),
    BASEMAPS,
    key=P.basemap_picker.key,
    format_func=lambda b: t(f"bm_{b}", lang),
    on_change=lambda: session.set_view(basemap=ps.basemap_picker),
)
custom = ""
if basemap == "custom":
    custom = st.text_input(
        t("custom_url", lang), key=P.tiles.key, placeholder="https://…/{z}/{x}/{y}.png"
    )
    if custom and not maps.valid_tile_url(custom):
        st.error(t("custom_url_bad", lang))

FILTERS = [*map(P.categories_of, model.POINT_LAYERS), P.sectors, P.caps, P.schemes, P.ev_window]
n_active = sum(bool(ps.get(f)) for f in FILTERS)  # e.g. restored from a link
# the filter and analysis controls are drawn only while their expander is open (the
# browser would otherwise render them again on every rerun); closed, they still apply
box = widgets.lazy_expander(
    t("filters_active", lang, n=n_active) if n_active else t("filters", lang), "explore_filters"
)
if box is not None:
    ux.filter_widgets(box, list(visible), lang)
cats = {layer: tuple(ps.get(P.categories_of(layer))) for layer in visible}
sectors, caps, schemes = ps.sectors, ps.caps, ps.schemes
near_as_of = bool(ps.ev_window)

box = widgets.lazy_expander(t("analysis", lang), "explore_analysis")
if box is not None:
    a1, a2, a3, a4 = box.columns(4)
    a1.toggle(t("show_gaps", lang), key=P.gaps.key)
    a1.toggle(t("show_heat", lang), key=P.heat.key)
    a2.toggle(t("show_h3", lang), key=P.h3.key)
    a2.select_slider(t("h3_resolution", lang), [7, 8, 9], key=P.h3_res.key)
    a3.selectbox(
        t("choropleth", lang),
        ["none", *explore.CHOROPLETH_METRICS],
        key=P.metric.key,
        format_func=lambda m: t("choropleth_none" if m == "none" else f"m_{m}", lang),
    )
    a4.selectbox(
        t("scheme", lang),
        explore.CLASS_SCHEMES,
        key=P.classes.key,
        format_func=lambda s: t(f"s_{s}", lang),
    )
show_gaps, show_heat, show_h3 = bool(ps.gaps), bool(ps.heat), bool(ps.h3)
res, metric, scheme = ps.h3_res, ps.metric, ps.classes

window = (
    (v.as_of - timedelta(days=31), v.as_of + timedelta(days=31)) if near_as_of and v.as_of else None
)
f = explore.Filters(
    categories=cats,
    sectors=tuple(sectors),
    capabilities=tuple(caps),
    card_schemes=tuple(schemes),
    event_dates=window,
    as_of=v.as_of,
)
shown = {layer: cache.layer_rows(layer, v.district, f) for layer in visible}
cov = cache.coverage(v)
system = maps.basemap_system(basemap)
view = maps.view_for(layers["districts"], v.district)

district_fills, bodies, legend_rows = None, None, []
if metric != "none":
    district_fills, bodies, legend_rows = explore.choropleth(
        cov.districts[cov.districts["adcode"] != "110000"], metric, scheme, t("m_" + metric, lang)
    )
if district_fills is None:  # outlines served once, only the chosen district re-sent
    deck_layers = cache.district_layers(lang, v.district, system)
else:  # a choropleth recolours every district, so the outlines travel with their colours
    geo = maps.recolor(cache.districts_geojson(lang, v.district), district_fills, bodies)
    deck_layers = [maps.district_layer(maps.shift_geojson(geo, system), pickable=False)]
if show_h3:
    deck_layers.append(
        maps.h3_layer(
            maps.shift_polygons(maps.h3_records(cache.coverage_grid(v, res), lang), system)
        )
    )
kl_filter = (cats["key-locations"], tuple(sectors)) if "key-locations" in visible else ((), ())
gaps = ux.gap_places(v, v.district, *kl_filter)  # cached
# a layer that is on stays in the deck even when empty here, so the next district or
# date updates it rather than creating it (see widgets.notices for the same reason)
if show_heat:
    deck_layers.append(
        maps.heat_layer(
            maps.shift_records(gaps[["lon", "lat", "weight"]].to_dict("records"), system)
        )
    )
sources = []  # many places: tiles of clusters, key locations coloured by coverage
by_cov = show_gaps and "key-locations" in visible  # the others then drawn as rings over them
for layer in visible:
    inputs = cache.view_inputs(v) if by_cov and layer == "key-locations" else None
    ring = by_cov and layer != "key-locations"
    dots, src = tiling.point_layer(
        layer, v.district, lang, view["zoom"], f, system, inputs, ring=ring
    )
    deck_layers.append(dots)
    sources += [src] if src else []
if show_gaps and "key-locations" in visible and not tiling.is_tiled(shown["key-locations"]):
    recs = cache.point_records(gaps, "key-locations", lang)
    deck_layers.append(
        maps.ring_layer(maps.shift_records(recs, system), "gaps", [220, 30, 30, 230])
    )
notes = widgets.notices()  # always there, so the map below keeps its place
widgets.synthetic_notice(
    notes, shown["payments"] if "payments" in shown else layers["payments"].iloc[:0], lang
)
map_key = "explore-map"  # stable: a new view or basemap updates the map without a remount
map_col, side = st.columns([3, 1])
selection.restore_selection(layers)  # a link's place=layer:id, before a search pick can override it
with side:
    ux.place_search(layers, lang)
clicked = selection.map_selection(map_key)
if clicked and clicked != ps.last_click:  # a new click wins
    ps.last_click = clicked
    ps.selected = selection.selection(layers, *clicked)
selected = selection.sync_selection()
ring = [{"lon": selected["lon"], "lat": selected["lat"]}] if selected else []
deck_layers.append(
    maps.ring_layer(maps.shift_records(ring, system), "selected", [20, 20, 20, 255], 12)
)

with map_col:
    deck = maps.make_deck(deck_layers, view, basemap_style=maps.basemap_style(basemap, custom))
    st.pydeck_chart(
        deck,
        height=640,
        on_select="rerun",
        selection_mode="single-object",
        key=map_key,
    )
    widgets.legend(visible, lang)
    if sources:
        st.caption(tiles.legend_text(sources, lang))
    counts = ", ".join(f"{layer_label(la, lang, short=True)} {len(shown[la]):,}" for la in visible)
    st.caption(
        t("shown_counts", lang, items=counts)
        + (" · " + t("legend_gaps", lang) if show_gaps else "")
    )
    if legend_rows:
        widgets.class_legend(
            t("legend_classes", lang, metric=t("m_" + metric, lang), scheme=t(f"s_{scheme}", lang)),
            legend_rows,
        )
    if basemap != "none":
        st.caption(t("basemap_note", lang))
    map_download.map_buttons(deck, "explore")

with side:
    widgets.place_details(ps.selected, layers, cov, v, names)

playback.playback_tick(hi)
