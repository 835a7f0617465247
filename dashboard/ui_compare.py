"""Streamlit glue of the District comparison and District profile pages: caching only.

Each cached function is keyed by what it depends on (the data signature, the
standards in effect, the dates and the district) and calls one pure function of
the core; the pages call these instead of the core so reruns are instant.
"""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import streamlit as st

from dashboard import ui
from dashboard.state import ViewState
from loaders.workspace import default_home


def _key(v: ViewState) -> tuple[tuple, str]:
    return ui.data_signature(default_home()), ui.standards_key(ui.standards_for(v))


def _std(standards_json: str):
    from dashboard.standards import standards_from_dict

    return standards_from_dict(json.loads(standards_json))


def end_date(v: ViewState) -> date:
    """The view's date: ``as_of``, or the last in-service date (all data)."""
    return v.as_of or ui.date_bounds()[1]


@st.cache_resource(show_spinner=False, max_entries=32)
def _progress(signature: tuple, standards_json: str, start: str, end: str) -> pd.DataFrame:
    from dashboard.coverage import coverage_progress

    layers = ui.load_layers()
    return coverage_progress(
        layers["key-locations"],
        layers["payments"],
        layers["districts"],
        _std(standards_json),
        start,
        end,
    )


def progress(v: ViewState, start: date) -> pd.DataFrame:
    """:func:`coverage_progress` from ``start`` to the view's date."""
    sig, std = _key(v)
    return _progress(sig, std, start.isoformat(), end_date(v).isoformat())


@st.cache_resource(show_spinner=False, max_entries=32)
def _access(signature: tuple, standards_json: str, as_of: str | None) -> pd.DataFrame:
    from dashboard.accessibility import accessibility

    layers = ui.load_layers()
    return accessibility(
        layers["key-locations"],
        layers["payments"],
        _std(standards_json),
        as_of=as_of,
        districts=layers["districts"],
    )


def access_scores(v: ViewState) -> pd.DataFrame:
    """Per-place E2SFCA scores at the view's date (:func:`accessibility`)."""
    sig, std = _key(v)
    return _access(sig, std, v.as_of.isoformat() if v.as_of else None)


def by_sector(v: ViewState) -> pd.DataFrame:
    """:func:`coverage_by_sector` at the view's date (cheap: a group-by of cached places)."""
    from dashboard.coverage import coverage_by_sector

    return coverage_by_sector(ui.coverage(v).places, ui.load_layers()["districts"])


@st.cache_resource(show_spinner=False, max_entries=32)
def _siting(signature: tuple, standards_json: str, as_of: str | None, district: str, k: int):
    from dashboard.siting import recommend_sites

    layers = ui.load_layers()
    return recommend_sites(
        layers["key-locations"],
        layers["payments"],
        layers["districts"],
        _std(standards_json),
        k,
        district=district,
        as_of=as_of,
    )


def siting(v: ViewState, district: str, k: int):
    """:func:`recommend_sites` for one district at the view's date (a ``SitingResult``)."""
    sig, std = _key(v)
    return _siting(sig, std, v.as_of.isoformat() if v.as_of else None, district, k)
