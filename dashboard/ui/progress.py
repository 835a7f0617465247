"""Streamlit glue of the Progress page: the monthly series, the gaps by sector and the
target status of the view, cached (:func:`dashboard.ui.cache.view_cached`), and the
target editor (the same checks and store as ``exchange-atlas targets set``)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from dashboard.core.i18n import label_of, t
from dashboard.core.messages import error_text
from dashboard.core.model import SECTORS
from dashboard.core.rights import can
from dashboard.core.safetext import md_literal
from dashboard.core.state import DISTRICT_CODES
from dashboard.core.targets import (
    CITY,
    METRICS,
    Target,
    Targets,
    check_after_data,
    milestones_from_text,
    remove_target,
    set_target,
    target_for,
    targets_from_dict,
    targets_to_dict,
)
from dashboard.engine import progress
from dashboard.ui import auth, cache, widgets
from dashboard.ui.cache import ViewInputs
from dashboard.views import charts
from dashboard.views import progress as vp
from loaders.documents import document_signature
from loaders.targets_store import (
    DOCUMENT,
    is_customised,
    load_targets,
    targets_history,
)
from loaders.workspace import WorkspaceError, default_home
from loaders.writes import reset_targets, save_targets, undo_targets

#: What the editor's saves are recorded as coming from (``targets history``).
EDIT_SOURCE = "Progress page"


def _period(inputs: ViewInputs) -> tuple[pd.Timestamp, pd.Timestamp]:
    start, last = _in_service_span(_undated(inputs))
    end = pd.Timestamp(inputs.as_of) if inputs.as_of else last
    return start, max(end, start)


@cache.view_cached(dated=False, max_entries=4)
def _in_service_span(inputs: ViewInputs) -> tuple[pd.Timestamp, pd.Timestamp]:
    dates = inputs.layers["payments"]["in_service_date"].dropna()
    return dates.min(), dates.max()


def first_in_service(v) -> pd.Timestamp | None:
    """The first in-service date of the payment points (None: no dated point; cached per
    data)."""
    first = _in_service_span(_undated(cache.view_inputs(v)))[0]
    return None if pd.isna(first) else first


@cache.view_cached()
def _assessed(inputs: ViewInputs) -> tuple[pd.DataFrame, progress.Covered]:
    lay = inputs.layers
    start, end = _period(inputs)
    if not inputs.evidence:  # series_inputs' answer from the coverage index (no search)
        places = cache.coverage(dataclasses.replace(inputs, as_of=None)).places
        since = cache.covered_from(inputs).to_numpy()
        # one first covered month per place, not a places × months matrix: a series is then
        # a count per district and month and a running sum (coverage is only gained)
        return places, progress.covered_steps(since, progress.month_ends(start, end))
    return progress.series_inputs(
        lay["key-locations"],
        inputs.supply,
        lay["districts"],
        inputs.standards,
        start,
        end,
        supply_at=supply_at(inputs),
    )


@cache.view_cached()
def series(inputs: ViewInputs, sector: str | None = None) -> pd.DataFrame:
    """:func:`progress.coverage_series` from the first in-service date to the view's date
    (cached; do not modify). The city's and every sector's series share one assessment."""
    lay = inputs.layers
    start, end = _period(inputs)
    return progress.coverage_series(
        lay["key-locations"],
        inputs.supply,
        lay["districts"],
        inputs.standards,
        start,
        end,
        sector=sector,
        assessed=_assessed(inputs),
    )


def supply_at(inputs: ViewInputs) -> progress.SupplyAt | None:
    """The supply of each date of a series when field checks change it (else None: the
    series is answered by one radius search)."""
    if not inputs.evidence:
        return None
    return lambda when: inputs.supply_at(when.date().isoformat())


@cache.view_cached()
def gaps(inputs: ViewInputs, by: str, district: str) -> pd.DataFrame:
    """:func:`progress.gap_series` of ``district`` (``all``: the city) grouped ``by``
    sector or category, from the first in-service date to the view's date (cached)."""
    lay = inputs.layers
    start, end = _period(inputs)
    return progress.gap_series(
        lay["key-locations"],
        inputs.supply,
        lay["districts"],
        inputs.standards,
        start,
        end,
        by=by,
        district=None if district == "all" else district,
        assessed=_assessed(inputs),  # the series' radius search, shared
        group_codes=_gap_groups(_undated(inputs), by),
    )


def _undated(inputs: ViewInputs) -> ViewInputs:
    """``inputs`` without the standards and the date: the key of what depends on the data
    only (a radius or date step keeps it)."""
    return dataclasses.replace(inputs, standards_json="{}", as_of=None)


#: Gap groups computed in this process (a radius, date or district step computes none: the
#: tests count them).
GAP_GROUPINGS = 0


@cache.view_cached(dated=False, max_entries=8)
def _gap_groups(inputs: ViewInputs, by: str) -> np.ndarray:
    """:func:`progress.gap_groups` of the key locations (cached per data; do not modify)."""
    global GAP_GROUPINGS
    GAP_GROUPINGS += 1
    return progress.gap_groups(inputs.layers["key-locations"], by)


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
        box.vega_lite_chart(spec=charts.stable_datasets(spec), width="stretch")


# --------------------------------------------------------------------------- the editor

_FLASH = "_pg_edit_flash"


def _milestone_text(target: Target | None) -> str:
    if target is None:
        return ""
    return "\n".join(f"{m.due.isoformat()}={m.percent:g}" for m in target.milestones)


