"""Streamlit entry: page setup, shared sidebar, navigation, URL state.

Run with ``exchange-atlas run`` (or ``streamlit run dashboard/app.py``).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `streamlit run dashboard/app.py` from a checkout
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from dashboard import ui  # noqa: E402
from dashboard.i18n import t  # noqa: E402

PAGES_DIR = ROOT / "pages"

st.set_page_config(
    page_title="Beijing Exchange Atlas · 北京国际交往地图", page_icon="🗺️", layout="wide"
)

lang = ui.view().lang
#: (file, title key, icon, url path, default) — pages register here.
PAGES = [
    ("overview.py", "page_overview", "🗺️", "overview", True),
    ("explore.py", "page_explore", "🔎", "explore", False),
    ("compare.py", "page_compare", "📊", "compare", False),
    ("district.py", "page_district", "🏙️", "district", False),
    ("standards.py", "page_standards", "📏", "standards", False),
    ("events.py", "page_events", "📅", "events", False),
    ("data.py", "page_data", "📥", "data", False),
]
pages = [
    st.Page(PAGES_DIR / f, title=t(key, lang), icon=icon, url_path=path, default=default)
    for f, key, icon, path, default in PAGES
    if (PAGES_DIR / f).exists()
]
nav = st.navigation(pages)
st.sidebar.markdown(f"### {t('app_title', lang)}")
ui.sidebar_controls()
ui.keep_widget_state()
ui.freeze_heap_once()
nav.run()
ui.sync_url()  # pages that end early call ui.stop(), which syncs first
