"""Audit log: every write, who made it, when, and the version it created (admins only)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.core.i18n import t
from dashboard.ui import auth, session, widgets
from dashboard.views.reports import to_csv_bytes
from loaders.audit import FIELDS, read_audit
from loaders.workspace import default_home

v = session.view()
lang = v.lang
st.title(t("au_title", lang))
st.caption(t("au_caption", lang))
if not auth.actor().role == "admin":
    st.warning(t("au_admin_only", lang))
    session.stop()

entries = pd.DataFrame([e.to_dict() for e in read_audit(default_home())], columns=list(FIELDS))
c1, c2 = st.columns(2)
everyone = t("f_all", lang)  # none chosen keeps every entry
actors = c1.multiselect(
    t("au_filter_actor", lang), sorted(entries["actor"].unique()), placeholder=everyone
)
actions = c2.multiselect(
    t("au_filter_action", lang), sorted(entries["action"].unique()), placeholder=everyone
)
if actors:
    entries = entries[entries["actor"].isin(actors)]
if actions:
    entries = entries[entries["action"].isin(actions)]
entries = entries.iloc[::-1]  # newest first
if entries.empty:
    st.info(t("au_none", lang))
else:
    st.caption(t("au_count", lang, n=f"{len(entries):,}"))
    shown = entries.rename(columns={c: t(f"au_{c}", lang) for c in FIELDS})
    widgets.dataframe(shown, height=480)
    st.download_button(t("au_csv", lang), to_csv_bytes(entries), "audit.csv", "text/csv")
session.sync_url()