def _scope_label(code: str, names: dict[str, str], lang: str) -> str:
    return t("all_districts", lang) if code == CITY else names.get(code, code)


def _done(text: str) -> None:
    """Say ``text`` after the rerun that shows the new targets everywhere on the page."""
    st.session_state[_FLASH] = text
    st.rerun()


def target_editor(v, targets: Targets, names: dict[str, str], first: pd.Timestamp | None) -> None:
    """The target editor in a lazily drawn expander: choose the city or a district, the
    metric and the sector, write the milestones (``DATE=PERCENT`` a line), then save,
    remove, undo or restore the examples; the versions listed below.

    Every change goes through :mod:`loaders.targets_store` (a new version under a lock,
    undoable) after the checks ``exchange-atlas targets set`` makes
    (:func:`~dashboard.core.targets.milestones_from_text`,
    :func:`~dashboard.core.targets.check_after_data`,
    :func:`~dashboard.core.targets.set_target`); a refused change writes nothing and says
    why in the page's language. ``first`` is the first in-service date of the data.
    """
    lang = v.lang
    actor = auth.actor()
    if not can(actor, "targets"):  # the editor is an admin's (the gateway refuses others)
        return
    box = widgets.lazy_expander(t("tg_edit", lang), "pg_edit")
    flash = st.session_state.pop(_FLASH, None)
    if box is None:
        if flash:
            st.success(flash)
        return
    with box:
        if flash:
            st.success(flash)
        st.caption(t("tg_edit_intro", lang))
        scopes = [CITY, *DISTRICT_CODES]
        here = CITY if v.district == "all" else v.district
        c1, c2, c3 = st.columns(3)
        scope = str(  # a selectbox with options never returns None
            c1.selectbox(
                t("tg_scope", lang),
                scopes,
                index=scopes.index(here) if here in scopes else 0,
                format_func=lambda c: _scope_label(c, names, lang),
                key="pg_edit_scope",
            )
        )
        metric = str(
            c2.selectbox(
                t("tg_metric", lang),
                METRICS,
                format_func=lambda m: t(f"pg_metric_{m}", lang),
                key="pg_edit_metric",
            )
        )
        sector_pick = c3.selectbox(
            t("tg_sector", lang),
            ["all", *SECTORS],
            format_func=lambda c: (
                t("pg_all_sectors", lang) if c == "all" else label_of("sector", c, lang)
            ),
            key="pg_edit_sector",
        )
        sector = None if sector_pick == "all" else sector_pick
        existing = target_for(targets, scope, metric, sector)
        if existing is not None and existing.example:
            st.info(t("tg_is_example", lang))
        suffix = f"{scope}_{metric}_{sector_pick}"
        text = st.text_area(
            t("tg_milestones", lang),
            _milestone_text(existing),
            key=f"pg_edit_ms_{suffix}",
            height=100,
        )
        note = st.text_input(
            t("tg_note", lang),
            existing.note if existing and not existing.example else "",
            key=f"pg_edit_note_{suffix}",
        )
        b1, b2, b3, b4 = st.columns(4)
        home = default_home()
        if b1.button(t("tg_save", lang), type="primary", key="pg_edit_save"):
            try:
                milestones = milestones_from_text(text.splitlines())
                check_after_data(milestones, None if first is None else first.date())
                new = set_target(targets, Target(scope, milestones, metric, sector, note=note))
                version = save_targets(actor, new, home, source=EDIT_SOURCE)
            except (ValueError, OSError) as exc:
                st.error(t("tg_not_saved", lang, msg=md_literal(error_text(exc, lang))))
            else:
                _done(t("tg_saved", lang, version=version))
        if b2.button(t("tg_remove", lang), key="pg_edit_remove", disabled=existing is None):
            try:
                version = save_targets(
                    actor, remove_target(targets, scope, metric, sector), home, source=EDIT_SOURCE
                )
            except (ValueError, OSError) as exc:
                st.error(t("tg_not_saved", lang, msg=md_literal(error_text(exc, lang))))
            else:
                _done(t("tg_removed", lang, version=version))
        versions = targets_history(home)
        if b3.button(t("tg_undo", lang), key="pg_edit_undo", disabled=not versions):
            try:
                back = undo_targets(actor, home)
            except (WorkspaceError, PermissionError) as exc:
                st.error(md_literal(exc))
            else:
                done = t("tg_undone", lang, version=back) if back else t("tg_undone_shipped", lang)
                _done(done)
        if b4.button(t("tg_reset", lang), key="pg_edit_reset", disabled=not is_customised(home)):
            try:
                reset_targets(actor, home)
            except PermissionError as exc:
                st.error(md_literal(error_text(exc, lang)))
            else:
                _done(t("tg_was_reset", lang))
        st.markdown(f"**{t('tg_history', lang)}**")
        if versions:
            widgets.dataframe(history_table(versions, lang))
        else:
            st.caption(t("tg_never_changed", lang))


def history_table(versions: list, lang: str) -> pd.DataFrame:
    """The targets' stored versions for reading, newest first."""
    return pd.DataFrame(
        {
            t("tg_col_version", lang): [x.name for x in versions],
            t("tg_col_created", lang): [x.created for x in versions],
            t("tg_col_action", lang): [x.action for x in versions],
            t("tg_col_source", lang): [x.source for x in versions],
            t("tg_col_current", lang): ["✓" if x.current else "" for x in versions],
        }
    ).iloc[::-1]
