"""Submitting a patient's intake once: prune unasked answers, evaluate, mark submitted and audit, all or nothing."""

from __future__ import annotations

import datetime as dt
import logging

from triage.db import alerts, audit
from triage.db import intakes as queries
from triage.web.access import database
from triage.web.job_queue import letter_changed
from triage.web.patient.session import Bound, load_bound
from triage.web.patient.urgent import alert_mail, patient_actor
from triage.web.security import client_ip

log = logging.getLogger("triage.patient")


def _submit(bound: Bound, today: dt.date) -> str:
    # The evaluation module pulls in the rules engine; importing it here keeps every page before
    # submission working even if the engine cannot load (the patient then gets the retry page).
    from triage.db import evaluations as evaluation

    with database().session() as db_session:
        fresh = load_bound(db_session, lock=True)
        if fresh is None:
            return "nosession"
        if fresh.state != "open":
            return "already" if fresh.state == "submitted" else fresh.state
        progress, stored = fresh.progress(db_session)
        if progress.first_unfinished() is not progress.review or progress.has_problems(progress.review):
            return "unfinished"
        hidden = progress.hidden_answers(stored)
        if hidden:
            # Answers to questions no longer asked (a parent answer changed) are not part of what was reviewed.
            queries.save_step(db_session, fresh.intake, dict.fromkeys(hidden), {})
        if not queries.submit_intake(
            db_session,
            fresh.intake,
            lambda answers: evaluation.evaluate_for_storage(answers, today, evaluation.current_ruleset(db_session)),
        ):
            db_session.rollback()
            return "already"
        # The full evaluation's emergency and urgent flags alert the clinic in the same transaction as the submission.
        alerts.raise_from_submission(db_session, fresh.intake.id, alert_mail(), patient_actor(fresh))
        stored_evaluation = queries.latest_evaluation(db_session, fresh.intake.id)
        audit.record(
            db_session,
            actor=fresh.actor,
            role="patient",
            action="intake.submit",
            intake_id=fresh.intake.id,
            ruleset_version=stored_evaluation.ruleset_version if stored_evaluation else None,
            ip=client_ip(),
        )
        return "submitted"


def submit_bound_intake(bound: Bound) -> str:
    """Submit the bound intake: 'submitted', 'already', 'unfinished', 'expired', 'revoked', 'nosession' or 'failed'.

    Evaluation, the audit row and the status change commit together; if any fails nothing is
    committed and the intake stays in progress with every answer.
    """
    try:
        outcome = _submit(bound, dt.date.today())
    except Exception as error:  # noqa: BLE001 - any failure must leave the intake untouched and the patient a retry page
        log.error("submitting intake %d failed (%s); it stays in progress", bound.intake.id, type(error).__name__)
    else:
        if outcome == "submitted":  # the letter exists from now on: its PDF is made in the background
            letter_changed(bound.intake.id)
        return outcome
    with database().session() as db_session:
        after = load_bound(db_session)
        # A concurrent submit of the same intake may have won the race: that is success for the patient.
        return "already" if after is not None and after.state == "submitted" else "failed"
