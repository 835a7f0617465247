"""Entry script of ``exchange-atlas run``: ``streamlit run dashboard/server.py``.

Streamlit finds the ``st.App`` assigned here (it looks for it in this file's source) and
serves ``dashboard/app.py`` with the routes of :mod:`dashboard.ui.server`. It stays next
to ``app.py`` because Streamlit's static serving publishes the ``static/`` folder beside
the script it was started with.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `streamlit run dashboard/server.py` from a checkout
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from dashboard.ui import server  # noqa: E402

app = st.App(str(server.APP_SCRIPT), routes=server.ROUTES)
