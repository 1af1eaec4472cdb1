"""The clinician's intake page and PDF show ties, grouped red flags, held-back ranks, each test's reason, deferred tests,
"not sure" alarm answers and too few answers, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import html
import io
import re
from collections.abc import Callable
from typing import Any

import pypdf
from flask import Flask
from flask.testing import FlaskClient

from tests.helpers.apps import csrf_token
from tests.helpers.pdf_jobs import download
from triage.db import intakes as queries
from triage.db.evaluations import evaluate_for_storage
from triage.domain.engine.evaluate import Ruleset, load_ruleset_from_documents
from triage.domain.questionnaire.answers import validate_answers
from triage.domain.questionnaire.questions import default_questionnaire

TODAY = dt.date.today()
BLOATING = {"question": "symptoms", "includes": "bloating"}
FATIGUE = {"question": "symptoms", "includes": "fatigue"}
NUMB = {"question": "symptoms", "includes": "numbness"}
BLOOD = {"question": "blood_in_stool", "equals": "yes"}
VOMITED = {"question": "vomited_blood", "equals": "yes"}
NIGHT = {"question": "nocturnal_bowel", "equals": "yes"}


def rule(rule_id: str, kind: str, when: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """One rule in the shape the files use."""
    base = {"id": rule_id, "title": f"Title {rule_id}", "explanation": f"Explains {rule_id}.", "kind": kind, "when": when}
    return base | {"source": f"Source {rule_id}", "author": "T", "reviewed": None} | extra


def differential(diff_id: str, name: str, **extra: Any) -> dict[str, Any]:
    """A differential with thresholds 2, 4 and 6."""
    return {"id": diff_id, "name": name, "description": "d", "thresholds": {"low": 2, "moderate": 4, "high": 6}} | extra


RULES = [
    rule("rf_acute", "red_flag", BLOOD, urgency="emergency", action="Warrants same-day assessment.", group="bleeding"),
    rule("rf_bleeding", "red_flag", BLOOD, urgency="urgent", action="Warrants prompt review.", group="bleeding"),
    rule("rf_night", "red_flag", NIGHT, urgency="urgent", action="Warrants review of night symptoms.", priority=2),
    rule("rf_vomit", "red_flag", VOMITED, urgency="emergency", action="Warrants A&E."),
    rule("k1", "differential", BLOATING, differential="crohns_disease", weight=5),
    rule("u1", "differential", BLOATING, differential="ulcerative_colitis", weight=5),
    rule("i1", "differential", BLOATING, differential="ibs", weight=9),
    rule("t_b12", "investigation", {"any": [FATIGUE, NUMB]}, test="Serum B12", why="Tiredness, numbness or pernicious anaemia."),
    rule("t_scan", "investigation", BLOATING, test="Bile-acid scan", why="Chronic diarrhoea.", elective=True),
]


def ruleset(minimum: int | None) -> Ruleset:
    """The small ruleset of RULES, with min_answered_questions set (None: the built-in default)."""
    parameters = {}
    if minimum is not None:
        parameters["min_answered_questions"] = {"value": minimum, "unit": "questions", "description": "d", "source": "GK"}
    header = {
        "version": "view-1",
        "title": "t",
        "note": "Leaky gut is not a diagnosis.",
        "parameters": parameters,
        "differentials": [
            differential("crohns_disease", "Crohn's disease"),
            differential("ulcerative_colitis", "Ulcerative colitis"),
            differential("ibs", "Irritable bowel syndrome", held_back_by_red_flags=True),
        ],
    }
    return load_ruleset_from_documents({"ruleset.yaml": header, "r.yaml": {"topic": "t", "rules": RULES}})


def seed(app: Flask, ref: str, raw: dict[str, Any], rules: Ruleset) -> int:
    """A submitted intake of the default questionnaire, evaluated with these rules."""
    typed = validate_answers(default_questionnaire(), raw, TODAY)
    with app.extensions["triage_db"].session() as session:
        version = default_questionnaire().version
        _token, intake = queries.create_invitation(session, ref=ref, questionnaire_version=version, expires_days=30)
        queries.save_step(session, intake, typed, {})
        queries.submit_intake(session, intake, lambda a: evaluate_for_storage(a, TODAY, rules))
        return intake.id


def page_text(client: FlaskClient, url: str) -> str:
    """A page as plain text: tags dropped, entities decoded, whitespace squeezed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", client.get(url).get_data(as_text=True))).split())


