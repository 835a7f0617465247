"""District profile: a district's (or the whole city's) KPIs against references, its gaps, and
where to add points."""

from __future__ import annotations

from typing import cast

import streamlit as st

from dashboard.core.i18n import t
from dashboard.core.safetext import md_literal
from dashboard.core.state import ALL
from dashboard.engine import compare
from dashboard.ui import cache, session, widgets
from dashboard.ui import compare as uc
from dashboard.ui import progress as up
from dashboard.ui import zones as uz
from dashboard.ui.page_state import PageState as P
from dashboard.views import reports

v = session.view()
lang = v.lang
names = cache.district_names(lang)
layers = cache.load_layers()


# The whole city's profile until a district is chosen, in the same layout, so choosing
# one updates the page's elements instead of creating them (see ``widgets.notices``).
ad = v.district
is_city = ad == ALL
st.title(
    t("dp_title", lang, district=t("all_districts", lang) if is_city else md_literal(names[ad]))
)
# the page's own district selector (a presenter may hide the sidebar), in both states
pick = st.container()
widgets.district_selector(pick, P.profile_district.key, t("dp_choose", lang))
pick.caption(t("dp_pick" if is_city else "dp_pick_other", lang))
head = st.container()  # one block above the map, whatever it holds (see gap_map)
c_asof, c_ref, c_tgt = head.columns([3, 2, 2])
widgets.as_of_slider(c_asof)
v = session.view()
end, lo = uc.end_date(v), cache.date_bounds()[0]
prev = compare.previous_date(end, lo)
refs = {
    "city": t("dp_ref_city", lang),
    "previous": t("dp_ref_previous", lang, date=prev.isoformat()),
    "target": t("dp_ref_target", lang),
}
# the city is not compared with itself: its own reference choice, without "city"
ps = session.page_state()  # this page's own choices (kept across pages, in the link)
ref_param, ref_options = (P.city_ref, ["previous", "target"]) if is_city else (P.ref, list(refs))
ps.ensure(ref_param, P.target)


def _ref_chosen() -> None:
    setattr(ps, ref_param.name, ps.profile_ref)


# one radio for both states (its options follow the state): the first district chosen
# updates it instead of replacing it with another widget
session.bind_widget(P.profile_ref.key, getattr(ps, ref_param.name))
ref = widgets.choice(
    c_ref,
    "radio",
    t("dp_reference", lang),
    ref_options,
    format_func=refs.get,
    key=P.profile_ref.key,
    on_change=_ref_chosen,
    horizontal=True,
)
target = c_tgt.number_input(
    t("dp_target", lang),
    min_value=0.0,
    max_value=100.0,
    step=5.0,
    key=P.target.key,
    help=t("dp_target_help", lang),
)
head.caption(t("dp_caption", lang, end=end.isoformat(), prev=prev.isoformat()))
pay = cache.points_in_service(v)  # cached per data, district and date (a 50k-row filter)
widgets.synthetic_notice(head, pay, lang)

# KPI cards: value, delta against the chosen reference, every reference in the help
city = uc.city_reference(v)
goal = None if target is None else target / 100
if is_city:
    kpis = compare.city_kpis(city, uc.city_reference(v.with_(as_of=prev)), goal)
    has_demand = city["demand"] > 0
else:
    now, before = uc.district_metrics(v), uc.district_metrics(v.with_(as_of=prev))
    kpis = compare.district_kpis(ad, now, before, city, goal)
    has_demand = bool(now.set_index("adcode").loc[ad, "demand"] > 0)
if ref == "target" and target is None:
    head.info(t("dp_enter_target", lang))
for col, (m, row) in zip(head.columns(len(kpis)), kpis.iterrows()):
    m = cast(str, m)  # the KPI table's index: the metric codes
    fm = [reports.format_metric(m, row[c]) for c in ("value", "city", "previous", "target")]
    col.metric(
        reports.header(m, lang),
        fm[0],
        delta=reports.format_delta(m, row["value"] - row[ref]),
        delta_color="normal" if row["higher_is_better"] else "inverse",
        help=t("dp_kpi_help_city", lang, value=fm[0], previous=fm[2], target=fm[3])
        if is_city
        else t("dp_kpi_help", lang, value=fm[0], city=fm[1], previous=fm[2], target=fm[3]),
        border=True,
    )
