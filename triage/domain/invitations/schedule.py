"""When patient messages may go: the clinic's quiet hours, read in its own time zone (pure functions, no clock)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

_SPAN = re.compile(r"^\s*([01]\d|2[0-3]):([0-5]\d)\s*-\s*([01]\d|2[0-3]):([0-5]\d)\s*$")


@dataclass(frozen=True)
class QuietHours:
    """A daily span of local time in which no message goes to a patient; it may run past midnight (21:00-08:00)."""

    start: dt.time
    end: dt.time

    @classmethod
    def parse(cls, text: str) -> QuietHours | None:
        """Read "HH:MM-HH:MM"; '' means none. Raises ValueError naming the expected form."""
        if not text.strip():
            return None
        match = _SPAN.match(text)
        if match is None:
            raise ValueError(f"quiet hours must read like 21:00-08:00, not {text!r}")
        start = dt.time(int(match[1]), int(match[2]))
        end = dt.time(int(match[3]), int(match[4]))
        if start == end:
            raise ValueError("quiet hours must start and end at different times")
        return cls(start, end)

    def contains(self, local: dt.time) -> bool:
        """Whether a local time of day falls in the quiet span (start included, end excluded)."""
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def next_allowed(self, moment: dt.datetime, zone: ZoneInfo) -> dt.datetime:
        """`moment` itself if outside the quiet span, else the span's end in local time (as UTC)."""
        local = moment.astimezone(zone)
        if not self.contains(local.time().replace(tzinfo=None)):
            return moment
        end_day = local.date()
        if self.start > self.end and local.time() >= self.start:
            end_day += dt.timedelta(days=1)
        end_local = dt.datetime.combine(end_day, self.end, tzinfo=zone)
        return end_local.astimezone(dt.UTC)


def parse_days(text: str) -> tuple[int, ...]:
    """Read "7,2" (days before the appointment a reminder goes), largest first; '' means no reminders."""
    days: set[int] = set()
    for part in text.split(","):
        if not part.strip():
            continue
        if not part.strip().isdigit() or not 1 <= int(part) <= 60:
            raise ValueError(f"reminder days must be whole numbers from 1 to 60 separated by commas, not {part.strip()!r}")
        days.add(int(part))
    return tuple(sorted(days, reverse=True))


# A date-only appointment (no time recorded) is taken to be at this local time: reminders then go at a civil hour.
DATE_ONLY_TIME = dt.time(9, 0)
# How long after its time a reminder may still go (a worker that was down catches up); never past the next one's time.
REMINDER_GRACE = dt.timedelta(days=1)


def appointment_moment(at: dt.datetime | None, day: dt.date | None, zone: ZoneInfo) -> dt.datetime | None:
    """The appointment as aware UTC: its recorded time, else its date at DATE_ONLY_TIME in the clinic's zone."""
    if at is not None:
        return at.astimezone(dt.UTC)
    if day is None:
        return None
    return dt.datetime.combine(day, DATE_ONLY_TIME, tzinfo=zone).astimezone(dt.UTC)


def reminder_time(appointment: dt.datetime, days: int, zone: ZoneInfo) -> dt.datetime:
    """`days` calendar days before the appointment at the same local time of day, in the clinic's zone (as UTC)."""
    wall = appointment.astimezone(zone).replace(tzinfo=None) - dt.timedelta(days=days)
    return wall.replace(tzinfo=zone).astimezone(dt.UTC)


def reminder_window(
    appointment: dt.datetime, days: int, schedule: tuple[int, ...], zone: ZoneInfo
) -> tuple[dt.datetime, dt.datetime]:
    """When the `days` reminder may be queued: from its time for REMINDER_GRACE, cut short by the next one or the appointment."""
    start = reminder_time(appointment, days, zone)
    later = [reminder_time(appointment, d, zone) for d in schedule if d < days]
    return start, min([start + REMINDER_GRACE, appointment, *later])


def due_occasion(
    appointment: dt.datetime, created_at: dt.datetime, now: dt.datetime, schedule: tuple[int, ...], zone: ZoneInfo
) -> int | None:
    """The reminder (days before) due at `now`, if any; at most one is due at a time.

    None once the appointment has begun; none whose time came before the invitation was made (the invitation itself
    went then) or passed more than REMINDER_GRACE ago.
    """
    if now >= appointment:
        return None
    for days in schedule:
        start, end = reminder_window(appointment, days, schedule, zone)
        if created_at <= start <= now < end:
            return days
    return None
