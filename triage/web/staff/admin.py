"""Administration: staff accounts, the TOTP switch and the audit log (view, filter, CSV export)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from flask import Response, current_app, flash, redirect, render_template, request, stream_with_context, url_for
from sqlalchemy.orm import Session

from triage.db import admin_queries, staff_accounts, users
from triage.db.admin_queries import AUDIT_COLUMNS, AuditFilter
from triage.web.access import current_staff, database, record_staff_event, role_required
from triage.web.errors import render_error
from triage.web.forms import ActionForm
from triage.web.routes import RouteTable
from triage.web.staff.forms import (
    ROLE_LABELS,
    AdminProfileForm,
    AdminResetForm,
    AuditFilterForm,
    RolesForm,
    SettingsForm,
    UserCreateForm,
)

routes = RouteTable()

PAGE_SIZE = 50
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (leading = + - @ TAB CR get a quote)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _audit(db_session: Session, action: str, detail: str = "", **fields: Any) -> None:
    record_staff_event(db_session, action, detail=detail, **fields)


@routes.route("/users", endpoint="users")
@role_required("admin")
def users_list() -> Any:
    """Every staff account with its name, roles, state, last sign-in and failed attempts since."""
    with database().session() as db_session:
        accounts = staff_accounts.account_views(db_session)
    return render_template("admin/users.html", accounts=accounts, role_labels=ROLE_LABELS)


@routes.route("/users/new", methods=["GET", "POST"])
@role_required("admin")
def user_new() -> Any:
    """Create an account; the new member sets up TOTP with a QR code at first sign-in."""
    form = UserCreateForm()
    if not form.validate_on_submit():
        return render_template("admin/user_new.html", form=form)
    with database().session() as db_session:
        try:
            created = admin_queries.create_account(
                db_session, form.email.data or "", form.password.data or "", form.roles.data or []
            )
        except ValueError as problem:
            form.email.errors = [str(problem)]
            return render_template("admin/user_new.html", form=form)
        _audit(db_session, "user.create", f"user {created.id} {created.email} roles {created.roles_text}")
        user_id = created.id
    flash("Account created. The new member sets up their authenticator app at first sign-in.", "info")
    return redirect(url_for("admin.user_detail", user_id=user_id))


@routes.route("/users/<int:user_id>")
@role_required("admin")
def user_detail(user_id: int) -> Any:
    """One account with the forms that change it."""
    with database().session() as db_session:
        user = staff_accounts.account_view(db_session, user_id)
    if user is None:
        return render_error(404)
    return render_user_page(user)


def render_user_page(
    user: staff_accounts.AccountView,
    profile_form: AdminProfileForm | None = None,
    reset_form: AdminResetForm | None = None,
    status: int = 200,
) -> Any:
    """The account page, with a form's errors when one was refused."""
    profile = {
        "display_name": user.display_name,
        "title": user.professional_title,
        "registration_type": user.registration_type,
        "registration_number": user.registration_number,
    }
    page = render_template(
        "admin/user.html",
        user=user,
        roles_form=RolesForm(roles=sorted(user.roles)),
        profile_form=profile_form or AdminProfileForm(data=profile),
        reset_form=reset_form or AdminResetForm(),
        action_form=ActionForm(),
        role_labels=ROLE_LABELS,
    )
    return page, status


@routes.route("/users/<int:user_id>/roles", methods=["POST"])
@role_required("admin")
def user_roles(user_id: int) -> Any:
    """Change an account's roles (an admin cannot remove their own admin role)."""
    form, staff = RolesForm(), current_staff()
    with database().session() as db_session:
        user = admin_queries.account(db_session, user_id)
        if user is None:
            return render_error(404)
        roles = frozenset(form.roles.data or []) if form.validate_on_submit() else frozenset()
        if not roles:
            flash("Choose at least one role.", "error")
        elif staff and user.id == staff.id and "admin" not in roles:
            flash("You cannot remove your own administrator role.", "error")
        else:
            after = admin_queries.set_roles(db_session, user.id, roles)
            _audit(db_session, "user.roles", f"user {user.id} roles {user.roles_text} -> {after.roles_text if after else ''}")
            flash("Roles changed.", "info")
    return redirect(url_for("admin.user_detail", user_id=user_id))


