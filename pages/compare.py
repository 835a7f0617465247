"""District comparison: all 16 districts ranked, change since a baseline, side by side."""

from __future__ import annotations

import streamlit as st

from dashboard.core.i18n import t
from dashboard.core.state import DISTRICT_CODES
from dashboard.engine import compare
from dashboard.ui import cache, session, widgets, zones
from dashboard.ui import compare as uc
from dashboard.ui.page_state import PageState as P
from dashboard.views import reports

v = session.view()
lang = v.lang
names = cache.district_names(lang)
layers = cache.load_layers()

st.title(t("cmp_title", lang))

lo, _hi = cache.date_bounds()
c_asof, c_base, c_rank = st.columns([3, 2, 2])
widgets.as_of_slider(c_asof)
v = session.view()
end = uc.end_date(v)
ps = session.page_state()  # this page's own choices (kept across pages, in the link)
default_baseline = compare.previous_date(end, lo)
ps.set_default(P.baseline, default_baseline)
if ps.baseline is None or not lo <= ps.baseline <= end:
    ps.baseline = default_baseline
ps.ensure(P.rank_by)
baseline = c_base.date_input(
    t("cmp_baseline", lang),
    min_value=lo,
    max_value=end,
    key=P.baseline.key,
    format="YYYY-MM-DD",
    help=t("cmp_baseline_help", lang),
)
rank_by = widgets.choice(
    c_rank,
    "selectbox",
    t("cmp_rank_by", lang),
    list(compare.RANK_METRICS),
    format_func=lambda m: reports.header(m, lang),
    key=P.rank_by.key,
)

std = t("cmp_std_standards", lang) if v.std == "standards" else t("cmp_std_any", lang)
if v.radius:
    std += ", " + t("cmp_radius", lang, r=v.radius)
st.caption(t("cmp_caption", lang, std=std, end=end.isoformat(), start=baseline.isoformat()))
widgets.synthetic_notice(st, layers["payments"], lang)

table, city = uc.comparison(v, baseline, rank_by)

# ranked bars: the shared district highlighted, the chosen ones marked, the city as a rule
st.subheader(t("cmp_ranking", lang))
st.vega_lite_chart(spec=uc.ranked_bar_spec(v, baseline, rank_by), width="stretch")
st.caption(
    t("cmp_city_line", lang, value=reports.format_metric(rank_by, city.get(rank_by)))
    + " · "
    + uc.access_note(v)
)

# the table by districts (the default) or by the zones of a boundary set (dashboard.ui.zones)
by_set = zones.set_picker(st, "cmp_set", t("bnd_by", lang), t("bnd_districts", lang), lang)
if by_set:
    zones.compare_by_set(v, by_set, baseline, rank_by)
else:
    widgets.metric_dataframe(
        reports.localize(table, lang, reports.EXPORT_COLUMNS), lang, key="cmp_table"
    )
    st.caption(t("cmp_table_help", lang))

    csv_bytes, xlsx_bytes = uc.exports(v, baseline, rank_by)
    stem = f"districts-{end.isoformat()}-{lang}"
    d1, d2, _ = st.columns([1, 1, 4])
    d1.download_button(
        t("cmp_download_csv", lang),
        csv_bytes,
        file_name=f"{stem}.csv",
        mime="text/csv",
        key="cmp_dl_csv",
        icon=":material/download:",
    )
    d2.download_button(
        t("cmp_download_xlsx", lang),
        xlsx_bytes,
        file_name=f"{stem}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="cmp_dl_xlsx",
        icon=":material/download:",
    )

# side by side: the chosen districts (shared state, in the link)
st.subheader(t("cmp_side_by_side", lang))
if not ps.has(P.compare_picker):
    ps.compare_picker = list(v.compare)
st.multiselect(
    t("cmp_choose", lang),
    DISTRICT_CODES,
    key=P.compare_picker.key,
    format_func=lambda code: str(names.get(code, code)),
    on_change=lambda: session.set_view(compare=tuple(ps.compare_picker)),
    help=t("cmp_choose_help", lang),
    placeholder=t("choose_districts", lang),
)
chosen = session.view().compare
if chosen:
    side = compare.side_by_side(table, chosen, lang)
    side[t("cmp_city_row", lang)] = [city.get(m) for m in side.index]
    text = side.apply(lambda col: [reports.format_metric(m, x) for m, x in zip(side.index, col)])
    text.index = [reports.header(m, lang) for m in side.index]
    widgets.dataframe(text, hide_index=False, key="cmp_side")  # the index names each row
else:
    st.info(t("cmp_pick_some", lang))

st.subheader(t("cmp_by_sector", lang))
sector_spec = uc.sector_facets_spec(session.view())
if sector_spec is None:
    st.info(t("cmp_no_sector_data", lang))
else:
    st.vega_lite_chart(spec=sector_spec)
    st.caption(t("cmp_by_sector_caption", lang))
