"""WTForms for the clinician workspace (CSRF through Flask-WTF), the triage decision form and the worklist's query string."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    EmailField,
    Field,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # types-WTForms predates SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from triage.db.decisions import DECISION_LABELS, Clinician
from triage.db.decisions import NOTE_MAX as DECISION_NOTE_MAX
from triage.db.models import INTAKE_STATUSES
from triage.db.worklist import DECISION_FILTERS, DEFAULT_SORT, MAX_QUERY, SORTS, UNASSIGNED, URGENCIES, WorklistQuery
from triage.db.worklist_order import MAX_CURSOR
from triage.domain.invitations.fields import InvitationDetails, Rules, check_invitation
from triage.domain.report.feedback_reasons import VERDICTS
from triage.web.clinic.referral_fields import REFERRAL_NAMES, referral_fields

NOTE_MAX = 4000
REASON_MAX = 500
FEEDBACK_CHOICE = "Your view: choose Agree or one of the listed reasons."
FEEDBACK_NOTE_LENGTH = f"Note for the rule editors: keep it to at most {REASON_MAX} characters."
REF_MAX = 64
MAX_PAGE = 100_000


def printable_text(_form: Any, field: Field) -> None:
    """Refuse NUL and other control characters (tab and line breaks are fine) before they reach the database."""
    if any((ord(c) < 32 and c not in "\t\r\n") or ord(c) == 127 for c in field.data or ""):
        raise ValidationError("Remove the control characters from this field.")


_REFERRAL = referral_fields(printable_text)


class InvitationForm(FlaskForm):
    """A new patient invitation from the worklist: who it is for, how the link reaches them, the appointment, the referral.

    The values are checked by triage.domain.invitations.fields, as `triage invite` and the CSV upload check them.
    """

    ref = StringField(
        "Patient reference",
        validators=[DataRequired("Enter the clinic's patient reference."), Length(max=REF_MAX), printable_text],
    )
    patient_name = StringField("Patient's name", description="Optional.", render_kw={"autocomplete": "off"})
    dob_day = StringField("Day", render_kw={"inputmode": "numeric", "class": "w2", "autocomplete": "off"})
    dob_month = StringField("Month", render_kw={"inputmode": "numeric", "class": "w2", "autocomplete": "off"})
    dob_year = StringField("Year", render_kw={"inputmode": "numeric", "class": "w4", "autocomplete": "off"})
    email = EmailField("Email address", description="Optional.", render_kw={"autocomplete": "off", "spellcheck": "false"})
    mobile = TelField("Mobile number", description="Optional.", render_kw={"autocomplete": "off"})
    appointment = DateField("Appointment date", validators=[Optional()], description="Optional.")
    appointment_time = StringField("Appointment time", render_kw={"type": "time"})
    language = SelectField("Questionnaire language", choices=[SelectChoice("en", "English")], validate_choice=False)
    # The referral's optional details (validated as on the letter page, editable there later).
    nhs_number = _REFERRAL["nhs_number"]
    mrn = _REFERRAL["mrn"]
    referrer_name = _REFERRAL["referrer_name"]
    referrer_practice = _REFERRAL["referrer_practice"]
    referrer_contact = _REFERRAL["referrer_contact"]

    def offer_languages(self, languages: list[tuple[str, str]]) -> InvitationForm:
        """Offer these (code, name) languages in the language select; returns the form."""
        self.language.choices = [SelectChoice(code, name) for code, name in languages]
        return self

    def raw_values(self) -> dict[str, str]:
        """The submitted values by the names triage.domain.invitations.fields reads."""
        day = self.appointment.data.isoformat() if self.appointment.data else ""
        values = {name: (getattr(self, name).data or "") for name in _RAW_NAMES}
        values["name"] = self.patient_name.data or ""
        values["appointment"] = f"{day} {self.appointment_time.data or ''}".strip()
        return values

    def checked(self, rules: Rules) -> InvitationDetails | None:
        """The invitation's details, or None with each refused value's message put on its field."""
        details, problems = check_invitation(self.raw_values(), rules)
        for name, message in problems.items():
            target = getattr(self, _FIELD_OF.get(name, name))
            if not target.errors:
                target.errors = [*target.errors, message]
        return None if any(f.errors for f in self) else details

    @property
    def dob_errors(self) -> list[str]:
        """The date of birth's messages (shown once for its three boxes)."""
        return [str(e) for e in self.dob_day.errors]


