"""WTForms for staff sign-in, account and user administration (CSRF through Flask-WTF)."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # types-WTForms predates SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from triage.db import staff_accounts, users

ROLE_LABELS = {"clinician": "Clinician", "rules_editor": "Rules editor", "admin": "Administrator"}
ROLE_CHOICES = [SelectChoice(value, label) for value, label in ROLE_LABELS.items()]
REGISTRATION_CHOICES = [SelectChoice("", "None recorded")] + [
    SelectChoice(value, label) for value, label in staff_accounts.REGISTRATION_TYPES.items()
]
POLICY_HINT = (
    "At least 12 characters; 15 or more is better. Several unrelated words are easy to remember. Common passwords are refused."
)


def no_control_characters(_form: Any, field: Field) -> None:
    """Refuse NUL and other control characters before they reach the database."""
    if any(ord(c) < 32 or ord(c) == 127 for c in field.data or ""):
        raise ValidationError("Remove the control characters from this field.")


def valid_email(_form: Any, field: Field) -> None:
    """A plausible email address."""
    problem = users.email_problem(users.normalise_email(field.data or ""))
    if problem:
        raise ValidationError(problem)


class NewPassword:
    """The staff password policy as a field validator (needs the email field or a fixed email)."""

    def __init__(self, email_field: str | None = None):
        self.email_field = email_field

    def __call__(self, form: Any, field: Field) -> None:
        email = (getattr(form, self.email_field).data or "") if self.email_field else ""
        problem = users.password_problem(field.data or "", email)
        if problem:
            raise ValidationError(problem)


class RolesField(SelectMultipleField):
    """Checkboxes for the staff roles."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("choices", ROLE_CHOICES)
        kwargs.setdefault("invalid_choice_message", "Choose roles from the list.")
        super().__init__(*args, **kwargs)


class LoginForm(FlaskForm):
    """Email and password (the first sign-in step)."""

    email = StringField(
        "Email address",
        validators=[DataRequired("Enter your email address."), Length(max=254), no_control_characters],
        render_kw={"autocomplete": "username"},
    )
    # Longer than the maximum is refused by the validator before any hashing.
    password = PasswordField(
        "Password",
        validators=[DataRequired("Enter your password."), Length(max=users.PASSWORD_MAX)],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField()


class CodeForm(FlaskForm):
    """A 6-digit authenticator code or a recovery code."""

    code = StringField(
        "Code from your authenticator app, or a recovery code",
        validators=[DataRequired("Enter the code."), Length(max=32), no_control_characters],
        render_kw={"autocomplete": "one-time-code", "inputmode": "text", "spellcheck": "false"},
    )


class EnrolForm(FlaskForm):
    """Confirm the authenticator app with its first code."""

    code = StringField(
        "6-digit code from your authenticator app",
        validators=[DataRequired("Enter the code."), Length(max=32), no_control_characters],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class PasswordChangeForm(FlaskForm):
    """Change one's own password."""

    current = PasswordField(
        "Current password",
        validators=[DataRequired("Enter your current password."), Length(max=users.PASSWORD_MAX)],
        render_kw={"autocomplete": "current-password"},
    )
    new = PasswordField(
        "New password",
        validators=[DataRequired("Enter a new password."), NewPassword()],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "New password again",
        validators=[DataRequired("Enter the new password again."), EqualTo("new", "The two new passwords differ.")],
        render_kw={"autocomplete": "new-password"},
    )


class ForgotPasswordForm(FlaskForm):
    """Ask for a password-reset link by email."""

    email = StringField(
        "Email address of your staff account",
        validators=[DataRequired("Enter your email address."), Length(max=254), no_control_characters],
        render_kw={"autocomplete": "username"},
    )


class NewPasswordForm(FlaskForm):
    """Choose a new password (through an emailed link, or at sign-in after an admin's reset)."""

    new = PasswordField(
        "New password",
        validators=[DataRequired("Enter a new password."), NewPassword()],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "New password again",
        validators=[DataRequired("Enter the new password again."), EqualTo("new", "The two new passwords differ.")],
        render_kw={"autocomplete": "new-password"},
    )


def _name_field(label: str) -> StringField:
    return StringField(
        label,
        validators=[Optional(), Length(max=staff_accounts.NAME_MAX), no_control_characters],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )


class ProfileForm(FlaskForm):
    """One's own display name and professional title."""

    display_name = _name_field("Display name")
    title = _name_field("Professional title")


class AdminProfileForm(ProfileForm):
    """An admin sets a member's name, title and professional registration."""

    registration_type = SelectField("Professional register", choices=REGISTRATION_CHOICES, validate_choice=True)
    registration_number = StringField(
        "Registration number",
        validators=[Optional(), Length(max=32), no_control_characters],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )

    def validate_registration_number(self, field: Field) -> None:
        """The number must fit its register (GMC 7 digits, NMC PIN, NPI with its check digit)."""
        kind, number = staff_accounts.normalise_registration(self.registration_type.data or "", field.data or "")
        problem = staff_accounts.registration_problem(kind, number)
        if problem:
            raise ValidationError(problem)


class AdminResetForm(FlaskForm):
    """An admin's reset: a temporary password the member replaces at next sign-in."""

    password = PasswordField(
        "Temporary password",
        validators=[DataRequired("Enter a temporary password."), NewPassword()],
        render_kw={"autocomplete": "new-password"},
    )


class UserCreateForm(FlaskForm):
    """An admin creates a staff account."""

    email = StringField(
        "Email address",
        validators=[DataRequired("Enter an email address."), Length(max=254), no_control_characters, valid_email],
        render_kw={"autocomplete": "off"},
    )
    password = PasswordField(
        "Initial password",
        validators=[DataRequired("Enter an initial password."), NewPassword("email")],
        render_kw={"autocomplete": "new-password"},
    )
    roles = RolesField("Roles", validators=[DataRequired("Choose at least one role.")])


class RolesForm(FlaskForm):
    """An admin changes an account's roles."""

    roles = RolesField("Roles", validators=[DataRequired("Choose at least one role.")])


class SettingsForm(FlaskForm):
    """Security switches an admin may change on a development install."""

    totp_required = BooleanField("Require a TOTP code at every staff sign-in")


class AuditFilterForm(FlaskForm):
    """Filters for the audit log (a GET form: reading changes nothing, so no CSRF token)."""

    class Meta:
        csrf = False

    actor = StringField("User (email address)", validators=[Optional(), Length(max=120), no_control_characters])
    intake = IntegerField("Intake number", validators=[Optional(), NumberRange(min=1, max=2**31 - 1)])
    page = IntegerField("Page", validators=[Optional(), NumberRange(min=1, max=100000)])
