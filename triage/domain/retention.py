"""Retention periods: how long each kind of record is kept, and the moment before which a record is past its period.

The defaults follow common practice for clinic records (general knowledge, not legal advice): NHS England's Records
Management Code of Practice keeps an adult's hospital record for 8 years after the last treatment, so an intake and its
letter are kept 8 years after their last activity; the messages sent about them (copies of emails and texts, with the
patient's address or number) are only delivery records and go after 90 days. A clinic sets its own in the app.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

DEFAULT_INTAKE_YEARS = 8
DEFAULT_LETTER_YEARS = 8
DEFAULT_MESSAGE_DAYS = 90
# field -> (smallest, largest) value an admin may set
LIMITS: dict[str, tuple[int, int]] = {
    "intake_years": (1, 50),
    "letter_years": (1, 50),
    "message_days": (1, 3650),
}


def years_before(moment: dt.datetime, years: int) -> dt.datetime:
    """The same calendar moment `years` earlier (29 February becomes 28 February in a common year)."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)


@dataclass(frozen=True)
class Cutoffs:
    """The moments a record must be older than to be past its period (all aware UTC)."""

    intakes: dt.datetime
    letters: dt.datetime
    messages: dt.datetime


@dataclass(frozen=True)
class RetentionPeriods:
    """The periods in force: intakes and letters in years after their last activity, sent messages in days."""

    intake_years: int = DEFAULT_INTAKE_YEARS
    letter_years: int = DEFAULT_LETTER_YEARS
    message_days: int = DEFAULT_MESSAGE_DAYS

    def cutoffs(self, now: dt.datetime) -> Cutoffs:
        """What is older than these moments at `now` is past its period."""
        return Cutoffs(
            intakes=years_before(now, self.intake_years),
            letters=years_before(now, self.letter_years),
            messages=now - dt.timedelta(days=self.message_days),
        )

    def text(self) -> str:
        """The periods in one line, for the audit log and the command line."""
        return f"intakes {self.intake_years} years, letters {self.letter_years} years, messages {self.message_days} days"


def period_problem(name: str, value: int) -> str:
    """Why this period cannot be used ('' when it can): the message names the field."""
    low, high = LIMITS[name]
    if low <= value <= high:
        return ""
    label = {"intake_years": "Keep intakes for", "letter_years": "Keep letters for", "message_days": "Keep sent messages for"}
    unit = "days" if name.endswith("days") else "years"
    return f"{label[name]}: enter a whole number of {unit} from {low} to {high}."
