"""Streamlit glue of the District comparison and District profile pages: caching, and the
profile's what-if cards.

Each cached function is keyed by what it depends on (the data signature, the
standards in effect, the dates and the district) and calls one pure function of
the core; the pages call these instead of the core so reruns are instant.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from dashboard.core.i18n import t
from dashboard.core.safetext import md_literal
from dashboard.core.state import ALL, ViewState
from dashboard.engine import compare
from dashboard.ui import cache
from dashboard.views import reports


def _as_of(v: ViewState) -> str | None:
    return v.as_of.isoformat() if v.as_of else None


def end_date(v: ViewState) -> date:
    """The view's date: ``as_of``, or the last in-service date (all data)."""
    return v.as_of or cache.date_bounds()[1]


@st.cache_resource(show_spinner=False, max_entries=32)
def _progress(signature: tuple, standards_json: str, start: str, end: str) -> pd.DataFrame:
    from dashboard.engine.coverage import coverage_progress

    layers = cache.load_layers()
    return coverage_progress(
        layers["key-locations"],
        layers["payments"],
        layers["districts"],
        cache.standards_from_key(standards_json),
        start,
        end,
    )


@st.cache_resource(show_spinner=False, max_entries=32)
def _access(signature: tuple, standards_json: str, as_of: str | None) -> pd.DataFrame:
    from dashboard.engine.accessibility import accessibility

    layers = cache.load_layers()
    return accessibility(
        layers["key-locations"],
        layers["payments"],
        cache.standards_from_key(standards_json),
        as_of=as_of,
        districts=layers["districts"],
    )


@st.cache_resource(show_spinner=False, max_entries=32)
def _siting(signature: tuple, standards_json: str, as_of: str | None, district: str, k: int):
    from dashboard.engine.siting import recommend_sites

    layers = cache.load_layers()
    return recommend_sites(
        layers["key-locations"],
        layers["payments"],
        layers["districts"],
        cache.standards_from_key(standards_json),
        k,
        district=None if district == "all" else district,
        as_of=as_of,
        before=cache._coverage(signature, standards_json, as_of),  # cached: not computed again
    )


def siting(v: ViewState, district: str, k: int):
    """:func:`recommend_sites` for one district (``"all"``: anywhere in the city) at the
    view's date (a ``SitingResult``)."""
    sig, std = cache.view_key(v)
    return _siting(sig, std, _as_of(v), district, k)


@st.cache_resource(show_spinner=False, max_entries=32)
def _by_sector(signature: tuple, standards_json: str, as_of: str | None) -> pd.DataFrame:
    from dashboard.engine.coverage import coverage_by_sector

    cov = cache._coverage(signature, standards_json, as_of)
    return coverage_by_sector(cov.places, cache.load_layers()["districts"])


@st.cache_resource(show_spinner=False, max_entries=32)
def _metrics(signature: tuple, standards_json: str, as_of: str | None) -> pd.DataFrame:
    from dashboard.engine.accessibility import district_accessibility
    from dashboard.engine.compare import district_metrics

    cov = cache._coverage(signature, standards_json, as_of)
    return district_metrics(
        cov.districts, district_accessibility(_access(signature, standards_json, as_of))
    )


def district_metrics(v: ViewState) -> pd.DataFrame:
    """:func:`compare.district_metrics` (coverage and accessibility per district) at the
    view's date (cached)."""
    sig, std = cache.view_key(v)
    return _metrics(sig, std, _as_of(v))


@st.cache_resource(show_spinner=False, max_entries=32)
def _city(signature: tuple, standards_json: str, as_of: str | None) -> dict[str, float]:
    from dashboard.engine.compare import city_reference

    cov = cache._coverage(signature, standards_json, as_of)
    return city_reference(cov.districts, _access(signature, standards_json, as_of))


def city_reference(v: ViewState) -> dict[str, float]:
    """:func:`compare.city_reference` without progress at the view's date (cached)."""
    sig, std = cache.view_key(v)
    return dict(_city(sig, std, _as_of(v)))


@st.cache_resource(show_spinner=False, max_entries=32)
def _comparison(
    signature: tuple, standards_json: str, as_of: str | None, start: str, end: str, by: str
) -> tuple[pd.DataFrame, dict[str, float]]:
    from dashboard.engine.accessibility import district_accessibility
    from dashboard.engine.compare import city_reference, comparison_table

    cov = cache._coverage(signature, standards_json, as_of)
    scores = _access(signature, standards_json, as_of)
    prog = _progress(signature, standards_json, start, end)
    table = comparison_table(cov.districts, prog, district_accessibility(scores), by=by)
    return table, city_reference(cov.districts, scores, prog)


