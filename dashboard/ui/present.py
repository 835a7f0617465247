"""Presenter mode: the app as slides for a meeting's shared screen (``?present=1``).

:func:`render` replaces the page and the sidebar when ``present`` is on (from any page;
leaving returns to it with the rest of the view intact). The deck
(:func:`dashboard.core.slides.slide_deck`): the city's summary, the ranking, the city's
trend against its target, one slide per district (ranking order, or the presenter's
list ``districts=``), the events. Stepped with the buttons or the keys → / Space / ←,
Esc leaves; the slide shown is ``slide=`` in the link, ``auto=N`` steps every N
seconds. Language, as-of date and standard are the shared view's. Every figure comes
from the same cached glue as the pages (:mod:`dashboard.ui.compare`,
:mod:`dashboard.ui.progress`, :mod:`dashboard.ui.events`); nothing is computed here.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from dashboard.core import slides
from dashboard.core.i18n import LANGS, t
from dashboard.core.safetext import md_literal
from dashboard.core.slides import Slide
from dashboard.core.state import ALL, DISTRICT_CODES, ViewState
from dashboard.core.targets import target_for
from dashboard.engine import compare, events
from dashboard.ui import cache, session
from dashboard.ui import compare as uc
from dashboard.ui import events as uev
from dashboard.ui import progress as up
from dashboard.ui.page_state import PageState as P
from dashboard.views import events as evv
from dashboard.views import progress as vp
from dashboard.views import reports

#: The presentation's own look: Streamlit's chrome hidden, type sized for a 1280×720
#: shared screen, the controls pinned to the bottom. A constant: no data text in it.
CSS = """
<style>
[data-testid=stHeader], [data-testid=stToolbar], [data-testid=stDecoration],
[data-testid=stStatusWidget], [data-testid=stMainMenu], .stAppDeployButton,
[data-testid=stSidebar], [data-testid=stSidebarCollapsedControl],
[data-testid=stSidebarNav] { display: none !important; }
[data-testid=stMainBlockContainer] { padding: 1.1rem 2.4rem 4.2rem !important;
  max-width: none !important; }
.st-key-present-slide h1 { font-size: 2.5rem !important; padding: 0 0 .3rem !important; }
.st-key-present-slide h2, .st-key-present-slide h3 { font-size: 1.8rem !important; }
.st-key-present-slide p, .st-key-present-slide li { font-size: 1.3rem !important; }
.st-key-present-slide [data-testid=stCaptionContainer] p { font-size: 1.1rem !important; }
.st-key-present-slide [data-testid=stMetricValue] p { font-size: 2.6rem !important;
  line-height: 1.2; }
.st-key-present-slide [data-testid=stMetricLabel] p { font-size: 1.25rem !important; }
.st-key-present-slide [data-testid=stMetricDelta] p { font-size: 1.2rem !important; }
.st-key-present-slide table td, .st-key-present-slide table th,
.st-key-present-slide table td p, .st-key-present-slide table th p {
  font-size: 1.1rem !important; padding-top: .2rem; padding-bottom: .2rem; }
.st-key-present-bar { position: fixed; left: 0; right: 0; bottom: 0; z-index: 999;
  background: rgba(255, 255, 255, .94); border-top: 1px solid #d0d7de;
  padding: .35rem 2.4rem; }
.st-key-present-space, .st-key-present-warm { display: none !important; }
</style>
"""

#: Vega-Lite font sizes of the slides' charts (axis labels readable when screen-shared).
CHART_CONFIG = {
    "axis": {"labelFontSize": 16, "titleFontSize": 17},
    "legend": {"labelFontSize": 16, "titleFontSize": 16},
    "text": {"fontSize": 16},
    "mark": {"fontSize": 16},
}


#: The hidden chart that loads the chart library early (see :func:`_controls`).
WARM_CHART: dict = {"data": {"values": []}, "mark": "point", "width": 1, "height": 1}


def large(spec: dict, height: int | None = None) -> dict:
    """A copy of a Vega-Lite ``spec`` with the slides' font sizes (and ``height``)."""
    out = copy.copy(spec)
    config = dict(out.get("config", {}))
    for key, sizes in CHART_CONFIG.items():
        config[key] = {**config.get(key, {}), **sizes}
    out["config"] = config
    if height is not None:
        out["height"] = height
    return out


