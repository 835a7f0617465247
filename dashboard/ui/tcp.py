"""TCP_NODELAY on the server's connections: answers leave without waiting for an ACK.

Streamlit binds its listening socket itself (``socket.socket(family)``, protocol 0), and
asyncio turns Nagle's algorithm off only on sockets whose protocol reads ``IPPROTO_TCP``
(``asyncio.base_events._set_nodelay``). So every accepted connection keeps Nagle on: an
answer written as headers then body waits for the client's delayed ACK, 40 ms on Linux, for
each request after the first on a kept-alive connection and for WebSocket messages sent in
a burst. A cold page load asks for 100–150 of Streamlit's JavaScript modules over six
connections, so it waited about 1 s for nothing. :func:`enable` sets the option on each
connection as uvicorn's HTTP protocol receives it (WebSocket connections start as HTTP).
"""

from __future__ import annotations

import socket
from typing import Any

_MARK = "_atlas_nodelay"


def set_nodelay(transport: Any) -> bool:
    """Set TCP_NODELAY on ``transport``'s socket if it is a TCP one; whether it was set."""
    sock = transport.get_extra_info("socket") if transport is not None else None
    if sock is None or sock.family not in (socket.AF_INET, socket.AF_INET6):
        return False
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except OSError:  # the peer has gone already
        return False
    return True


def _protocols() -> list[type]:
    """uvicorn's HTTP protocol classes that are importable here (h11 always, httptools if
    installed)."""
    found: list[type] = []
    try:
        from uvicorn.protocols.http.h11_impl import H11Protocol

        found.append(H11Protocol)
    except ImportError:
        pass
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

        found.append(HttpToolsProtocol)
    except ImportError:
        pass
    return found


def enable() -> int:
    """Wrap each uvicorn HTTP protocol's ``connection_made`` so that it sets TCP_NODELAY;
    idempotent. Returns how many protocol classes are wrapped."""
    n = 0
    for cls in _protocols():
        original = cls.connection_made
        if getattr(original, _MARK, False):
            n += 1
            continue

        def connection_made(self: Any, transport: Any, _original: Any = original) -> None:
            set_nodelay(transport)
            _original(self, transport)

        setattr(connection_made, _MARK, True)
        cls.connection_made = connection_made  # type: ignore[method-assign]
        n += 1
    return n
