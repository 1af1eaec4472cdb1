"""Friendly error pages: never a traceback, always the security headers."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

log = logging.getLogger("triage.web")

MESSAGES: dict[int, tuple[str, str]] = {
    400: ("Something was wrong with that request", "Please go back and try again."),
    403: ("Not allowed", "Your account cannot open this page."),
    404: (
        "Page not found",
        "This link is not valid. If you were sent a link by your clinic, please check it or ask the clinic for a new one.",
    ),
    405: ("Not allowed", "This page cannot be used that way."),
    409: ("Already sent", "This has already been done."),
    410: ("This link has expired", "Please ask your clinic for a new link."),
    413: ("Too much information at once", "What you sent was too large. Please shorten your answers and try again."),
    429: ("Too many attempts", "Please wait a few minutes and try again."),
    500: ("Something went wrong on our side", "Nothing you entered has been lost. Please try again in a moment."),
    503: ("Please try again shortly", "This is taking longer than it should. Please try again in a moment."),
}


def render_error(code: int, detail: str | None = None) -> tuple[str, int]:
    """Render the friendly page for an HTTP status."""
    title, message = MESSAGES.get(code, MESSAGES[500])
    return render_template("error.html", title=title, message=detail or message, code=code), code


# An API mounted under a path prefix answers its errors in its own format (the FHIR API: an OperationOutcome), also
# those raised before a route of its own matched (405 for a method it does not offer); set by the API's blueprint.
API_ERRORS = "api_error_renderers"


def _http_error(error: HTTPException) -> Any:
    renderers: dict[str, Callable[[HTTPException], Any]] = current_app.extensions.get(API_ERRORS, {})
    for prefix, render in renderers.items():
        if request.path.startswith(prefix):
            return render(error)
    return render_error(error.code or 500)


def _csrf_error(error: CSRFError) -> tuple[str, int]:
    return render_error(
        400,
        "This page was open for a long time, so it needs refreshing. "
        "Please go back, check your answers and press the button again.",
    )


def _unhandled(error: Exception) -> tuple[str, int]:
    log.exception("unhandled error")
    return render_error(500)


def init_app(app: Flask) -> None:
    """Register the error handlers."""
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unhandled)
