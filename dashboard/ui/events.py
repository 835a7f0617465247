"""Streamlit glue of the Events page: caching only.

Each cached function is keyed by what it depends on (the data signature, the standards
in effect, the radii, the filters, the reference date, the language) and calls pure
functions of :mod:`dashboard.engine.events` and :mod:`dashboard.views.events`, so a rerun that
changes none of them (a district with the same events, a click elsewhere) redraws from
cache. Returned objects are shared: pages must not modify them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

import pandas as pd
import pydeck as pdk
import streamlit as st

from dashboard.core.i18n import label_of, t
from dashboard.core.model import EVENT_CATEGORIES
from dashboard.core.state import ViewState
from dashboard.engine import events as ev
from dashboard.ui import cache, session, tiling
from dashboard.ui.cache import ViewInputs
from dashboard.ui.page_state import PageState, Param
from dashboard.ui.page_state import PageState as P
from dashboard.views import events as evv
from dashboard.views import tiles


def dated_events() -> pd.DataFrame:
    """The events that have a start date (the others cannot be placed on the timeline)."""
    events = cache.load_layers()["events"]
    return events[pd.to_datetime(events["start_date"]).notna()]


#: Layers projected with their KD-trees in this process (a radius step, another event or
#: district projects none: the tests count them).
POINT_SETS = 0


@cache.view_cached(dated=False, max_entries=4)
def _point_set(inputs: ViewInputs, layer: str) -> ev.PointSet:
    global POINT_SETS
    POINT_SETS += 1
    frame = inputs.supply if layer == "payments" else inputs.layers[layer]
    return ev.point_set(frame)


def point_set(inputs: ViewInputs, layer: str) -> ev.PointSet:
    """:func:`events.point_set` of the key locations, or of the payment points as the
    view's undated coverage counts them (``inputs.supply``), cached per data (not per
    standards or date: a radius step reuses it; do not modify)."""
    return _point_set(dataclasses.replace(inputs, standards_json="{}", as_of=None), layer)


@cache.view_cached(dated=False)
def _readiness(inputs: ViewInputs, radius_m: float, venue_radius_m: float) -> pd.DataFrame:
    lay = inputs.layers
    # without field checks the coverage index gives every place's first covered date (a
    # vectorised pass, cached per standards) instead of a radius search per radius step
    since = None if inputs.evidence else cache.covered_from(inputs)
    return ev.event_readiness(
        dated_events(),
        lay["venues"],
        lay["key-locations"],
        inputs.supply,
        inputs.standards,
        radius_m=radius_m,
        venue_radius_m=venue_radius_m,
        key_points=point_set(inputs, "key-locations"),
        payment_points=point_set(inputs, "payments"),
        covered_since=since,
    )


@dataclass(frozen=True)
class EventsView:
    """The events shown for a choice of filters, with their timeline and table."""

    shown: pd.DataFrame  #: filtered, upcoming first (:func:`events.order_events`)
    timeline_rows: pd.DataFrame | None  #: :func:`events_views.timeline_data`
    table: pd.DataFrame | None  #: :func:`events_views.events_table`
    lang: str = "en"

    def timeline(self) -> dict | None:
        """Vega-Lite spec of the timeline with its rows (None when no event is shown).

        The spec without the rows is the same for every filter and district
        (:func:`events_views.timeline_spec`), so a change redraws the chart's data in
        place instead of building a new chart.
        """
        if self.timeline_rows is None:
            return None
        return {**_timeline_spec(self.lang), "datasets": {evv.TIMELINE_DATA: self.timeline_rows}}


@st.cache_resource(show_spinner=False)
def _timeline_spec(lang: str) -> dict:
    return evv.timeline_spec(lang)


@cache.view_cached(max_entries=64, dated=False)
def _events_view(
    inputs: ViewInputs,
    radius_m: float,
    venue_radius_m: float,
    years: tuple[int, ...],
    cats: tuple[str, ...],
    district: str,
    ref: str,
    lang: str,
    group_by: str,
    major_only: bool = False,
) -> EventsView:
    ready = _readiness(inputs, radius_m, venue_radius_m)
    shown = ev.filter_events(
        ready, years=list(years), categories=list(cats), district=district, major_only=major_only
    )
    shown = ev.order_events(shown, ref, major_first=True)
    if shown.empty:
        return EventsView(shown, None, None, lang)
    rows = evv.timeline_data(shown, lang, group_by, ref)
    return EventsView(shown, rows, evv.events_table(shown, lang), lang)


def events_view(
    v: ViewState,
    radius_km: float,
    venue_radius_m: float,
    years: list[int],
    cats: list[str],
    ref: date,
    group_by: str,
    major_only: bool = False,
) -> EventsView:
    """Readiness of every dated event (:func:`events.event_readiness`) filtered to the
    years, categories, the view's district and (``major_only``) the four major events,
    ordered around ``ref`` with the major events first in each status, with the timeline
    spec and the table in the view's language (cached)."""
    return _events_view(
        v,
        radius_km * 1000,
        float(venue_radius_m),
        tuple(years),
        tuple(cats),
        v.district,
        ref.isoformat(),
        v.lang,
        group_by,
        bool(major_only),
    )


