"""A request id for every request, in the `X-Request-ID` response header, in its log lines and in the messages it queues.

The id comes from the request's `X-Request-ID` header only when a trusted proxy sent it (PROXY_HOPS set and the peer
in TRUSTED_PROXIES) and it is a short safe token; otherwise it is a new uuid4 (hex). An outbox message added while
the request runs keeps the id in its `details`, so the worker's log lines for that message carry it too. The request's
one access line is written here, when its response is ready.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from flask import Flask, Response, current_app, g, has_request_context, request
from sqlalchemy import event

from triage.config import Settings
from triage.config.safety import parse_networks
from triage.db.models import OutboxMessage
from triage.jobs.log_context import safe_request_id
from triage.web.access import log_safe
from triage.web.logs import log_access
from triage.web.proxies import is_trusted

HEADER = "X-Request-ID"
# In the WSGI environ: the request's id, and a mark that the app wrote its access line (gunicorn then writes none).
ENVIRON_KEY = "triage.request_id"
APP_LOGGED = "triage.access_logged"
DETAILS_KEY = "request_id"
_STARTED = "request_started"
_EXTENSION = "triage_request_id_proxies"


def peer_address(environ: dict[str, Any]) -> str | None:
    """The address of the connection itself (before TrustedProxyFix applied any forwarded header)."""
    original = environ.get("werkzeug.proxy_fix.orig")
    if isinstance(original, dict) and original.get("REMOTE_ADDR"):
        return str(original["REMOTE_ADDR"])
    address = environ.get("REMOTE_ADDR")
    return str(address) if address else None


def choose_request_id(given: str | None, from_trusted_proxy: bool) -> str:
    """The given id when a trusted proxy sent it and it is safe, else a new one."""
    if from_trusted_proxy:
        chosen = safe_request_id(given)
        if chosen is not None:
            return chosen
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    """This request's id (None outside a request)."""
    if not has_request_context():
        return None
    found = g.get("request_id")
    return found if isinstance(found, str) else None


def _begin() -> None:
    networks = current_app.extensions[_EXTENSION]
    trusted = networks is not None and is_trusted(peer_address(request.environ), networks)
    g.request_id = choose_request_id(request.headers.get(HEADER), trusted)
    setattr(g, _STARTED, time.perf_counter())
    request.environ[ENVIRON_KEY] = g.request_id


def _logged_path() -> str:
    """The path without its query string, any view argument named like a token replaced."""
    path = request.path
    for name, value in (request.view_args or {}).items():
        if "token" in name.lower() and isinstance(value, str) and value:
            path = path.replace(value, "[redacted]")
    return log_safe(path, 2000)


def _finish(response: Response) -> Response:
    request_id = current_request_id()
    if request_id is None:  # a hook before ours failed: the id is made now, so the response still has one
        g.request_id = request_id = uuid.uuid4().hex
    response.headers[HEADER] = request_id
    started = g.get(_STARTED)
    seconds = time.perf_counter() - started if isinstance(started, float) else 0.0
    log_access(log_safe(request.method, 16), _logged_path(), response.status_code, seconds)
    request.environ[APP_LOGGED] = True
    return response


def _carry_into_outbox(_mapper: Any, _connection: Any, message: OutboxMessage) -> None:
    """Before a message row is inserted in a request: keep the request's id in its details."""
    request_id = current_request_id()
    if request_id is not None and DETAILS_KEY not in (message.details or {}):
        message.details = {**(message.details or {}), DETAILS_KEY: request_id}


def init_app(app: Flask) -> None:
    """Give every request an id (the first before-request hook, so every later log line has it) and its access line."""
    settings: Settings = app.extensions["triage_settings"]
    app.extensions[_EXTENSION] = parse_networks(settings.TRUSTED_PROXIES) if settings.PROXY_HOPS else None
    app.before_request_funcs.setdefault(None, []).insert(0, _begin)
    # After-request hooks run last-registered first: at the front of the list, this one runs last, on the final response.
    app.after_request_funcs.setdefault(None, []).insert(0, _finish)
    if not event.contains(OutboxMessage, "before_insert", _carry_into_outbox):
        event.listen(OutboxMessage, "before_insert", _carry_into_outbox)
