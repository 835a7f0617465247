"""The server behind ``exchange-atlas run``: the Streamlit app plus one route.

The entry script ``dashboard/server.py`` builds an ``st.App`` around ``dashboard/app.py``
with :data:`ROUTES`: ``/atlas-data/<name>``, map layer data the pages publish
(:mod:`dashboard.views.served`), so the browser fetches an unchanged layer once instead
of receiving and rebuilding it on every rerun; ``/atlas-tiles/<source>/<z>/<x>/<y>.json``,
the tiles of big point layers (:mod:`dashboard.views.tiles`); ``/atlas-ready``, 200 once
the caches are warm (:mod:`dashboard.ui.warmup`, started here). ``streamlit run
dashboard/app.py`` still works: every layer is then sent inline.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from starlette.routing import Route

from dashboard.ui import tcp, warmup
from dashboard.ui.layer_route import serve, serve_ready, serve_tile
from dashboard.views import served, tiles

#: The entry script every session runs (next to ``dashboard/static/``).
APP_SCRIPT = Path(__file__).resolve().parents[1] / "app.py"


#: Importing this module switches layer-data serving on for the process.
route = served.enable(st.get_option("server.baseUrlPath"))
ROUTES = [
    Route(route, serve, methods=["GET"]),
    Route(str(tiles.route_pattern()), serve_tile, methods=["GET"]),
    Route(route.replace(f"{served.ROUTE}/{{name}}", "atlas-ready"), serve_ready, methods=["GET"]),
]
tcp.enable()  # answers without the 40 ms wait for a delayed ACK (dashboard/ui/tcp.py)
warmup.start()  # the shared caches of the default view, before the first visitor asks
