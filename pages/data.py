"""Data: upload a file, check what was detected, correct it, preview, then import.

A thin page: reading, detection, validation and the workspace live in ``loaders``;
this page only collects choices and draws the result. Uploaded text is shown through
``st.dataframe``/``st.text``, a plain-text map tooltip (set with ``innerText``), or
escaped (Markdown escaping in messages).
"""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from dashboard.core.i18n import t
from dashboard.core.messages import localize
from dashboard.core.model import LAYERS, POINT_LAYERS, label
from dashboard.core.rights import can
from dashboard.core.safetext import md_literal
from dashboard.core.strings.data import KEYS as DATA_KEYS
from dashboard.ui import auth, map_download, session, widgets, zones
from dashboard.ui import data as ui_data
from dashboard.ui.page_state import PageState as P
from loaders.crsdetect import LABELS as CRS_LABELS
from loaders.errors import LoaderError
from loaders.examples import amap_style_example
from loaders.importer import ImportOptions, confidence_label
from loaders.workspace import default_home

MAP_FIELDS = ("lon", "lat", "location", "wkt", "name", "address", "category", "district", "id")

lang = session.view().lang
ps = session.page_state()
S = {k: t(f"data_{k}", lang) for k in DATA_KEYS}
st.title(t("page_data", lang))
st.caption(S["intro"])
home = default_home()
st.caption(S["workspace"].format(p=md_literal(home)))

actor = auth.actor()
if not can(actor, "import"):  # a viewer: the layers' history only
    st.info(t("data_read_only", lang))
    for shown in POINT_LAYERS:
        ui_data.history_section(shown, home, S, actor, lang)
    zones.boundary_section(home, actor, lang)  # the boundary sets, read only
    session.stop()

layer = widgets.choice(
    st,
    "selectbox",
    S["layer"],
    POINT_LAYERS,
    # the built-in example is a key-location export: offer that layer with it
    index=POINT_LAYERS.index("key-locations") if ps.data_example else 0,
    format_func=lambda c: label({c: LAYERS[c].label}, c, lang),
)
upload = widgets.file_uploader(
    S["upload"],
    types=["csv", "tsv", "txt", "xlsx", "xls", "json", "geojson", "zip", "gpkg", "parquet", "kml"],
    key="data_upload",
    lang=lang,
)
use_example = st.toggle(S["example"], key=P.data_example.key)

source: tuple[bytes, str] | None = None
if upload is not None:
    source = (upload.getvalue(), upload.name)
elif use_example:
    source = (amap_style_example(), "example.csv")
    st.info(S["example_note"])
if source is None:
    ui_data.history_section(layer, home, S, actor, lang)
    zones.boundary_section(home, actor, lang)
    session.stop()
display_name = source[1]

with st.expander(S["settings"], expanded=False):
    c1, c2, c3 = st.columns(3)
    encoding = widgets.choice(
        c1, "selectbox", S["encoding"], ["auto", "utf-8", "gb18030", "big5", "utf-16"]
    )
    delimiter = widgets.choice(c2, "selectbox", S["delimiter"], ["auto", ",", "\\t", ";", "|"])
    crs_choice = widgets.choice(
        c3,
        "selectbox",
        S["crs"],
        ["auto", "wgs84", "cgcs2000", "gcj02", "bd09"],
        format_func=lambda c: S["auto"] if c == "auto" else str(CRS_LABELS.get(c, c)),
    )
    epsg = c3.text_input(S["epsg"], "")
    columns = ps.data_columns
    st.caption(S["columns"])
    mcols = st.columns(3)
    mapping: dict[str, str] = {}
    for i, fld in enumerate(MAP_FIELDS):
        pick = widgets.choice(
            mcols[i % 3], "selectbox", fld, [S["auto"], *columns], key=f"data_map_{fld}"
        )
        if pick != S["auto"]:
            mapping[fld] = pick
    cats = list(LAYERS[layer].categories)
    set_cat = widgets.choice(
        st,
        "selectbox",
        S["set_category"],
        [S["none"], *cats],
        format_func=lambda c: c if c == S["none"] else label(LAYERS[layer].categories, c, lang),
    )

options = ImportOptions(
    layer=layer,
    crs=epsg.strip() or crs_choice,
    mapping=mapping,
    fixed={} if set_cat == S["none"] else {"category": set_cat},
    encoding=None if encoding == "auto" else encoding,
    delimiter=None if delimiter == "auto" else delimiter.replace("\\t", "\t"),
    display_name=display_name,
)
try:
    result = ui_data.read_upload(*source, options)
except LoaderError as exc:
    st.error(md_literal(exc))
    session.stop()
rep = result.report
if ps.data_columns != rep.source_columns:
    ps.data_columns = rep.source_columns
    st.rerun()

m = st.columns(5)
m[0].metric(S["rows_read"], f"{rep.rows_read:,}")
m[1].metric(S["rows_kept"], f"{rep.rows_kept:,}")
m[2].metric(S["rows_dropped"], f"{rep.rows_dropped:,}")
m[3].metric(S["crs_used"], CRS_LABELS.get(rep.crs, rep.crs))
m[4].metric(S["confidence"], localize(confidence_label(rep.crs_confidence), lang))
st.text(
    f"{S['format']}: {rep.format} · {S['encoding']}: {rep.encoding or '-'}"
    + (f" · {S['delimiter']}: {rep.delimiter!r}" if rep.delimiter else "")
)
for w in rep.warnings:
    st.warning(md_literal(localize(w, lang)))
if "synthetic" in result.frame.columns and (result.frame["synthetic"] == "true").any():
    st.warning(S["synthetic"])

c1, c2 = st.columns(2)
c1.markdown(f"**{S['evidence']}**")
widgets.dataframe(ui_data.evidence_table(rep, lang), box=c1)
c2.markdown(f"**{S['mapping']}**")
widgets.dataframe(
    pd.DataFrame(list(rep.columns.items()), columns=[S["field"], S["column"]]), box=c2
)

# ------------------------------------------------------------------ preview map
st.markdown(f"**{S['preview']}**")
deck = ui_data.preview_deck(result.preview, S, lang)
st.pydeck_chart(deck, height=520, key="data-preview-map")
map_download.map_buttons(deck, "data")

# ------------------------------------------------------------------ report
st.subheader(S["problems"])
if rep.problems:
    widgets.dataframe(ui_data.problems_table(rep, S, lang))
else:
    st.success(S["no_problems"])
st.download_button(
    S["download"],
    json.dumps(rep.to_dict(lang), ensure_ascii=False, indent=2, default=str),
    file_name="import-report.json",
    mime="application/json",
)

# ------------------------------------------------------------------ confirm
modes = ["add", "replace"] if can(actor, "replace") else ["add"]
mode = st.radio(S["mode"], modes, format_func=lambda c: S[c], horizontal=True)
if st.button(S["confirm"], type="primary", disabled=rep.rows_kept == 0):
    ui_data.commit_import(actor, layer, result, mode == "replace", home, display_name, S, lang)
if rep.rows_kept == 0:
    st.info(S["nothing"])

ui_data.history_section(layer, home, S, actor, lang)
zones.boundary_section(home, actor, lang)  # the boundary sets (dashboard.ui.zones)
