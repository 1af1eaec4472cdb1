"""Invitation links: the token leaves the URL at once, is stored nowhere, and bad links reveal nothing."""

from __future__ import annotations

import datetime as dt
import logging
import secrets

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.helpers.identity import CHECK_URL
from tests.helpers.patient import (
    DONE_URL,
    PLAN,
    REVIEW_URL,
    START_URL,
    all_text,
    audit_rows,
    count,
    csrf_of,
    has_security_headers,
    new_invitation,
    open_link,
    post_page,
    set_invitation,
    stored_answers,
    submit,
    walk_to_review,
)
from triage.db import intakes as queries
from triage.db.models import RateLimitHit


def _past() -> dt.datetime:
    return dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)


def test_link_binds_the_session_and_redirects_to_a_token_free_url(app: Flask, client: FlaskClient) -> None:
    token, _ = new_invitation(app)
    response = client.get(f"/i/{token}")
    assert response.status_code == 303 and response.location == START_URL
    assert response.headers["Referrer-Policy"] == "same-origin"
    cookie = client.get_cookie("triage_session")
    assert cookie is not None and token not in cookie.value
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    assert token not in repr(serializer.loads(cookie.value))
    assert "Questions before your appointment" in client.get(START_URL).get_data(as_text=True)


def test_wrong_link_gets_the_date_of_birth_check_and_an_audit_row(app: Flask, client: FlaskClient) -> None:
    # The check must not reveal whether a link exists (tests/security/test_dob_check.py compares the pages).
    new_invitation(app, ref="SECRET-REF-1")
    wrong = secrets.token_urlsafe(32)
    response = client.get(f"/i/{wrong}")
    assert response.status_code == 303 and response.location == CHECK_URL and has_security_headers(response)
    body = client.get(CHECK_URL).get_data(as_text=True)
    assert "Please confirm your date of birth" in body and "SECRET-REF-1" not in body and "Traceback" not in body
    rows = audit_rows(app, "invitation.open")
    assert len(rows) == 1
    assert (rows[0].actor, rows[0].role, rows[0].outcome, rows[0].intake_id) == ("anonymous", "patient", "denied", None)
    assert wrong not in all_text(app)
    assert client.get(START_URL).location == CHECK_URL  # nothing was bound: only the check


@pytest.mark.parametrize("change", ["expired", "revoked"])
def test_expired_or_revoked_link_is_410_without_phi(app: Flask, client: FlaskClient, change: str) -> None:
    token, intake_id = new_invitation(app)
    open_link(client, token)
    walk_to_review(client, stop_before="symptoms")
    column = "expires_at" if change == "expired" else "revoked_at"
    set_invitation(app, intake_id, **{column: _past()})
    for response in (
        client.get(START_URL),
        client.get("/intake/about_you"),
        client.get(REVIEW_URL),
        app.test_client().get(f"/i/{token}"),
    ):
        assert response.status_code == 410 and has_security_headers(response)
        body = response.get_data(as_text=True)
        assert "can no longer be used" in body and "Zoë" not in body and "T-1" not in body
    page_less_post = client.post("/intake/symptoms", data={"csrf_token": "x", "symptoms": "bloating"})
    assert page_less_post.status_code in (400, 410)
    assert "symptoms" not in stored_answers(app, intake_id)
    denied = [r for r in audit_rows(app, "invitation.open") if r.outcome == "denied"]
    assert len(denied) == 1 and denied[0].intake_id == intake_id and denied[0].detail == f"{change} link"


def test_every_request_rechecks_the_link_so_a_post_after_revocation_is_refused(app: Flask, client: FlaskClient) -> None:
    token, intake_id = new_invitation(app)
    open_link(client, token)
    page = client.get("/intake/about_you")
    set_invitation(app, intake_id, revoked_at=_past())
    response = client.post("/intake/about_you", data={"csrf_token": csrf_of(page), "full_name": "After revocation"})
    assert response.status_code == 410
    assert stored_answers(app, intake_id) == {}


def test_too_many_bad_links_from_one_address_get_429(app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    frozen = dt.datetime.now(dt.UTC)
    monkeypatch.setattr(queries, "utcnow", lambda: frozen)  # one rate-limit window for the whole test
    token, _ = new_invitation(app)
    for _ in range(20):
        assert client.get(f"/i/{secrets.token_urlsafe(32)}").status_code == 303  # the (decoy) check page
    limited = client.get(f"/i/{secrets.token_urlsafe(32)}")
    assert limited.status_code == 429 and has_security_headers(limited)
    assert "Too many attempts" in limited.get_data(as_text=True)
    assert client.get(f"/i/{token}").status_code == 303  # a right token still opens: valid links count per invitation
    other = app.test_client()
    assert other.get(f"/i/{token}", environ_base={"REMOTE_ADDR": "10.9.8.7"}).status_code == 303
    assert count(app, RateLimitHit) == 1


def test_a_session_bound_to_one_intake_cannot_touch_another(app: Flask, client: FlaskClient) -> None:
    token_a, intake_a = new_invitation(app, ref="A")
    _token_b, intake_b = new_invitation(app, ref="B")
    open_link(client, token_a)
    page = client.get("/intake/about_you")
    data = {k: PLAN[k] for k in ("full_name", "date_of_birth-day", "date_of_birth-month", "date_of_birth-year", "sex_at_birth")}
    response = client.post(
        "/intake/about_you", data={**data, "intake_id": str(intake_b), "intake": str(intake_b), "csrf_token": csrf_of(page)}
    )
    assert response.status_code in (200, 303)
    assert stored_answers(app, intake_b) == {} and stored_answers(app, intake_a)["full_name"] == PLAN["full_name"][0]
    forged = app.test_client()
    forged.set_cookie("triage_session", f'{{"patient":{{"intake":{intake_b},"invitation":2}}}}')
    assert forged.get("/intake/about_you").status_code == 404


def test_raw_token_is_in_no_table_response_url_or_log(app: Flask, client: FlaskClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    token, intake_id = new_invitation(app)
    responses = [client.get(f"/i/{token}")]
    responses.append(client.get(START_URL))
    walk_to_review(client)
    responses.append(client.get("/intake/about_you"))
    responses.append(client.get(REVIEW_URL))
    responses.append(post_page(client, "/intake/about_you", PLAN | {"full_name": ["x\x00y"]}))
    responses.append(client.get("/intake/about_you"))  # the refused name's message (Post/Redirect/Get)
    responses.append(post_page(client, "/intake/about_you"))
    responses.append(submit(client))
    responses.append(client.get(DONE_URL))
    responses.append(client.get(f"/i/{token}"))
    assert [r.status_code for r in responses[-6:-2]] == [303, 200, 303, 303]
    assert responses[-6].location == "/intake/about_you"
    refused = responses[-5].get_data(as_text=True)
    assert 'class="error-summary"' in refused and 'id="full_name-e"' in refused and "cannot be saved" in refused
    assert responses[-3].location.endswith(DONE_URL)
    for response in responses:
        assert token not in response.get_data(as_text=True)
        assert token not in (response.location or "")
        assert token not in response.headers.get("Set-Cookie", "")
    assert token not in all_text(app)
    sentinel = PLAN["full_name"][0]
    for record in caplog.records:
        message = record.getMessage()
        assert token not in message and sentinel not in message and "x\x00y" not in message
    assert intake_id in {r.intake_id for r in audit_rows(app, "intake.submit")}
