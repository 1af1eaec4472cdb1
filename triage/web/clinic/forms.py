"""WTForms for the clinician workspace (CSRF through Flask-WTF) and the worklist's query-string parsing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_wtf import FlaskForm
from wtforms import DateField, Field, HiddenField, IntegerField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from triage.db.models import INTAKE_STATUSES
from triage.db.worklist import MAX_QUERY, SORTS, URGENCIES, WorklistQuery

NOTE_MAX = 4000
REASON_MAX = 500
REF_MAX = 64
MAX_PAGE = 100_000


def printable_text(_form: Any, field: Field) -> None:
    """Refuse NUL and other control characters (tab and line breaks are fine) before they reach the database."""
    if any((ord(c) < 32 and c not in "\t\r\n") or ord(c) == 127 for c in field.data or ""):
        raise ValidationError("Remove the control characters from this field.")


class InvitationForm(FlaskForm):
    """A new patient invitation from the worklist."""

    ref = StringField(
        "Patient reference",
        validators=[DataRequired("Enter the clinic's patient reference."), Length(max=REF_MAX), printable_text],
    )
    appointment = DateField("Appointment date", validators=[Optional()], description="Optional.")


class NoteForm(FlaskForm):
    """A clinician's note on an intake."""

    text = TextAreaField(
        "Note",
        validators=[
            DataRequired("Write the note first."),
            Length(max=NOTE_MAX, message=f"Keep the note to at most {NOTE_MAX} characters."),
            printable_text,
        ],
    )


class FeedbackForm(FlaskForm):
    """Agree or disagree with one differential of one stored result, with a short reason for the rule editors."""

    evaluation_id = IntegerField(validators=[InputRequired(), NumberRange(min=1)])
    differential_id = HiddenField(validators=[DataRequired(), Length(max=64)])
    verdict = RadioField(
        "Your view",
        choices=[("agree", "Agree"), ("disagree", "Disagree")],
        validators=[InputRequired("Choose agree or disagree.")],
    )
    reason = StringField("Short reason", validators=[Optional(), Length(max=REASON_MAX), printable_text])


def _choice(value: str | None, allowed: tuple[str, ...]) -> str | None:
    return value if value in allowed else None


def worklist_query(args: Mapping[str, str]) -> WorklistQuery:
    """Filters, search, sort and page from the query string; anything unexpected falls back to the default."""
    try:
        page = min(MAX_PAGE, max(1, int(args.get("page", "1"))))
    except ValueError:
        page = 1
    search = "".join(c for c in args.get("q", "") if c.isprintable()).strip()[:MAX_QUERY]
    return WorklistQuery(
        status=_choice(args.get("status"), INTAKE_STATUSES),
        urgency=_choice(args.get("urgency"), URGENCIES),
        q=search,
        sort=_choice(args.get("sort"), SORTS) or "updated",
        descending=args.get("dir", "desc") != "asc",
        page=page,
    )


def query_args(query: WorklistQuery, **changes: Any) -> dict[str, Any]:
    """The query-string arguments that reproduce a worklist view, with some changed (for sort and page links)."""
    args: dict[str, Any] = {
        "status": query.status,
        "urgency": query.urgency,
        "q": query.q or None,
        "sort": query.sort,
        "dir": "desc" if query.descending else "asc",
        "page": query.page,
    }
    args.update(changes)
    return {k: v for k, v in args.items() if v not in (None, "")}