def pdf_words(client: FlaskClient, intake_url: str) -> str:
    """The downloaded PDF's text, every run of whitespace as one space."""
    token = csrf_token(client.get(intake_url).data)
    reply = download(client, intake_url, token)
    assert reply.status_code == 200 and reply.mimetype == "application/pdf"
    return " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(reply.data)).pages).split())


FULL = {
    "date_of_birth": "1990-04-02",
    "sex_at_birth": "female",
    "symptoms": ["bloating", "numbness"],
    "warning_signs": ["blood_in_stool", "not_sure"],
    "warning_signs_unsure": ["vomited_blood"],
    "bowel_features": ["nocturnal_bowel"],
}


def test_the_intake_page_shows_ties_groups_held_back_ranks_reasons_and_deferred_tests(
    app: Flask, staff_login: Callable[..., Any]
) -> None:
    client = app.test_client()
    staff_login(client)
    url = f"/clinic/intakes/{seed(app, 'VIEW-1', FULL, ruleset(minimum=0))}"
    text = page_text(client, url).split("In full", 1)[1]  # the sections below the one-screen summary
    symptoms = default_questionnaire().by_id["symptoms"]
    # Ties read as ties; the held-back differential shows its real rank and never "Ranked first".
    assert "=1. Crohn's disease Moderate tied" in text and "=1. Ulcerative colitis Moderate tied" in text
    assert "3. Irritable bowel syndrome High held back" in text and "Held back at rank 3" in text
    assert "Ranked first" not in text
    # The two bleeding flags are one item, led by the emergency one.
    assert text.count("Title rf_acute") == 1 and "Also: Urgent Title rf_bleeding" in text
    # The emergency group comes first, its urgent member under it; then the other urgent flag.
    assert text.index("Title rf_acute") < text.index("Title rf_bleeding") < text.index("Title rf_night")
    # The test's reason is the trigger that fired, and the elective test waits for the emergency.
    trigger = f"{symptoms.label} {symptoms.choice_label('numbness')}"
    assert f"Serum B12 : Tiredness, numbness or pernicious anaemia. For this patient: {trigger}" in text
    assert symptoms.choice_label("fatigue") not in text.split("Suggested investigations")[1].split("Caveats")[0]
    deferred = text.split("Deferred until the emergency is dealt with")[1].split("Caveats")[0]
    assert "Bile-acid scan (elective)" in deferred
    # "Not sure" about vomiting blood is a question for the visit; enough was answered for this ruleset.
    ask = text.split("Ask about this at the visit")[1]
    assert "(answered \u201cnot sure\u201d)" in ask
    assert "Too few answers" not in text


def test_the_pdf_shows_the_same_ties_groups_and_deferred_tests(app: Flask, staff_login: Callable[..., Any]) -> None:
    client = app.test_client()
    staff_login(client)
    words = pdf_words(client, f"/clinic/intakes/{seed(app, 'VIEW-2', FULL, ruleset(minimum=0))}")
    assert "=1. Crohn's disease (tied)" in words and "=1. Ulcerative colitis (tied)" in words
    assert "held back: the warning signs come first" in words
    assert "Title rf_acute (Source rf_acute); also Title rf_bleeding (urgent)" in words
    assert "Deferred until the emergency is dealt with • Bile-acid scan (elective):" in words
    assert "For this patient:" in words and "Too few answers" not in words


def test_too_few_answers_is_a_prominent_note_on_the_page_and_in_the_pdf(app: Flask, staff_login: Callable[..., Any]) -> None:
    client = app.test_client()
    staff_login(client)
    url = f"/clinic/intakes/{seed(app, 'VIEW-3', {'symptoms': ['bloating']}, ruleset(minimum=None))}"
    page = client.get(url).get_data(as_text=True)
    # The summary says so next to the urgency, and the note itself comes before the red flags in full.
    assert page.index('href="#too-few-answers"') < page.index('id="too-few-answers"') < page.index('id="all-flags"')
    assert "Too few answers for a reliable suggestion" in page_text(client, url)
    assert "Too few answers for a reliable suggestion" in pdf_words(client, url)