def comparison(v: ViewState, baseline: date, by: str) -> tuple[pd.DataFrame, dict[str, float]]:
    """:func:`compare.comparison_table` ranked ``by`` with the change since ``baseline``,
    and :func:`compare.city_reference` (cached; do not modify the table)."""
    sig, std = cache.view_key(v)
    table, city = _comparison(
        sig, std, _as_of(v), baseline.isoformat(), end_date(v).isoformat(), by
    )
    return table, dict(city)


@st.cache_resource(show_spinner=False, max_entries=32)
def _exports(
    signature: tuple,
    standards_json: str,
    as_of: str | None,
    start: str,
    end: str,
    by: str,
    lang: str,
) -> tuple[bytes, bytes]:
    from dashboard.views import reports

    table, _city = _comparison(signature, standards_json, as_of, start, end, by)
    export = reports.comparison_export(table, lang)
    return reports.to_csv_bytes(export), reports.to_xlsx_bytes(export, sheet=end)


def exports(v: ViewState, baseline: date, by: str) -> tuple[bytes, bytes]:
    """The comparison table as CSV and XLSX file contents in the view's language (cached:
    the XLSX alone takes ~15 ms to write)."""
    sig, std = cache.view_key(v)
    return _exports(sig, std, _as_of(v), baseline.isoformat(), end_date(v).isoformat(), by, v.lang)


@st.cache_resource(show_spinner=False, max_entries=64)
def _ranked_spec(
    signature: tuple,
    standards_json: str,
    as_of: str | None,
    start: str,
    end: str,
    by: str,
    lang: str,
) -> dict:
    from dashboard.views import charts

    table, city = _comparison(signature, standards_json, as_of, start, end, by)
    return charts.vega_spec(charts.ranked_bar(table, by, lang, city_value=city.get(by)))


def ranked_bar_spec(v: ViewState, baseline: date, by: str) -> dict:
    """Vega-Lite spec of :func:`charts.ranked_bar` for the view: the shared district
    highlighted, the chosen ones marked, the city as a rule (the chart is built once per
    ranking; the districts are marked on the cached spec)."""
    from dashboard.views import charts

    sig, std = cache.view_key(v)
    spec = _ranked_spec(
        sig, std, _as_of(v), baseline.isoformat(), end_date(v).isoformat(), by, v.lang
    )
    return charts.mark_districts(spec, None if v.district == "all" else v.district, v.compare)


@st.cache_resource(show_spinner=False, max_entries=64)
def _sector_spec(
    signature: tuple, standards_json: str, as_of: str | None, chosen: tuple[str, ...], lang: str
) -> dict | None:
    from dashboard.engine.compare import sector_table
    from dashboard.views import charts

    sectors = sector_table(_by_sector(signature, standards_json, as_of), list(chosen) or None)
    if sectors.empty:
        return None
    return charts.vega_spec(charts.sector_facets(sectors, cache.district_names(lang), lang))


def sector_facets_spec(v: ViewState) -> dict | None:
    """Vega-Lite spec of :func:`charts.sector_facets` for the chosen districts (all when
    none are chosen); None when there is no sector data (cached; do not modify)."""
    sig, std = cache.view_key(v)
    return _sector_spec(sig, std, _as_of(v), tuple(v.compare), v.lang)


@st.cache_resource(show_spinner=False, max_entries=128)
def _gaps(
    signature: tuple, standards_json: str, as_of: str | None, district: str, lang: str
) -> tuple[pd.DataFrame, list[dict], list[dict]]:
    from dashboard.core.i18n import t
    from dashboard.engine import compare

    places = cache._coverage(signature, standards_json, as_of).places
    demand = cache.load_layers()["key-locations"]
    unc = compare.uncovered_list(places, demand, district)
    status = (t("dp_status_covered", lang), t("dp_status_uncovered", lang))
    covered, uncovered = compare.gap_records(
        places, demand, district, lang, status, t("dp_distance", lang)
    )
    return unc, covered, uncovered


def uncovered_list(v: ViewState, district: str) -> pd.DataFrame:
    """:func:`compare.uncovered_list` of ``district`` (or ``"all"``) at the view's date
    (cached)."""
    sig, std = cache.view_key(v)
    return _gaps(sig, std, _as_of(v), district, v.lang)[0]


def gap_records(v: ViewState, district: str) -> tuple[list[dict], list[dict]]:
    """:func:`compare.gap_records` (covered, uncovered map records) of ``district`` (or
    ``"all"``) at the view's date, in the view's language (cached)."""
    sig, std = cache.view_key(v)
    _unc, covered, uncovered = _gaps(sig, std, _as_of(v), district, v.lang)
    return covered, uncovered


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
