"""With PROXY_HOPS set, forwarded client addresses are believed only from TRUSTED_PROXIES (issue 11, finding 7)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from triage.config import ConfigError
from triage.web.proxies import TrustedProxyFix, is_trusted, parse_networks


def _seen_address(app: Flask, peer: str, forwarded: str) -> str:
    """The address the app records for a request from `peer` claiming to forward for `forwarded`."""
    seen: list[str] = []

    def probe(environ: dict[str, object], start_response: Callable[..., object]) -> list[bytes]:
        seen.append(str(environ.get("REMOTE_ADDR")))
        start_response("204 No Content", [])
        return []

    wrapped = TrustedProxyFix(probe, 1, app.config["TRUSTED_PROXIES"])
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/", "REMOTE_ADDR": peer, "HTTP_X_FORWARDED_FOR": forwarded}
    wrapped(environ, lambda *args: None)
    return seen[0]


def test_the_proxy_on_loopback_passes_on_the_client_address(make_app: Callable[..., Flask]) -> None:
    app = make_app(PROXY_HOPS=1)
    assert _seen_address(app, "127.0.0.1", "203.0.113.7") == "203.0.113.7"


def test_a_client_reaching_gunicorn_directly_cannot_choose_its_address(make_app: Callable[..., Flask]) -> None:
    app = make_app(PROXY_HOPS=1)
    assert _seen_address(app, "198.51.100.20", "127.0.0.1") == "198.51.100.20"


def test_a_proxy_network_can_be_trusted(make_app: Callable[..., Flask]) -> None:
    app = make_app(PROXY_HOPS=1, TRUSTED_PROXIES="10.0.0.0/8")
    assert _seen_address(app, "10.1.2.3", "203.0.113.9") == "203.0.113.9"
    assert _seen_address(app, "127.0.0.1", "203.0.113.9") == "127.0.0.1"


def test_a_bad_trusted_proxy_entry_is_refused_by_name(make_app: Callable[..., Flask]) -> None:
    with pytest.raises(ConfigError, match="TRUSTED_PROXIES.*'proxy.example' is not an IP address or network"):
        make_app(PROXY_HOPS=1, TRUSTED_PROXIES="127.0.0.1, proxy.example")


def test_addresses_and_networks_are_matched_exactly() -> None:
    networks = parse_networks("127.0.0.1, ::1, 192.168.0.0/16")
    assert is_trusted("192.168.4.4", networks) and is_trusted("::1", networks)
    assert not is_trusted("192.169.0.1", networks) and not is_trusted("", networks) and not is_trusted("junk", networks)
