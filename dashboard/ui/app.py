"""The app: page setup, the shared sidebar, navigation, presenter mode and the URL mirror.

:func:`main` runs once per rerun from the entry script ``dashboard/app.py`` (which
``exchange-atlas run`` serves through :mod:`dashboard.ui.server`).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard.core.i18n import t
from dashboard.core.safetext import md_literal
from dashboard.ui import auth, cache, present, session, widgets
from loaders.errors import WorkspaceError

PAGES_DIR = Path(__file__).resolve().parents[2] / "pages"

#: (file, title key, icon, url path, default) — pages register here.
PAGES = [
    ("overview.py", "page_overview", "🗺️", "overview", True),
    ("explore.py", "page_explore", "🔎", "explore", False),
    ("compare.py", "page_compare", "📊", "compare", False),
    ("district.py", "page_district", "🏙️", "district", False),
    ("progress.py", "page_progress", "📈", "progress", False),
    ("standards.py", "page_standards", "📏", "standards", False),
    ("events.py", "page_events", "📅", "events", False),
    ("data.py", "page_data", "📥", "data", False),
    ("inspect.py", "page_inspect", "✅", "inspect", False),
    ("worklist.py", "page_worklist", "📋", "worklist", False),
    ("audit.py", "page_audit", "🧾", "audit", False),
]
#: Pages only an admin is shown (the page refuses anyone else too).
ADMIN_PAGES = {"audit"}


def main() -> None:
    """One run of the app: the page chosen in the navigation, framed by the shared parts."""
    st.set_page_config(
        page_title="Beijing Exchange Atlas · 北京国际交往地图", page_icon="🗺️", layout="wide"
    )
    try:
        _run()
    except WorkspaceError as exc:  # the store failed (the database unreachable …): its message,
        st.error(md_literal(exc))  # not a traceback; the next run tries the store again


def _run() -> None:
    """The run itself: sidebar, navigation and the page (see :func:`main`)."""
    lang = session.view().lang
    signed_in = auth.signed_in()
    admin = auth.actor().role == "admin" or not signed_in
    pages = [
        st.Page(PAGES_DIR / f, title=t(key, lang), icon=icon, url_path=path, default=default)
        for f, key, icon, path, default in PAGES
        if (PAGES_DIR / f).exists() and (admin or path not in ADMIN_PAGES)
    ]
    if not signed_in:  # the page asked for stays in the URL, and opens once signed in
        st.navigation(pages, position="hidden")
        auth.sign_in_form(lang)
        return
    presenting = bool(session.page_state().present)
    # presenting: the page stays the current one (leaving returns to it) but is not run
    nav = st.navigation(pages, position="hidden" if presenting else "sidebar")
    if not presenting:
        st.sidebar.markdown(f"### {t('app_title', lang)}")
        widgets.sidebar_controls()
        present.enter_button(st.sidebar, lang)
        auth.account_box(st.sidebar, lang, cache.district_names(lang))
    session.keep_widget_state()
    cache.freeze_heap_once()
    if presenting:
        present.render()
    else:
        nav.run()
    session.sync_url()  # pages that end early call session.stop(), which syncs first
