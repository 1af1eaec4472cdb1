"""The database layer's one clock: the current UTC time, and stored times read back as aware UTC."""

from __future__ import annotations

import datetime as dt


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
    """A stored time as 'YYYY-MM-DD HH:MM UTC' ('' when absent)."""
    return as_utc(moment).strftime("%Y-%m-%d %H:%M UTC") if moment else ""
