"""Service standards: view and edit, per key-location category, the radius, the required
payment capabilities and the weight used by the coverage engine (logic in
:mod:`dashboard.core.standards`; this page only draws and saves)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.core.i18n import t
from dashboard.core.messages import error_text
from dashboard.core.model import CAPABILITIES, label
from dashboard.core.rights import PermissionDenied, can
from dashboard.core.safetext import md_literal
from dashboard.core.standards import standards_from_table, standards_table
from dashboard.ui import auth, cache, session
from dashboard.ui.page_state import PageState as P
from loaders.standards_store import (
    is_customised,
    load_standards,
    shipped_standards,
    standards_history,
    workspace_standards_path,
)
from loaders.writes import reset_standards, save_standards, undo_standards

v = session.view()
lang = v.lang
st.title(t("page_standards", lang))
st.caption(t("stdp_intro", lang))

try:
    current = load_standards()
except ValueError as exc:  # a hand-edited file that no longer validates
    st.error(md_literal(exc))
    current = shipped_standards()
if is_customised():
    st.info(t("stdp_custom", lang, path=md_literal(workspace_standards_path())))
else:
    st.caption(t("stdp_default", lang))

actor = auth.actor()
may_edit = can(actor, "standards")
if not may_edit:
    st.info(t("stdp_read_only", lang))
table = pd.DataFrame(standards_table(current, lang))
edited = st.data_editor(
    table,
    key=P.standards_editor.key,
    hide_index=True,
    width="stretch",
    disabled=True if not may_edit else ["category", "label"],
    column_order=["label", "radius_m", "require", "weight", "rationale"],
    column_config={
        "label": st.column_config.TextColumn(t("stdp_category", lang)),
        "radius_m": st.column_config.NumberColumn(
            t("stdp_radius_m", lang), min_value=1, max_value=50_000, step=10, format="%d"
        ),
        "require": st.column_config.TextColumn(t("stdp_require", lang), width="large"),
        "weight": st.column_config.NumberColumn(t("stdp_weight", lang), min_value=0.0, step=0.5),
        "rationale": st.column_config.TextColumn(t("stdp_rationale", lang), width="large"),
    },
)

left, right, back, _ = st.columns([1, 1, 1, 3])
try:
    if may_edit and left.button(t("stdp_save", lang), type="primary", key="standards-save"):
        try:
            new = standards_from_table(edited.to_dict(orient="records"), current, lang)
        except ValueError as exc:
            st.error(t("stdp_invalid", lang, msg=md_literal(exc)))
        else:
            save_standards(actor, new, source="Service standards page")
            st.success(t("stdp_saved", lang))
            st.rerun()
    if may_edit and right.button(t("stdp_reset", lang), key="standards-reset"):
        reset_standards(actor)
        session.page_state().forget(P.standards_editor)
        st.success(t("stdp_was_reset", lang))
        st.rerun()
    undoable = bool(standards_history())
    if may_edit and back.button(t("stdp_undo", lang), key="standards-undo", disabled=not undoable):
        undo_standards(actor)
        session.page_state().forget(P.standards_editor)
        st.rerun()
except PermissionDenied as exc:  # the gateway refuses what the account may not do
    st.error(md_literal(error_text(exc, lang)))

with st.expander(t("stdp_codes", lang)):
    st.table(
        pd.DataFrame(
            {
                t("stdp_code", lang): list(CAPABILITIES),
                t("stdp_capability", lang): [label(CAPABILITIES, c, lang) for c in CAPABILITIES],
            }
        ),
        hide_index=True,
    )

city = cache.coverage(v).city
if city["demand"]:
    st.metric(
        t("stdp_city_cov", lang),
        f"{city['coverage']:.0%}",
        help=f"{int(city['covered'])} / {int(city['demand'])}",
    )
