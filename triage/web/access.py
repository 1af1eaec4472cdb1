"""Staff access control: who is signed in, role checks and the deny-by-default hook for every route."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, flash, g, jsonify, redirect, request, url_for
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import Session

from triage.db import audit, staff_sessions, users
from triage.db.session import Database
from triage.web import alert_header
from triage.web.errors import render_error
from triage.web.security import client_ip

log = logging.getLogger("triage.auth")

# The staff session id travels in its own cookie, SameSite=Strict (security requirements: no staff request from another
# site carries it, not even a top-level link). The Flask session cookie stays Lax because the patient's session shares it:
# a patient opens the emailed link from the mail site, and under Strict the redirect after /i/<token> arrives without
# the new cookie, so the patient would land on "we could not find your questionnaire" (checked in Chromium).
STAFF_COOKIE = "triage_staff"
_COOKIE_CHANGE = "staff_cookie_change"
# Where this request keeps the signed-in member's name as the staff header shows it (users.staff_display).
STAFF_NAME_KEY = "staff_display_name"
# Reachable without a staff session. The sign-in steps are gated by the password step's pending state
# (auth.enrol and auth.enrol_qr also need it); the patient blueprint is gated by the patient session.
# The password-reset, forced-new-password and single sign-on steps each check their own state (an emailed token,
# the pending sign-in, the OIDC state); they answer 404 when that state is missing or the feature is off.
PUBLIC_ENDPOINTS: frozenset[str] = frozenset(
    {
        "static",
        "auth.login",
        "auth.login_totp",
        "auth.enrol",
        "auth.enrol_qr",
        "auth.new_password",
        "auth.forgot_password",
        "auth.reset_link",
        "auth.reset_password",
        "auth.sso_start",
        "auth.sso_callback",
    }
)
# ops: the staff start page, health checks for load balancers and /metrics (which checks its own token).
# fhir: the read-only FHIR API, which takes no staff session but an API client's Bearer token (triage.web.fhir_api).
PUBLIC_BLUEPRINTS: frozenset[str] = frozenset({"patient", "ops", "fhir"})
SIGNOUT_NOTICES = {
    "idle": "You were signed out due to inactivity. Please sign in again.",
    "expired": "Your session reached its time limit. Please sign in again.",
}

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class StaffIdentity:
    """The signed-in staff member."""

    id: int
    email: str
    roles: frozenset[str]

    @property
    def role_text(self) -> str:
        """The roles as stored in audit rows."""
        return ",".join(r for r in users.ROLES if r in self.roles)


def database() -> Database:
    """The app's database."""
    db: Database = current_app.extensions["triage_db"]
    return db


def log_safe(value: str, limit: int = 254) -> str:
    """A user-supplied value made safe for a one-line log record (CR, LF and other controls escaped)."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in value[:limit])


def record_staff_event(db_session: Session, action: str, staff: StaffIdentity | None = None, **fields: Any) -> None:
    """Append an audit row for the signed-in (or given) staff member, from this request's address."""
    staff = staff or current_staff()
    fields.setdefault("actor", staff.email if staff else "anonymous")
    fields.setdefault("role", staff.role_text if staff else "anonymous")
    audit.record(db_session, action=action, ip=client_ip(), **fields)


def _cookie_name() -> str:
    # Under HTTPS the __Host- prefix makes the browser refuse the cookie unless it is Secure, host-only and Path=/.
    return ("__Host-" if current_app.config.get("SESSION_COOKIE_SECURE") else "") + STAFF_COOKIE


def staff_cookie_signer(app: Flask) -> URLSafeSerializer:
    """Signs the staff cookie with the app's secret key, as Flask signs its session (a new key signs everyone out)."""
    return URLSafeSerializer(str(app.secret_key), salt="triage-staff-session")


def staff_cookie() -> str | None:
    """The staff session id this request carries (a value set earlier in this request wins)."""
    if _COOKIE_CHANGE in g:
        changed: str | None = g.get(_COOKIE_CHANGE) or None
        return changed
    signed = request.cookies.get(_cookie_name())
    if not signed or len(signed) > 256:
        return None
    try:
        raw = staff_cookie_signer(current_app).loads(signed)
    except BadSignature:
        return None
    return raw if isinstance(raw, str) and raw else None


def set_staff_cookie(raw: str) -> None:
    """Send the new staff session id with this response (Strict, HttpOnly, a browser-session cookie)."""
    setattr(g, _COOKIE_CHANGE, raw)


def clear_staff_cookie() -> None:
    """Remove the staff session cookie with this response."""
    setattr(g, _COOKIE_CHANGE, "")


def _write_staff_cookie(response: Response) -> Response:
    if _COOKIE_CHANGE not in g:
        return response
    value: str = g.get(_COOKIE_CHANGE) or ""
    secure = bool(current_app.config.get("SESSION_COOKIE_SECURE"))
    if value:
        signed = staff_cookie_signer(current_app).dumps(value)
        response.set_cookie(_cookie_name(), signed, path="/", secure=secure, httponly=True, samesite="Strict")
    else:
        response.delete_cookie(_cookie_name(), path="/", secure=secure, httponly=True, samesite="Strict")
    return response


