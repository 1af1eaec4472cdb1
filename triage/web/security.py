"""Security hooks: one table of response headers, applied to every response."""

from __future__ import annotations

import logging
import re
from typing import Any

from flask import Flask, Response, current_app, request

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)

SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # same-origin, not no-referrer: Flask-WTF's CSRF check over HTTPS needs the Referer.
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}
HSTS_VALUE = "max-age=31536000; includeSubDomains"


def apply_security_headers(response: Response) -> Response:
    """Add the security headers; every page but static assets is marked no-store (health data)."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if current_app.config.get("HSTS"):
        response.headers["Strict-Transport-Security"] = HSTS_VALUE
    if request.endpoint != "static":
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
    return response


def client_ip() -> str:
    """The client address (ProxyFix has already applied the configured proxy hops)."""
    return request.remote_addr or "unknown"


_INVITATION_PATH = re.compile(r"/i/[^\s?\"']+")
REQUEST_LOGGERS = ("werkzeug", "gunicorn.access")


class RedactInvitationTokens(logging.Filter):
    """Keeps patient link tokens out of request logs (the dev server logs every request line)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Replace any /i/<token> path in the message and its arguments."""
        record.msg = _INVITATION_PATH.sub("/i/[redacted]", str(record.msg))
        if isinstance(record.args, tuple):
            record.args = tuple(_redact(a) for a in record.args)
        return True


def _redact(value: Any) -> Any:
    return _INVITATION_PATH.sub("/i/[redacted]", value) if isinstance(value, str) else value


def init_app(app: Flask) -> None:
    """Register the header hook and the log redaction."""
    app.after_request(apply_security_headers)
    for name in REQUEST_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactInvitationTokens) for f in logger.filters):
            logger.addFilter(RedactInvitationTokens())