@dataclass(frozen=True)
class MajorView:
    """The four major events edition by edition: the engine's rows, chart and table."""

    rows: pd.DataFrame  #: :func:`events.major_event_readiness` (in the district)
    spec: dict | None  #: :func:`events_views.major_readiness_spec`; None when no row
    table: pd.DataFrame | None  #: :func:`events_views.major_readiness_table`


@cache.view_cached(max_entries=32, dated=False)
def _major_view(
    inputs: ViewInputs, radius_m: float, venue_radius_m: float, district: str, ref: str, lang: str
) -> MajorView:
    lay = inputs.layers
    rows = ev.major_event_readiness(
        dated_events(),
        lay["venues"],
        lay["key-locations"],
        inputs.supply,
        inputs.standards,
        radius_m=radius_m,
        venue_radius_m=venue_radius_m,
        as_of=ref,
    )
    if district != "all":
        rows = rows[rows["adcode"].astype(str) == district].reset_index(drop=True)
    if rows.empty:
        return MajorView(rows, None, None)
    return MajorView(
        rows, evv.major_readiness_spec(rows, lang), evv.major_readiness_table(rows, lang)
    )


def major_view(v: ViewState, radius_km: float, venue_radius_m: float, ref: date) -> MajorView:
    """Readiness around the four major events' venues at every edition
    (:func:`events.major_event_readiness`, as of ``ref``) in the view's district (cached)."""
    return _major_view(
        v, radius_km * 1000, float(venue_radius_m), v.district, ref.isoformat(), v.lang
    )


@dataclass(frozen=True)
class EventDetail:
    """One event's surroundings: places, payment points, gaps, map and gap table."""

    places: pd.DataFrame  #: :func:`events.event_places`
    payments: pd.DataFrame  #: :func:`events.venue_payments`
    gaps: pd.DataFrame  #: :func:`events.event_gaps`
    deck: pdk.Deck  #: :func:`events_views.event_deck`
    gaps_table: pd.DataFrame  #: :func:`events_views.gaps_table`
    #: the tile sources of the layers drawn from tiles (many places), for the legend
    sources: tuple[tiles.TileSource, ...] = ()


