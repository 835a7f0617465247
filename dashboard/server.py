"""The server behind ``exchange-atlas run``: the Streamlit app plus one route.

``streamlit run dashboard/server.py`` finds the ``st.App`` below and serves
``dashboard/app.py`` with it, adding ``/atlas-data/<name>``: map layer data the pages
publish (:mod:`dashboard.served`), so the browser fetches an unchanged layer once
instead of receiving and rebuilding it on every rerun. ``streamlit run dashboard/app.py``
still works: every layer is then sent inline.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `streamlit run dashboard/server.py` from a checkout
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402
from starlette.routing import Route  # noqa: E402

from dashboard import served  # noqa: E402

route = served.enable(st.get_option("server.baseUrlPath"))
app = st.App("app.py", routes=[Route(route, served.serve, methods=["GET"])])
