"""Patient sessions: a random server-side id in the signed cookie, checked on every request; valid links limited by invitation."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from tests.helpers.patient import count, db_session, new_invitation, open_link, post_page, stored_answers
from triage.db import intakes as queries
from triage.db import patient_sessions
from triage.db.models import PatientSession, RateLimitHit
from triage.web.patient.session import SESSION_KEY

STEP = "/intake/about_you"


def cookie_session(app: Flask, client: FlaskClient) -> dict[str, object]:
    """The patient session cookie, verified and decoded with the app's own key."""
    cookie = client.get_cookie("triage_session")
    assert cookie is not None
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    assert serializer is not None
    data: dict[str, object] = serializer.loads(cookie.value)
    return data


def forge(app: Flask, client: FlaskClient, data: dict[str, object]) -> None:
    """Sign a session cookie with the app's secret key, as someone who knows the key could."""
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    client.set_cookie("triage_session", serializer.dumps(data))


def sessions(app: Flask) -> list[PatientSession]:
    """Every stored patient session."""
    with db_session(app) as session:
        return list(session.scalars(select(PatientSession)))


def test_the_cookie_holds_only_a_random_id_and_the_database_only_its_hash(app: Flask, client: FlaskClient) -> None:
    token, intake_id = new_invitation(app)
    assert open_link(client, token).status_code == 303
    data = cookie_session(app, client)
    raw_id = data[SESSION_KEY]
    assert isinstance(raw_id, str) and len(raw_id) >= 43
    assert set(data) <= {SESSION_KEY, "csrf_token", "_permanent"}
    (row,) = sessions(app)
    assert row.id_sha256 == hashlib.sha256(raw_id.encode()).hexdigest() and row.id_sha256 != raw_id
    assert (row.intake_id, row.revoked_at) == (intake_id, None)
    assert row.created_at is not None and row.last_seen_at is not None and row.expires_at > row.created_at
    assert client.get(STEP).status_code == 200


def test_a_cookie_forged_with_the_secret_key_opens_nothing(app: Flask, client: FlaskClient) -> None:
    token, intake_id = new_invitation(app)
    victim = app.test_client()
    open_link(victim, token)
    post_page(victim, STEP)
    with db_session(app) as session:
        invitation_id = session.scalar(select(PatientSession.invitation_id))
    # The old cookie shape ({intake, invitation} ids), a guessed random id and a stored hash all fail.
    attempts: list[dict[str, object]] = [
        {SESSION_KEY: {"intake": intake_id, "invitation": invitation_id}},
        {SESSION_KEY: secrets.token_urlsafe(32)},
        {SESSION_KEY: sessions(app)[0].id_sha256},
        {SESSION_KEY: intake_id},
    ]
    for forged in attempts:
        forge(app, client, forged)
        response = client.get(STEP)
        # Nothing opens: an id bound to nothing is treated as a link that matches no invitation (the check page).
        assert response.status_code == 404 or response.location == "/intake/check", forged
        assert "Zo" not in response.get_data(as_text=True)


def test_revocation_and_expiry_hold_on_the_next_request(app: Flask) -> None:
    token, _ = new_invitation(app)
    revoked, expired = app.test_client(), app.test_client()
    open_link(revoked, token)
    open_link(expired, token)
    assert revoked.get(STEP).status_code == 200 and expired.get(STEP).status_code == 200
    revoked_id = str(cookie_session(app, revoked)[SESSION_KEY])
    expired_hash = patient_sessions.digest(str(cookie_session(app, expired)[SESSION_KEY]))
    with db_session(app) as session:
        patient_sessions.revoke(session, revoked_id)
        past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        session.execute(update(PatientSession).where(PatientSession.id_sha256 == expired_hash).values(expires_at=past))
    assert revoked.get(STEP).status_code == 404
    assert expired.get(STEP).status_code == 404
    assert revoked.post(STEP, data={}).status_code in (400, 404)  # CSRF first or no session: nothing saved either way


def test_resume_in_a_new_browser_and_reopening_replaces_this_browsers_session(app: Flask) -> None:
    token, intake_id = new_invitation(app)
    phone, computer = app.test_client(), app.test_client()
    open_link(phone, token)
    post_page(phone, STEP)
    first = str(cookie_session(app, phone)[SESSION_KEY])
    open_link(computer, token)  # the same link on another device: both go on
    assert computer.get(STEP).status_code == 200 and phone.get(STEP).status_code == 200
    open_link(phone, token)  # the link again in the same browser: a new id, the old one ends
    second = str(cookie_session(app, phone)[SESSION_KEY])
    assert second != first and phone.get(STEP).status_code == 200
    stale = app.test_client()
    forge(app, stale, {SESSION_KEY: first})
    assert stale.get(STEP).status_code == 404
    assert stored_answers(app, intake_id)["full_name"]
    live = [s for s in sessions(app) if s.revoked_at is None]
    assert len(live) == 2 and len(sessions(app)) == 3


def test_another_patients_link_in_the_same_browser_ends_the_first_session(app: Flask, client: FlaskClient) -> None:
    token_a, _ = new_invitation(app, ref="A")
    token_b, intake_b = new_invitation(app, ref="B")
    open_link(client, token_a)
    first = str(cookie_session(app, client)[SESSION_KEY])
    open_link(client, token_b)
    with db_session(app) as session:
        assert patient_sessions.current(session, first, dt.timedelta(hours=1)) is None
    assert client.get(STEP).status_code == 200
    (live,) = [s for s in sessions(app) if s.revoked_at is None]
    assert live.intake_id == intake_b


def test_after_many_bad_links_a_valid_link_from_the_same_address_still_opens(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    frozen = dt.datetime.now(dt.UTC)
    monkeypatch.setattr(queries, "utcnow", lambda: frozen)  # one rate-limit window for the whole test
    token, _ = new_invitation(app)
    for _ in range(20):
        assert client.get(f"/i/{secrets.token_urlsafe(32)}").status_code == 303  # the (decoy) check page
    assert client.get(f"/i/{secrets.token_urlsafe(32)}").status_code == 429  # bad links: still per address
    assert client.get(f"/i/{token}").status_code == 303  # the clinic's shared address: a patient's link opens
    assert client.get(STEP).status_code == 200
    assert client.get(f"/i/{secrets.token_urlsafe(32)}").status_code == 429
    assert count(app, RateLimitHit) == 1


def test_a_valid_link_is_limited_per_invitation_from_any_address(make_app: Callable[..., Flask]) -> None:
    app = make_app(PATIENT_LINK_MAX_OPENS=3)
    token, _ = new_invitation(app)
    other_token, _ = new_invitation(app, ref="other")
    statuses = [app.test_client().get(f"/i/{token}", environ_base={"REMOTE_ADDR": f"10.0.0.{n}"}).status_code for n in range(5)]
    assert statuses == [303, 303, 303, 429, 429]
    assert app.test_client().get(f"/i/{other_token}").status_code == 303  # another invitation is not affected
    assert count(app, RateLimitHit) == 0  # valid links never count against an address