# ----------------------------------------------------------------------------- state


def start() -> None:
    """Callback of the present button: open the presentation at its first slide."""
    ps = session.page_state()
    ps.present = True
    ps.slide = 1


def leave() -> None:
    """Callback of the exit button (and Esc): back to the page, the view unchanged."""
    ps = session.page_state()
    ps.present = False
    ps.forget(P.slide)  # the page's link does not carry a slide
    ps.forget(P.present_shown)


def _go(delta: int, total: int) -> None:
    ps = session.page_state()
    ps.slide = slides.step(ps.slide, delta, total)


def enter_button(box: DeltaGenerator, lang: str) -> None:
    """The present button every page shows (drawn by :func:`dashboard.ui.app.main`)."""
    box.button(
        t("pr_enter", lang),
        key="present-enter",
        icon=":material/slideshow:",
        help=t("pr_enter_help", lang),
        on_click=start,
        width="stretch",
    )


# ----------------------------------------------------------------------------- inputs


def _baseline(v: ViewState):
    """The comparison's baseline: the Compare page's choice when it is valid, else the
    previous period (as that page does)."""
    end, lo = uc.end_date(v), cache.date_bounds()[0]
    chosen = session.page_state().baseline
    return chosen if chosen is not None and lo <= chosen <= end else compare.previous_date(end, lo)


def _previous(v: ViewState):
    return compare.previous_date(uc.end_date(v), cache.date_bounds()[0])


def deck(v: ViewState) -> tuple[Slide, ...]:
    """The slides of the view: districts in the ranking of the Compare page's metric, or
    the presenter's list; the events slide when there are dated events."""
    ps = session.page_state()
    table, _city = uc.comparison(v, _baseline(v), ps.rank_by)
    ranking = [str(a) for a in table["adcode"]]
    return slides.slide_deck(ranking, ps.districts, events=not uev.dated_events().empty)


def _std_text(v: ViewState) -> str:
    std = t("cmp_std_standards" if v.std == "standards" else "cmp_std_any", v.lang)
    return std + (", " + t("cmp_radius", v.lang, r=v.radius) if v.radius else "")


def _footer(v: ViewState) -> None:
    """The slide's footnote: date, standard, previous period, and the synthetic layer."""
    lang = v.lang
    st.caption(
        t(
            "pr_footer",
            lang,
            date=uc.end_date(v).isoformat(),
            std=_std_text(v),
            prev=_previous(v).isoformat(),
        )
    )
    pay = cache.load_layers()["payments"]
    n = int(pay["synthetic"].sum()) if len(pay) else 0
    if n:
        st.caption(t("pr_synthetic", lang, n=f"{n:,}"))


