"""CSRF on every patient post: missing or wrong -> 400 and nothing changes; expired -> answers shown again."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous.timed import TimestampSigner

from tests.helpers.patient import (
    PLAN,
    REVIEW_URL,
    csrf_of,
    has_security_headers,
    new_invitation,
    open_link,
    post_page,
    snapshot,
    stored_answers,
    walk_to_review,
)


def _csrf_tokens_age(monkeypatch: pytest.MonkeyPatch, hours: int = 25) -> None:
    """Make CSRF tokens look `hours` old (the session cookie keeps its own, real age)."""
    real = TimestampSigner.get_timestamp

    def shifted(self: TimestampSigner) -> int:
        return real(self) + (hours * 3600 if self.salt == b"wtf-csrf-token" else 0)

    monkeypatch.setattr(TimestampSigner, "get_timestamp", shifted)


def _patient_post_rules(app: Flask) -> list[str]:
    return sorted(
        r.rule for r in app.url_map.iter_rules() if r.endpoint.startswith("patient.") and "POST" in (r.methods or set())
    )


def test_every_patient_post_without_a_token_is_400_and_changes_nothing(app: Flask, client: FlaskClient) -> None:
    token, intake_id = new_invitation(app)
    other_token, _ = new_invitation(app, ref="other")
    other = app.test_client()
    open_link(other, other_token)
    foreign = csrf_of(other.get("/intake/about_you"))  # valid, but for another session
    open_link(client, token)
    walk_to_review(client)
    rules = _patient_post_rules(app)
    # /stop/<token> (the reminder opt-out) checks CSRF itself but for RFC 8058 one-click: tests/web/test_optout.py.
    assert rules == [
        "/intake/<step_id>",
        "/intake/check",
        "/intake/language",
        "/intake/review",
        "/intake/urgent",
        "/stop/<token>",
    ]
    before = snapshot(app, intake_id)
    for url in ("/intake/about_you", "/intake/wellbeing", REVIEW_URL, "/intake/urgent", "/intake/language", "/intake/check"):
        for token_value in (None, "", "not-a-token", foreign):
            data = {"full_name": "Mallory", "smoking": "current", "consent_true": "yes", "consent_use": "yes", "language": "ar"}
            if token_value is not None:
                data["csrf_token"] = token_value
            response = client.post(url, data=data)
            assert response.status_code == 400 and has_security_headers(response), (url, token_value)
            assert "Your earlier answers are safe" in response.get_data(as_text=True)
    assert snapshot(app, intake_id) == before


def test_expired_token_shows_the_posted_answers_again_and_saves_nothing(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    token, intake_id = new_invitation(app)
    open_link(client, token)
    page = client.get("/intake/about_you")
    before = snapshot(app, intake_id)
    _csrf_tokens_age(monkeypatch)  # the page was left open for more than the 24-hour limit
    typed = "An hour of typing 🙂 \u05e9\u05dc\u05d5\u05dd"
    response = client.post("/intake/about_you", data={"csrf_token": csrf_of(page), "main_concern": typed})
    assert response.status_code == 400 and has_security_headers(response)
    body = response.get_data(as_text=True)
    assert f">{typed}</textarea>" in body
    assert "press the button again" in body
    assert snapshot(app, intake_id) == before
    again = client.post("/intake/about_you", data={"csrf_token": csrf_of(response), "main_concern": typed})
    assert again.status_code == 303
    assert stored_answers(app, intake_id)["main_concern"] == typed


def test_expired_token_on_the_review_page_keeps_the_consent_ticks(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    token, intake_id = new_invitation(app)
    open_link(client, token)
    walk_to_review(client)
    page = client.get(REVIEW_URL)
    before = snapshot(app, intake_id)
    _csrf_tokens_age(monkeypatch)
    response = client.post(REVIEW_URL, data={"csrf_token": csrf_of(page), "consent_true": "yes", "consent_use": "yes"})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert 'id="f-consent_true" name="consent_true" value="yes" checked' in body and "press the button again" in body
    assert snapshot(app, intake_id) == before


def test_earlier_steps_survive_csrf_expiry_and_a_new_browser(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    token, intake_id = new_invitation(app)
    open_link(client, token)
    walk_to_review(client, stop_before="symptom_details")
    page = client.get("/intake/symptom_details")
    _csrf_tokens_age(monkeypatch)
    assert client.post("/intake/symptom_details", data={"csrf_token": csrf_of(page), "bloating_months": "4"}).status_code == 400
    monkeypatch.undo()
    fresh = app.test_client()
    open_link(fresh, token)
    assert "Continue where you left off" in fresh.get("/intake").get_data(as_text=True)
    assert 'value="165"' in fresh.get("/intake/about_you").get_data(as_text=True)
    assert stored_answers(app, intake_id)["symptoms"] == PLAN["symptoms"]
    assert post_page(fresh, "/intake/symptom_details").status_code == 303


def test_post_after_the_session_ended_asks_to_reopen_the_link(app: Flask, client: FlaskClient) -> None:
    token, intake_id = new_invitation(app)
    open_link(client, token)
    page = client.get("/intake/about_you")
    before = snapshot(app, intake_id)
    client.delete_cookie("triage_session")
    response = client.post("/intake/about_you", data={"csrf_token": csrf_of(page), "full_name": "Late"})
    assert response.status_code == 400
    assert "open the link your clinic sent you again" in response.get_data(as_text=True)
    assert snapshot(app, intake_id) == before