_RAW_NAMES = ("ref", "dob_day", "dob_month", "dob_year", "email", "mobile", "language", *REFERRAL_NAMES)
# A refused value's field on the form (the date of birth's message goes on its first box).
_FIELD_OF = {"name": "patient_name", "date_of_birth": "dob_day"}


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
    """A clinician's view of one differential of one stored result: agree, or a coded override reason, and a note.

    The reasons are CDS Hooks override reasons (triage.domain.report.feedback_reasons); the note is for the rule editors.
    """

    evaluation_id = IntegerField(validators=[InputRequired(), NumberRange(min=1)])
    differential_id = HiddenField(validators=[DataRequired(), Length(max=64)])
    verdict = RadioField(
        "Your view",
        choices=[SelectChoice(code, label) for code, label in VERDICTS],
        validators=[InputRequired(FEEDBACK_CHOICE)],
    )
    reason = StringField(
        "Note for the rule editors",
        validators=[Optional(), Length(max=REASON_MAX, message=FEEDBACK_NOTE_LENGTH), printable_text],
    )

    def problems(self) -> dict[str, str]:
        """Each failed field's message, every one naming its field (a tampered choice reads like a missing one)."""
        found = {}
        if self.verdict.errors:
            found["verdict"] = FEEDBACK_CHOICE
        if self.reason.errors:
            found["reason"] = " ".join(str(e) for e in self.reason.errors)
            if not found["reason"].startswith("Note"):
                found["reason"] = f"Note for the rule editors: {found['reason']}"
        return found


NOBODY = ""  # the assignee select's value for "not assigned"


class DecisionForm(FlaskForm):
    """A clinician's triage decision on a submitted intake, the clinician it is assigned to, and a note."""

    decision = SelectField(
        "Triage decision",
        choices=[SelectChoice("", "Choose a decision"), *(SelectChoice(d.value, label) for d, label in DECISION_LABELS.items())],
        validators=[DataRequired("Choose a triage decision.")],
    )
    assignee = SelectField("Assign to", choices=[SelectChoice(NOBODY, "Nobody")], validate_choice=True)
    note = TextAreaField(
        "Note on the decision",
        validators=[
            Optional(),
            Length(max=DECISION_NOTE_MAX, message=f"Keep the note to at most {DECISION_NOTE_MAX} characters."),
            printable_text,
        ],
    )

    def offer(self, clinicians: tuple[Clinician, ...]) -> DecisionForm:
        """Offer these clinicians in the assignee select (the only values that validate); returns the form."""
        self.assignee.choices = [SelectChoice(NOBODY, "Nobody"), *(SelectChoice(str(c.id), c.name) for c in clinicians)]
        return self

    @classmethod
    def standing(cls, decision: str, assignee_id: int | None, clinicians: tuple[Clinician, ...]) -> DecisionForm:
        """A blank form (not read from the request) preset to the standing decision and assignee."""
        form = cls(formdata=None, decision=decision, assignee=str(assignee_id) if assignee_id else NOBODY)
        return form.offer(clinicians)

    def assignee_id(self) -> int | None:
        """The chosen clinician's user id (None for nobody); only meaningful after validation."""
        value = self.assignee.data or NOBODY
        return int(value) if value.isdigit() else None


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
        decision=_choice(args.get("decision"), DECISION_FILTERS),
        assignee=assignee_arg(args.get("assignee")),
        sort=_choice(args.get("sort"), SORTS) or DEFAULT_SORT,
        descending=args.get("dir", "desc") != "asc",
        page=page,
        # Page cursors: opaque to the web layer; the worklist reads them back, and ignores one it did not write.
        after=_cursor_arg(args.get("after")),
        before=_cursor_arg(args.get("before")),
    )


def _cursor_arg(value: str | None) -> str:
    return value if value and len(value) <= MAX_CURSOR and value.isascii() and value.isprintable() else ""


def assignee_arg(value: str | None) -> int | str | None:
    """The assignee filter: a user id, UNASSIGNED, or None (any) for a missing or malformed value."""
    if value == UNASSIGNED:
        return UNASSIGNED
    if value and value.isascii() and value.isdigit() and len(value) <= 9:
        return int(value)
    return None


def query_args(query: WorklistQuery, **changes: Any) -> dict[str, Any]:
    """The query-string arguments of a worklist view, with some changed (sort and page links); a cursor only when given."""
    args: dict[str, Any] = {
        "status": query.status,
        "urgency": query.urgency,
        "q": query.q or None,
        "decision": query.decision,
        "assignee": query.assignee,
        "sort": query.sort,
        "dir": "desc" if query.descending else "asc",
        "page": query.page,
    }
    args.update(changes)
    return {k: v for k, v in args.items() if v not in (None, "")}
