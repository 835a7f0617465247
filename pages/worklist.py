"""Work list: the places of a district due for a field check, on a map and as a table to
export; "Inspect" opens the Inspect page on the item (a visit recorded closes it)."""

from __future__ import annotations

import streamlit as st

from dashboard.core.i18n import name_col, t
from dashboard.core.inspections import REASONS
from dashboard.ui import cache, session, widgets
from dashboard.ui import inspect as ui
from dashboard.ui.app import PAGES_DIR
from dashboard.views import tiles
from dashboard.views.reports import to_csv_bytes, to_xlsx_bytes

v = session.view()
lang = v.lang
inputs = cache.view_inputs(v)

st.title(t("wl_title", lang))
st.caption(t("wl_caption", lang))
c1, c2 = st.columns([3, 2], vertical_alignment="bottom")
district = widgets.district_selector(c1, "w_wl_district")
end, default_since = ui.work_list_dates(v)  # of today unless a date is set
since = c2.date_input(t("wl_since", lang), value=default_since, max_value=end)
st.caption(t("wl_validity", lang, days=ui.validity_days(inputs)))

items = ui.district_work_list(inputs, district, since.isoformat())
widgets.synthetic_notice(st, cache.layer_rows("payments", district), lang)
names = cache.district_names(lang)
where = t("all_districts", lang) if district == "all" else names.get(district, district)
st.subheader(t("wl_count", lang, n=f"{len(items):,}", district=where))
deck, src = ui.work_deck(inputs, district, since.isoformat(), lang)
st.pydeck_chart(deck, key="wl_map")
widgets.class_legend(t("wl_map_colours", lang), ui.legend_rows(ui.REASON_COLORS, REASONS, lang))
if src is not None:  # every item drawn, grouped: say what a circle and a dot stand for
    st.caption(tiles.legend_text([src], lang))

if items.empty:
    st.success(t("wl_empty", lang))
else:
    # the table of the rows drawn; the downloads make the whole list when clicked
    table = ui.work_table(widgets.table_head(items, lang), lang)
    widgets.dataframe(ui.screen_table(table), height=360)
    d1, d2 = st.columns(2)
    stem = f"worklist-{district}-{end.isoformat()}"
    # the files are made when a button is clicked, not on every rerun (an XLSX of 50k rows
    # takes seconds)
    d1.download_button(
        t("wl_csv", lang),
        lambda: to_csv_bytes(ui.work_table(items, lang)),
        f"{stem}.csv",
        "text/csv",
        width="stretch",
    )
    d2.download_button(
        t("wl_xlsx", lang),
        lambda: to_xlsx_bytes(ui.work_table(items, lang), sheet="worklist"),
        f"{stem}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        width="stretch",
    )
    top = items.head(200)
    labels = {
        f"{k}:{i}": f"{n} · {i}"
        for k, i, n in zip(top["kind"], top["id"].astype(str), top[name_col(lang)], strict=True)
    }
    c1, c2 = st.columns([4, 1], vertical_alignment="bottom")
    pick = widgets.choice(
        c1, "selectbox", t("wl_visit", lang), list(labels), format_func=labels.__getitem__
    )
    if c2.button(t("wl_go", lang), type="primary", width="stretch"):
        kind, place = pick.split(":", 1)
        st.session_state["k_ip_kind"], st.session_state["k_ip_place"] = kind, place
        st.session_state["k_ip_q"] = ""
        session.sync_url()
        st.switch_page(PAGES_DIR / "inspect.py")
session.sync_url()