@cache.view_cached(max_entries=64, dated=False)
def _detail(
    inputs: ViewInputs,
    event_id: str,
    radius_m: float,
    venue_radius_m: float,
    lang: str,
) -> EventDetail:
    lay = inputs.layers
    row = lay["events"][lay["events"]["id"].astype(str) == event_id].iloc[0]
    ready = _readiness(inputs, radius_m, venue_radius_m)
    event = ready[ready["id"].astype(str) == event_id].iloc[0]
    places = ev.event_places(
        row,
        lay["venues"],
        lay["key-locations"],
        inputs.supply,
        inputs.standards,
        radius_m=radius_m,
        key_points=point_set(inputs, "key-locations"),
    )
    pays = ev.venue_payments(
        row, lay["venues"], inputs.supply, radius_m, point_set(inputs, "payments")
    )
    gaps = ev.event_gaps(places, inputs.supply)
    # many places or points within R (a city-wide survey): drawn from tiles, as every map
    parts = ("event", event_id, radius_m, venue_radius_m)
    place_src = pay_src = None
    if tiling.is_tiled(len(places)):
        rows = evv.place_tile_rows(places, lang)
        place_src = tiling.class_source(
            rows, "key-locations", lang, evv.place_classes(lang), inputs, parts, note="ev_note"
        )
    if tiling.is_tiled(len(pays)):
        pay_src = tiling.class_source(pays, "payments", lang, None, inputs, parts, ring=True)
    deck = evv.event_deck(
        event,
        places,
        pays,
        lang,
        cache.district_names(lang),
        cache.district_outlines(lang),
        radius_m=radius_m,
        venue_radius_m=venue_radius_m,
        place_tiles=place_src,
        payment_tiles=pay_src,
    )
    sources = tuple(s for s in (place_src, pay_src) if s is not None)
    return EventDetail(places, pays, gaps, deck, evv.gaps_table(gaps, lang), sources)


def event_detail(
    v: ViewState, event_id: str, radius_km: float, venue_radius_m: float
) -> EventDetail:
    """The surroundings of event ``event_id`` within ``radius_km`` (cached)."""
    return _detail(v, event_id, radius_km * 1000, float(venue_radius_m), v.lang)


T = TypeVar("T")


def for_options(ps: PageState, param: Param[list[T]], options: list[T]) -> None:
    """Keep only the values of multi-choice ``param`` still among ``options`` (the data
    changed), with all of them as its default ("all", left out of links)."""
    current = ps.get(param) if ps.has(param) else options
    ps.set(param, [x for x in current if x in options])
    ps.set_default(param, options)


def event_filters(dated: pd.DataFrame, lang: str) -> tuple[list, list, str, float, int, bool]:
    """The Events page's filters: years, categories, grouping, the two radii (km around a
    venue, m for the venue's own points) and "only the four major events", each kept
    under its page key."""
    years = ev.event_years(dated)
    cats = [c for c in EVENT_CATEGORIES if c in set(dated["category"].astype(str))]
    ps = session.page_state()
    # values no longer among the options (the data changed) are dropped before the widgets
    # are drawn
    for_options(ps, P.ev_years, years)
    for_options(ps, P.ev_cats, cats)
    ps.ensure(P.ev_r, P.venue_r, P.ev_major)
    c1, c2, c3 = st.columns([2, 3, 2])
    chosen_years = c1.multiselect(
        t("ev_years", lang),
        years,
        key=P.ev_years.key,
        placeholder=t("choose_options", lang),  # none chosen shows no event
    )
    chosen_cats = c2.multiselect(
        t("ev_categories", lang),
        cats,
        key=P.ev_cats.key,
        format_func=lambda c: label_of("events", c, lang),
        placeholder=t("choose_options", lang),
    )
    group_by = c3.radio(
        t("ev_group_by", lang),
        ("venue", "year"),
        horizontal=True,
        key=P.ev_group.key,
        format_func=lambda g: t(f"ev_group_{g}", lang),
    )
    major_only = st.toggle(
        t("ev_major_only", lang), key=P.ev_major.key, help=t("ev_major_only_help", lang)
    )
    c4, c5 = st.columns(2)
    radius_km = c4.slider(
        t("ev_radius", lang),
        0.5,
        5.0,
        step=0.5,
        key=P.ev_r.key,
        format="%.1f",
        help=t("ev_radius_help", lang),
    )
    venue_radius = c5.slider(
        t("ev_venue_radius", lang),
        100,
        1000,
        step=50,
        key=P.venue_r.key,
        help=t("ev_venue_radius_help", lang),
    )
    return chosen_years, chosen_cats, str(group_by), radius_km, venue_radius, bool(major_only)
