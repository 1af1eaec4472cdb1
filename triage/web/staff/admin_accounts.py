"""Administration of one account's lifecycle: name, title and registration; the reset that forces a new password."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, url_for

from triage.db import staff_accounts
from triage.db.models import User
from triage.web.access import current_staff, database, record_staff_event, role_required
from triage.web.errors import render_error
from triage.web.routes import RouteTable
from triage.web.staff.admin import render_user_page
from triage.web.staff.forms import AdminProfileForm, AdminResetForm

routes = RouteTable()


@routes.route("/users/<int:user_id>/profile", methods=["POST"])
@role_required("admin")
def user_profile(user_id: int) -> Any:
    """Set a member's display name, professional title and registration (register and number)."""
    form = AdminProfileForm()
    with database().session() as db_session:
        user = db_session.get(User, user_id)
        if user is None:
            return render_error(404)
        if not form.validate_on_submit():
            return render_user_page(staff_accounts.view_of(user), profile_form=form, status=400)
        try:
            changed = staff_accounts.set_profile(db_session, user, form.display_name.data or "", form.title.data or "")
            kind, number = form.registration_type.data or "", form.registration_number.data or ""
            if staff_accounts.set_registration(db_session, user, kind, number):
                changed.append("registration")
        except ValueError as problem:
            db_session.rollback()
            form.display_name.errors = [str(problem)]
            return render_user_page(staff_accounts.view_of(user), profile_form=form, status=400)
        if changed:
            record_staff_event(db_session, "user.profile", detail=f"user {user_id} {', '.join(changed)}")
    flash("Name, title and registration saved." if changed else "Nothing changed.", "info")
    return redirect(url_for("admin.user_detail", user_id=user_id))


@routes.route("/users/<int:user_id>/reset-password", methods=["POST"])
@role_required("admin")
def user_reset_password(user_id: int) -> Any:
    """Reset an account: a temporary password to replace at next sign-in, a new authenticator to set up, signed out."""
    form, staff = AdminResetForm(), current_staff()
    with database().session() as db_session:
        user = db_session.get(User, user_id)
        if user is None:
            return render_error(404)
        if staff is not None and user.id == staff.id:
            flash("You cannot reset your own account; change your password on your account page.", "error")
            return redirect(url_for("admin.user_detail", user_id=user_id))
        problem = None
        if form.validate_on_submit():
            try:
                staff_accounts.admin_reset(db_session, user, form.password.data or "")
            except ValueError as refused:
                problem = str(refused)
        if problem or form.errors:
            if problem:
                form.password.errors = [problem]
            return render_user_page(staff_accounts.view_of(user), reset_form=form, status=400)
        record_staff_event(
            db_session, "user.password_reset", detail=f"user {user_id}: new password and authenticator at next sign-in"
        )
    flash(
        "Account reset and signed out everywhere. Give the member the temporary password privately: at next sign-in "
        "they choose a new password and set up their authenticator again.",
        "info",
    )
    return redirect(url_for("admin.user_detail", user_id=user_id))
