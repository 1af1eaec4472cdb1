"""One logging set-up for the app, the servers' request logs and SQLAlchemy: no patient-link token in any log line.

Redaction runs where every record is made (the log record factory), so it holds however a logger is called: a
preformatted message, %-arguments as a tuple, or the dict that gunicorn's access log passes; and for exception text
and stack traces. Query parameters never reach a log in the first place (`hide_parameters=True` on every engine,
triage.db.session); SQLAlchemy's result rows (its DEBUG level) are dropped by the handlers' filter.
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Callable, MutableMapping
from typing import Any

from flask import Flask

# A patient link is /i/<token>; whatever follows /i/ up to a delimiter is the secret.
# Already redacted text is left as it is (a record may pass the factory and a handler's filter).
_INVITATION_PATH = re.compile(r"/i/(?!\[redacted\])[^\s?#\"'<>&;,)\]]+")
REDACTED_PATH = "/i/[redacted]"
# PostgreSQL's DETAIL line may quote a failing row's values (a check or unique violation): health data.
_PG_DETAIL = re.compile(r"^(\s*DETAIL:).*$", re.MULTILINE)
REQUEST_LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error")
SQL_LOGGER = "sqlalchemy"
APP_LOGGER = "triage"
_SCALARS = (int, float, bool, type(None))


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


def route_app_logs(handlers: list[logging.Handler], level: int) -> None:
    """Send the app's and SQLAlchemy's records to the server's error-log handlers (one place, one format).

    SQLAlchemy logs statements at INFO (their parameters hidden) only when the server logs at DEBUG, and never its
    DEBUG result rows, which would print answers.
    """
    for handler in handlers:
        add_filter(handler)
    for name, wanted in ((APP_LOGGER, level), (SQL_LOGGER, logging.INFO if level <= logging.DEBUG else logging.WARNING)):
        logger = logging.getLogger(name)
        for handler in list(logger.handlers):
            if getattr(handler, "triage_routed", False):
                logger.removeHandler(handler)
        for handler in handlers:
            handler.triage_routed = True  # type: ignore[attr-defined]
            logger.addHandler(handler)
        logger.setLevel(wanted)
        logger.propagate = False


def init_app(app: Flask) -> None:
    """The app's part: redaction on, the app's own records at INFO (a server's set-up may have routed them already)."""
    install_redaction()
    logger = logging.getLogger(APP_LOGGER)
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)
    for handler in app.logger.handlers:
        add_filter(handler)
