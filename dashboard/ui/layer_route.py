"""The HTTP route of the published map layer data (:mod:`dashboard.views.served`)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from dashboard.ui import warmup
from dashboard.views import tiles
from dashboard.views.served import blob


async def serve(request: Request) -> Response:
    """``GET /atlas-data/<name>``: the published JSON, cacheable for good (404 if unknown)."""
    data = blob(request.path_params["name"])
    if data is None:
        return Response("not found", status_code=404, media_type="text/plain")
    return Response(
        data,
        media_type="application/json",
        headers={"Cache-Control": "public, max-age=31536000, immutable"},
    )


async def serve_tile(request: Request) -> Response:
    """``GET /atlas-tiles/<source>/<z>/<x>/<y>.json``: one tile of a tiled point layer
    (:mod:`dashboard.views.tiles`), gzip-compressed when the browser accepts it (404 if the
    source is unknown: the page that published it was redrawn long ago)."""
    p = request.path_params
    gz = "gzip" in request.headers.get("accept-encoding", "")
    data = tiles.tile_json(str(p["key"]), int(p["z"]), int(p["x"]), int(p["y"]), compress=gz)
    if data is None:
        return Response("not found", status_code=404, media_type="text/plain")
    headers = {"Cache-Control": "public, max-age=31536000, immutable"}
    if gz:
        headers["Content-Encoding"] = "gzip"
    return Response(data, media_type="application/json", headers=headers)


async def serve_ready(request: Request) -> Response:
    """``GET /atlas-ready``: 200 once the server's caches are warm, 503 until then."""
    del request
    if warmup.ready():
        return Response("ready", media_type="text/plain")
    return Response("warming", status_code=503, media_type="text/plain")
