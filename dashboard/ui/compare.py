"""Streamlit glue of the District comparison and District profile pages: caching, and the
profile's what-if cards.

Each result is a :func:`dashboard.ui.cache.view_cached` function of the view and its
own arguments (dates, district, language) that calls pure functions of the engine and
the views; the pages call these instead of the engine so reruns are instant.
"""

from __future__ import annotations

import dataclasses
from datetime import date

import pandas as pd
import streamlit as st

from dashboard.core.i18n import t
from dashboard.core.safetext import md_literal
from dashboard.core.state import ALL, ViewState
from dashboard.engine import compare
from dashboard.engine.accessibility import AccessIndex, accessibility, district_accessibility
from dashboard.engine.accessibility import access_index as make_access_index
from dashboard.engine.coverage import assess_coverage, coverage_by_sector, progress_table
from dashboard.engine.explore import Filters
from dashboard.engine.siting import SitingResult, recommend_sites
from dashboard.ui import cache, map_download, tiling
from dashboard.ui.cache import ViewInputs
from dashboard.views import charts, maps, reports, tiles


def end_date(v: ViewState) -> date:
    """The view's date: ``as_of``, or the last in-service date (all data)."""
    return v.as_of or cache.date_bounds()[1]


@cache.view_cached(dated=False)
def _progress(inputs: ViewInputs, start: str, end: str) -> pd.DataFrame:
    lay = inputs.layers
    if not inputs.evidence:  # the same answers, from the coverage index
        a = cache.coverage(dataclasses.replace(inputs, as_of=start))
        b = cache.coverage(dataclasses.replace(inputs, as_of=end))
        return progress_table(a, b, lay["districts"])
    a = assess_coverage(
        lay["key-locations"],
        inputs.supply_at(start),
        lay["districts"],
        inputs.standards,
        as_of=start,
    )
    b = assess_coverage(
        lay["key-locations"], inputs.supply_at(end), lay["districts"], inputs.standards, as_of=end
    )
    return progress_table(a, b, lay["districts"])


def _by_weight(inputs: ViewInputs) -> ViewInputs:
    """``inputs`` with the standards reduced to what accessibility depends on: their
    weights (not their radii or requirements), so a radius step shares its results."""
    weights = {
        c: dataclasses.replace(s, radius_m=1.0, require=(), rationale="", rationale_zh="")
        for c, s in inputs.standards.items()
    }
    return dataclasses.replace(inputs, standards_json=cache.standards_key(weights))


def _access(inputs: ViewInputs) -> pd.DataFrame:
    """E2SFCA of the view, cached on what it depends on: the data, the date and the
    standards' weights — not their radii or requirements, so a radius step reuses it.
    Without field checks changing the supply, a date is answered from the view's
    :func:`access_index` (two sums over pairs formed once), else computed for the date."""
    return _access_of(_by_weight(inputs))


@cache.view_cached()
def _district_access_of(inputs: ViewInputs) -> pd.DataFrame:
    return district_accessibility(_access_of(inputs))


def _district_access(inputs: ViewInputs) -> pd.DataFrame:
    """:func:`district_accessibility` of :func:`_access` (cached alike: a radius step
    reuses it)."""
    return _district_access_of(_by_weight(inputs))


#: Accessibility indexes built in this process (a date step builds none: the tests count them).
ACCESS_INDEX_BUILDS = 0


@cache.view_cached(dated=False, max_entries=2)
def access_index(inputs: ViewInputs) -> AccessIndex:
    """The :class:`~dashboard.engine.accessibility.AccessIndex` of the view's data under its
    standards' weights (cached; not keyed by the date)."""
    global ACCESS_INDEX_BUILDS
    ACCESS_INDEX_BUILDS += 1
    lay = inputs.layers
    return make_access_index(
        lay["key-locations"], inputs.supply_at(None), inputs.standards, districts=lay["districts"]
    )


@cache.view_cached()
def _access_of(inputs: ViewInputs) -> pd.DataFrame:
    if not inputs.evidence:  # the supply is the same on every date: one set of pairs
        return access_index(inputs).at(inputs.as_of)
    lay = inputs.layers
    return accessibility(
        lay["key-locations"],
        inputs.supply,
        inputs.standards,
        as_of=inputs.as_of,
        districts=lay["districts"],
    )


def access_note(v: ViewState) -> str:
    """What the accessibility figures are, and whether they were pooled on a grid because
    the places are many (:func:`dashboard.engine.accessibility.accessibility`)."""
    text = t("cmpm_access_help", v.lang)
    cell = _access(cache.view_inputs(v)).attrs.get("pooled_m", 0)
    return text + (" " + t("cmpm_access_pooled", v.lang, cell=f"{cell:g}") if cell else "")


def place_access(inputs: ViewInputs) -> pd.DataFrame:
    """E2SFCA scores of every key location at the view's date (:func:`accessibility`,
    cached; do not modify)."""
    return _access(inputs)


