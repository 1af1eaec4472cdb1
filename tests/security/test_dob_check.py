"""The date-of-birth check on the patient link: wrong, right, locked, unlocked, and the same for a link that does not exist."""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.test import TestResponse

from tests.helpers.identity import CHECK_URL, DOB, answer_check, dob_form, open_checked
from tests.helpers.patient import (
    DONE_URL,
    REVIEW_URL,
    START_URL,
    audit_rows,
    csrf_of,
    db_session,
    new_invitation,
    open_link,
    stored_answers,
)
from triage.db import identity_check
from triage.db.models import Invitation, PatientSession
from triage.domain.questionnaire.questions import default_questionnaire

WRONG_DOB = dt.date(1971, 5, 1)
WRONG_TEXT = "This date of birth does not match"
LOCKED_TEXT = "This link is locked for now"
_CSRF = re.compile(r'name="csrf_token" value="[^"]+"')


def _invitation(app: Flask, intake_id: int) -> Invitation:
    with db_session(app) as session:
        row = session.query(Invitation).filter_by(intake_id=intake_id).one()
        session.expunge(row)
        return row


def _without_csrf(response: TestResponse) -> str:
    return _CSRF.sub('name="csrf_token" value=""', response.get_data(as_text=True))


def _fail(client: FlaskClient, times: int) -> list[TestResponse]:
    return [answer_check(client, WRONG_DOB) for _ in range(times)]


def test_a_link_with_a_date_of_birth_asks_for_it_first(app: Flask, client: FlaskClient) -> None:
    token, intake_id = new_invitation(app, dob=DOB)
    opened = open_link(client, token)
    assert opened.location == CHECK_URL
    page = client.get(CHECK_URL)
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "Please confirm your date of birth" in body
    for name in ("date_of_birth-day", "date_of_birth-month", "date_of_birth-year"):
        assert f'name="{name}"' in body  # the three boxes of the form's own date widget
    assert 'autocomplete="bday-day"' in body
    invitation = _invitation(app, intake_id)
    assert invitation.opened_at is not None and invitation.verified_at is None
    assert client.get(START_URL).location == CHECK_URL


def test_wrong_then_right(app: Flask, client: FlaskClient) -> None:
    token, intake_id = new_invitation(app, dob=DOB)
    open_link(client, token)
    wrong = answer_check(client, WRONG_DOB)
    assert wrong.status_code == 303 and wrong.location == CHECK_URL
    again = client.get(CHECK_URL).get_data(as_text=True)
    assert WRONG_TEXT in again and 'aria-invalid="true"' in again
    assert _invitation(app, intake_id).dob_failures == 1
    assert client.get(START_URL).location == CHECK_URL
    right = answer_check(client, DOB)
    assert right.status_code == 303 and right.location == START_URL
    assert "Questions before your appointment" in client.get(START_URL).get_data(as_text=True)
    invitation = _invitation(app, intake_id)
    assert invitation.dob_failures == 0 and invitation.verified_at is not None
    assert client.get(CHECK_URL).location == START_URL  # a verified session is not asked again
    outcomes = [(r.actor, r.role, r.outcome) for r in audit_rows(app, "invitation.check")]
    actor = f"invitation:{invitation.id}"
    assert outcomes == [(actor, "patient", "denied"), (actor, "patient", "ok")]


def test_a_blank_or_impossible_date_is_not_counted_as_a_try(app: Flask, client: FlaskClient) -> None:
    token, intake_id = new_invitation(app, dob=DOB)
    open_link(client, token)
    page = client.get(CHECK_URL)
    blank = client.post(CHECK_URL, data=dob_form(None, csrf_of(page)))
    assert blank.status_code == 303
    assert "Please enter your date of birth" in client.get(CHECK_URL).get_data(as_text=True)
    odd = client.post(CHECK_URL, data={"date_of_birth-day": "31", "date_of_birth-month": "2", "date_of_birth-year": "1970"})
    assert odd.status_code == 400  # no CSRF token
    page = client.get(CHECK_URL)
    data = {"date_of_birth-day": "31", "date_of_birth-month": "2", "date_of_birth-year": "1970", "csrf_token": csrf_of(page)}
    assert client.post(CHECK_URL, data=data).status_code == 303
    assert "real date" in client.get(CHECK_URL).get_data(as_text=True)
    assert _invitation(app, intake_id).dob_failures == 0


