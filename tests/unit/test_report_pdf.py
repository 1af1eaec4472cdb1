"""The PDF: page size from PDF_PAGE_SIZE (only A4 or Letter), the cache key, the triage decision and alert acknowledgements."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import replace

import pypdf
import pytest
from flask import Flask
from sqlalchemy import select

from tests.helpers.staff import create_staff
from triage.db import decisions
from triage.db import intakes as queries
from triage.db.decisions import DecisionInfo
from triage.db.demo import demo_patients
from triage.db.evaluations import bundled_ruleset, evaluate_for_storage
from triage.db.intake_record import AlertInfo, EvaluationInfo, FeedbackInfo, IntakeRecord, NoteInfo
from triage.db.models import Alert
from triage.domain.questionnaire.answers import validate_answers
from triage.domain.questionnaire.questions import questionnaire_for
from triage.pdf import summary as pdf


def record() -> IntakeRecord:
    """A small submitted intake with one suggested differential."""
    result = {
        "ruleset": {"version": "1", "hash": "a" * 64},
        "red_flags": [],
        "differentials": [
            {"id": "ibs", "name": "Irritable bowel syndrome", "score": 3, "level": "high", "for": [], "against": []}
        ],
    }
    return IntakeRecord(
        id=3,
        ref="R-3",
        status="submitted",
        questionnaire_version="2026.11-1",
        appointment="",
        created="2026-11-20 09:00 UTC",
        submitted="2026-11-21 09:00 UTC",
        submitted_on=dt.date(2026, 11, 21),
        reviewed_at="",
        reviewed_by="",
        stored_sha256="b" * 64,
        computed_sha256="b" * 64,
        answers={"full_name": "Ann Example", "symptoms": ["bloating"], "bloating_severity": 4},
        evaluations=(EvaluationInfo(1, "2026-11-21 09:00 UTC", "submit", "1", "a" * 64),),
        result=result,
        notes=(),
        feedback=(),
    )


@pytest.mark.parametrize(("size", "points"), [("A4", (595, 842)), ("Letter", (612, 792))])
def test_page_size_follows_the_setting(size: str, points: tuple[int, int]) -> None:
    settings = pdf.PdfSettings.from_config({"PDF_PAGE_SIZE": size, "CLINIC_NAME": "Test clinic"})
    html = pdf.document_html(record(), settings, "2026-11-27 10:00 UTC")
    pages = pypdf.PdfReader(io.BytesIO(pdf.render_pdf(html, settings))).pages
    assert all((round(float(p.mediabox.width)), round(float(p.mediabox.height))) == points for p in pages)
    text = pages[0].extract_text()
    # The letter on page 1, its appendix (with the severity chart) from page 2.
    assert "Test clinic" in text and "Ann Example" in text and "Page 1 of 2" in text
    assert "Bloating 4/10" in pages[1].extract_text()


def test_settings_refuse_an_unknown_page_size() -> None:
    with pytest.raises(ValueError, match="A4 or Letter"):
        pdf.PdfSettings.from_config({"PDF_PAGE_SIZE": "A5"})


def test_the_cache_key_changes_with_every_state_that_shows_in_the_pdf() -> None:
    base = record()
    settings = pdf.PdfSettings()
    key = pdf.cache_key(base, settings)
    assert key == pdf.cache_key(record(), settings)
    changed = [
        IntakeRecord(**{**base.__dict__, "reviewed_at": "2026-11-22 09:00 UTC"}),
        IntakeRecord(**{**base.__dict__, "computed_sha256": "c" * 64}),
        IntakeRecord(**{**base.__dict__, "evaluations": (EvaluationInfo(2, "x", "reevaluate", "2", "d" * 64),)}),
        IntakeRecord(**{**base.__dict__, "notes": (NoteInfo(1, "a", "t", "note"),)}),
        IntakeRecord(**{**base.__dict__, "feedback": (FeedbackInfo(1, 1, "ibs", True, "", "a", "t"),)}),
    ]
    assert (
        len({key, *(pdf.cache_key(r, settings) for r in changed), pdf.cache_key(base, pdf.PdfSettings(page_size="LETTER"))}) == 7
    )


def words(text: str) -> str:
    """Extracted text with every run of whitespace (line breaks included) as one space."""
    return " ".join(text.split())


def test_a_pdf_without_a_decision_or_alerts_says_nothing_of_them() -> None:
    settings = pdf.PdfSettings()
    text = words(
        pypdf.PdfReader(io.BytesIO(pdf.render_pdf(pdf.document_html(record(), settings, "t"), settings))).pages[0].extract_text()
    )
    assert "Triage decision" not in text and "alerts to the clinic" not in text and "acknowledged" not in text


def test_the_cache_key_changes_with_the_decision_and_the_alerts() -> None:
    base = record()
    settings = pdf.PdfSettings()
    decided = DecisionInfo(1, "urgent", "Urgent appointment", "", "a@example.org", "2026-11-21 10:00 UTC", "")
    alert = AlertInfo(1, "emergency", ("rf_x",), "2026-11-21 08:00 UTC", "in_progress", "", "", "", "", "", "")
    acknowledged = replace(alert, acknowledged="2026-11-21 08:10 UTC", acknowledged_by="b@example.org", action="other")
    variants = [
        base,
        replace(base, decisions=(decided,)),
        replace(base, decisions=(replace(decided, id=2, decision="routine"), decided)),
        replace(base, decisions=(decided,), assignee="c@example.org"),
        replace(base, alerts=(alert,)),
        replace(base, alerts=(acknowledged,)),
        replace(base, alerts=(replace(acknowledged, note="Called back"),)),
        replace(base, alerts=(replace(alert, escalated="2026-11-21 08:15 UTC"),)),
    ]
    assert len({pdf.cache_key(r, settings) for r in variants}) == len(variants)


def test_the_pdf_shows_the_decision_and_who_acknowledged_each_alert_when_and_the_action(app: Flask) -> None:
    db = app.extensions["triage_db"]
    decider = create_staff(app, ("clinician",), "decider@example.org")
    nurse = create_staff(app, ("clinician",), "acknowledger@example.org")
    patient = next(p for p in demo_patients() if p["ref"] == "DEMO-001")
    questionnaire, answers = questionnaire_for(patient["questionnaire_version"]), patient["answers"]
    today = dt.date.today()
    with db.session() as session:
        _token, intake = queries.create_invitation(
            session, ref="PDF-1", questionnaire_version=questionnaire.version, expires_days=9
        )
        queries.save_step(session, intake, validate_answers(questionnaire, answers, today), {})
        queries.submit_intake(session, intake, lambda a: evaluate_for_storage(a, today, bundled_ruleset()))
        intake_id = intake.id
        raised = dt.datetime(2026, 11, 21, 8, 5, tzinfo=dt.UTC)
        session.add(
            Alert(
                intake_id=intake_id,
                urgency="emergency",
                rule_ids=["rf_test"],
                raised_at=raised,
                raised_while="in_progress",
                acknowledged_at=raised + dt.timedelta(minutes=12),
                acknowledged_by=nurse.id,
                action="advised_emergency_care",
                note="Told to go to A&E now",
            )
        )
        session.add(
            Alert(
                intake_id=intake_id,
                urgency="urgent",
                rule_ids=["rf_other"],
                raised_at=raised,
                raised_while="submitted",
                escalated_at=raised + dt.timedelta(minutes=15),
            )
        )
        decisions.record_decision(session, intake_id, "emergency_now", nurse.id, decider.id, "Seen in A&E the same day")
    settings = pdf.PdfSettings(clinic_name="Alert clinic")
    first = pdf.intake_pdf(db, intake_id, settings)
    assert first is not None and not first.cached
    text = words("\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(first.pdf)).pages))
    assert "Triage decision: Emergency now" in text
    assert "Decided by decider@example.org on " in text and "Assigned to acknowledger@example.org" in text
    assert (
        "Emergency alert raised 2026-11-21 08:05 UTC, before the patient sent the answers: acknowledged by "
        "acknowledger@example.org on 2026-11-21 08:17 UTC. Action: Advised emergency care." in text
    )
    # The decision's note and the alert's note are staff notes: internal, never in the letter.
    assert "Seen in A&E the same day" not in text and "Told to go to A&E now" not in text
    assert "Urgent alert raised 2026-11-21 08:05 UTC: not yet acknowledged. Escalated 2026-11-21 08:20 UTC." in text

    with db.session() as session:
        urgent = session.scalars(select(Alert).where(Alert.intake_id == intake_id, Alert.urgency == "urgent")).one()
        urgent.acknowledged_at, urgent.acknowledged_by, urgent.action = (
            raised + dt.timedelta(hours=1),
            decider.id,
            "called_patient",
        )
    second = pdf.intake_pdf(db, intake_id, settings)
    assert second is not None and not second.cached  # the acknowledgement changed the PDF: not served from the cache
    text = words("\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(second.pdf)).pages))
    assert "acknowledged by decider@example.org on 2026-11-21 09:05 UTC. Action: Called the patient." in text
    third = pdf.intake_pdf(db, intake_id, settings)
    assert third is not None and third.cached and third.pdf == second.pdf


def test_no_staff_note_or_feedback_reaches_any_part_of_the_letter() -> None:
    """Workspace notes, the decision's note, an alert's note and differential feedback are internal; the plan starts from
    the decision recorded, so the letter (page 1 and appendix, generated texts included) holds none of them."""
    decided = DecisionInfo(1, "urgent", "Urgent appointment", "", "a@example.org", "2026-11-21 10:00 UTC", "NOTE-ON-DECISION")
    alert = AlertInfo(1, "urgent", ("rf_x",), "t", "submitted", "t", "b@example.org", "other", "Other", "NOTE-ON-ALERT", "")
    internal = replace(
        record(),
        notes=(NoteInfo(1, "a@example.org", "t", "NOTE-IN-WORKSPACE"),),
        feedback=(FeedbackInfo(1, 1, "ibs", False, "FEEDBACK-FOR-EDITORS", "a@example.org", "t", "disagree_evidence"),),
        decisions=(decided,),
        alerts=(alert,),
    )
    html = pdf.document_html(internal, pdf.PdfSettings(), "now")
    for text in ("NOTE-ON-DECISION", "NOTE-ON-ALERT", "NOTE-IN-WORKSPACE", "FEEDBACK-FOR-EDITORS"):
        assert text not in html, text
    assert "We will see the patient in an urgent clinic appointment." in html  # the plan starts from the decision


def test_the_letter_names_the_derived_facts_version_beside_the_ruleset_when_the_result_records_it() -> None:
    settings = pdf.PdfSettings()
    older = record()
    newer = replace(older, result={**older.result, "ruleset": {"version": "1", "hash": "a" * 64, "derived_facts": 1}})
    html = pdf.document_html(newer, settings, "t")
    assert f"Ruleset 1 ({'a' * 16}), derived facts 1 · Generated t" in html
    assert f"Ruleset 1, SHA-256 {'a' * 64} · Derived facts version 1 · Evaluated" in html
    assert "erived facts" not in pdf.document_html(older, settings, "t")
