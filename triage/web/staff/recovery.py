"""A forgotten password: the emailed single-use link and its page; and the new password an admin's reset requires.

Asking for a link answers the same page, after the same kind of work (a lookup, a rate-limit count, one audit row, no
password hashing), whether the address is a staff account, a disabled one or nobody's: the page never tells which.
The email is only queued here, in the same transaction; the worker sends it, so no mail server's delay shows either.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from flask import current_app, flash, redirect, render_template, request, session, url_for
from sqlalchemy.orm import Session

from triage.db import intakes as queries
from triage.db import outbox, password_resets, users
from triage.db.models import User
from triage.web.access import clear_staff_cookie, database, record_staff_event
from triage.web.clinic_details import clinic
from triage.web.errors import render_error
from triage.web.routes import RouteTable
from triage.web.security import client_ip
from triage.web.staff.auth import (
    PASSWORD,
    PENDING_KEY,
    awaiting_new_password,
    continue_sign_in,
    identity,
    pending_sign_in,
)
from triage.web.staff.forms import POLICY_HINT, ForgotPasswordForm, NewPasswordForm

log = logging.getLogger("triage.auth")
routes = RouteTable()

RESET_KEY = "staff_reset_token"
# Emails one address may be sent per PASSWORD_RESET_MINUTES (more requests get the same page and no email).
EMAILS_PER_WINDOW = 3
SUBJECT = "Reset your staff password"


def _minutes() -> int:
    return int(current_app.config["PASSWORD_RESET_MINUTES"])


def _mail_body(user: User, link: str) -> str:
    return (
        f"Someone asked to reset the password of your {clinic().name} staff account ({user.email}).\n\n"
        f"To choose a new password, open this link within {_minutes()} minutes. It works once:\n{link}\n\n"
        "If you did not ask, ignore this email: your password stays as it is.\n"
        "You still need your authenticator app to sign in afterwards.\n"
    )


def _send_link(db_session: Session, email: str) -> str:
    """Queue a link for the address when it is an enabled account; what happened, for the audit row only."""
    # Counted for every address typed, known or not, so both kinds of request do the same work.
    address_key = "reset-email:" + hashlib.sha256(email.encode()).hexdigest()[:40]
    sent = queries.count_hit(db_session, address_key, _minutes() * 60, users.now())
    user = users.user_by_email(db_session, email) if len(email) <= 254 else None
    if user is None or not user.active or sent > EMAILS_PER_WINDOW:
        outcome = "unknown address" if user is None else "disabled account" if not user.active else "too many requests"
        staff = identity(user) if user else None
        record_staff_event(
            db_session,
            "password_reset.request",
            staff,
            actor=user.email if user else "anonymous",
            outcome="denied",
            detail=outcome,
        )
        return outcome
    row, raw = password_resets.issue(db_session, user, _minutes())
    # PUBLIC_BASE_URL, never the request's Host header: a forged Host must not put another site in the email.
    link = current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for("auth.reset_link", token=raw)
    outbox.enqueue(
        db_session,
        kind=password_resets.MAIL_KIND,
        recipient=user.email,
        dedupe_key=password_resets.dedupe_key(row.id),
        subject=SUBJECT,
        body=_mail_body(user, link),
    )
    record_staff_event(db_session, "password_reset.request", identity(user), detail="email queued")
    return "email queued"


@routes.route("/forgot-password", methods=["GET", "POST"])
def forgot_password() -> Any:
    """Ask for a reset link: the same answer for every address."""
    form = ForgotPasswordForm()
    if request.method == "GET":
        return render_template("auth/forgot.html", form=form)
    window, limit = int(current_app.config["LOGIN_IP_WINDOW_SECONDS"]), int(current_app.config["LOGIN_IP_MAX_FAILURES"])
    with database().session() as db_session:
        if queries.count_hit(db_session, f"reset-ip:{client_ip()}", window, users.now()) > limit:
            return render_error(429)
        if not form.validate_on_submit():
            return render_template("auth/forgot.html", form=form), 400
        outcome = _send_link(db_session, users.normalise_email(form.email.data or ""))
    log.info("password reset requested: %s", outcome)
    return render_template("auth/forgot_sent.html", minutes=_minutes())


@routes.get("/reset/<token>")
def reset_link(token: str) -> Any:
    """The emailed link: the token moves into this browser's session and out of the address bar (and any Referer)."""
    if len(token) <= password_resets.TOKEN_MAX:
        session[RESET_KEY] = token
    return redirect(url_for("auth.reset_password"), 303)


def _link_dead(db_session: Session, audited: bool) -> Any:
    session.pop(RESET_KEY, None)
    if audited:
        record_staff_event(db_session, "password_reset.failed", actor="anonymous", outcome="denied", detail="link not valid")
    return render_template("auth/reset_invalid.html", minutes=_minutes())


@routes.route("/reset", methods=["GET", "POST"])
def reset_password() -> Any:
    """Choose a new password through a working link; the link is spent and every session of the account ends."""
    raw = session.get(RESET_KEY)
    form = NewPasswordForm()
    with database().session() as db_session:
        found = password_resets.find(db_session, raw) if isinstance(raw, str) else None
        if found is None or not isinstance(raw, str):
            return _link_dead(db_session, audited=request.method == "POST")
        email = found[1].email
        if request.method == "GET" or not form.validate_on_submit():
            return render_template("auth/reset.html", form=form, email=email, hint=POLICY_HINT)
        try:
            user = password_resets.redeem(db_session, raw, form.new.data or "")
        except ValueError as problem:
            form.new.errors = [str(problem)]
            return render_template("auth/reset.html", form=form, email=email, hint=POLICY_HINT)
        if user is None:  # spent by another request a moment ago
            return _link_dead(db_session, audited=True)
        record_staff_event(db_session, "password_reset.complete", identity(user), detail="by emailed link; every session ended")
        log.info("staff %d reset their password by emailed link", user.id)
    session.clear()
    clear_staff_cookie()
    flash("Your password was changed and you were signed out everywhere. Sign in with the new password.", "info")
    return redirect(url_for("auth.login"))


@routes.route("/login/new-password", methods=["GET", "POST"])
def new_password() -> Any:
    """After an admin's reset: the member replaces the temporary password before the second step."""
    form = NewPasswordForm()
    with database().session() as db_session:
        pending = pending_sign_in(db_session)
        if pending is None or not awaiting_new_password(*pending):
            session.pop(PENDING_KEY, None)
            return redirect(url_for("auth.login"))
        user, state = pending
        if request.method == "POST" and form.validate_on_submit():
            new = form.new.data or ""
            if users.verify_password(user, new):
                form.new.errors = ["Choose a password different from the temporary one."]
            else:
                try:
                    users.change_password(db_session, user, new)
                except ValueError as problem:
                    form.new.errors = [str(problem)]
                else:
                    record_staff_event(db_session, "password.change", identity(user), detail="required after an admin reset")
                    return continue_sign_in(db_session, user, state.get("next"), PASSWORD)
        return render_template("auth/new_password.html", form=form, hint=POLICY_HINT)