def test_five_wrong_lock_the_link_for_an_hour_and_the_right_date_is_refused_meanwhile(app: Flask, client: FlaskClient) -> None:
    token, intake_id = new_invitation(app, dob=DOB)
    open_link(client, token)
    before = dt.datetime.now(dt.UTC)
    _fail(client, 4)
    assert LOCKED_TEXT not in client.get(CHECK_URL).get_data(as_text=True)
    _fail(client, 1)
    locked = client.get(CHECK_URL)
    body = locked.get_data(as_text=True)
    assert locked.status_code == 200 and LOCKED_TEXT in body and "try again later" in body
    assert 'name="date_of_birth-day"' not in body and WRONG_TEXT not in body  # never says whether a date was right
    invitation = _invitation(app, intake_id)
    assert invitation.locked_until is not None
    until = identity_check.as_utc(invitation.locked_until)
    assert dt.timedelta(minutes=59) < until - before < dt.timedelta(minutes=61)
    right = answer_check(client, DOB)
    assert right.location == CHECK_URL and LOCKED_TEXT in client.get(CHECK_URL).get_data(as_text=True)
    assert client.get(START_URL).location == CHECK_URL
    assert _invitation(app, intake_id).verified_at is None
    other = app.test_client()  # a new browser meets the same lock
    open_link(other, token)
    assert LOCKED_TEXT in other.get(CHECK_URL).get_data(as_text=True)
    outcomes = [r.outcome for r in audit_rows(app, "invitation.check")]
    assert outcomes == ["denied"] * 4 + ["locked", "locked"]


def test_the_lock_ends_after_an_hour(app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    token, _ = new_invitation(app, dob=DOB)
    open_link(client, token)
    _fail(client, 5)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1, minutes=1)
    monkeypatch.setattr(identity_check, "utcnow", lambda: later)  # the check's clock
    assert LOCKED_TEXT not in client.get(CHECK_URL).get_data(as_text=True)
    assert answer_check(client, DOB).location == START_URL


