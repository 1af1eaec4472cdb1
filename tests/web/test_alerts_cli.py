"""`triage alerts list [--json] [--all]`: the unacknowledged alerts from the command line, audited as "cli"."""

from __future__ import annotations

import datetime as dt
import json

from click.testing import CliRunner, Result
from flask import Flask
from flask.cli import ScriptInfo

from tests.helpers.alerts import T0, audit_of, make_alert, make_intake, settings_of
from triage.cli.main import cli
from triage.db.alert_queue import escalate_due


def run(app: Flask, *args: str) -> Result:
    """Invoke the CLI against this app."""
    return CliRunner().invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app))


def seed(app: Flask) -> tuple[int, int, int]:
    """An escalated emergency on an intake in progress, an urgent alert on a submitted one, an acknowledged one."""
    in_progress = make_intake(app, "REF-CLI-1", "in_progress")
    submitted = make_intake(app, "REF-CLI-2", "submitted")
    make_alert(app, in_progress, "emergency", T0, rule_ids=("RF-HAEMATEMESIS", "RF-DYSPHAGIA"))
    make_alert(app, submitted, "urgent", T0 + dt.timedelta(minutes=1), rule_ids=("RF-WEIGHT-LOSS",))
    done = make_intake(app, "REF-CLI-3", "submitted")
    make_alert(app, done, "urgent", T0, acknowledged_after=dt.timedelta(minutes=4))
    with app.extensions["triage_db"].session() as session:
        escalate_due(session, T0 + dt.timedelta(minutes=30), settings_of(app))
    return in_progress, submitted, done


def test_alerts_list_json(app: Flask) -> None:
    in_progress, submitted, _done = seed(app)
    result = run(app, "alerts", "list", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    for row in rows:
        row.pop("alert_id")
        row.pop("stalled")  # depends on the real clock: these intakes were made just now
    assert rows == [
        {
            "intake_id": in_progress,
            "ref": "REF-CLI-1",
            "urgency": "emergency",
            "rule_ids": ["RF-HAEMATEMESIS", "RF-DYSPHAGIA"],
            "raised": "2024-03-05T10:00:00+00:00",
            "escalated": "2024-03-05T10:30:00+00:00",
            "intake": "in_progress",
            "acknowledged": None,
            "action": None,
        },
        {
            "intake_id": submitted,
            "ref": "REF-CLI-2",
            "urgency": "urgent",
            "rule_ids": ["RF-WEIGHT-LOSS"],
            "raised": "2024-03-05T10:01:00+00:00",
            "escalated": None,
            "intake": "submitted",
            "acknowledged": None,
            "action": None,
        },
    ]
    assert audit_of(app, "alert.list") == [("cli", "cli", None, "ok", "all=False rows=2")]


def test_alerts_list_all_and_text(app: Flask) -> None:
    _in_progress, _submitted, done = seed(app)
    rows = json.loads(run(app, "alerts", "list", "--json", "--all").output)
    assert [(r["ref"], r["acknowledged"], r["action"]) for r in rows] == [
        ("REF-CLI-1", None, None),
        ("REF-CLI-3", "2024-03-05T10:04:00+00:00", "called_patient"),
        ("REF-CLI-2", None, None),
    ]
    assert rows[1]["intake_id"] == done
    lines = run(app, "alerts", "list").output.splitlines()
    assert len(lines) == 2
    assert "REF-CLI-1" in lines[0] and "emergency" in lines[0] and "RF-HAEMATEMESIS,RF-DYSPHAGIA" in lines[0]
    assert (
        "raised 2024-03-05 10:00 UTC" in lines[0] and "in progress" in lines[0] and "escalated 2024-03-05 10:30 UTC" in lines[0]
    )
    assert "REF-CLI-2" in lines[1] and "submitted" in lines[1] and "escalated" not in lines[1]


def test_alerts_list_when_there_are_none(app: Flask) -> None:
    assert run(app, "alerts", "list").output == "No unacknowledged alerts.\n"
    assert json.loads(run(app, "alerts", "list", "--json").output) == []
