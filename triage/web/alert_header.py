"""Alert helpers for every staff page's templates: the header's count of unacknowledged alerts and the action choices."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, g

from triage.db import alert_queue
from triage.db.session import Database


@dataclass(frozen=True)
class AlertCount:
    """The unacknowledged emergency and urgent alerts, as the header shows them ("3 alerts, 1 emergency")."""

    emergency: int
    urgent: int

    @property
    def total(self) -> int:
        """Every unacknowledged alert."""
        return self.emergency + self.urgent

    @property
    def text(self) -> str:
        """'N alerts', with the emergencies among them named."""
        words = f"{self.total} alert{'' if self.total == 1 else 's'}"
        return f"{words} ({self.emergency} emergency)" if self.emergency else words


def alert_count() -> AlertCount:
    """The unacknowledged alert counts, read once per request (the header may ask more than once)."""
    if "alert_count" not in g:
        db: Database = current_app.extensions["triage_db"]
        with db.session() as session:
            counts = alert_queue.unacknowledged_counts(session)
        g.alert_count = AlertCount(counts["emergency"], counts["urgent"])
    found: AlertCount = g.alert_count
    return found


def action_choices() -> list[tuple[str, str]]:
    """The acknowledgement actions, as (value, label), for the acknowledge form wherever it is rendered."""
    return list(alert_queue.ACTIONS.items())


def init_app(app: Flask) -> None:
    """Make the count and the choices available to every template."""
    app.jinja_env.globals.update(alert_count=alert_count, alert_action_choices=action_choices)
