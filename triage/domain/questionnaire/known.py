"""Answers the invitation already gives: the patient's name and date of birth, shown on the form rather than asked again.

A question marked `from_invitation` in forms/ is answered by that detail of the invitation when the invitation holds
one that the question accepts (a date of birth inside the question's age range, a name within its length); the patient
then reads it on the page and is not asked. Without the detail, the question is asked as any other. The date of birth
is one the patient has just proved at the link's check, so it is theirs; the name is the one the clinic holds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from triage.domain.questionnaire.answers import parse_field
from triage.domain.questionnaire.model import Question
from triage.domain.questionnaire.values import Answer

INVITATION_DETAILS = ("patient_name", "date_of_birth")


def invitation_details(patient_name: str | None, date_of_birth: dt.date | None) -> dict[str, str]:
    """The details an invitation shows the patient, as the text a question would be answered with.

    Only an invitation with a date of birth shows any: its link opens after the patient proves that date, so the
    name is shown to the patient it belongs to. A link made without one (handed over by hand) shows nothing and
    asks for both, as before.
    """
    if date_of_birth is None:
        return {}
    details = {"date_of_birth": date_of_birth.isoformat()}
    if patient_name and patient_name.strip():
        details["patient_name"] = patient_name.strip()
    return details


def known_answers(questions: tuple[Question, ...], details: Mapping[str, str], today: dt.date | None = None) -> dict[str, Answer]:
    """Question id → answer for each question the invitation answers (a detail the question refuses is asked instead)."""
    known: dict[str, Answer] = {}
    for question in questions:
        given = details.get(question.from_invitation) if question.from_invitation else None
        if given is None:
            continue
        parsed = parse_field(question, [given], today)
        if parsed.error is None and parsed.value is not None:
            known[question.id] = parsed.value
    return known