@cache.view_cached()
def siting(inputs: ViewInputs, district: str, k: int) -> SitingResult:
    """:func:`recommend_sites` for one district (``"all"``: anywhere in the city) at the
    view's date (cached)."""
    lay = inputs.layers
    return recommend_sites(
        lay["key-locations"],
        inputs.supply,
        lay["districts"],
        inputs.standards,
        k,
        district=None if district == "all" else district,
        as_of=inputs.as_of,
        before=cache.coverage(inputs),  # cached: not computed again
    )


@cache.view_cached()
def _by_sector(inputs: ViewInputs) -> pd.DataFrame:
    return coverage_by_sector(cache.coverage(inputs).places, inputs.layers["districts"])


@cache.view_cached()
def district_metrics(inputs: ViewInputs) -> pd.DataFrame:
    """:func:`compare.district_metrics` (coverage and accessibility per district) at the
    view's date (cached)."""
    return compare.district_metrics(cache.coverage(inputs).districts, _district_access(inputs))


@cache.view_cached()
def _city(inputs: ViewInputs) -> dict[str, float]:
    return compare.city_reference(cache.coverage(inputs).districts, _access(inputs))


def city_reference(v: ViewState) -> dict[str, float]:
    """:func:`compare.city_reference` without progress at the view's date (cached)."""
    return dict(_city(v))


@cache.view_cached()
def _comparison(
    inputs: ViewInputs, start: str, end: str, by: str
) -> tuple[pd.DataFrame, dict[str, float]]:
    cov = cache.coverage(inputs)
    scores = _access(inputs)
    prog = _progress(inputs, start, end)
    table = compare.comparison_table(cov.districts, prog, _district_access(inputs), by=by)
    return table, compare.city_reference(cov.districts, scores, prog)


def _period(v: ViewState, baseline: date) -> tuple[str, str]:
    return baseline.isoformat(), end_date(v).isoformat()


def comparison(v: ViewState, baseline: date, by: str) -> tuple[pd.DataFrame, dict[str, float]]:
    """:func:`compare.comparison_table` ranked ``by`` with the change since ``baseline``,
    and :func:`compare.city_reference` (cached; do not modify the table)."""
    table, city = _comparison(v, *_period(v, baseline), by)
    return table, dict(city)


@cache.view_cached()
def _exports(inputs: ViewInputs, start: str, end: str, by: str, lang: str) -> tuple[bytes, bytes]:
    table, _city = _comparison(inputs, start, end, by)
    export = reports.comparison_export(table, lang)
    return reports.to_csv_bytes(export), reports.to_xlsx_bytes(export, sheet=end)


def exports(v: ViewState, baseline: date, by: str) -> tuple[bytes, bytes]:
    """The comparison table as CSV and XLSX file contents in the view's language (cached:
    the XLSX alone takes ~15 ms to write)."""
    return _exports(v, *_period(v, baseline), by, v.lang)


@cache.view_cached(max_entries=64)
def _ranked_spec(inputs: ViewInputs, start: str, end: str, by: str, lang: str) -> dict:
    table, city = _comparison(inputs, start, end, by)
    return charts.vega_spec(charts.ranked_bar(table, by, lang, city_value=city.get(by)))


def ranked_bar_spec(v: ViewState, baseline: date, by: str) -> dict:
    """Vega-Lite spec of :func:`charts.ranked_bar` for the view: the shared district
    highlighted, the chosen ones marked, the city as a rule (the chart is built once per
    ranking; the districts are marked on the cached spec)."""
    spec = _ranked_spec(v, *_period(v, baseline), by, v.lang)
    marked = charts.mark_districts(spec, None if v.district == "all" else v.district, v.compare)
    return charts.stable_datasets(marked, "ranked")


@cache.view_cached(max_entries=64)
def _sector_spec(inputs: ViewInputs, chosen: tuple[str, ...], lang: str) -> dict | None:
    sectors = compare.sector_table(_by_sector(inputs), list(chosen) or None)
    if sectors.empty:
        return None
    return charts.vega_spec(charts.sector_facets(sectors, cache.district_names(lang), lang))


def sector_facets_spec(v: ViewState) -> dict | None:
    """Vega-Lite spec of :func:`charts.sector_facets` for the chosen districts (all when
    none are chosen); None when there is no sector data (cached; do not modify)."""
    spec = _sector_spec(v, tuple(v.compare), v.lang)
    return None if spec is None else charts.stable_datasets(spec, "sectors")


@cache.view_cached(max_entries=128)
def _uncovered(inputs: ViewInputs, district: str) -> pd.DataFrame:
    places = cache.coverage(inputs).places
    return compare.uncovered_list(places, inputs.layers["key-locations"], district)


@cache.view_cached(max_entries=128)
def _gap_records(inputs: ViewInputs, district: str, lang: str) -> tuple[list[dict], list[dict]]:
    places = cache.coverage(inputs).places
    status = (t("dp_status_covered", lang), t("dp_status_uncovered", lang))
    return compare.gap_records(
        places, inputs.layers["key-locations"], district, lang, status, t("dp_distance", lang)
    )


