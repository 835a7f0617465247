"""The sign-in throttle's idea of the client (dashboard.ui.auth.client_address): the TCP
peer, or behind the loopback reverse proxy the address it forwarded; never a header a
remote client wrote, never text that is not an address."""

from __future__ import annotations

import pytest

from dashboard.ui.auth import client_address


def test_a_remote_peer_is_the_client_whatever_it_forwards():
    assert client_address("203.0.113.7", {"X-Forwarded-For": "198.51.100.1"}) == "203.0.113.7"


@pytest.mark.parametrize(
    "headers, want",
    [
        ({"X-Real-Ip": "203.0.113.9", "X-Forwarded-For": "203.0.113.9"}, "203.0.113.9"),
        ({"X-Forwarded-For": "10.0.0.1, 203.0.113.9"}, "203.0.113.9"),  # the proxy's hop
        ({"X-Real-Ip": "2001:db8::1"}, "2001:db8::1"),
        ({}, ""),  # a local user on loopback, no proxy
        ({"X-Real-Ip": "<script>"}, ""),
        ({"X-Forwarded-For": "not an address"}, ""),
    ],
)
def test_behind_the_loopback_proxy_the_forwarded_address(headers, want):
    assert client_address(None, headers) == want
