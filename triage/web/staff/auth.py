"""Staff sign-in (password or single sign-on, then TOTP or a recovery code), TOTP enrolment and sign-out."""

from __future__ import annotations

import io
import logging
from typing import Any

import segno
from flask import Response, current_app, flash, g, redirect, render_template, request, session, url_for
from sqlalchemy.orm import Session

from triage.db import intakes as queries
from triage.db import staff_sessions, totp, users
from triage.db.models import User
from triage.web.access import (
    StaffIdentity,
    clear_staff_cookie,
    current_staff,
    database,
    log_safe,
    record_staff_event,
    safe_next,
    set_staff_cookie,
    signed_in_staff,
    staff_cookie,
    staff_required,
)
from triage.web.errors import render_error
from triage.web.routes import RouteTable
from triage.web.security import client_ip
from triage.web.staff.forms import CodeForm, EnrolForm, LoginForm

log = logging.getLogger("triage.auth")
routes = RouteTable()

PENDING_KEY = "staff_pending"
PENDING_SECONDS = 300
FAILED = "Sign-in failed. Check your details and try again. After 5 failed attempts, sign-in is paused for 15 minutes."
LANDINGS = (("clinic.worklist", "clinician"), ("rules.index", "rules_editor"), ("admin.users", "admin"))
PASSWORD, SSO = "password", "single sign-on"  # how the first sign-in step was passed


def identity(user: User) -> StaffIdentity:
    """The identity of an account."""
    return StaffIdentity(user.id, user.email, users.parse_roles(user.roles))


def landing_url(staff: StaffIdentity) -> str:
    """Where a member goes after sign-in: the first area their roles open."""
    for endpoint, role in LANDINGS:
        if role in staff.roles and endpoint in current_app.view_functions:
            return url_for(endpoint)
    return url_for("auth.account")


def _ip_key() -> str:
    return f"login-ip:{client_ip()}"


def ip_limited(db_session: Session) -> bool:
    """Whether this address has had too many failed sign-ins in the window."""
    window, limit = int(current_app.config["LOGIN_IP_WINDOW_SECONDS"]), int(current_app.config["LOGIN_IP_MAX_FAILURES"])
    return queries.hits_in_window(db_session, _ip_key(), window, users.now()) >= limit


def record_failure(db_session: Session, user: User | None, step: str, lockout: bool = False) -> None:
    """Count a failed sign-in step against this address, audit it and log it (naming only a known account)."""
    queries.count_hit(db_session, _ip_key(), current_app.config["LOGIN_IP_WINDOW_SECONDS"], users.now())
    staff = identity(user) if user else None
    record_staff_event(db_session, "login.failed", staff, actor=user.email if user else "unknown", outcome="denied", detail=step)
    if lockout and staff:
        record_staff_event(db_session, "lockout", staff, outcome="denied", detail=f"{users.MAX_FAILURES} failed attempts")
        log.warning("staff account %d locked after repeated failures", staff.id)
    # Only a known account is named: what was typed for an unknown one may be a password typed into the email field.
    log.info("sign-in failed at the %s step for %s", step, log_safe(user.email) if user else "an unknown account")


def pending_sign_in(db_session: Session) -> tuple[User, dict[str, Any]] | None:
    """The account that passed the first sign-in step in this browser in the last 5 minutes, with the step's state."""
    state = session.get(PENDING_KEY)
    if not isinstance(state, dict) or users.now().timestamp() - float(state.get("at", 0)) > PENDING_SECONDS:
        return None
    user = db_session.get(User, int(state.get("uid", 0)))
    if user is None or not user.active or (users.is_locked(user) and state.get("how") != SSO):
        return None
    return user, state


def open_session(db_session: Session, user: User, how: str, audited: bool = True) -> StaffIdentity:
    """Finish sign-in: a new session id (no fixation), the failure counter reset, an audit row."""
    users.register_success(db_session, user)
    raw = staff_sessions.start_session(db_session, user, client_ip())
    session.clear()
    set_staff_cookie(raw)
    session.permanent = False
    staff = identity(user)
    g.staff = staff  # this request is now signed in (the new row is not committed yet)
    if audited:
        record_staff_event(db_session, "login", staff, detail=how)
    log.info("staff %d signed in (%s)", user.id, how)
    return staff


def after_sign_in(staff: StaffIdentity, target: str | None) -> Response:
    """Redirect a member who has just signed in to where they were going, or to their landing page."""
    return redirect(safe_next(target) or landing_url(staff))  # type: ignore[return-value]


def continue_sign_in(db_session: Session, user: User, target: str | None, how: str, same_site_hop: bool = False) -> Any:
    """After the first step (password or single sign-on): a forced new password, then the TOTP code or enrolment.

    `same_site_hop` answers with a page that moves on from this site instead of a redirect: a request that arrived from
    another site (the provider's redirect) would not carry the SameSite=Strict staff cookie on a redirect it led to.
    """
    session.clear()
    forced_change = how == PASSWORD and user.must_change_password
    # The switch exists for a development install; production always asks for the second factor.
    if not forced_change and not users.totp_required(db_session) and current_app.config["ENV_NAME"] != "production":
        staff = open_session(db_session, user, f"{how} only (TOTP switched off)")
        if same_site_hop:
            return render_template("auth/continue.html", continue_url=safe_next(target) or landing_url(staff))
        return after_sign_in(staff, target)
    session[PENDING_KEY] = {"uid": user.id, "at": users.now().timestamp(), "next": target or "", "how": how}
    if forced_change:
        return redirect(url_for("auth.new_password"))
    return redirect(url_for("auth.login_totp" if user.totp_enrolled else "auth.enrol"))


