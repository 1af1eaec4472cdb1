"""The acknowledge form of an alert (CSRF through Flask-WTF): the action taken and a note, a reason when not needed."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field, HiddenField, StringField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length, ValidationError

from triage.db.alert_queue import ACTIONS, NOTE_MAX, acknowledgement_problem
from triage.web.clinic.forms import printable_text

# Where to return after acknowledging: the Needs-attention queue or the intake page.
BACK_TO = ("queue", "intake")


class AcknowledgeForm(FlaskForm):
    """A clinician's acknowledgement of one alert."""

    # Rendered by templates/clinic/_alerts.html as a select of alert_queue.ACTIONS (the same markup on every page).
    action = StringField(
        "Action taken",
        validators=[
            InputRequired("Action taken: choose the action you took."),
            AnyOf(tuple(ACTIONS), message="Action taken: choose one of the listed actions."),
        ],
    )
    note = TextAreaField(
        "Note",
        validators=[Length(max=NOTE_MAX, message=f"Note: keep it to at most {NOTE_MAX} characters."), printable_text],
    )
    back = HiddenField(default="queue", validators=[AnyOf(BACK_TO, message="Unknown page to return to.")])

    def validate_note(self, field: Field) -> None:
        """A reason for "not needed" and a note for "other" (the shared rule of triage.db.alert_queue)."""
        if self.action.data not in ACTIONS:
            return  # the action's own error says what is wrong
        problem = acknowledgement_problem(self.action.data, field.data or "")
        if problem:
            raise ValidationError(problem)


def form_errors(form: AcknowledgeForm) -> dict[str, Any]:
    """The form's errors and posted values as plain data for the alert template ({"errors": {...}, "values": {...}})."""
    return {
        "errors": {name: list(errors) for name, errors in form.errors.items() if name in ("action", "note")},
        "values": {"action": form.action.data or "", "note": form.note.data or ""},
    }
