"""One's own staff account: name and title, recovery codes, the password; and the name the staff header shows."""

from __future__ import annotations

from typing import Any

from flask import flash, g, redirect, render_template, url_for
from sqlalchemy.orm import Session

from triage.db import staff_accounts, totp, users
from triage.db.models import User
from triage.web.access import (
    STAFF_NAME_KEY,
    StaffIdentity,
    current_staff,
    database,
    record_staff_event,
    signed_in_staff,
    staff_required,
)
from triage.web.errors import render_error
from triage.web.forms import ActionForm
from triage.web.routes import RouteTable
from triage.web.staff.auth import landing_url, open_session, record_failure
from triage.web.staff.forms import POLICY_HINT, PasswordChangeForm, ProfileForm

routes = RouteTable()
_NAME_KEY = STAFF_NAME_KEY  # set when the session is checked (access._load_staff), else looked up here


def own_account(db_session: Session, staff: StaffIdentity) -> User:
    """The signed-in member's account row (its session was checked against it in this very request)."""
    user = db_session.get(User, staff.id)
    if user is None:
        raise RuntimeError(f"staff account {staff.id} vanished during the request")
    return user


def signed_in_name() -> str:
    """The signed-in member as the staff header names them (users.staff_display), looked up once per request."""
    staff = current_staff()
    if staff is None:
        return ""
    if _NAME_KEY not in g:
        with database().session() as db_session:
            user = db_session.get(User, staff.id)
            setattr(g, _NAME_KEY, users.staff_display(user) if user else staff.email)
    name: str = g.get(_NAME_KEY)
    return name


def _account_page(db_session: Session, staff: StaffIdentity, form: ProfileForm | None = None, status: int = 200) -> Any:
    user = own_account(db_session, staff)
    form = form or ProfileForm(data={"display_name": user.display_name, "title": user.professional_title})
    left = totp.unused_recovery_codes(db_session, staff.id)
    registration = staff_accounts.registration_text(user.registration_type, user.registration_number)
    page = render_template(
        "auth/account.html", staff=staff, codes_left=left, form=ActionForm(), profile_form=form, registration=registration
    )
    return page, status


@routes.route("/account")
@staff_required
def account() -> Any:
    """One's own account: name and title, roles, registration, recovery codes left, a link to change the password."""
    with database().session() as db_session:
        return _account_page(db_session, signed_in_staff())


@routes.route("/account/profile", methods=["POST"])
@staff_required
def profile() -> Any:
    """Change one's own display name and professional title (the registration is the admin's to record)."""
    staff, form = signed_in_staff(), ProfileForm()
    with database().session() as db_session:
        if not form.validate_on_submit():
            return _account_page(db_session, staff, form, 400)
        user = own_account(db_session, staff)
        try:
            changed = staff_accounts.set_profile(db_session, user, form.display_name.data or "", form.title.data or "")
        except ValueError as problem:
            form.display_name.errors = [str(problem)]
            return _account_page(db_session, staff, form, 400)
        if changed:
            record_staff_event(db_session, "user.profile", staff, detail=f"user {user.id} own {', '.join(changed)}")
    flash("Your name and title were saved." if changed else "Nothing changed.", "info")
    return redirect(url_for("auth.account"))


@routes.route("/account/recovery-codes", methods=["POST"])
@staff_required
def recovery_codes() -> Any:
    """Replace one's recovery codes and show the new ones once."""
    staff = signed_in_staff()
    if not ActionForm().validate_on_submit():
        return render_error(400)
    with database().session() as db_session:
        user = own_account(db_session, staff)
        codes = totp.new_recovery_codes(db_session, user)
        record_staff_event(db_session, "recovery_codes.new", staff)
    return render_template("auth/recovery_codes.html", codes=codes, continue_url=url_for("auth.account"))


@routes.route("/password", methods=["GET", "POST"])
@staff_required
def password() -> Any:
    """Change one's password: every session of the account is revoked, this browser gets a new one."""
    staff = signed_in_staff()
    form = PasswordChangeForm()
    if not form.validate_on_submit():
        return render_template("auth/password.html", form=form, hint=POLICY_HINT)
    with database().session() as db_session:
        user = own_account(db_session, staff)
        if not users.verify_password(user, form.current.data or ""):
            lockout = users.register_failure(db_session, user)
            record_failure(db_session, user, "password change", lockout)
            form.current.errors = ["That is not your current password."]
            return render_template("auth/password.html", form=form, hint=POLICY_HINT)
        try:
            users.change_password(db_session, user, form.new.data or "")
        except ValueError as problem:  # the policy with this account's email address
            form.new.errors = [str(problem)]
            return render_template("auth/password.html", form=form, hint=POLICY_HINT)
        record_staff_event(db_session, "password.change", staff)
        open_session(db_session, user, "after password change", audited=False)
    flash("Your password was changed. Other signed-in browsers were signed out.", "info")
    return redirect(landing_url(staff))