head.caption(
    t("dp_city_note" if is_city else "dp_city_uncovered_note", lang) + " " + uc.access_note(v)
)
if not has_demand:
    head.info(t("dp_no_demand_city" if is_city else "dp_no_demand", lang))
all_covered = t("dp_all_covered_city" if is_city else "dp_all_covered", lang)

map_box = st.container()

# below the map, the uncovered list and the siting in two tabs; only the open one is drawn
# (widgets.lazy_tabs): a change redraws the map and one table, not all three
unc = uc.uncovered_list(v, ad)
list_tab, siting_tab = widgets.lazy_tabs(
    {"uncovered": t("dp_uncovered_title", lang), "siting": t("dp_siting_title", lang)},
    P.dp_tab.key,
)
if list_tab is not None:
    with list_tab:
        if unc.empty:
            if has_demand:
                st.success(all_covered)
        else:
            by_district = names if is_city else None  # the city's list says where each is
            table = compare.localize_uncovered(unc, lang, by_district)
            shown = reports.localize(table.rename(columns={"name": "place"}), lang)
            head = widgets.table_head(shown, lang)
            widgets.dataframe(head, key="dp_uncovered")
            if len(head) < len(shown):  # all rows, made when the button is clicked
                csv = lambda: reports.to_csv_bytes(shown)  # noqa: E731
                st.download_button(t("tl_download_all", lang), csv, f"gaps-{ad}.csv")

# siting: k new points for this district, and the what-if that adds them; the what-if's
# points stay on the map while the list is shown (the choices live in the session)
proposed: list[dict] = []
if unc.empty:
    if siting_tab is not None and has_demand:
        siting_tab.success(all_covered)
else:
    n_max = min(compare.MAX_SITES, len(unc))
    if n_max > 1:
        ps.set_default(P.sites, min(3, n_max))
        if not 1 <= (ps.sites or 0) <= n_max:
            ps.sites = min(3, n_max)
    # the widgets' values are the session's, drawn or not
    k = int(ps.sites or 1) if n_max > 1 else 1
    what_if = bool(ps.what_if)
    if siting_tab is not None or what_if:
        res = uc.siting(v, ad, k)
        named = compare.named_sites(res.sites, layers["key-locations"], lang)
        if what_if:
            proposed = compare.site_records(named, lang)
    if siting_tab is not None:
        with siting_tab:
            if n_max > 1:
                st.slider(t("dp_k", lang), 1, n_max, key=P.sites.key)
            st.caption(
                t("dp_siting_caption", lang, method=res.solution.method.upper(), k=len(named))
            )
            named["district"] = named["adcode"].map(lambda a: names.get(a, a))
            site_cols = {
                "rank": t("cmpm_site_rank", lang),
                **({"district": reports.header("district", lang)} if is_city else {}),
                "place": t("cmpm_site_place", lang),
                "newly_covered": t("cmpm_site_newly", lang),
                "newly_covered_weight": t("cmpm_site_weight", lang),
            }
            widgets.dataframe(
                named[list(site_cols)].rename(columns=site_cols),
                key="dp_sites",
            )
            st.toggle(t("dp_what_if", lang), key=P.what_if.key, help=t("dp_what_if_help", lang))
            if what_if:
                place = t("all_districts", lang) if is_city else names[ad]
                uc.what_if_cards(res.before.districts, res.after.districts, ad, place, lang)

uc.gap_map(map_box, session.view(), ad, pay, proposed)
up.trend_panel(v, ad, lang)  # the stored target's status and the trend, below the map
uz.drilldown(session.view(), ad)  # the district's zones of a chosen boundary set
