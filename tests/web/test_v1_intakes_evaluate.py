"""An intake answered on questionnaire version 1 is evaluated by today's rules in today's words, its answers untouched."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask
from sqlalchemy import select

from triage.db import intakes as queries
from triage.db import worklist
from triage.db.evaluations import bundled_ruleset, evaluate_for_storage
from triage.db.models import Evaluation
from triage.domain.questionnaire.answers import validate_answers
from triage.domain.questionnaire.questions import questionnaire_for
from triage.domain.questionnaire.rules_view import answers_for_rules

TODAY = dt.date.today()
V1 = "2026.11-1"
# A version 1 patient whose gluten finding only exists in version 2's words (gluten_symptoms), and who said "yes" to the
# old NSAID question (takes_nsaid is a derived fact in version 2).
V1_GLUTEN: dict[str, Any] = {
    "full_name": "Vera One",
    "date_of_birth": "1984-05-14",
    "sex_at_birth": "female",
    "symptoms": ["bloating", "diarrhoea"],
    "symptoms_started_months": 8,
    "triggers": ["gluten"],
    "food_reactions": ["wheat"],
    "gluten_status": "regular",
    "takes_nsaid": "yes",
    "nsaid_frequency": "daily",
    "blood_in_stool": "no",
}


def _evaluate(answers: dict[str, Any], on: dt.date) -> Any:
    return evaluate_for_storage(answers, on, bundled_ruleset())


def test_the_rules_read_a_version_1_intake_upgraded_and_the_stored_answers_stay_as_given(app: Flask) -> None:
    typed = validate_answers(questionnaire_for(V1), V1_GLUTEN, TODAY)
    with app.extensions["triage_db"].session() as session:
        _token, intake = queries.create_invitation(session, ref="V1-EVAL", questionnaire_version=V1, expires_days=30)
        queries.save_step(session, intake, typed, {})
        assert queries.submit_intake(session, intake, lambda a: _evaluate(a, TODAY))
        intake_id = intake.id
        fired = session.scalars(select(Evaluation.fired_rules).where(Evaluation.intake_id == intake_id)).one()
        assert "cd_gluten_trigger" in fired  # reads gluten_symptoms, a version 2 id the patient never saw
        assert queries.load_answers(session, intake_id) == typed  # nothing rewritten in storage
        old, new = worklist.reevaluate(session, intake_id, _evaluate) or (0, 0)
        again = session.scalars(select(Evaluation.fired_rules).where(Evaluation.id == new)).one()
        assert new > old and sorted(again) == sorted(fired)


def test_current_answers_pass_through_unchanged() -> None:
    answers: dict[str, Any] = {"gluten_symptoms": "yes", "warning_signs": ["none"]}
    assert answers_for_rules(answers, questionnaire_for("2026.12-2").version) == answers
    assert answers_for_rules(answers, "2026.12-2") is not answers
