"""Streamlit glue of the Progress page: the monthly series and the target status of the
view, cached (:func:`dashboard.ui.cache.view_cached`)."""

from __future__ import annotations

import json

import pandas as pd

from dashboard.core.targets import Targets, targets_from_dict, targets_to_dict
from dashboard.engine import progress
from dashboard.ui import cache
from dashboard.ui.cache import ViewInputs
from loaders.targets_store import is_customised, load_targets


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
    """The targets in effect and their canonical JSON (the cache key of their status)."""
    current = load_targets()
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
