"""Progress: coverage month by month against the targets, the status of every target, the
16 districts side by side."""

from __future__ import annotations

import streamlit as st

from dashboard.core.i18n import t
from dashboard.core.safetext import md_literal
from dashboard.core.targets import target_for
from dashboard.engine import stats
from dashboard.ui import cache, report, session, widgets
from dashboard.ui import progress as up
from dashboard.views import progress as vp

v = session.view()
lang = v.lang
layers = cache.load_layers()
names = cache.district_names(lang)

st.title(t("pg_title", lang))
widgets.as_of_slider()
v = session.view()
st.caption(t("pg_caption", lang))
notes = widgets.notices()
widgets.synthetic_notice(notes, stats.in_service_in(layers["payments"], v.district, v.as_of), lang)
targets, targets_json = up.targets()
if any(x.example for x in targets):
    notes.info(t("pg_examples", lang))

report.download(v)
series = up.series(v)
ad = "110000" if v.district == "all" else v.district
place = t("all_districts", lang) if v.district == "all" else md_literal(names[v.district])
st.subheader(t("pg_trend", lang, place=place))
st.vega_lite_chart(
    spec=vp.trend_spec(series, ad, lang, target_for(targets, v.district)), width="stretch"
)

st.subheader(t("pg_status", lang))
status = up.status(v, targets_json)
if status.empty:
    st.caption(t("pg_status_none", lang))
else:
    st.dataframe(vp.status_table(status, names, lang), hide_index=True, width="stretch")
st.caption(t("pg_method", lang))

left, right = st.columns(2)
improved = up.improved(v)
with left:
    st.markdown(f"**{t('pg_improved', lang)}**")
    st.dataframe(vp.improvement_table(improved, lang), hide_index=True, width="stretch")
with right:
    st.markdown(f"**{t('pg_behind', lang)}**")
    behind = improved.sort_values("coverage_end", kind="stable")
    st.dataframe(vp.improvement_table(behind, lang), hide_index=True, width="stretch")

st.subheader(t("pg_districts", lang))
st.vega_lite_chart(spec=vp.small_multiples_spec(series, names, lang), width="content")