def awaiting_new_password(user: User, state: dict[str, Any]) -> bool:
    """Whether a pending password sign-in must choose a new password (after an admin's reset) before anything else."""
    return user.must_change_password and state.get("how", PASSWORD) == PASSWORD


def _second_factor_detail(state: dict[str, Any], factor: str) -> str:
    how = state.get("how", PASSWORD)
    return factor if how == PASSWORD else f"{how} + {factor}"


@routes.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """Step one: email and password; the same answer for every kind of failure."""
    staff = current_staff()
    if staff is not None:
        return after_sign_in(staff, request.args.get("next"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next")) or ""
        return render_template("auth/login.html", form=form)
    with database().session() as db_session:
        if ip_limited(db_session):
            return render_error(429)
        if not form.validate_on_submit():
            record_failure(db_session, None, "form")
            return render_template("auth/login.html", form=form, error=FAILED)
        result = users.check_password(db_session, form.email.data or "", form.password.data or "")
        if result.outcome != "ok" or result.user is None:
            record_failure(
                db_session,
                result.user,
                "password" if result.outcome == "invalid" else result.outcome,
                result.lockout_started,
            )
            return render_template("auth/login.html", form=form, error=FAILED)
        return continue_sign_in(db_session, result.user, safe_next(form.next.data), PASSWORD)


@routes.route("/login/code", methods=["GET", "POST"])
def login_totp() -> Any:
    """Step two: a TOTP code (each accepted once) or an unused recovery code."""
    form = CodeForm()
    with database().session() as db_session:
        pending = pending_sign_in(db_session)
        if pending is None or not pending[0].totp_enrolled or awaiting_new_password(*pending):
            session.pop(PENDING_KEY, None)
            return redirect(url_for("auth.login"))
        user, state = pending
        if request.method == "GET":
            return render_template("auth/login_code.html", form=form)
        if ip_limited(db_session):
            return render_error(429)
        code = (form.code.data or "") if form.validate_on_submit() else ""
        if code and totp.verify_totp(db_session, user, code):
            return after_sign_in(open_session(db_session, user, _second_factor_detail(state, "totp")), state.get("next"))
        if code and totp.use_recovery_code(db_session, user, code):
            open_session(db_session, user, _second_factor_detail(state, "recovery code"))
            flash(f"You signed in with a recovery code; {totp.unused_recovery_codes(db_session, user.id)} are left.", "info")
            return redirect(url_for("auth.account"))
        lockout = users.register_failure(db_session, user)
        record_failure(db_session, user, "code", lockout)
        if lockout:
            session.pop(PENDING_KEY, None)
            flash(FAILED, "error")
            return redirect(url_for("auth.login"))
        return render_template(
            "auth/login_code.html",
            form=form,
            error="That code was not accepted. Codes can be used only once; wait for the next one.",
        )


@routes.route("/enrol", methods=["GET", "POST"])
def enrol() -> Any:
    """First sign-in: scan the QR code, confirm with a code, receive recovery codes once."""
    form = EnrolForm()
    with database().session() as db_session:
        pending = pending_sign_in(db_session)
        if pending is None or pending[0].totp_enrolled or awaiting_new_password(*pending):
            session.pop(PENDING_KEY, None)
            return redirect(url_for("auth.login"))
        user, state = pending
        secret = user.totp_secret or ""
        if request.method == "POST" and form.validate_on_submit() and totp.verify_totp(db_session, user, form.code.data or ""):
            user.totp_enrolled = True
            codes = totp.new_recovery_codes(db_session, user)
            staff = open_session(db_session, user, _second_factor_detail(state, "totp enrolment"))
            record_staff_event(db_session, "totp.enrol", staff)
            return render_template(
                "auth/recovery_codes.html", codes=codes, continue_url=safe_next(state.get("next")) or landing_url(staff)
            )
        error = None
        if request.method == "POST":
            lockout = users.register_failure(db_session, user)
            record_failure(db_session, user, "enrolment code", lockout)
            error = "That code was not accepted. Check the time on your phone and enter the newest code."
        spaced = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
        return render_template("auth/enrol.html", form=form, secret=spaced, error=error)


@routes.route("/enrol/qr.svg")
def enrol_qr() -> Any:
    """The enrolment QR code as an SVG image generated on the server from the otpauth URI."""
    with database().session() as db_session:
        pending = pending_sign_in(db_session)
        if pending is None or pending[0].totp_enrolled or awaiting_new_password(*pending):
            return render_error(404)
        uri = users.provisioning_uri(pending[0])  # the same issuer as the URI `triage users create` prints
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(buffer, kind="svg", scale=5, border=4, xmldecl=False, title="Authenticator set-up code")
    return Response(buffer.getvalue(), mimetype="image/svg+xml")


@routes.route("/logout", methods=["POST"])
@staff_required
def logout() -> Any:
    """Sign out: the session is revoked on the server, so a copied cookie stops working."""
    staff = signed_in_staff()
    raw = staff_cookie()
    with database().session() as db_session:
        if isinstance(raw, str):
            staff_sessions.revoke_session(db_session, raw)
        record_staff_event(db_session, "logout", staff)
    session.clear()
    clear_staff_cookie()
    flash("You have signed out.", "info")
    return redirect(url_for("auth.login"))


@routes.route("/")
@staff_required
def home() -> Any:
    """The staff entry point: the first area the member's roles open."""
    staff = signed_in_staff()
    return redirect(landing_url(staff))