def _set_active(user_id: int, active: bool) -> Any:
    staff = current_staff()
    if not ActionForm().validate_on_submit():
        return render_error(400)
    with database().session() as db_session:
        if admin_queries.account(db_session, user_id) is None:
            return render_error(404)
        if staff and user_id == staff.id and not active:
            flash("You cannot disable your own account.", "error")
        else:
            admin_queries.set_active(db_session, user_id, active)
            _audit(db_session, "user.enable" if active else "user.disable", f"user {user_id}")
            flash("Account enabled." if active else "Account disabled and signed out everywhere.", "info")
    return redirect(url_for("admin.user_detail", user_id=user_id))


@routes.route("/users/<int:user_id>/disable", methods=["POST"])
@role_required("admin")
def user_disable(user_id: int) -> Any:
    """Disable an account: every session it has is revoked at once."""
    return _set_active(user_id, False)


@routes.route("/users/<int:user_id>/enable", methods=["POST"])
@role_required("admin")
def user_enable(user_id: int) -> Any:
    """Enable a disabled account again."""
    return _set_active(user_id, True)


@routes.route("/users/<int:user_id>/reset-totp", methods=["POST"])
@role_required("admin")
def user_reset_totp(user_id: int) -> Any:
    """Forget an account's authenticator: they enrol a new one at next sign-in; sessions are revoked."""
    if not ActionForm().validate_on_submit():
        return render_error(400)
    with database().session() as db_session:
        if not admin_queries.reset_totp(db_session, user_id):
            return render_error(404)
        _audit(db_session, "totp.reset", f"user {user_id}")
    flash("Authenticator reset. The member sets up a new one at next sign-in.", "info")
    return redirect(url_for("admin.user_detail", user_id=user_id))


@routes.route("/settings", methods=["GET", "POST"])
@role_required("admin")
def settings() -> Any:
    """The TOTP switch: it can be turned off only on a development install."""
    development = current_app.config["ENV_NAME"] != "production"
    with database().session() as db_session:
        form = SettingsForm(data={"totp_required": users.totp_required(db_session)} if request.method == "GET" else None)
        if form.validate_on_submit():
            wanted = bool(form.totp_required.data)
            if not wanted and not development:
                form.totp_required.errors = ["TOTP cannot be switched off on a production install."]
            elif wanted != users.totp_required(db_session):
                users.set_totp_required(db_session, wanted)
                _audit(db_session, "setting.totp_required", "on" if wanted else "off")
                flash("Setting saved.", "info")
                return redirect(url_for("admin.settings"))
        return render_template("admin/settings.html", form=form, development=development)


def _audit_filter(form: AuditFilterForm) -> AuditFilter:
    return AuditFilter(actor=(form.actor.data or "").strip().lower() or None, intake_id=form.intake.data or None)


@routes.route("/audit")
@role_required("admin")
def audit() -> Any:
    """The audit log, newest first, filtered by user or intake and paginated; reading it is audited too."""
    form = AuditFilterForm(request.args)
    if request.args and not form.validate():
        return render_template("admin/audit.html", form=form, rows=[], page=1, pages=1, total=0), 400
    wanted = _audit_filter(form)
    page = form.page.data or 1
    with database().session() as db_session:
        rows, total = admin_queries.audit_page(db_session, wanted, page, PAGE_SIZE)
        _audit(db_session, "audit.view", f"{wanted.described} page={page}", intake_id=form.intake.data or None)
    pages = max(1, -(-total // PAGE_SIZE))
    filters = {k: v for k, v in (("actor", form.actor.data), ("intake", form.intake.data)) if v}
    return render_template("admin/audit.html", form=form, rows=rows, page=page, pages=pages, total=total, filters=filters)


@routes.route("/audit.csv")
@role_required("admin")
def audit_export() -> Any:
    """The filtered audit log as CSV (formula-safe cells); the export itself is audited."""
    form = AuditFilterForm(request.args)
    if request.args and not form.validate():
        return render_error(400)
    wanted = _audit_filter(form)
    with database().session() as db_session:
        # The export is a snapshot of the rows before it, so it does not include its own audit row.
        last_id = admin_queries.last_audit_id(db_session)
        _audit(db_session, "audit.export", wanted.described, intake_id=form.intake.data or None)

    def generate() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(AUDIT_COLUMNS)
        with database().session() as db_session:
            for row in admin_queries.audit_rows(db_session, wanted, last_id):
                writer.writerow([csv_cell(value) for value in row.cells()])
                if buffer.tell() > 64 * 1024:
                    yield buffer.getvalue()
                    buffer.seek(0)
                    buffer.truncate()
        yield buffer.getvalue()

    response = Response(stream_with_context(generate()), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="audit-log.csv"'
    return response
