"""One logging set-up for the app, the worker, gunicorn and SQLAlchemy: one format, and no patient-link token in any line.

LOG_FORMAT picks the format: `text` (a readable line, the request id or worker job appended) or `json` (one JSON object
per line). Each request has one access line, written by the app (logger `triage.access`): method, path without its
query string, status and duration.

Redaction runs where every record is made (the log record factory), so it holds however a logger is called: a
preformatted message, %-arguments as a tuple, or the dict that gunicorn's access log passes; and for exception text
and stack traces. Query parameters never reach a log in the first place (`hide_parameters=True` on every engine,
triage.db.session); SQLAlchemy's result rows (its DEBUG level) are dropped by the handlers' filter.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import sys
import traceback
from collections.abc import Callable, MutableMapping
from typing import IO, Any

from flask import Flask, g, has_request_context
from flask.logging import default_handler, has_level_handler

from triage.jobs import log_context

# A patient link is /i/<token>; whatever follows /i/ up to a delimiter is the secret.
# Already redacted text is left as it is (a record may pass the factory and a handler's filter).
_INVITATION_PATH = re.compile(r"/i/(?!\[redacted\])[^\s?#\"'<>&;,)\]]+")
REDACTED_PATH = "/i/[redacted]"
# PostgreSQL's DETAIL line may quote a failing row's values (a check or unique violation): health data.
_PG_DETAIL = re.compile(r"^(\s*DETAIL:).*$", re.MULTILINE)
REQUEST_LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error")
SQL_LOGGER = "sqlalchemy"
APP_LOGGER = "triage"
ACCESS_LOGGER = "triage.access"
LOG_FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# The access line's own fields (set by log_access); no other record attribute is ever written out.
ACCESS_FIELDS = ("method", "path", "status", "duration_ms")
_SCALARS = (int, float, bool, type(None))
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def redact(text: str) -> str:
    """The text with every patient-link token (and any PostgreSQL DETAIL quotation of row values) replaced."""
    return _PG_DETAIL.sub(r"\1 [redacted]", _INVITATION_PATH.sub(REDACTED_PATH, text))


def _redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    # Any other object (a request, a URL, an exception) is logged through str(): redact that text if it needs it.
    shown = str(value)
    cleaned = redact(shown)
    return value if cleaned == shown else cleaned


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    """Redact a record in place: its message, its arguments (tuple or mapping), its exception and stack text."""
    record.msg = _redact_value(record.msg)
    if isinstance(record.args, tuple):
        record.args = tuple(_redact_value(a) for a in record.args)
    elif isinstance(record.args, MutableMapping):
        # In place: gunicorn's atoms mapping answers "-" for a header it lacks, which a plain copy would not.
        for key, value in list(record.args.items()):
            record.args[key] = _redact_value(value)
    elif record.args is not None:
        record.args = _redact_value(record.args)
    if record.exc_info and not record.exc_text:
        # Formatted now, redacted, and kept: every formatter prints exc_text when it is set.
        record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    return record


class RedactingFilter(logging.Filter):
    """A handler filter: redacts what the record factory has not seen, and drops SQLAlchemy's result-row lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep the record (redacted) unless it is SQLAlchemy DEBUG output, which prints result rows."""
        if record.name.startswith(SQL_LOGGER) and record.levelno < logging.INFO:
            return False
        redact_record(record)
        return True


def add_filter(handler: logging.Handler) -> None:
    """Give a handler the redacting filter once."""
    if not any(isinstance(f, RedactingFilter) for f in handler.filters):
        handler.addFilter(RedactingFilter())


def install_redaction() -> None:
    """Redact every log record of this process where it is made (idempotent)."""
    factory = logging.getLogRecordFactory()
    if getattr(factory, "triage_redacts", False):
        return

    def redacting_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return redact_record(factory(*args, **kwargs))

    marked: Callable[..., logging.LogRecord] = redacting_factory
    marked.triage_redacts = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(marked)
    for name in REQUEST_LOGGERS:
        for handler in logging.getLogger(name).handlers:
            add_filter(handler)


def context_fields(record: logging.LogRecord) -> dict[str, str | int]:
    """The request id (in a request) or the worker's job, outbox message and originating request id, for a record."""
    fields = dict(log_context.current())
    if has_request_context():
        request_id = g.get("request_id")
        if isinstance(request_id, str):
            fields["request_id"] = request_id
    return fields


