"""Map layer data served at URLs by the app's own server, so unchanged layers stay put.

Streamlit sends a map's whole deck.gl spec to the browser on every rerun. A layer whose
``data`` is inline is parsed again and rebuilt on the GPU each time, even when only a
neighbouring layer changed (a radius step recolours the gaps; the 240 payment points
are the same). A layer whose ``data`` is a URL is fetched once: while the URL stays the
same deck.gl keeps the loaded data and its GPU buffers.

``exchange-atlas run`` starts :mod:`dashboard.ui.server`, which mounts
:func:`dashboard.ui.layer_route.serve` and calls :func:`enable`. Without it (``streamlit
run dashboard/app.py``, AppTest) nothing is served and every layer stays inline, as
before. Names are content hashes: a URL always means the same bytes, so the browser may
cache it for good. Pure Python, no Streamlit: the store is process-wide and holds JSON the
pages already escape for display (tooltip fields are escaped where they are built).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict

#: Path segment of the route, under the server's base URL path.
ROUTE = "atlas-data"
#: Inline data with fewer rows than this (or GeoJSON with fewer features) stays inline:
#: a fetch costs more than a few rows in the spec.
MIN_ROWS = 16
#: Most bytes kept for serving; the least recently published go first.
MAX_BYTES = 64 * 1024 * 1024
#: Most data objects remembered by identity (each keeps its JSON's name).
MAX_OBJECTS = 512

_lock = threading.Lock()
_prefix: str | None = None
_blobs: OrderedDict[str, bytes] = OrderedDict()
_size = 0
#: id(data) → (data, name): the object is kept so its id cannot be reused meanwhile.
_names: OrderedDict[int, tuple[object, str]] = OrderedDict()


def enable(base_url_path: str = "") -> str:
    """Serve published data under ``/<base_url_path>/atlas-data/``; returns the route's
    path pattern for the server (``.../{name}``)."""
    global _prefix
    base = base_url_path.strip("/")
    _prefix = f"/{base}/{ROUTE}/" if base else f"/{ROUTE}/"
    return _prefix + "{name}"


def enabled() -> bool:
    return _prefix is not None


def prefix() -> str | None:
    """The route's path prefix (``/<base>/atlas-data/``), None when nothing is served."""
    return _prefix


def disable() -> None:
    """Back to inline data and an empty store (tests)."""
    global _prefix, _size
    with _lock:
        _prefix = None
        _blobs.clear()
        _names.clear()
        _size = 0


def _rows(data: object) -> int:
    if isinstance(data, list):
        return len(data)
    if isinstance(data, dict) and isinstance(data.get("features"), list):
        return len(data["features"])
    return 0


def url_for(data: object) -> str | None:
    """The URL serving ``data`` (a list of records or a GeoJSON dict) as JSON, or None
    when nothing is served or ``data`` is small or of another kind (keep it inline).

    The JSON is made once per object: cached layer data costs a dictionary lookup on a
    rerun. Callers must not modify ``data`` after publishing it.
    """
    global _size
    if _prefix is None or _rows(data) < MIN_ROWS:
        return None
    with _lock:
        hit = _names.get(id(data))
        if hit is not None and hit[0] is data and hit[1] in _blobs:
            _names.move_to_end(id(data))
            _blobs.move_to_end(hit[1])
            return _prefix + hit[1]
    try:  # strict JSON (the browser's JSON.parse); anything else stays inline
        text = json.dumps(data, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):
        return None
    blob = text.encode("utf-8")
    name = hashlib.sha1(blob).hexdigest()[:20] + ".json"
    with _lock:
        if name not in _blobs:
            _blobs[name] = blob
            _size += len(blob)
        _blobs.move_to_end(name)
        _names[id(data)] = (data, name)
        _names.move_to_end(id(data))
        while len(_names) > MAX_OBJECTS:
            _names.popitem(last=False)
        while _size > MAX_BYTES and len(_blobs) > 1:
            _, old = _blobs.popitem(last=False)
            _size -= len(old)
    return _prefix + name


def blob(name: str) -> bytes | None:
    """The JSON published under ``name`` (None if unknown or evicted)."""
    with _lock:
        return _blobs.get(name)