def test_after_an_hour_a_wrong_answer_starts_a_fresh_run(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    token, intake_id = new_invitation(app, dob=DOB)
    open_link(client, token)
    _fail(client, 5)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
    monkeypatch.setattr(identity_check, "utcnow", lambda: later)
    _fail(client, 1)
    invitation = _invitation(app, intake_id)
    assert invitation.dob_failures == 1 and invitation.locked_until is None


def test_staff_unlock_lets_the_patient_try_again(app: Flask, client: FlaskClient) -> None:
    token, intake_id = new_invitation(app, dob=DOB)
    open_link(client, token)
    _fail(client, 5)
    invitation_id = _invitation(app, intake_id).id
    with db_session(app) as session:
        assert identity_check.unlock(session, invitation_id) is True
        assert identity_check.unlock(session, invitation_id + 999) is False
        session.commit()
    assert LOCKED_TEXT not in client.get(CHECK_URL).get_data(as_text=True)
    assert _invitation(app, intake_id).dob_failures == 0
    assert answer_check(client, DOB).location == START_URL


def _walk_check(client: FlaskClient, token: str) -> list[tuple[int, str, str]]:
    """Everything the check shows one browser: opened, the page, five wrong answers and the page after each."""
    seen: list[tuple[int, str, str]] = []
    opened = client.get(f"/i/{token}")
    seen.append((opened.status_code, opened.location or "", ""))
    page = client.get(CHECK_URL)
    seen.append((page.status_code, "", _without_csrf(page)))
    for answer in [WRONG_DOB] * 5 + [DOB, None]:
        posted = client.post(CHECK_URL, data=dob_form(answer, csrf_of(client.get(CHECK_URL))))
        seen.append((posted.status_code, posted.location or "", _without_csrf(posted)))
        shown = client.get(CHECK_URL)
        seen.append((shown.status_code, shown.location or "", _without_csrf(shown)))
    for url in (START_URL, REVIEW_URL, DONE_URL, "/intake/about_you"):
        response = client.get(url)
        seen.append((response.status_code, response.location or "", _without_csrf(response)))
    return seen


def test_a_link_that_does_not_exist_gets_the_same_responses(app: Flask) -> None:
    token, _ = new_invitation(app, dob=DOB)
    real, fake = app.test_client(), app.test_client()
    real_seen = _walk_check(real, token)
    fake_seen = _walk_check(fake, secrets.token_urlsafe(32))
    assert real_seen == fake_seen
    assert any(LOCKED_TEXT in body for _status, _where, body in real_seen)  # the walk did reach the lock
    real_cookie, fake_cookie = real.get_cookie("triage_session"), fake.get_cookie("triage_session")
    assert real_cookie is not None and fake_cookie is not None
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    real_keys, fake_keys = serializer.loads(real_cookie.value), serializer.loads(fake_cookie.value)
    assert real_keys.keys() == fake_keys.keys()
    assert len(real_keys["patient"]) == len(fake_keys["patient"])  # the same shape of session id


def test_the_decoy_keeps_its_lock_for_the_session(app: Flask, client: FlaskClient) -> None:
    client.get(f"/i/{secrets.token_urlsafe(32)}")
    _fail(client, 5)
    assert LOCKED_TEXT in client.get(CHECK_URL).get_data(as_text=True)
    rows = audit_rows(app, "invitation.check")
    assert [r.outcome for r in rows] == ["denied"] * 4 + ["locked"]
    assert all(r.actor == "anonymous" and r.intake_id is None and "unknown link" in r.detail for r in rows)


def test_no_page_with_answers_is_reachable_before_the_check(app: Flask) -> None:
    token, intake_id = new_invitation(app, dob=DOB)
    patient = app.test_client()
    open_checked(patient, token)
    page = patient.get("/intake/about_you")
    patient.post(
        "/intake/about_you",
        data={"full_name": "Secret Name", "date_of_birth-day": "1", "date_of_birth-month": "5", "date_of_birth-year": "1970"}
        | {"sex_at_birth": "female", "csrf_token": csrf_of(page), "action": "next"},
    )
    assert stored_answers(app, intake_id)["full_name"] == "Secret Name"
    stranger = app.test_client()
    open_link(stranger, token)
    urls = [START_URL, REVIEW_URL, DONE_URL, "/intake/urgent"] + [
        f"/intake/{s.id}" for s in default_questionnaire().steps if not s.is_review
    ]
    for url in urls:
        response = stranger.get(url)
        assert response.status_code == 303 and response.location == CHECK_URL, url
    csrf = csrf_of(stranger.get(CHECK_URL))
    for url in [REVIEW_URL, "/intake/urgent", "/intake/about_you", "/intake/symptoms"]:
        response = stranger.post(url, data={"csrf_token": csrf, "full_name": "Overwritten", "action": "next"})
        assert response.status_code == 303 and response.location == CHECK_URL, url
    assert stored_answers(app, intake_id)["full_name"] == "Secret Name"
    assert "Secret Name" not in stranger.get(CHECK_URL).get_data(as_text=True)


def test_a_new_browser_is_asked_again(app: Flask) -> None:
    token, _ = new_invitation(app, dob=DOB)
    first = app.test_client()
    open_checked(first, token)
    second = app.test_client()
    assert open_link(second, token).location == CHECK_URL
    assert second.get(START_URL).location == CHECK_URL
    assert first.get(START_URL).status_code == 200  # the first browser stays verified
    assert first.get(f"/i/{token}").location == CHECK_URL  # re-opening the link starts a new session: asked again
    with db_session(app) as session:
        verified = [s.verified_at is not None for s in session.query(PatientSession).order_by(PatientSession.created_at)]
    assert verified.count(True) == 1


def test_an_invitation_without_a_date_of_birth_is_not_checked(app: Flask, client: FlaskClient) -> None:
    token, intake_id = new_invitation(app)
    assert open_link(client, token).location == START_URL
    assert client.get(START_URL).status_code == 200
    assert _invitation(app, intake_id).verified_at is not None


def test_no_date_of_birth_in_audit_rows_or_logs(app: Flask, client: FlaskClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    token, _ = new_invitation(app, dob=dt.date(1937, 11, 29))
    open_link(client, token)
    answer_check(client, dt.date(1938, 12, 28))
    answer_check(client, dt.date(1937, 11, 29))
    texts = [repr(vars(r)) for r in audit_rows(app, "invitation.check")] + [caplog.text]
    for text in texts:
        for sentinel in ("1937", "1938", "29/11", "28/12"):
            assert sentinel not in text


def test_random_posts_to_the_check_never_fail(app: Flask) -> None:
    token, intake_id = new_invitation(app, dob=DOB)
    client = app.test_client()
    open_link(client, token)
    csrf = csrf_of(client.get(CHECK_URL))
    names = st.sampled_from(["date_of_birth-day", "date_of_birth-month", "date_of_birth-year", "date_of_birth", "x"])
    values = st.one_of(st.text(max_size=40), st.sampled_from(["1", "5", "1970", "0", "-1", "1e9", "٣", "\x00", "31"]))

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(fields=st.dictionaries(names, values, max_size=5), with_csrf=st.booleans())
    def check(fields: dict[str, str], with_csrf: bool) -> None:
        with db_session(app) as session:
            identity_check.unlock(session, _invitation(app, intake_id).id)  # never stay locked between examples
            session.commit()
        data = dict(fields) | ({"csrf_token": csrf} if with_csrf else {})
        response = client.post(CHECK_URL, data=data)
        assert response.status_code in {303, 400}, response.status_code
        shown = client.get(CHECK_URL)
        assert shown.status_code in {200, 303}

    check()
