"""What a log line is about, beyond its message: the worker's job or outbox message, and the request id it came from.

The log formatters (triage.web.logs) add these fields to every line written while they are bound. They live here, below
the web layer, because the worker binds them and may not import the web layer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar

# A request id is a short token of safe characters: it is copied into log lines and headers as it is.
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
FIELDS = ("request_id", "job", "outbox_message")

_bound: ContextVar[Mapping[str, str | int] | None] = ContextVar("triage_log_context", default=None)


def safe_request_id(value: object) -> str | None:
    """The value when it is a usable request id (1 to 64 of A-Z a-z 0-9 . _ -), otherwise None."""
    if isinstance(value, str) and REQUEST_ID.fullmatch(value):
        return value
    return None


def current() -> Mapping[str, str | int]:
    """The fields bound now (in this thread or task), in FIELDS order."""
    return _bound.get() or {}


@contextmanager
def bound(**fields: str | int | None) -> Iterator[None]:
    """Add the given fields (None values are skipped) to the log lines written inside the block."""
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise ValueError(f"unknown log context fields: {sorted(unknown)}")
    merged = {**current(), **{k: v for k, v in fields.items() if v is not None}}
    token = _bound.set({name: merged[name] for name in FIELDS if name in merged})
    try:
        yield
    finally:
        _bound.reset(token)
