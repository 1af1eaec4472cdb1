"""Test apps and pages: a testing app on a given database, CSRF tokens of forms, placeholder URLs of routes."""

from __future__ import annotations

import os
import re
import threading
import uuid
from pathlib import Path
from typing import Any

from flask import Flask, url_for
from werkzeug.routing import Rule
from werkzeug.routing.converters import IntegerConverter, UUIDConverter
from werkzeug.serving import make_server

from triage import create_app

TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"  # noqa: S105 - the test apps' secret key
# Keyword arguments of a test client request made as over HTTPS (CSRF needs a Referer then).
HTTPS: dict[str, Any] = {"base_url": "https://localhost", "headers": {"Referer": "https://localhost/"}}
_CSRF_INPUT = re.compile(r"<input\b[^>]*\bname=\"csrf_token\"[^>]*>")
_VALUE = re.compile(r"\bvalue=\"([^\"]+)\"")


def build_app(db_url: str, tmp_path: Path, **overrides: Any) -> Flask:
    """A testing app on the given database."""
    os.environ.setdefault("TRIAGE_INSTANCE", str(tmp_path / "instance"))
    config = {"TESTING": True, "DATABASE_URL": db_url, "SECRET_KEY": TEST_SECRET, "PUBLIC_BASE_URL": "http://localhost"}
    config.update(overrides)
    app = create_app(config)
    return app


def csrf_token(html: str | bytes) -> str:
    """The CSRF token of the first form in a page (fails the test when there is none)."""
    text_ = html.decode() if isinstance(html, bytes) else html
    tag = _CSRF_INPUT.search(text_)
    value = _VALUE.search(tag.group(0)) if tag else None
    assert value, "no csrf_token input in the page"
    return value.group(1)


def dummy_url(app: Flask, rule: Rule) -> str:
    """A rule's URL with placeholder arguments of the right type (for walking app.url_map)."""
    values: dict[str, Any] = {}
    for name, converter in rule._converters.items():  # noqa: SLF001 - the converter types pick the placeholders
        if isinstance(converter, IntegerConverter):
            values[name] = 999999
        elif isinstance(converter, UUIDConverter):
            values[name] = uuid.UUID(int=1)
        else:
            values[name] = "placeholder"
    with app.test_request_context():
        return url_for(rule.endpoint, **values)


class LiveServer:
    """The app served by a real HTTP server in a background thread (for browsers and HTTP client libraries)."""

    def __init__(self, app: Flask):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)

    def session(self) -> Any:
        """A database session of the served app (a context manager that commits on exit)."""
        return self.app.extensions["triage_db"].session()
