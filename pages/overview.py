"""Overview: all layers over the 16 districts, KPI cards and per-district counts."""

from __future__ import annotations

import streamlit as st

from dashboard.core.i18n import layer_label, t
from dashboard.core.safetext import md_literal
from dashboard.engine import stats
from dashboard.ui import cache, map_download, session, tiling, widgets
from dashboard.views import maps, tiles

v = session.view()
lang = v.lang
layers = cache.load_layers()
names = cache.district_names(lang)
place = t("all_districts", lang) if v.district == "all" else names[v.district]

st.title(t("app_title", lang))
st.caption(t("app_tagline", lang))

visible = widgets.layer_toggles()

# KPI cards: counts per layer in the chosen area, with the share of the city
totals_city = cache.layer_totals()
totals_here = cache.layer_totals(v.district)
cols = st.columns(len(totals_here))
for col, (layer, n) in zip(cols, totals_here.items()):
    share = n / totals_city[layer] if totals_city[layer] else 0.0
    col.metric(
        layer_label(layer, lang, short=True),
        f"{n:,}",
        help=f"{layer_label(layer, lang)} · {md_literal(place)}: "
        f"{n:,} / {totals_city[layer]:,} ({share:.0%})",
        border=True,
    )

notes = widgets.notices()
if "payments" in visible:
    widgets.synthetic_notice(notes, stats.in_district(layers["payments"], v.district), lang)

deck_layers = [
    *cache.district_layers(lang, v.district),
    maps.label_layer(cache.district_labels(lang)),
]
view = maps.view_for(layers["districts"], v.district)
sources = []  # a layer of many places is drawn from tiles of clusters
for layer in visible:
    dots, src = tiling.point_layer(layer, v.district, lang, view["zoom"])
    deck_layers.append(dots)
    sources += [src] if src else []
if not visible:
    notes.info(t("no_layers", lang))
deck = maps.make_deck(deck_layers, view)
st.pydeck_chart(deck, height=620, key="overview-map")
widgets.legend(visible, lang)
if sources:
    st.caption(tiles.legend_text(sources, lang))
map_download.map_buttons(deck, "overview")
st.caption(t("map_caption", lang) + " " + t("data_source_note", lang))

st.subheader(t("per_district", lang))
table = cache.district_counts().reset_index()
table = table.rename(
    columns={
        "adcode": t("col_adcode", lang),
        "name_zh" if lang == "zh" else "name_en": t("col_district", lang),
        "area_km2": t("col_area_km2", lang),
        **{layer: layer_label(layer, lang, short=True) for layer in layers if layer != "districts"},
    }
).drop(columns=["name_en" if lang == "zh" else "name_zh"])
widgets.dataframe(table)
