"""The HTTP route of the published map layer data (:mod:`dashboard.views.served`)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

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