def _load_staff() -> StaffIdentity | None:
    raw = staff_cookie()
    if not raw:
        return None
    config = current_app.config
    idle = dt.timedelta(minutes=config["STAFF_IDLE_MINUTES"])
    absolute = dt.timedelta(hours=config["STAFF_ABSOLUTE_HOURS"])
    with database().session() as db_session:
        check = staff_sessions.check_session(db_session, raw, idle, absolute)
        if check.user is None:
            clear_staff_cookie()
            g.staff_signout_reason = check.reason
            return None
        # The header names the member from the row just checked, so the page does not read it again.
        setattr(g, STAFF_NAME_KEY, users.staff_display(check.user))
        return StaffIdentity(check.user.id, check.user.email, users.parse_roles(check.user.roles))


def current_staff() -> StaffIdentity | None:
    """The signed-in staff member for this request, or None (looked up once per request)."""
    if "staff" not in g:
        g.staff = _load_staff()
    staff: StaffIdentity | None = g.staff
    return staff


def signed_in_staff() -> StaffIdentity:
    """The signed-in staff member of a view behind role_required (which has already refused anyone else)."""
    staff = current_staff()
    if staff is None:
        # Only reachable if a view lost its role_required: fail loudly rather than act for nobody.
        raise RuntimeError(f"{request.endpoint} reached without a staff session")
    return staff


def safe_next(value: str | None) -> str | None:
    """A same-host relative path to return to after sign-in, or None when it could leave the site."""
    if not value or len(value) > 2000 or not value.startswith("/") or value.startswith("//"):
        return None
    if "\\" in value or any(ord(c) < 32 or ord(c) == 127 for c in value):
        return None
    parts = urlsplit(value)
    return value if not parts.scheme and not parts.netloc else None


def _wants_json() -> bool:
    return request.is_json or request.accept_mimetypes.best == "application/json"


def login_redirect() -> Any:
    """302 to sign-in (HTML) or 401 (JSON) for a request without a valid staff session."""
    if _wants_json():
        return jsonify(error="sign-in required"), 401
    notice = SIGNOUT_NOTICES.get(g.get("staff_signout_reason", ""))
    if notice:
        flash(notice, "info")
    target = safe_next(request.full_path.rstrip("?")) if request.method == "GET" else None
    return redirect(url_for("auth.login", next=target) if target else url_for("auth.login"))


def deny(staff: StaffIdentity) -> Any:
    """403 page for a signed-in member without the role, with an audit row."""
    with database().session() as db_session:
        record_staff_event(db_session, "authz.denied", staff, outcome="denied", detail=f"{request.method} {request.endpoint}")
    log.warning("staff %d refused %s %s", staff.id, request.method, log_safe(request.endpoint or ""))
    return render_error(403)


def role_required(*roles: str) -> Callable[[F], F]:
    """Allow the view only to signed-in staff holding at least one of the roles."""
    needed = frozenset(roles)
    if not needed or not needed <= set(users.ROLES):
        raise ValueError(f"role_required needs roles from {users.ROLES}, got {roles}")

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            staff = current_staff()
            if staff is None:
                return login_redirect()
            if not needed & staff.roles:
                return deny(staff)
            return view(*args, **kwargs)

        wrapper.required_roles = needed  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorator


def staff_required(view: F) -> F:
    """Allow the view to any signed-in staff member, whatever the role."""
    return role_required(*users.ROLES)(view)


def is_public(endpoint: str) -> bool:
    """Whether an endpoint is reachable without a staff session."""
    return endpoint in PUBLIC_ENDPOINTS or endpoint.partition(".")[0] in PUBLIC_BLUEPRINTS and "." in endpoint


def require_staff() -> Any:
    """Deny by default: every endpoint not public needs a staff session and a declared role."""
    endpoint = request.endpoint
    if endpoint is None or is_public(endpoint):
        return None  # no route matched (404/405 follow), or public
    staff = current_staff()
    if staff is None:
        return login_redirect()
    needed = getattr(current_app.view_functions.get(endpoint), "required_roles", None)
    if needed is None:
        log.error("endpoint %s declares no role (use role_required); refused", endpoint)
        return deny(staff)
    return None if needed & staff.roles else deny(staff)


NAV_LINKS = (
    ("Worklist", "clinic.worklist"),
    ("Needs attention", "clinic.attention"),
    ("Rules", "rules.index"),
    ("Users", "admin.users"),
    ("Audit log", "admin.audit"),
    ("Alerts report", "admin.alerts_report"),
    ("Completion", "admin.completion"),
    ("Deliveries", "admin.deliveries"),
    ("Patient messages", "admin.message_templates"),
    ("API clients", "admin.api_clients"),
    ("Research export", "admin.research_export"),
    ("Clinic details", "admin.clinic_details"),
    ("Retention", "admin.retention"),
    ("Settings", "admin.settings"),
    ("Your account", "auth.account"),
)


def staff_nav_links() -> list[tuple[str, str]]:
    """The navigation links the signed-in member may follow (areas that exist and their roles open)."""
    staff = current_staff()
    if staff is None:
        return []
    links = []
    for label, endpoint in NAV_LINKS:
        needed: frozenset[str] = getattr(current_app.view_functions.get(endpoint), "required_roles", frozenset())
        if needed & staff.roles:
            links.append((label, url_for(endpoint)))
    return links


def init_app(app: Flask) -> None:
    """Install the deny-by-default hook and the template helpers (the session limits come from triage.config.Settings)."""
    app.before_request(require_staff)
    app.after_request(_write_staff_cookie)
    app.jinja_env.globals.update(current_staff=current_staff, staff_nav_links=staff_nav_links)
    alert_header.init_app(app)
