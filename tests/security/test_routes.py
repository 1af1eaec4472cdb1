"""Deny by default: every route of the app is either public by decision or needs a staff session and a role."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.routing import Rule

from tests.helpers.apps import build_app, csrf_token, dummy_url
from tests.helpers.staff import create_staff, sign_in
from triage.db import intakes as queries
from triage.db import users
from triage.db.models import AuditEvent, Base
from triage.web.access import PUBLIC_BLUEPRINTS, PUBLIC_ENDPOINTS, is_public

SKIPPED_METHODS = {"HEAD", "OPTIONS"}
# Areas and the roles that must never reach them (security requirement 2).
FORBIDDEN_AREAS = {
    "clinician": ("admin.", "rules."),
    "rules_editor": ("admin.", "clinic.attention", "clinic.acknowledge_alert", "clinic.decide", "clinic.invitation_"),
    # Only clinicians see and acknowledge alerts and record triage decisions (issue 10); the alerts report is the
    # admins' figures-only view.
    "admin": ("clinic.attention", "clinic.acknowledge_alert", "clinic.decide", "clinic.invitation_"),
    # Issue 15: an invitation's panel (name, masked contact) and its actions are the clinicians'; admins see completion.
}


@pytest.fixture
def app(sqlite_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The access rules do not depend on the database engine: SQLite is enough here."""
    application = build_app(sqlite_url, tmp_path)
    yield application
    application.extensions["triage_db"].dispose()


def staff_cases(app: Flask) -> list[tuple[Rule, str]]:
    """Every (rule, method) that is not public."""
    return [
        (rule, method)
        for rule in app.url_map.iter_rules()
        if not is_public(rule.endpoint)
        for method in sorted((rule.methods or set()) - SKIPPED_METHODS)
    ]


def fresh_token(client: FlaskClient) -> str:
    """A valid CSRF token for this client's session."""
    return csrf_token(client.get("/staff/login").data)


def call(client: FlaskClient, app: Flask, rule: Rule, method: str, token: str | None, **kwargs: Any) -> Any:
    """Open a rule with a placeholder URL; non-GET requests carry the CSRF token when given."""
    data = {"csrf_token": token} if token and method != "GET" else None
    return client.open(dummy_url(app, rule), method=method, data=data, **kwargs)


def login_path(app: Flask) -> str:
    """The sign-in page's path."""
    with app.test_request_context():
        return url_for("auth.login")


def test_the_public_allowlist_is_a_deliberate_decision() -> None:
    assert PUBLIC_ENDPOINTS == {
        "static",
        "auth.login",
        "auth.login_totp",
        "auth.enrol",
        "auth.enrol_qr",
        # issue 20: forced new password, forgot password by email, single sign-on
        "auth.new_password",
        "auth.forgot_password",
        "auth.reset_link",
        "auth.reset_password",
        "auth.sso_start",
        "auth.sso_callback",
    }
    # ops: `/`, `/healthz`, `/readyz` and `/metrics` (behind its own bearer token), issue 20.
    # fhir: the read-only FHIR API, behind API clients' Bearer tokens and never a staff session (issue 18).
    assert PUBLIC_BLUEPRINTS == {"patient", "ops", "fhir"}


def test_every_endpoint_is_covered_or_allowlisted(app: Flask) -> None:
    undecided = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if not is_public(rule.endpoint) and not getattr(view, "required_roles", None):
            undecided.append(rule.endpoint)
    assert not undecided, f"routes without role_required/staff_required and not in PUBLIC_ENDPOINTS: {undecided}"
    assert staff_cases(app), "the walk found no staff routes at all"


def test_every_staff_route_redirects_to_sign_in_without_a_session(app: Flask) -> None:
    client = app.test_client()
    token = fresh_token(client)
    failures = []
    for rule, method in staff_cases(app):
        response = call(client, app, rule, method, token)
        if response.status_code != 302 or response.location.split("?")[0] != login_path(app):
            failures.append((rule.rule, method, response.status_code, response.location))
    assert not failures


def test_json_requests_without_a_session_get_401(app: Flask) -> None:
    client = app.test_client()
    token = fresh_token(client)
    for rule, method in staff_cases(app):
        response = call(client, app, rule, method, token, headers={"Accept": "application/json"})
        assert response.status_code == 401, (rule.rule, method)
        assert response.get_json() == {"error": "sign-in required"}


def test_the_next_parameter_brings_the_user_back(app: Flask) -> None:
    client = app.test_client()
    response = client.get("/admin/users?x=1")
    assert response.status_code == 302
    assert response.location == "/staff/login?next=/admin/users?x%3D1"


