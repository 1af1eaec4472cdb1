"""The patient's copy of their answers, built in the intake's stored language for the clinic to print or hand over.

Every question's name, answer and section title comes from the one question definition in forms/ through the
catalogs, as the patient read them on the "Check your answers" page; the page texts below are extracted into the same
catalogs (babel.cfg). Only answers: patients never see triage output.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import force_locale, format_date

from triage.db.intake_record import IntakeRecord
from triage.domain.report.versions import questionnaire_of
from triage.pdf.patient_copy import CopyRow, CopySection, PatientCopy
from triage.web.i18n import LANGUAGES, SOURCE_LANGUAGE, shipped_codes
from triage.web.patient.flow import Progress
from triage.web.patient.pages import review_groups
from triage.web.patient.translate import N_, gettext

# The copy's own texts (the questions' texts come from forms/): patient-facing, so translated in every shipped language.
COPY_TEXTS = {
    "title": N_("Your answers"),
    "intro": N_(
        "These are the answers you gave in the questionnaire before your clinic appointment. "
        "If something is wrong or has changed, please tell your clinic."
    ),
    "name": N_("Name"),
    "born": N_("Date of birth"),
    "ref": N_("Clinic reference"),
    "sent": N_("Sent to the clinic on"),
    "page": N_("Page %(page)s of %(pages)s"),
    "foot": N_("Your copy of your own answers. Keep it somewhere private."),
    "not_given": N_("Not given"),
}


def copy_language(record: IntakeRecord) -> str:
    """The language the copy is in: the one the patient answered in (its catalog shipped), else English.

    A language the clinic has since switched off for new forms still serves this patient, who answered in it.
    """
    return record.language if record.language in shipped_codes() else SOURCE_LANGUAGE


def _long_date(day: dt.date, code: str) -> str:
    """A date in words as the patient's pages write it ("21 November 2026", "21 de noviembre de 2026")."""
    return f"{day.day} {day:%B} {day.year}" if code == SOURCE_LANGUAGE else str(format_date(day, "long"))


def _date(value: object, code: str) -> str:
    if not isinstance(value, str):
        return ""
    try:
        return _long_date(dt.date.fromisoformat(value), code)
    except ValueError:
        return value


def patient_copy(record: IntakeRecord) -> PatientCopy:
    """The copy's plain data in the patient's language (call within a request: the catalogs are the app's)."""
    code = copy_language(record)
    questionnaire = questionnaire_of(record.questionnaire_version)  # the questions this patient was asked
    with force_locale(code):
        progress = Progress.of(questionnaire, record.answers, None)
        every_id = [q.id for q in questionnaire.questions]  # no Change links: nothing to change on paper
        sections = tuple(
            CopySection(group.title, tuple(CopyRow(row.label, row.answer) for row in group.rows))
            for group in review_groups(progress, every_id)
            if group.rows
        )
        words = {key: gettext(source) for key, source in COPY_TEXTS.items()}
        sent = _long_date(record.submitted_on, code) if record.submitted else ""
        born = _date(record.answers.get("date_of_birth"), code)
    name = record.answers.get("full_name")
    return PatientCopy(
        language=code,
        direction=LANGUAGES[code].direction,
        words=words,
        name=name if isinstance(name, str) else "",
        born=born,
        ref=record.ref,
        sent=sent,
        sections=sections,
    )