def uncovered_list(v: ViewState, district: str) -> pd.DataFrame:
    """:func:`compare.uncovered_list` of ``district`` (or ``"all"``) at the view's date
    (cached)."""
    return _uncovered(v, district)


def gap_records(v: ViewState, district: str) -> tuple[list[dict], list[dict]]:
    """:func:`compare.gap_records` (covered, uncovered map records) of ``district`` (or
    ``"all"``) at the view's date, in the view's language (cached; a map of many places
    tiles them instead and never asks for these)."""
    return _gap_records(v, district, v.lang)


def what_if_cards(
    before: pd.DataFrame, after: pd.DataFrame, district: str, place: str, lang: str
) -> None:
    """Draw the what-if's before/after cards (:func:`compare.what_if_summary`) for
    ``district`` (named ``place``): its coverage, weighted coverage and gaps after the new
    points, with the change as the delta; then the city's coverage after, or for the whole
    city how many districts gain (:func:`compare.districts_gaining`)."""
    wi = compare.what_if_summary(before, after, district)
    here, city_row = wi.iloc[0], wi.iloc[-1]
    st.markdown(f"**{t('dp_before_after', lang, district=md_literal(place))}**")
    c1, c2, c3, c4 = st.columns(4)
    for col, m, a, b in (
        (c1, "coverage", here["coverage_before"], here["coverage_after"]),
        (c2, "weighted_coverage", here["weighted_before"], here["weighted_after"]),
        (c3, "uncovered", here["uncovered_before"], here["uncovered_after"]),
    ):
        col.metric(
            f"{reports.header(m, lang)} · {t('dp_after', lang)}",
            reports.format_metric(m, b),
            delta=reports.format_delta(m, b - a),
            delta_color="inverse" if m == "uncovered" else "normal",
            border=True,
        )
    if district == ALL:  # which districts the points help
        c4.metric(
            t("dp_districts_gaining", lang),
            f"{compare.districts_gaining(before, after):,}",
            help=t("dp_districts_gaining_help", lang),
            border=True,
        )
    else:
        c4.metric(
            t("dp_city_after", lang),
            reports.format_metric("coverage", city_row["coverage_after"]),
            delta=reports.format_delta(
                "coverage", city_row["coverage_after"] - city_row["coverage_before"]
            ),
            border=True,
        )


def _gap_layers(
    v: ViewState, ad: str, pay: pd.DataFrame, proposed: list[dict], zoom: float, scale: float
) -> tuple[list, list[tiles.TileSource]]:
    """The profile map's four point layers (payment points, covered and uncovered key
    locations, proposed sites) and the tile sources among them: a layer of many places is
    drawn from tiles — key locations then as one layer whose clusters and dots are coloured
    by coverage — the others as dots."""
    lang = v.lang
    many_pay = tiling.is_tiled(pay)
    many_places = tiling.is_tiled(cache.layer_rows("key-locations", ad))
    points = [] if many_pay else cache.point_records(pay, "payments", lang)
    covered, uncovered = ([], []) if many_places else gap_records(v, ad)
    dots = charts.gap_layers(points, covered, uncovered, proposed, scale)
    sources = []
    if many_pay:  # the same ids as the dots', so the map is updated, not rebuilt
        dots[0], src = tiling.point_layer(
            "payments", ad, lang, zoom, Filters(as_of=v.as_of), layer_id="payments", ring=True
        )
        sources.append(src)
    if many_places:
        dots[2], src = tiling.point_layer(
            "key-locations", ad, lang, zoom, coverage=cache.view_inputs(v), layer_id="uncovered"
        )
        sources.append(src)
    return dots, [s for s in sources if s is not None]


def gap_map(box, v: ViewState, ad: str, pay, proposed: list[dict]) -> None:
    """The District profile's gap map of ``ad`` (``all``: the city) in ``box``: payment
    points ``pay``, covered and uncovered places, the what-if's ``proposed`` sites.

    The same layers at the same place on the page in every state, so choosing a district
    updates the map instead of rebuilding it (see ``widgets.notices``).
    """
    lang = v.lang
    view = maps.view_for(cache.load_layers()["districts"], ad)
    scale = 0.6 if ad == ALL else 1.0  # smaller dots over the whole city
    dots, sources = _gap_layers(v, ad, pay, proposed, view["zoom"], scale)
    deck_layers = [
        *cache.district_layers(lang, ad),
        maps.label_layer(cache.district_labels(lang)),
        *dots,
    ]
    with box:
        st.subheader(t("dp_map_city" if ad == ALL else "dp_map", lang))
        deck = maps.make_deck(deck_layers, view, height=520)
        st.pydeck_chart(deck, height=520, key="district-map")
        st.caption(t("dp_legend", lang) + " · " + t("map_caption", lang))
        if sources:
            st.caption(tiles.legend_text(sources, lang))
        map_download.map_buttons(deck, "district", ad)
