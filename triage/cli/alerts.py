"""`triage alerts list [--json] [--all]`: the unacknowledged red-flag alerts (all of them with --all), audited as "cli"."""

from __future__ import annotations

import json
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from triage.cli.context import database
from triage.config import Settings
from triage.db import alert_queue, audit
from triage.db.alert_queue import AlertView
from triage.db.clock import utcnow


def alert_json(view: AlertView) -> dict[str, Any]:
    """One alert as the JSON output shows it (times in ISO 8601 UTC, null when absent)."""
    return {
        "alert_id": view.id,
        "intake_id": view.intake_id,
        "ref": view.ref,
        "urgency": view.urgency,
        "rule_ids": list(view.rule_ids),
        "raised": view.raised_iso,
        "escalated": view.escalated_iso,
        "intake": "submitted" if view.sent else "in_progress",
        "stalled": view.stalled,
        "acknowledged": view.acknowledged_iso,
        "action": view.action or None,
    }


@click.group("alerts")
def alerts_group() -> None:
    """Red-flag alerts for the clinic."""


@alerts_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--all", "include_all", is_flag=True, help="Include acknowledged alerts.")
@with_appcontext
def list_alerts(as_json: bool, include_all: bool) -> None:
    """Unacknowledged alerts: intake id, reference, urgency, rule ids, raised, escalated, submitted or in progress."""
    settings: Settings = current_app.extensions["triage_settings"]
    with database().session() as session:
        views = alert_queue.open_alerts(session, utcnow(), settings.STALE_FLAG_HOURS, include_acknowledged=include_all)
        audit.record(session, actor="cli", role="cli", action="alert.list", detail=f"all={include_all} rows={len(views)}")
    if as_json:
        click.echo(json.dumps([alert_json(v) for v in views], indent=2))
        return
    if not views:
        click.echo("No alerts." if include_all else "No unacknowledged alerts.")
        return
    for v in views:
        state = "submitted" if v.sent else ("in progress, stalled" if v.stalled else "in progress")
        extra = f"; escalated {v.escalated}" if v.escalated else ""
        extra += f"; acknowledged {v.acknowledged} ({v.action})" if v.acknowledged else ""
        click.echo(
            f"intake {v.intake_id:>6}  {v.ref:<20} {v.urgency:<9} {','.join(v.rule_ids)}  raised {v.raised}  {state}{extra}"
        )
