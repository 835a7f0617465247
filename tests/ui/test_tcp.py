"""The server's connections send without Nagle's delay (dashboard/ui/tcp.py).

A real uvicorn server on a socket bound the way Streamlit binds it, a real client
connection, and the option read from the server's side of that connection.
"""

from __future__ import annotations

import ast
import http.client
import socket
import threading
import time
from pathlib import Path

import pytest
import uvicorn
from streamlit.web.server.starlette import starlette_server

from dashboard.ui import tcp


async def _hello(scope, receive, send):  # a minimal ASGI app
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def _server_side_nodelay(http_impl: str) -> list[int]:
    """TCP_NODELAY of the server's end of each open connection, after two requests on one
    kept-alive connection to a server on Streamlit's own listening socket."""
    sock = starlette_server._bind_socket("127.0.0.1", 0, 16)
    port = sock.getsockname()[1]
    config = uvicorn.Config(_hello, http=http_impl, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        for _ in range(200):
            if server.started:
                break
            time.sleep(0.02)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            for _ in range(2):
                conn.request("GET", "/")
                assert conn.getresponse().read() == b"ok"
            return [
                p.transport.get_extra_info("socket").getsockopt(
                    socket.IPPROTO_TCP, socket.TCP_NODELAY
                )
                for p in list(server.server_state.connections)
            ]
        finally:
            conn.close()
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@pytest.mark.parametrize("http_impl", ["h11", "auto"])
def test_the_servers_connections_have_nagle_off(http_impl):
    tcp.enable()
    flags = _server_side_nodelay(http_impl)
    assert flags, "no open connection seen on the server"
    assert all(flags), flags


def test_enable_is_idempotent():
    n = tcp.enable()
    assert n >= 1
    assert tcp.enable() == n
    from uvicorn.protocols.http.h11_impl import H11Protocol

    # wrapped once: the wrapper's original is uvicorn's own method
    defaults = H11Protocol.connection_made.__defaults__
    assert defaults is not None
    inner = defaults[0]
    assert not getattr(inner, "_atlas_nodelay", False)


def test_set_nodelay_leaves_other_sockets_alone():
    class _Transport:
        def __init__(self, sock):
            self.sock = sock

        def get_extra_info(self, name):
            return self.sock if name == "socket" else None

    a, b = socket.socketpair()  # AF_UNIX: no TCP option to set
    try:
        assert tcp.set_nodelay(_Transport(a)) is False
    finally:
        a.close()
        b.close()
    assert tcp.set_nodelay(_Transport(None)) is False
    assert tcp.set_nodelay(None) is False


def test_the_app_server_turns_it_on():
    """``exchange-atlas run``'s routes module enables it when uvicorn imports the app,
    which is before the server accepts its first connection."""
    src = Path(__file__).resolve().parents[2] / "dashboard" / "ui" / "server.py"
    calls = [
        node
        for node in ast.parse(src.read_text("utf-8")).body
        if isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Call)
        and ast.unparse(node.value.func) == "tcp.enable"
    ]
    assert calls
