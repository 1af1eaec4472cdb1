"""Single sign-on through OpenID Connect, against a real provider the test runs on 127.0.0.1 (no mocks of Authlib).

Off unless OIDC_ISSUER is set. The code flow carries PKCE (S256), a state and a nonce; the ID token's signature, issuer,
audience, expiry and nonce are checked; its email must be an existing, enabled account; the app's TOTP step follows.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from tests.helpers.apps import TEST_SECRET
from tests.helpers.oidc_provider import CLIENT_ID, OidcProvider, new_key
from tests.helpers.staff import StaffClock, StaffLogin, create_staff, submit_code
from triage.config import ConfigError, load_settings
from triage.db import users
from triage.db.models import AuditEvent, User

PRODUCTION = {
    "TRIAGE_ENV": "production",
    "SECRET_KEY": TEST_SECRET + "-production",
    "AUDIT_KEY": "test-audit-chain-key-long-enough-9876543210-ZYXW",
}


@pytest.fixture
def provider() -> Iterator[OidcProvider]:
    """The test's OpenID Connect provider."""
    server = OidcProvider().start()
    yield server
    server.stop()


@pytest.fixture
def sso_app(make_app: Callable[..., Flask], provider: OidcProvider) -> Flask:
    """An app with single sign-on through the test's provider."""
    return make_app(**provider.settings())


@pytest.fixture
def member(sso_app: Flask, provider: OidcProvider, staff_clock: StaffClock) -> StaffLogin:
    """A clinician whose email the provider signs in."""
    return create_staff(sso_app, ("clinician",), email=provider.email)