class TextFormatter(logging.Formatter):
    """The readable line (gunicorn's or the worker's format) with the request id or job appended; redacted as a whole."""

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 - logging's name
        """The formatted line, then ` [request_id=... outbox_message=...]` when there is a context."""
        line = super().formatMessage(record)
        fields = context_fields(record)
        return line + (" [" + " ".join(f"{k}={v}" for k, v in fields.items()) + "]" if fields else "")

    def format(self, record: logging.LogRecord) -> str:
        """The whole line redacted (arguments redacted one by one could still join into a token)."""
        return redact(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (ISO 8601, UTC), level, logger, message, the context and access fields.

    Written by hand: python-json-logger is not installed here, and a whitelist of fields is the point (it would copy
    every `extra` attribute of a record into the line, and an attribute may hold anything).
    """

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON (ASCII-escaped, so no character of a message can end the line)."""
        moment = dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(timespec="milliseconds")
        entry: dict[str, Any] = {
            "time": moment.replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(_ANSI.sub("", record.getMessage())),
            "pid": record.process,
        }
        entry.update(context_fields(record))
        for name in ACCESS_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = redact(value) if isinstance(value, str) else value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = redact(record.exc_text)
        if record.stack_info:
            entry["stack"] = redact(self.formatStack(record.stack_info))
        return json.dumps(entry, ensure_ascii=True, default=str)


def formatter_for(log_format: str, fmt: str = TEXT_FORMAT, datefmt: str | None = None) -> logging.Formatter:
    """The formatter of a LOG_FORMAT value; `fmt` and `datefmt` shape the text lines."""
    return JsonFormatter() if log_format == "json" else TextFormatter(fmt, datefmt)


def log_format_from_env() -> str:
    """LOG_FORMAT as a server's set-up reads it before the app exists (anything but `json` is text; the app checks it)."""
    return "json" if os.environ.get("LOG_FORMAT", "").strip() == "json" else "text"


def log_access(method: str, path: str, status: int, seconds: float) -> None:
    """The one access line of a request (callers pass log-safe text; the path has no query string)."""
    path = redact(path)
    duration_ms = round(seconds * 1000, 1)
    fields = {"method": method, "path": path, "status": status, "duration_ms": duration_ms}
    logging.getLogger(ACCESS_LOGGER).info('"%s %s" %s %.1fms', method, path, status, duration_ms, extra=fields)


class _StderrHandler(logging.StreamHandler):
    """A stream handler that writes to whatever sys.stderr is when it writes (a CLI runner may swap it)."""

    @property
    def stream(self) -> IO[str]:
        """The current standard error."""
        return sys.stderr

    @stream.setter
    def stream(self, _value: IO[str]) -> None:
        pass


class _NoServerAccessLines(logging.Filter):
    """Drops the development server's own request lines: the app writes one access line per request itself."""

    def filter(self, record: logging.LogRecord) -> bool:
        """False for werkzeug's per-request line."""
        return not (record.name == "werkzeug" and isinstance(record.msg, str) and record.msg.rstrip().endswith('"%s" %s %s'))


def install_process_handler(log_format: str, stream: IO[str] | None = None) -> logging.Handler:
    """Send every record of this process (the app's, the worker's, the libraries') to one handler on the root logger.

    For processes without a server's logging set-up: the development server, the worker and the other commands.
    Writes to standard error unless given a stream; replaces a handler this function installed before.
    """
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "triage_process", False):
            root.removeHandler(old)
    handler: logging.Handler = logging.StreamHandler(stream) if stream is not None else _StderrHandler()
    handler.setFormatter(formatter_for(log_format))
    add_filter(handler)
    handler.addFilter(_NoServerAccessLines())
    handler.triage_process = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    for name in (APP_LOGGER, "werkzeug"):  # the root stays at WARNING for the libraries; these two speak at INFO
        if logging.getLogger(name).level == logging.NOTSET:
            logging.getLogger(name).setLevel(logging.INFO)
    return handler


def route_app_logs(handlers: list[logging.Handler], level: int, access_handlers: list[logging.Handler] | None = None) -> None:
    """Send the app's, SQLAlchemy's and the libraries' records to the server's error-log handlers (one place, one format).

    The app's access lines go to `access_handlers` when the server has an access log, else with the rest.
    SQLAlchemy logs statements at INFO (their parameters hidden) only when the server logs at DEBUG, and never its
    DEBUG result rows, which would print answers.
    """
    for handler in [*handlers, *(access_handlers or [])]:
        add_filter(handler)
    sql_level = logging.INFO if level <= logging.DEBUG else logging.WARNING
    routes: list[tuple[str, int | None, list[logging.Handler]]] = [
        (APP_LOGGER, level, handlers),
        (SQL_LOGGER, sql_level, handlers),
        ("", None, handlers),  # the root: any library's warnings
        (ACCESS_LOGGER, logging.INFO, access_handlers or []),
    ]
    for name, wanted, targets in routes:
        logger = logging.getLogger(name)
        for handler in list(logger.handlers):
            if getattr(handler, "triage_routed", False):
                logger.removeHandler(handler)
        for handler in targets:
            handler.triage_routed = True  # type: ignore[attr-defined]
            logger.addHandler(handler)
        if wanted is not None:
            logger.setLevel(wanted)
        if name:
            logger.propagate = name == ACCESS_LOGGER and not targets


def init_app(app: Flask, log_format: str = "text") -> None:
    """The app's part: redaction on, the app's records at INFO, and one handler where nothing would print them.

    Where a server has routed the app's records (gunicorn_conf) or a test captures them, that set-up stays; otherwise
    (the development server, the worker and other commands) the process handler is installed in Flask's default
    handler's place.
    """
    install_redaction()
    logger = logging.getLogger(APP_LOGGER)
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)
    if not has_level_handler(logger):
        install_process_handler(log_format)
    app.logger.removeHandler(default_handler)
    for handler in app.logger.handlers:
        add_filter(handler)
