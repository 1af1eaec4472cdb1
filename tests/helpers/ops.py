"""Operations test helpers: the metrics token, reading one sample from a Prometheus text body, a free port."""

from __future__ import annotations

import re
import socket

TOKEN = "metrics-token-for-tests-0123456789"  # noqa: S105 - the test apps' metrics token
SAMPLE = re.compile(r"^(?P<name>[A-Za-z_:][\w:]*)(?:\{(?P<labels>.*)\})? (?P<value>\S+)$")


def sample(body: str, name: str, **labels: str) -> float | None:
    """The value of one sample in a Prometheus text body (labels in any order), or None when it is absent."""
    for line in body.splitlines():
        found = SAMPLE.match(line)
        if found and found["name"] == name and dict(re.findall(r'(\w+)="([^"]*)"', found["labels"] or "")) == labels:
            return float(found["value"])
    return None


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