@pytest.mark.parametrize("role", users.ROLES)
def test_role_policy_for_every_route(app: Flask, role: str) -> None:
    client = app.test_client()
    sign_in(client, create_staff(app, (role,)))
    token = csrf_token(client.get("/staff/account").data)
    for rule, method in staff_cases(app):
        needed: frozenset[str] = getattr(app.view_functions[rule.endpoint], "required_roles")
        if any(rule.endpoint.startswith(area) for area in FORBIDDEN_AREAS.get(role, ())):
            assert role not in needed, f"{rule.endpoint} must not admit {role}"
        if role in needed:
            if method == "GET":  # only safe methods: placeholder POSTs by a permitted role could change data
                response = call(client, app, rule, method, token)
                assert response.status_code not in (401, 403), (rule.rule, role)
                assert not (response.status_code == 302 and response.location.startswith(login_path(app))), (rule.rule, role)
            continue
        response = call(client, app, rule, method, token)
        assert response.status_code == 403, (rule.rule, method, role, response.status_code)


def test_a_refusal_is_audited_once(app: Flask) -> None:
    client = app.test_client()
    account = create_staff(app, ("clinician",))
    sign_in(client, account)
    with app.extensions["triage_db"].session() as session:
        before = session.scalar(select(func.count()).select_from(AuditEvent))
    response = client.get("/admin/users")
    assert response.status_code == 403
    assert b"Not allowed" in response.data
    with app.extensions["triage_db"].session() as session:
        rows = list(session.scalars(select(AuditEvent).where(AuditEvent.id > before)))
    assert [(r.action, r.actor, r.role, r.outcome) for r in rows] == [("authz.denied", account.email, "clinician", "denied")]
    assert rows[0].detail == "GET admin.users"


def test_a_patient_session_opens_no_staff_route(app: Flask) -> None:
    client = app.test_client()
    with app.extensions["triage_db"].session() as session:
        token, _intake = queries.create_invitation(session, ref="P-1", questionnaire_version="1", expires_days=1)
    client.get(f"/i/{token}")  # binds the patient session where the patient blueprint has this route
    with client.session_transaction() as flask_session:
        flask_session["patient_intake_id"] = 1  # and whatever a patient session holds: no staff key
    csrf = fresh_token(client)
    for rule, method in staff_cases(app):
        response = call(client, app, rule, method, csrf)
        assert response.status_code in (302, 403), (rule.rule, method)
        if response.status_code == 302:
            assert response.location.startswith(login_path(app))


def row_counts(app: Flask) -> dict[str, int]:
    """Rows per table."""
    with app.extensions["triage_db"].session() as session:
        return {t.name: session.scalar(select(func.count()).select_from(t)) or 0 for t in Base.metadata.sorted_tables}


def test_every_post_needs_a_csrf_token(app: Flask) -> None:
    client = app.test_client()
    sign_in(client, create_staff(app, users.ROLES))
    before = row_counts(app)
    post_rules = [rule for rule in app.url_map.iter_rules() if "POST" in (rule.methods or set())]
    assert any(rule.endpoint == "auth.logout" for rule in post_rules)
    for rule in post_rules:
        response = client.post(dummy_url(app, rule), data={"email": "a@b.example", "password": "x" * 20, "code": "123456"})
        assert response.status_code == 400, (rule.rule, response.status_code)
    assert row_counts(app) == before
    assert client.get("/staff/account").status_code == 200  # still signed in: logout without a token did nothing


def test_get_requests_change_nothing_but_view_rows(app: Flask) -> None:
    client = app.test_client()
    sign_in(client, create_staff(app, users.ROLES))
    before = row_counts(app)
    for rule in app.url_map.iter_rules():
        if "GET" in (rule.methods or set()) and rule.endpoint != "static":
            client.get(dummy_url(app, rule))
    after = row_counts(app)
    # Audit rows of views and rate-limit counters (e.g. bad patient links per address) are the only writes.
    ignored = ("audit_events", "rate_limit_hits")
    assert {k: v for k, v in after.items() if k not in ignored} == {k: v for k, v in before.items() if k not in ignored}


def test_a_route_without_a_decision_is_refused_and_reported(sqlite_url: str, tmp_path: Path) -> None:
    application = build_app(sqlite_url, tmp_path)

    @application.route("/staff/forgotten")
    def forgotten() -> str:
        return "health data"

    client = application.test_client()
    assert client.get("/staff/forgotten").status_code == 302
    sign_in(client, create_staff(application, users.ROLES))
    response = client.get("/staff/forgotten")
    assert response.status_code == 403 and b"health data" not in response.data
    assert not getattr(application.view_functions["forgotten"], "required_roles", None)  # what the coverage test flags
    application.extensions["triage_db"].dispose()


def test_the_retention_page_is_for_admins_only(app: Flask) -> None:
    # issue 18: what the next retention run deletes (counts and dates only) is an admin's view.
    assert getattr(app.view_functions["admin.retention"], "required_roles") == frozenset({"admin"})
    client = app.test_client()
    sign_in(client, create_staff(app, ("clinician", "rules_editor")))
    assert client.get("/admin/retention").status_code == 403
    admin = app.test_client()
    sign_in(admin, create_staff(app, ("admin",)))
    assert admin.get("/admin/retention").status_code == 200
