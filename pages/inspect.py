"""Inspect: find a place (search or map), record a field check, see its status turn."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

from dashboard.core.i18n import name_col, t
from dashboard.core.inspections import CHECKS, PLACE_KINDS, POINT_STATUSES, RESULTS, check_label
from dashboard.core.model import label
from dashboard.core.rights import can
from dashboard.core.safetext import md_literal
from dashboard.core.state import ALL
from dashboard.engine import stats
from dashboard.ui import auth, cache, locate, search_index, selection, session, widgets
from dashboard.ui import inspect as ui
from dashboard.views import tiles
from loaders.photos import MAX_PHOTO_BYTES

v = session.view()
lang = v.lang
inputs = cache.view_inputs(v)
actor = auth.actor()

st.title(t("ip_title", lang))
st.caption(t("ip_caption", lang))
may_write = can(actor, "inspect")
if not may_write:
    st.info(t("ip_viewer", lang))

# a tap on the map picks the place before the pickers are drawn
clicked = selection.map_selection("ip_map")
if clicked and clicked != st.session_state.get("ip_last_click"):
    st.session_state["ip_last_click"] = clicked
    st.session_state["k_ip_kind"], st.session_state["k_ip_place"] = "payment", clicked[1]
st.session_state.setdefault("k_ip_kind", "payment")

notes = widgets.notices()  # the synthetic-data notice, once the district is known
st.subheader(t("ip_find", lang))
district = widgets.district_selector(st, "w_ip_district")
widgets.synthetic_notice(notes, stats.in_district(inputs.layers["payments"], district), lang)
kind = widgets.choice(
    st,
    "radio",
    t("ip_kind", lang),
    list(PLACE_KINDS),
    key="k_ip_kind",
    horizontal=True,
    format_func=lambda k: label(PLACE_KINDS, k, lang),
)
selected: dict | None = None
if kind != "new":
    c1, c2 = st.columns([3, 2], vertical_alignment="bottom")
    query = c1.text_input(t("ip_search", lang), key="k_ip_q")
    with c2:
        here = locate.near_me(lang)
    hits = ui.search(inputs, kind, ALL if here else district, query, here[:2] if here else None)
    if here:
        st.caption(t("ip_near", lang, acc=f"{here[2]:,.0f}"))
        if here != st.session_state.get("ip_here") and len(hits):  # a new position: nearest
            st.session_state["ip_here"], st.session_state["k_ip_place"] = here, hits["id"].iloc[0]
    chosen = st.session_state.get("k_ip_place")
    ids = list(hits["id"])
    if chosen and chosen not in ids and not query.strip():  # picked on the map or work list
        extra = ui.places(inputs)  # the chosen place by id, not a scan of every place
        extra = extra.iloc[search_index.place_index().by_id.rows(str(chosen))]
        extra = extra[extra["kind"] == kind]
        hits = pd.concat([extra, hits])
        ids = list(hits["id"])
    if not ids:
        st.caption(t("ip_none_found", lang))
    else:
        shown = dict(zip(hits["id"], hits[name_col(lang)], strict=True))
        if "distance_m" in hits.columns:
            far = dict(zip(hits["id"], hits["distance_m"], strict=True))
            shown = {i: f"{n} · {far[i]:,.0f} m" if i in far else n for i, n in shown.items()}
        if st.session_state.get("k_ip_place") not in ids:
            st.session_state["k_ip_place"] = ids[0]
        place_id = st.selectbox(
            t("ip_pick", lang),
            ids,
            key="k_ip_place",
            format_func=lambda i: f"{shown.get(i, i)} · {i}",
        )
        row = hits[hits["id"] == place_id].iloc[0]
        selected = {"id": place_id, "lon": float(row["lon"]), "lat": float(row["lat"])}
        st.text(t("ip_selected", lang, name=row[name_col(lang)], id=place_id))
        if kind == "payment":
            s = search_index.rows_of(ui.point_status(inputs), "payments", str(place_id))
            if len(s):
                s = s.iloc[0]
                st.markdown(
                    t("ip_status", lang, status=f"**{label(POINT_STATUSES, s['status'], lang)}**")
                )
                if pd.notna(s["last_inspected"]):
                    last = ui.last_inspector(str(place_id))
                    when = pd.Timestamp(s["last_inspected"]).strftime("%Y-%m-%d %H:%M")
                    st.text(t("ip_last", lang, when=when, who=last))

st.caption(t("ip_map_hint", lang))
deck, src = ui.status_deck(inputs, district, lang, selected)
st.pydeck_chart(deck, key="ip_map", on_select="rerun", selection_mode="single-object")
if src is not None:  # every point drawn, grouped: say what a circle and a dot stand for
    st.caption(tiles.legend_text([src], lang))

st.subheader(t("ip_form", lang))
if may_write:
    with st.form("ip_form", clear_on_submit=False, border=True):
        if kind == "new":
            new_name = st.text_input(t("ip_new_name", lang), key="k_ip_new_name")
            c1, c2 = st.columns(2)
            lon = c1.number_input(t("ip_lon", lang), value=None, format="%.6f", key="k_ip_lon")
            lat = c2.number_input(t("ip_lat", lang), value=None, format="%.6f", key="k_ip_lat")
        else:
            new_name, lon, lat = "", None, None
        now = ui.beijing_now()
        c1, c2 = st.columns(2)
        day = c1.date_input(t("ip_date", lang), value=now.date(), max_value=now.date())
        clock = c2.time_input(t("ip_time", lang), value=now.time())
        inspector = st.text_input(t("ip_inspector", lang), value=auth.display_name(actor))
        results = {}
        for c in CHECKS:
            results[c] = st.segmented_control(
                check_label(c, lang),
                list(RESULTS),
                format_func=lambda r: label(RESULTS, r, lang),
                key=f"ip_check_{c}",
            )
        notes = st.text_area(t("ip_notes", lang), height=80)
        photo = widgets.file_uploader(
            t("ip_photo", lang),
            types=["jpg", "jpeg", "png", "webp"],
            key="ip_photo",
            lang=lang,
            help=t("ip_photo_help", lang),
            max_upload_size=MAX_PHOTO_BYTES // 2**20,  # checked again when it is stored
        )
        submitted = st.form_submit_button(t("ip_submit", lang), type="primary", width="stretch")
    if submitted:
        if kind != "new" and selected is None:
            st.error(t("ip_pick_first", lang))
        else:
            visit = ui.Visit(
                kind=kind,
                place_id="" if kind == "new" else selected["id"] if selected else "",
                inspected_at=datetime.combine(day, clock),
                inspector=inspector,
                results={c: r or "" for c, r in results.items()},
                notes=notes,
                name=new_name,
                lon=lon,
                lat=lat,
                photo=photo.getvalue() if photo is not None else None,
                photo_name=photo.name if photo is not None else "",
            )
            done = ui.record_visit(actor, visit, inputs, lang)
            if done.batch is None:
                for p in done.problems:
                    st.error(md_literal(t("ip_refused", lang, reason=p)))
            else:
                st.session_state["ip_saved"] = (done.place_id, done.batch.number)
                st.rerun()
saved = st.session_state.pop("ip_saved", None)
if saved:
    status = ui.place_status_label(cache.view_inputs(v), saved[0], lang)
    name = ui.place_name(cache.view_inputs(v), saved[0], lang)
    st.success(md_literal(t("ip_saved", lang, name=name, n=saved[1], status=status)))

if may_write:
    with st.expander(t("ip_sheet", lang)):
        st.caption(t("ip_sheet_help", lang))
        sheet = widgets.file_uploader(
            t("ip_sheet", lang), types=["csv", "txt", "xlsx", "xls"], key="ip_sheet", lang=lang
        )
        if sheet is not None:
            ui.import_sheet(actor, inputs, sheet.getvalue(), sheet.name, lang)

st.subheader(t("ip_recent", lang))
widgets.dataframe(ui.recent_table(inputs, district, lang))
session.sync_url()