def through_provider(client: FlaskClient, provider: OidcProvider, next_: str = "") -> TestResponse:
    """Follow the flow as a browser: start, the provider's authorize endpoint over HTTP, then the app's callback."""
    start = client.get("/staff/sso" + (f"?next={next_}" if next_ else ""))
    assert start.status_code == 302 and start.location.startswith(f"{provider.issuer}/authorize?"), start.location
    answer = requests.get(start.location, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    back = urlsplit(answer.headers["Location"])
    assert f"{back.scheme}://{back.netloc}{back.path}" == "http://localhost/staff/sso/callback"
    return client.get(f"{back.path}?{back.query}")


def signed_in(client: FlaskClient) -> bool:
    """Whether the client holds a staff session."""
    return client.get("/staff/account").status_code == 200


def audit_rows(app: Flask, action: str) -> list[AuditEvent]:
    """The audit rows of one action."""
    with app.extensions["triage_db"].session() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def refused(app: Flask, client: FlaskClient, response: TestResponse) -> bool:
    """Whether the callback sent the browser back to sign-in with the refusal, unsigned-in and audited."""
    page = client.get(response.location).get_data(as_text=True) if response.status_code == 302 else ""
    return (
        response.location == "/staff/login"
        and "Single sign-on did not sign you in" in page
        and not signed_in(client)
        and any(row.detail.startswith("single sign-on (") for row in audit_rows(app, "login.failed"))
    )


def test_single_sign_on_is_off_by_default(app: Flask) -> None:
    client = app.test_client()
    assert client.get("/staff/sso").status_code == 404
    assert client.get("/staff/sso/callback?code=x&state=y").status_code == 404
    assert "/staff/sso" not in client.get("/staff/login").get_data(as_text=True)


def test_the_sign_in_page_offers_single_sign_on_when_configured(sso_app: Flask) -> None:
    assert 'href="/staff/sso"' in sso_app.test_client().get("/staff/login").get_data(as_text=True)


def test_a_member_signs_in_through_the_provider_then_gives_their_totp_code(
    sso_app: Flask, provider: OidcProvider, member: StaffLogin
) -> None:
    client = sso_app.test_client()
    response = through_provider(client, provider, next_="/staff/account")
    assert response.status_code == 302 and response.location == "/staff/login/code"
    assert not signed_in(client)  # the provider replaces the password, not the app's second factor
    final = submit_code(client, member.code())
    assert final.status_code == 302 and final.location == "/staff/account"
    assert signed_in(client)
    [login] = audit_rows(sso_app, "login")
    assert (login.actor, login.detail) == (member.email, "single sign-on + totp")
    with sso_app.extensions["triage_db"].session() as session:
        user = session.get(User, member.id)
        assert user is not None and user.last_login_at is not None


def test_the_request_carries_pkce_a_state_and_a_nonce_and_the_token_request_the_verifier(
    sso_app: Flask, provider: OidcProvider, member: StaffLogin
) -> None:
    through_provider(sso_app.test_client(), provider)
    asked = dict(provider.requests)
    authorize, token = asked["/authorize"], asked["/token"]
    assert authorize["response_type"] == "code" and authorize["client_id"] == CLIENT_ID
    assert "openid" in authorize["scope"].split() and authorize["code_challenge_method"] == "S256"
    assert len(authorize["state"]) >= 20 and len(authorize["nonce"]) >= 20 and len(authorize["code_challenge"]) >= 43
    assert authorize["redirect_uri"] == "http://localhost/staff/sso/callback"
    assert token["grant_type"] == "authorization_code" and len(token["code_verifier"]) >= 43
    assert "client_secret" not in token  # sent in the Authorization header (client_secret_basic)


@pytest.mark.parametrize(
    "claims",
    [
        {"iss": "https://another-provider.example"},
        {"aud": "another-client"},
        {"aud": None},
        {"exp": int(time.time()) - 3600},
        {"nonce": "a-nonce-from-another-sign-in"},
        {"nonce": None},
        {"email_verified": False},
        {"email": None},
    ],
    ids=["issuer", "audience", "no-audience", "expired", "nonce", "no-nonce", "unverified-email", "no-email"],
)
def test_an_id_token_that_fails_a_check_signs_nobody_in(
    sso_app: Flask, provider: OidcProvider, member: StaffLogin, claims: dict[str, Any]
) -> None:
    provider.claims = claims
    client = sso_app.test_client()
    assert refused(sso_app, client, through_provider(client, provider))


@pytest.mark.parametrize("kid", ["test-key-1", "a-key-the-provider-never-published"])
def test_an_id_token_signed_by_a_key_not_in_the_providers_jwks_is_refused(
    sso_app: Flask, provider: OidcProvider, member: StaffLogin, kid: str
) -> None:
    provider.signing_key = new_key(kid)
    client = sso_app.test_client()
    assert refused(sso_app, client, through_provider(client, provider))


def test_an_email_without_a_staff_account_creates_none(sso_app: Flask, provider: OidcProvider, staff_clock: StaffClock) -> None:
    provider.email = "stranger@example.org"
    client = sso_app.test_client()
    assert refused(sso_app, client, through_provider(client, provider))
    with sso_app.extensions["triage_db"].session() as session:
        assert session.scalar(select(func.count()).select_from(User)) == 0
    assert all("stranger" not in row.actor + row.detail for row in audit_rows(sso_app, "login.failed"))


def test_a_disabled_account_cannot_sign_in_by_single_sign_on(sso_app: Flask, provider: OidcProvider, member: StaffLogin) -> None:
    with sso_app.extensions["triage_db"].session() as session:
        users.set_active(session, session.get(User, member.id), False)  # type: ignore[arg-type]
    client = sso_app.test_client()
    assert refused(sso_app, client, through_provider(client, provider))
    assert audit_rows(sso_app, "login.failed")[-1].detail == "single sign-on (account disabled)"


def test_a_callback_from_another_browser_or_a_replayed_one_is_refused(
    sso_app: Flask, provider: OidcProvider, member: StaffLogin
) -> None:
    victim = sso_app.test_client()
    start = victim.get("/staff/sso")
    back = urlsplit(requests.get(start.location, allow_redirects=False, timeout=10).headers["Location"])
    attacker = sso_app.test_client()  # another browser: its session holds no such state
    assert refused(sso_app, attacker, attacker.get(f"{back.path}?{back.query}"))
    first = victim.get(f"{back.path}?{back.query}")
    assert first.location == "/staff/login/code"
    replay = sso_app.test_client()
    assert refused(sso_app, replay, replay.get(f"{back.path}?{back.query}"))
    assert parse_qs(back.query)["code"][0] not in provider.grants  # the provider took the code once


def test_with_totp_off_on_a_development_install_the_callback_moves_on_from_this_site(
    sso_app: Flask, provider: OidcProvider, member: StaffLogin
) -> None:
    with sso_app.extensions["triage_db"].session() as session:
        users.set_totp_required(session, False)
    client = sso_app.test_client()
    response = through_provider(client, provider)
    # A page, not a redirect: following a redirect from the provider's site would leave the Strict cookie behind.
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'http-equiv="refresh" content="0; url=/clinic/"' in page and '<a href="/clinic/">Continue</a>' in page
    assert signed_in(client)


def test_a_provider_naming_another_issuer_or_not_answering_is_not_used(
    make_app: Callable[..., Flask], provider: OidcProvider, staff_clock: StaffClock
) -> None:
    app = make_app(**{**provider.settings(), "OIDC_ISSUER": provider.issuer + "/"})
    client = app.test_client()
    response = client.get("/staff/sso")
    assert response.location == "/staff/login"
    assert "Single sign-on is not available right now" in client.get("/staff/login").get_data(as_text=True)
    provider.stop()
    down = make_app(**provider.settings()).test_client()
    assert down.get("/staff/sso").location == "/staff/login"


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"OIDC_ISSUER": "http://idp.example.org", "OIDC_CLIENT_ID": "id", "OIDC_CLIENT_SECRET": "s"}, "OIDC_ISSUER"),
        ({"OIDC_ISSUER": "https://idp.example.org", "OIDC_CLIENT_SECRET": "s"}, "OIDC_CLIENT_ID"),
        ({"OIDC_ISSUER": "https://idp.example.org", "OIDC_CLIENT_ID": "id"}, "OIDC_CLIENT_SECRET"),
    ],
)
def test_production_refuses_a_plain_http_issuer_or_missing_client_credentials(settings: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError) as refusal:
        load_settings({**PRODUCTION, **settings})
    assert [p for p in refusal.value.problems if p.startswith(f"{named}: ")], refusal.value.problems


def test_production_accepts_an_https_issuer_with_its_client_credentials() -> None:
    settings, _extra = load_settings(
        {**PRODUCTION, "OIDC_ISSUER": "https://idp.example.org", "OIDC_CLIENT_ID": "id", "OIDC_CLIENT_SECRET": "s"}
    )
    assert settings.OIDC_ISSUER == "https://idp.example.org"
    assert load_settings(PRODUCTION)[0].OIDC_ISSUER == ""  # unset: single sign-on is off
