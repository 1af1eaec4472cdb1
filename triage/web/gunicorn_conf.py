"""gunicorn's settings for gut-triage: `gunicorn -c python:triage.web.gunicorn_conf 'triage:create_app()'`.

- One logging set-up and one format (LOG_FORMAT, text or json): gunicorn's error and access logs, the app's log and
  SQLAlchemy's all go through the redacting filter and the same formatter (triage.web.logs); the app's and SQLAlchemy's
  records go to gunicorn's error log. The access line of a request is the app's own (with its request id), written to
  gunicorn's access log when one is configured and to the error log otherwise; gunicorn writes one only for a request
  the app never saw (a malformed request line, say).
- gunicorn's own error responses (400, 414, 431, ... sent before the app sees a request) carry the same security
  headers as the app's pages.
"""

from __future__ import annotations

import datetime as dt
import logging
import socket
from typing import Any

from gunicorn.config import Config  # type: ignore[import-untyped]
from gunicorn.glogging import Logger  # type: ignore[import-untyped]
from gunicorn.workers.base import Worker  # type: ignore[import-untyped]

from triage.web.access import log_safe
from triage.web.logs import add_filter, formatter_for, install_redaction, log_access, log_format_from_env, route_app_logs
from triage.web.request_id import APP_LOGGED
from triage.web.security import HSTS_VALUE, SECURITY_HEADERS


class TriageLogger(Logger):
    """gunicorn's logger: every handler redacting and in the one format; the app's records routed to the error log."""

    def setup(self, cfg: Config) -> None:
        """gunicorn's own set-up (run again on a reload), then the format, redaction and routing on every handler."""
        super().setup(cfg)
        install_redaction()
        log_format = log_format_from_env()
        for handler in [*self.error_log.handlers, *self.access_log.handlers]:
            # The access log's lines are the app's: they get the error log's shape (time, pid, level) too.
            handler.setFormatter(formatter_for(log_format, self.error_fmt, self.datefmt))
            add_filter(handler)
        route_app_logs(list(self.error_log.handlers), self.loglevel, list(self.access_log.handlers))

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: dt.timedelta) -> None:
        """Nothing when the app wrote the request's access line; else one line in the app's shape."""
        if environ.get(APP_LOGGED):
            return
        status = str(getattr(resp, "status", "") or "0").split(None, 1)[0]
        method = log_safe(str(environ.get("REQUEST_METHOD") or "-"), 16)
        path = log_safe(str(environ.get("PATH_INFO") or getattr(req, "path", None) or "-"), 2000)
        log_access(method, path, int(status) if status.isdigit() else 0, request_time.total_seconds())


def error_page_headers(hsts: bool) -> bytes:
    """The header lines added to gunicorn's own error responses."""
    headers = {**SECURITY_HEADERS, "Cache-Control": "no-store", "Pragma": "no-cache"}
    if hsts:
        headers["Strict-Transport-Security"] = HSTS_VALUE
    return b"".join(f"{name}: {value}\r\n".encode("latin-1") for name, value in headers.items())


class HeaderedErrorSocket:
    """The client socket as gunicorn's error writer sees it: the header lines go in after the status line."""

    def __init__(self, sock: socket.socket, headers: bytes) -> None:
        self._sock = sock
        self._headers = headers
        self._pending = True

    def sendall(self, data: bytes) -> None:
        """Send, putting the headers after the first status line (gunicorn writes its error page in one call)."""
        if self._pending and data.startswith(b"HTTP/1."):
            end = data.find(b"\r\n") + 2
            if end > 1:
                data = data[:end] + self._headers + data[end:]
            self._pending = False
        self._sock.sendall(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


def post_worker_init(worker: Worker) -> None:
    """gunicorn hook, in each worker once the app is loaded: wrap its error handler so its pages carry the headers."""
    app = getattr(worker, "wsgi", None)
    headers = error_page_headers(bool(getattr(app, "config", {}).get("HSTS")))
    handle_error = worker.handle_error

    def handle_error_with_headers(req: Any, client: socket.socket, addr: Any, exc: BaseException) -> None:
        handle_error(req, HeaderedErrorSocket(client, headers), addr, exc)

    worker.handle_error = handle_error_with_headers
    logging.getLogger("gunicorn.error").debug("security headers added to gunicorn's own error pages")


# gunicorn reads these module-level names as its settings.
logger_class = TriageLogger
