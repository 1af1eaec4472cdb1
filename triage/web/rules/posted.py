"""Flask-WTF forms for the rules pages' flat posts (the pages render them through the `control` data; CSRF as everywhere)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField, TextAreaField


class DraftForm(FlaskForm):
    """Any post that changes the draft: it carries the lock counter the page was built with."""

    lock = StringField()

    def posted_lock(self) -> int:
        """The lock counter (-1 when missing or not a number, which never matches a draft)."""
        raw = self.lock.data or ""
        return int(raw) if raw.isdigit() and len(raw) < 10 else -1


class DifferentialForm(DraftForm):
    """A differential's name, description, thresholds and whether red flags hold it back."""

    name = StringField()
    description = TextAreaField()
    low = StringField()
    moderate = StringField()
    high = StringField()
    held_back_by_red_flags = StringField()


class ParameterForm(DraftForm):
    """A named parameter's value, unit, meaning and source."""

    value = StringField()
    unit = StringField()
    description = TextAreaField()
    source = StringField()


class NewParameterForm(ParameterForm):
    """A new parameter: its name as well as its value, unit, meaning and source."""

    name = StringField()


class SettingsForm(DraftForm):
    """The ruleset's version text, title and note."""

    version = StringField()
    title = StringField()
    note = TextAreaField()


class CaseForm(DraftForm):
    """A rule test case made from an intake: its id, description and expectations."""

    id = StringField()
    description = TextAreaField()
    first = StringField()
    no_red_flags = StringField()
    # Choices are not checked here: the rule tests report an unknown rule or differential in plain words.
    red_flags = SelectMultipleField(validate_choice=False)
    in_top = SelectMultipleField(validate_choice=False)
    caveats = SelectMultipleField(validate_choice=False)
    investigations = SelectMultipleField(validate_choice=False)


class PublishForm(DraftForm):
    """Publishing the draft, with a summary for the version history."""

    summary = TextAreaField()


class FourEyesForm(FlaskForm):
    """The admins' switch for four-eyes publishing."""

    four_eyes = StringField()


def text_of(form: FlaskForm, name: str) -> str:
    """A text field's posted value ('' when it was not posted)."""
    return str(form[name].data or "")


class RuleForm(DraftForm):
    """The flat part of the rule form (the rule's fields and condition rows are read by name in rules/forms.py and tree.py)."""

    id = StringField()
    file = StringField()
    action = StringField()


class ReviewForm(DraftForm):
    """The change request's posts: the author's rationale, the reviewer's comment, the discard confirmation."""

    rationale = TextAreaField()
    comment = TextAreaField()
    confirm = StringField()
