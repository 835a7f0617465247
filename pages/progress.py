"""Progress: coverage month by month against the targets (metric and sector in the link),
the status of every target and its editor, the 16 districts side by side, the gaps by
sector over time."""

from __future__ import annotations

import streamlit as st

from dashboard.core.i18n import label_of, t
from dashboard.core.model import SECTORS
from dashboard.core.safetext import md_literal
from dashboard.core.targets import METRICS, target_for
from dashboard.engine.progress import GAP_GROUPS
from dashboard.ui import cache, report, session, widgets
from dashboard.ui import progress as up
from dashboard.ui.page_state import PageState as P
from dashboard.views import charts
from dashboard.views import progress as vp

v = session.view()
lang = v.lang
names = cache.district_names(lang)

st.title(t("pg_title", lang))
widgets.as_of_slider()
v = session.view()
st.caption(t("pg_caption", lang))
notes = widgets.notices()
widgets.synthetic_notice(notes, cache.points_in_service(v), lang)
targets, targets_json = up.targets()
if any(x.example for x in targets):
    notes.info(t("pg_examples", lang))

report.download(v)
ps = session.page_state()
ps.ensure(P.pg_metric, P.pg_sector, P.pg_gaps)
c1, c2, _ = st.columns([1, 1, 2])
c1.selectbox(
    t("pg_choose_metric", lang),
    METRICS,
    format_func=lambda m: t(f"pg_metric_{m}", lang),
    key=P.pg_metric.key,
)
c2.selectbox(
    t("pg_choose_sector", lang),
    ["all", *SECTORS],
    format_func=lambda c: t("pg_all_sectors", lang) if c == "all" else label_of("sector", c, lang),
    key=P.pg_sector.key,
)
metric, sector = ps.pg_metric, None if ps.pg_sector == "all" else ps.pg_sector
series = up.series(v, sector)
ad = "110000" if v.district == "all" else v.district
place = t("all_districts", lang) if v.district == "all" else md_literal(names[v.district])
st.subheader(t("pg_trend", lang, place=place))
target = target_for(targets, v.district, metric, sector)
trend = charts.stable_datasets(vp.trend_spec(series, ad, lang, target, metric))
st.vega_lite_chart(spec=trend, width="stretch")

st.subheader(t("pg_status", lang))
status = up.status(v, targets_json)
if status.empty:
    st.caption(t("pg_status_none", lang))
else:
    widgets.dataframe(vp.status_table(status, names, lang))
st.caption(t("pg_method", lang))
up.target_editor(v, targets, names, up.first_in_service(v))

left, right = st.columns(2)
improved = up.improved(v)
with left:
    st.markdown(f"**{t('pg_improved', lang)}**")
    widgets.dataframe(vp.improvement_table(improved, lang))
with right:
    st.markdown(f"**{t('pg_behind', lang)}**")
    behind = improved.sort_values("coverage_end", kind="stable")
    widgets.dataframe(vp.improvement_table(behind, lang))

st.subheader(t("pg_districts", lang))
st.vega_lite_chart(spec=vp.small_multiples_spec(series, names, lang, metric), width="content")

st.subheader(t("pg_gaps", lang))
st.radio(
    t("pg_gaps_by", lang),
    tuple(GAP_GROUPS),
    format_func=lambda g: t(f"pg_gaps_by_{g}", lang),
    horizontal=True,
    key=P.pg_gaps.key,
)
st.caption(t("pg_gaps_caption", lang, place=place))
gaps = up.gaps(v, ps.pg_gaps, v.district)
st.vega_lite_chart(spec=vp.gaps_spec(gaps, ps.pg_gaps, lang), width="stretch")
