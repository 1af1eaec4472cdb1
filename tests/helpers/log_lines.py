"""Log-line helpers for tests: a patient with sentinel health data, a view that queues mail, capturing and parsing lines."""

from __future__ import annotations

import io
import json
import logging
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask

from tests.helpers.rules_editor import rule_cases
from triage.db import intakes as queries
from triage.db import outbox
from triage.db.evaluations import current_ruleset, evaluate_for_storage
from triage.domain.questionnaire.questions import default_questionnaire
from triage.web.access import database, role_required
from triage.web.logs import install_process_handler

# Health data no log line may hold: distinctive, so that a hit cannot be a coincidence.
NAME = "Quillonby Sentinelname"
BIRTH = "1961-07-23"
ENQUEUE_URL = "/test-only/enqueue-alert"
ALERT_RECIPIENT = "clinic.alerts@example.org"
_YEAR = re.compile(r"(?<![\d.])" + BIRTH[:4] + r"(?![\d])")


def seed_patient(app: Flask, ref: str = "LOG-1") -> tuple[str, int]:
    """A submitted intake of a patient named NAME, born BIRTH; its link token and id."""
    case = rule_cases()[0]
    answers = {**case.answers, "full_name": NAME, "date_of_birth": BIRTH}
    with app.extensions["triage_db"].session() as session:
        token, intake = queries.create_invitation(
            session, ref=ref, questionnaire_version=default_questionnaire().version, expires_days=30
        )
        queries.save_step(session, intake, answers, {})
        queries.submit_intake(session, intake, lambda a: evaluate_for_storage(a, case.on, current_ruleset(session)))
        return token, intake.id


def add_enqueue_view(app: Flask) -> None:
    """A clinician-only GET view that queues one alert email (the way a request queues mail), answering its id."""

    @role_required("clinician")
    def enqueue_alert() -> str:
        with database().session() as session:
            message = outbox.enqueue(
                session,
                kind="alert",
                recipient=ALERT_RECIPIENT,
                dedupe_key=f"test:{uuid.uuid4().hex}",
                subject="An intake needs urgent attention",
                body="Sign in to see it.\n",
                details={"alert_id": 0},
            )
            return str(message.id if message else 0)

    app.add_url_rule(ENQUEUE_URL, "test_enqueue_alert", enqueue_alert)


def health_data_in(lines: list[str], *secrets: str) -> list[str]:
    """The lines holding NAME (or a part), BIRTH, its year as a word, or any of the given secrets."""
    words = (NAME, *NAME.split(), BIRTH, *secrets)
    return [line for line in lines if any(w in line for w in words) or _YEAR.search(line)]


def json_lines(text: str) -> list[dict[str, Any]]:
    """Every line of the text parsed as one JSON object (a line that is not one fails the test)."""
    parsed = []
    for line in text.splitlines():
        entry = json.loads(line)
        assert isinstance(entry, dict), line
        parsed.append(entry)
    return parsed


@contextmanager
def captured_logs(log_format: str, *, sql: bool = False) -> Iterator[io.StringIO]:
    """The process handler a CLI or the development server installs, writing to a buffer; SQL statements too if asked."""
    buffer = io.StringIO()
    sql_logger = logging.getLogger("sqlalchemy")
    sql_level = sql_logger.level
    if sql:
        sql_logger.setLevel(logging.INFO)
    handler = install_process_handler(log_format, buffer)
    try:
        yield buffer
    finally:
        logging.getLogger().removeHandler(handler)
        sql_logger.setLevel(sql_level)
