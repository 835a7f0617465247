"""Warm the shared caches when the server starts, so the first visitor does not pay for them.

With the shipped data a first page costs a second; with a city-wide survey (100k places,
50k payment points) reading the layers, assessing coverage, accessibility and the monthly
series costs several. ``exchange-atlas run`` starts :func:`start` once: a daemon thread
computes, through the same ``st.cache_resource`` functions the pages call, what the
default view of every page needs (both languages). A page asking for a result the thread
is computing waits for that computation instead of starting another (Streamlit locks each
cache key), so nothing is done twice. :func:`ready` says when it has finished; the server
answers ``GET /atlas-ready`` with it (the pages benchmark waits for it before measuring
a "cold" page, as a user opening the app on a running server would find it).
"""

from __future__ import annotations

import logging
import threading
import time

from dashboard.core.model import POINT_LAYERS
from dashboard.core.state import ALL, ViewState
from dashboard.engine import compare as engine_compare
from dashboard.ui import cache, search_index, tiling
from dashboard.ui import compare as uc
from dashboard.ui import inspect as ui_inspect
from dashboard.ui import progress as up

_log = logging.getLogger(__name__)
_done = threading.Event()
_started = threading.Lock()
_seconds: list[float] = []


def warm(view: ViewState | None = None) -> float:
    """Compute the default view's shared results; returns the seconds it took."""
    t0 = time.perf_counter()
    v = view or ViewState()
    cache.load_layers()
    cache.district_counts()
    cache.coverage(v)
    lo, _hi = cache.date_bounds()
    prev = engine_compare.previous_date(uc.end_date(v), lo)
    uc.city_reference(v)
    uc.city_reference(v.with_(as_of=prev))
    up.series(v)
    for lang in ("zh", "en"):  # the Overview's city map: tile sources of layers of many
        for layer in POINT_LAYERS:
            if tiling.is_tiled(cache.layer_rows(layer, ALL)):
                tiling.source(layer, ALL, lang)
    _field_pages(v)
    return time.perf_counter() - t0


def _field_pages(v: ViewState) -> None:
    """The Inspect and Work list pages' default view (the city; the work list of today
    against 30 days before): point status, the work list, their map tiles in both
    languages, and the id and place indexes their tables and search read. At 1M places
    these took 5–7 s on a first visit."""
    inputs = cache.view_inputs(v)
    since = ui_inspect.work_list_dates(v)[1].isoformat()  # as pages/worklist.py
    ui_inspect.district_work_list(inputs, ALL, since)
    for lang in ("zh", "en"):
        ui_inspect.work_deck(inputs, ALL, since, lang)
        ui_inspect.status_deck(inputs, ALL, lang, None)
    for layer in ("payments", "key-locations"):
        search_index.ids(layer)
    _ = search_index.place_index().by_id  # built at its first use: the recent table's names


def _run() -> None:
    try:
        _seconds.append(warm())
        _log.info("caches warmed in %.1f s", _seconds[-1])
    except Exception:  # a page will compute (and report) the same when it is opened
        _log.exception("warming the caches failed")
    finally:
        _done.set()


def start() -> None:
    """Start warming in a daemon thread (once per process)."""
    if _started.acquire(blocking=False):
        threading.Thread(target=_run, name="atlas-warmup", daemon=True).start()


def ready() -> bool:
    """Whether the warm-up has finished (or failed)."""
    return _done.is_set()
