"""Streamlit glue of the Progress page: the monthly series and the target status of the
view, cached (:func:`dashboard.ui.cache.view_cached`)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard.core.i18n import t
from dashboard.core.targets import CITY, Targets, target_for, targets_from_dict, targets_to_dict
from dashboard.engine import progress
from dashboard.ui import cache, widgets
from dashboard.ui.cache import ViewInputs
from dashboard.views import progress as vp
from loaders.documents import document_signature
from loaders.targets_store import DOCUMENT, is_customised, load_targets
from loaders.workspace import default_home


def _period(inputs: ViewInputs) -> tuple[pd.Timestamp, pd.Timestamp]:
    dates = inputs.layers["payments"]["in_service_date"].dropna()
    start = dates.min()
    end = pd.Timestamp(inputs.as_of) if inputs.as_of else dates.max()
    return start, max(end, start)


@cache.view_cached()
def series(inputs: ViewInputs, sector: str | None = None) -> pd.DataFrame:
    """:func:`progress.coverage_series` from the first in-service date to the view's date
    (cached; do not modify)."""
    lay = inputs.layers
    start, end = _period(inputs)
    return progress.coverage_series(
        lay["key-locations"],
        lay["payments"],
        lay["districts"],
        inputs.standards,
        start,
        end,
        sector=sector,
    )


def targets() -> tuple[Targets, str]:
    """The targets in effect and their canonical JSON (the cache key of their status),
    read again only when the workspace's version of them changes."""
    home = default_home()
    return _targets(document_signature(DOCUMENT, home), str(home))


@st.cache_resource(show_spinner=False, max_entries=8)
def _targets(signature: str, home: str) -> tuple[Targets, str]:
    current = load_targets(Path(home))
    return current, json.dumps(targets_to_dict(current), sort_keys=True)


@cache.view_cached()
def _status(inputs: ViewInputs, targets_json: str) -> pd.DataFrame:
    chosen = targets_from_dict(json.loads(targets_json))
    by_sector = {s: series(inputs, s) for s in {t.sector for t in chosen if t.sector}}
    _, end = _period(inputs)
    return progress.target_status(series(inputs), chosen, end, sector_series=by_sector)


def status(v, targets_json: str) -> pd.DataFrame:
    """:func:`progress.target_status` of the targets at the view's date (cached)."""
    return _status(v, targets_json)


@cache.view_cached()
def improved(inputs: ViewInputs) -> pd.DataFrame:
    """:func:`progress.most_improved` over the last six months (cached)."""
    return progress.most_improved(series(inputs))


def examples_in_effect() -> bool:
    """Whether the shipped example targets apply (nothing set in the workspace)."""
    return not is_customised()


def target_line(v, adcode: str, lang: str) -> str | None:
    """One sentence on the target of ``adcode`` (``all``: the city) at the view's date:
    the next milestone, today's value, the projection and the status; None without one."""
    _, key = targets()
    rows = status(v, key)
    district = CITY if adcode == "all" else adcode
    mine = rows[(rows["adcode"] == district) & rows["sector"].isna()]
    if mine.empty:
        return None
    r = mine.iloc[0]
    text = t(
        "pg_line",
        lang,
        metric=t(f"pg_metric_{r['metric']}", lang),
        target=f"{100 * r['target']:.0f}%",
        due=str(r["due"]),
        value=f"{100 * r['value']:.1f}%",
        projected=f"{100 * r['projected']:.1f}%",
        status=t(f"pg_status_{r['status']}", lang),
    )
    return text + (" " + t("pg_line_example", lang) if bool(r["example"]) else "")


def trend_panel(v, adcode: str, lang: str) -> None:
    """The District profile's progress block: the target sentence and, in a lazily drawn
    expander, the trend against the target (:func:`dashboard.views.progress.trend_spec`)."""
    line = target_line(v, adcode, lang)
    st.caption(line or t("pg_no_target", lang))
    box = widgets.lazy_expander(t("pg_trend_here", lang), "dp_trend")
    if box is not None:
        ad = "110000" if adcode == "all" else adcode
        spec = vp.trend_spec(series(v), ad, lang, target_for(targets()[0], adcode))
        box.vega_lite_chart(spec=spec, width="stretch")
