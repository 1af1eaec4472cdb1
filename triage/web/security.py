"""Security hooks: one table of response headers, applied to every response."""

from __future__ import annotations

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
# Responses that hold no health data and may be cached: bundled assets and the clinic's logo (under its digest).
CACHEABLE_ENDPOINTS = ("static", "patient.clinic_logo")


def apply_security_headers(response: Response) -> Response:
    """Add the security headers; every page but static assets and the logo is marked no-store (health data)."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if current_app.config.get("HSTS"):
        response.headers["Strict-Transport-Security"] = HSTS_VALUE
    if request.endpoint not in CACHEABLE_ENDPOINTS or response.status_code not in (200, 304):
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
    return response


def client_ip() -> str:
    """The client address (ProxyFix has already applied the configured proxy hops)."""
    return request.remote_addr or "unknown"


def init_app(app: Flask) -> None:
    """Register the header hook (log redaction is triage.web.logs, the one logging set-up)."""
    app.after_request(apply_security_headers)
