"""The database layer's one clock: the current UTC time, stored times read back as aware UTC, and shown in the clinic's zone."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

# The zone times are shown in, like a locale: the web layer sets it per request from the clinic's details (as
# Flask-Babel's timezone selector would), and anything that sets nothing shows UTC.
UTC_ZONE = zoneinfo.ZoneInfo("UTC")
_SHOWN_IN: ContextVar[zoneinfo.ZoneInfo | None] = ContextVar("shown_in", default=None)


def utcnow() -> dt.datetime:
    """The current time in UTC, timezone-aware."""
    return dt.datetime.now(dt.UTC)


def as_utc(moment: dt.datetime) -> dt.datetime:
    """A stored time as an aware UTC datetime (SQLite hands back naive ones; both databases store UTC)."""
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment


def iso_seconds(moment: dt.datetime | None) -> str | None:
    """A stored time as ISO 8601 text to the second with its UTC offset (None when absent)."""
    return as_utc(moment).isoformat(timespec="seconds") if moment is not None else None


def minute_text(moment: dt.datetime | None) -> str:
    """A stored time as 'YYYY-MM-DD HH:MM' and the zone's abbreviation (UTC, GMT, BST, ...), '' when absent."""
    return as_utc(moment).astimezone(_SHOWN_IN.get() or UTC_ZONE).strftime("%Y-%m-%d %H:%M %Z") if moment else ""


def second_text(moment: dt.datetime | None) -> str:
    """A stored time as 'YYYY-MM-DD HH:MM:SS' and the zone's abbreviation, in the zone times are shown in ('' when absent)."""
    return as_utc(moment).astimezone(_SHOWN_IN.get() or UTC_ZONE).strftime("%Y-%m-%d %H:%M:%S %Z") if moment else ""


def show_times_in(zone_name: str) -> None:
    """Show times in this IANA zone for the rest of the current context (a web request); unknown names keep UTC."""
    try:
        _SHOWN_IN.set(zoneinfo.ZoneInfo(zone_name))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        _SHOWN_IN.set(UTC_ZONE)


@contextmanager
def times_shown_in(zone_name: str) -> Iterator[None]:
    """Within the block, show times in this zone (a worker job rendering a letter, a test)."""
    token = _SHOWN_IN.set(_SHOWN_IN.get())
    show_times_in(zone_name)
    try:
        yield
    finally:
        _SHOWN_IN.reset(token)
