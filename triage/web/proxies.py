"""Believe X-Forwarded-For and X-Forwarded-Proto only from the configured proxies, never from any other peer.

Werkzeug's ProxyFix trusts the forwarded headers of every request; with PROXY_HOPS set and gunicorn reachable
directly, a client could then choose its own address (and so its rate-limit bucket and audit address). This wrapper
applies ProxyFix only when the connection comes from one of TRUSTED_PROXIES.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

from werkzeug.middleware.proxy_fix import ProxyFix

from triage.config.safety import Network, parse_networks


def is_trusted(address: str | None, networks: Iterable[Network]) -> bool:
    """Whether a peer address lies in one of the trusted networks."""
    try:
        peer = ipaddress.ip_address((address or "").split("%", 1)[0])
    except ValueError:
        return False
    return any(peer in network for network in networks)


class TrustedProxyFix:
    """ProxyFix for requests from a trusted proxy; the plain app (forwarded headers ignored) for any other peer."""

    def __init__(self, app: Any, hops: int, trusted: str) -> None:
        self.app = app
        self.fixed = ProxyFix(app, x_for=hops, x_proto=hops)
        self.networks = parse_networks(trusted)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        """Route the request through ProxyFix only when its peer is a trusted proxy."""
        if is_trusted(environ.get("REMOTE_ADDR"), self.networks):
            return self.fixed(environ, start_response)
        return self.app(environ, start_response)