def _literal(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with every cell as literal text: ``st.table`` reads Markdown in cells,
    and names and venues are data."""
    return table.astype(str).map(md_literal)


def _kpi_cards(kpis: pd.DataFrame, lang: str) -> None:
    """One card per KPI: value, change since the previous period."""
    for col, (m, row) in zip(st.columns(len(kpis)), kpis.iterrows()):
        m, change = str(m), row["value"] - row["previous"]
        col.metric(
            reports.header(m, lang),
            reports.format_metric(m, row["value"]),
            delta=reports.format_delta(m, change),
            delta_color="off"
            if change == 0
            else "normal"
            if row["higher_is_better"]
            else "inverse",
            border=True,
        )


# ----------------------------------------------------------------------------- slides


def _summary(v: ViewState, _slide: Slide) -> None:
    lang = v.lang
    st.title(t("pr_summary_title", lang, place=t("all_districts", lang)))
    city, before = uc.city_reference(v), uc.city_reference(v.with_(as_of=_previous(v)))
    _kpi_cards(compare.city_kpis(city, before), lang)
    st.markdown(up.target_line(v, ALL, lang) or t("pg_no_target", lang))
    improved = up.improved(v)
    left, right = st.columns(2)
    for box, key, rows in (
        (left, "pg_improved", improved),
        (right, "pg_behind", improved.sort_values("coverage_end", kind="stable")),
    ):
        box.markdown(f"**{t(key, lang)}**")
        box.table(_literal(vp.improvement_table(rows, lang, n=3)), hide_index=True)


def _ranking(v: ViewState, _slide: Slide) -> None:
    lang = v.lang
    by = session.page_state().rank_by
    st.title(t("pr_ranking_title", lang, metric=reports.header(by, lang)))
    spec = uc.ranked_bar_spec(v.with_(district=ALL, compare=()), _baseline(v), by)
    st.vega_lite_chart(spec=large(spec), width="stretch")
    _table, city = uc.comparison(v, _baseline(v), by)
    st.markdown(t("cmp_city_line", lang, value=reports.format_metric(by, city.get(by))))


def _trend(v: ViewState, _slide: Slide) -> None:
    lang = v.lang
    st.title(t("pg_trend", lang, place=t("all_districts", lang)))
    spec = vp.trend_spec(up.series(v), "110000", lang, target_for(up.targets()[0], ALL))
    st.vega_lite_chart(spec=large(spec, height=380), width="stretch")
    st.markdown(up.target_line(v, ALL, lang) or t("pg_no_target", lang))


def _district(v: ViewState, slide: Slide) -> None:
    lang = v.lang
    ad = str(slide.adcode)
    names = cache.district_names(lang)
    st.title(t("pr_district_title", lang, district=md_literal(names.get(ad, ad))))
    ps = session.page_state()
    table, city = uc.comparison(v, _baseline(v), ps.rank_by)
    mine = table[table["adcode"].astype(str) == ad]
    rank = mine["rank"].iloc[0] if len(mine) else None
    metric = reports.header(ps.rank_by, lang)
    if rank is None or pd.isna(rank):
        st.markdown(t("pr_no_rank", lang))
    else:
        ranked = int(table["rank"].notna().sum())
        st.markdown(t("pr_district_rank", lang, rank=int(rank), total=ranked, metric=metric))
    now, before = uc.district_metrics(v), uc.district_metrics(v.with_(as_of=_previous(v)))
    _kpi_cards(compare.district_kpis(ad, now, before, uc.city_reference(v)), lang)
    st.markdown(up.target_line(v, ad, lang) or t("pg_no_target", lang))
    spec = vp.trend_spec(up.series(v), ad, lang, target_for(up.targets()[0], ad))
    st.vega_lite_chart(spec=large(spec, height=200), width="stretch")


#: Upcoming or ongoing events shown on the events slide (the most recent when none are).
EVENT_ROWS = 5


def _events(v: ViewState, _slide: Slide) -> None:
    lang = v.lang
    st.title(t("pr_events_title", lang))
    dated = uev.dated_events()
    ps = session.page_state()
    ref = uc.end_date(v) if v.as_of else pd.Timestamp.today().date()
    cats = sorted(set(dated["category"].astype(str)))
    shown = uev.events_view(
        v.with_(district=ALL), ps.ev_r, ps.venue_r, events.event_years(dated), cats, ref, "venue"
    ).shown
    soon = shown[shown["status"].isin(["ongoing", "upcoming"])]
    rows = (soon if len(soon) else shown).head(EVENT_ROWS)
    if rows.empty:
        st.markdown(t("pr_events_none", lang))
        return
    full = evv.events_table(rows, lang)
    cols = ["ev_col_status", "ev_col_start", "ev_col_name", "ev_col_venue", "ev_col_readiness"]
    table = full[[t(c, lang) for c in cols]].copy()
    table[t("ev_col_readiness", lang)] = [evv.pct(x) for x in rows["readiness"]]
    st.table(_literal(table), hide_index=True)
    st.caption(t("pr_events_caption", lang, r=float(ps.ev_r), d=ref.isoformat()))


DRAW: dict[str, Callable[[ViewState, Slide], None]] = {
    "summary": _summary,
    "ranking": _ranking,
    "trend": _trend,
    "district": _district,
    "events": _events,
}


# ----------------------------------------------------------------------------- frame


def _settings(lang: str) -> None:
    """The presenter's settings: language, the districts presented, auto-advance."""
    v = session.view()
    session.bind_widget(P.present_lang.key, v.lang)
    st.radio(
        t("language", lang),
        LANGS,
        key=P.present_lang.key,
        horizontal=True,
        format_func=lambda code: "中文" if code == "zh" else "English",
        on_change=lambda: session.set_view(lang=session.page_state().present_lang),
    )
    names = cache.district_names(lang)
    ps = session.page_state()
    ps.ensure(P.districts, P.auto)
    st.multiselect(
        t("pr_districts", lang),
        DISTRICT_CODES,
        key=P.districts.key,
        format_func=lambda code: str(names.get(code, code)),
        help=t("pr_districts_help", lang),
        placeholder=t("choose_districts", lang),
    )
    st.number_input(t("pr_auto", lang), min_value=0, max_value=3600, step=5, key=P.auto.key)


def _controls(n: int, total: int, lang: str) -> None:
    """The bar at the bottom: back, the slide number, next, settings, leave."""
    bar = st.container(key="present-bar", horizontal=True, vertical_alignment="center")
    with bar:
        st.button(
            t("pr_prev", lang),
            key="present-prev",
            shortcut="Left",
            on_click=_go,
            args=(-1, total),
            disabled=n <= 1,
        )
        st.markdown(t("pr_counter", lang, n=n, total=total))
        st.button(
            t("pr_next", lang),
            key="present-next",
            shortcut="Right",
            on_click=_go,
            args=(1, total),
            type="primary",
            disabled=n >= total,
        )
        # Space steps forward too: a second, hidden button (CSS) with that shortcut
        st.button("space", key="present-space", shortcut="Space", on_click=_go, args=(1, total))
        with st.popover(t("pr_settings", lang), icon=":material/tune:"):
            _settings(lang)
        st.button(t("pr_exit", lang), key="present-exit", shortcut="Esc", on_click=leave)
    # an empty chart, hidden, on every slide: the browser loads and starts its chart
    # library with the presentation, not on the first slide that has a chart (≈ 0.2 s)
    st.container(key="present-warm").vega_lite_chart(spec=WARM_CHART, width="content")


def _auto_step(total: int, every: float) -> None:
    """Every ``every`` seconds: the next slide (round to the first after the last)."""
    ps = session.page_state()
    now = time.monotonic()
    shown = ps.present_shown
    if shown is None or shown[0] != ps.slide:  # a new slide: its time starts now
        ps.present_shown = (ps.slide, now)
        return
    if now - shown[1] >= every - 0.25:
        ps.slide = slides.step(ps.slide, 1, total, wrap=True)
        st.rerun()


def render() -> None:
    """One run of the presentation: the chrome hidden, the slide, the controls."""
    v = session.view()
    lang = v.lang
    ps = session.page_state()
    st.html(CSS)
    slide_list = deck(v)
    total = len(slide_list)
    n = slides.clamp(ps.slide, total)
    if not ps.has(P.slide) or ps.slide != n:
        ps.slide = n
    ps.set_default(P.slide, None)  # while presenting, the link always names the slide
    with st.container(key="present-slide"):
        slide = slide_list[n - 1]
        DRAW[slide.kind](v, slide)
        _footer(v)
    _controls(n, total, lang)
    every = slides.auto_interval(ps.auto)
    if every is not None:
        st.caption(t("pr_auto_on", lang, s=f"{every:g}"))
        st.fragment(_auto_step, run_every=every)(total, every)
