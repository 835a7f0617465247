"""Events: timeline of forums and exhibitions and payment readiness around their venues."""

from __future__ import annotations

from datetime import date
from functools import partial

import pandas as pd
import streamlit as st

from dashboard.core.i18n import t
from dashboard.core.safetext import md_literal
from dashboard.ui import cache, map_download, session, widgets
from dashboard.ui import events as uev
from dashboard.ui.page_state import PageState as P
from dashboard.views import events as evv
from dashboard.views import tiles

v = session.view()
lang = v.lang
layers = cache.load_layers()

st.title(t("ev_title", lang))
st.caption(t("ev_caption", lang))

events_all = layers["events"]
dated = uev.dated_events()
if dated.empty:
    st.info(t("ev_none", lang))
    session.stop()
if len(dated) < len(events_all):
    st.caption(t("ev_undated", lang, n=len(events_all) - len(dated)))

# ----------------------------------------------------------------------------- controls
chosen_years, chosen_cats, group_by, radius_km, venue_radius, major_only = uev.event_filters(
    dated, lang
)

ref = v.as_of or date.today()
src = t("ev_ref_asof" if v.as_of else "ev_ref_today", lang)
st.caption(t("ev_ref_date", lang, d=ref.isoformat(), src=src))

view = uev.events_view(
    v, radius_km, venue_radius, chosen_years, chosen_cats, ref, group_by, major_only
)
shown = view.shown

widgets.synthetic_notice(st, layers["payments"], lang)
if shown.empty:
    st.info(t("ev_none_filtered", lang))
    session.stop()

# ----------------------------------------------------------------------------- KPIs
k1, k2, k3 = st.columns(3)
k1.metric(t("ev_kpi_events", lang), f"{len(shown):,}", border=True)
k2.metric(
    t("ev_kpi_upcoming", lang),
    f"{int(shown['status'].isin(['ongoing', 'upcoming']).sum()):,}",
    border=True,
)
k3.metric(t("ev_kpi_median", lang), evv.pct(shown["readiness"].median()), border=True)

# ----------------------------------------------------------------------------- tabs
# the event whose surroundings are shown: kept while it is among the shown events
ids = shown["id"].astype(str).tolist()
ps = session.page_state()  # this page's own choices (kept across pages, in the link)
if ps.event not in ids:
    ps.event = ids[0]
event_id = str(ps.event)

# only the selected tab is drawn (widgets.lazy_tabs): a change redraws the calendar or the
# event's surroundings, not both
calendar_tab, event_tab, major_tab = widgets.lazy_tabs(
    {
        "calendar": t("ev_tab_calendar", lang),
        "event": t("ev_tab_event", lang),
        "major": t("ev_tab_major", lang),
    },
    P.ev_tab.key,
)


def _pick_row(shown_ids: list[str]) -> None:
    """A row chosen in the calendar opens that event's surroundings."""
    picked = ps.events_table["selection"]["rows"]
    if picked:
        ps.event = shown_ids[picked[0]]
        ps.ev_tab = "event"


if calendar_tab is not None:
    with calendar_tab:
        st.subheader(t("ev_timeline", lang))
        st.vega_lite_chart(spec=view.timeline(), width="content")
        st.caption(t("ev_timeline_caption", lang))

        st.subheader(t("ev_list", lang))
        st.caption(t("ev_list_pick", lang))
        # the highlighted row is the event shown in the other tab
        ps.events_table = {"selection": {"rows": [ids.index(event_id)], "columns": [], "cells": []}}
        widgets.dataframe(
            view.table,
            key=P.events_table.key,
            on_select=partial(_pick_row, ids),  # st.dataframe takes no callback args
            selection_mode="single-row-required",
            column_config={
                t("ev_col_readiness", lang): st.column_config.ProgressColumn(
                    t("ev_col_readiness", lang), format="%d%%", min_value=0, max_value=100
                )
            },
        )


# ----------------------------------------------------------------------------- one event
if event_tab is not None:
    with event_tab:
        rows = shown.set_index(shown["id"].astype(str))
        st.selectbox(  # its value is event_id: the session's, kept above
            t("ev_select", lang),
            ids,
            key=P.event.key,
            format_func=lambda i: evv.event_label(rows.loc[i], lang),
        )
        event = rows.loc[event_id]
        detail = uev.event_detail(v, event_id, radius_km, venue_radius)

        title = evv.event_label(event, lang).split(" · ", 1)[-1]
        start = pd.Timestamp(event["start_date"]).date()
        st.subheader(t("ev_detail", lang, name=md_literal(title), d=start.isoformat()))
        notes = widgets.notices()  # messages that depend on the event keep the map below in place
        if not event["venue_found"]:
            notes.caption(t("ev_venue_missing", lang))
        m1, m2, m3, m4 = st.columns(4)
        m1.metric(
            t("ev_m_readiness", lang),
            evv.pct(event["readiness"]),
            border=True,
            help=t(
                "ev_m_readiness_help",
                lang,
                c=int(event["covered"]),
                n=int(event["nearby"]),
                r=radius_km,
            ),
        )
        m2.metric(t("ev_m_nearby", lang), f"{int(event['nearby']):,}", border=True)
        m3.metric(t("ev_m_gaps", lang), f"{int(event['gaps']):,}", border=True)
        m4.metric(
            t("ev_m_points", lang, m=venue_radius), f"{int(event['venue_points']):,}", border=True
        )
        later = widgets.notices()
        if start > date.today():
            later.caption(t("ev_note_future", lang))
        if int(event["nearby"]) == 0:
            later.info(t("ev_no_nearby", lang))

        st.pydeck_chart(
            detail.deck,
            height=560,
            key="events-map",  # stable: a new event updates the map without a remount
        )
        st.caption(t("ev_legend", lang) + " " + t("map_caption", lang))
        if detail.sources:  # many places: say what a circle and a dot stand for
            st.caption(tiles.legend_text(detail.sources, lang))
        map_download.map_buttons(detail.deck, "events")

        st.subheader(t("ev_gaps", lang))
        if detail.gaps.empty:
            st.success(t("ev_no_gaps", lang))
        else:
            widgets.dataframe(detail.gaps_table)


# ----------------------------------------------------------------------------- four major events
if major_tab is not None:
    with major_tab:
        st.subheader(t("ev_major_title", lang))
        major = uev.major_view(v, radius_km, venue_radius, ref)
        if major.table is None:
            st.info(t("ev_major_none", lang))
        else:
            st.vega_lite_chart(spec=major.spec, width="content")
            widgets.dataframe(major.table)
            st.caption(t("ev_major_caption", lang, r=radius_km, d=ref.isoformat()))
