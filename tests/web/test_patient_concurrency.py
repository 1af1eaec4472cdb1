"""Concurrent submits of one intake (several browsers and sessions, released together by a barrier) give one submission."""

from __future__ import annotations

import threading

from flask import Flask
from werkzeug.test import TestResponse

from tests.helpers.patient import (
    DONE_URL,
    REVIEW_URL,
    audit_rows,
    count,
    csrf_of,
    evaluations,
    intake_row,
    new_invitation,
    open_link,
    walk_to_review,
)
from triage.db.models import Evaluation, Intake


def test_concurrent_submits_from_two_sessions_make_one_submission(app: Flask) -> None:
    token, intake_id = new_invitation(app)
    browsers = [app.test_client() for _ in range(4)]
    open_link(browsers[0], token)
    walk_to_review(browsers[0])
    for other in browsers[1:]:
        open_link(other, token)  # the same link in more browsers: each its own session and CSRF token
    forms = [(c, {"csrf_token": csrf_of(c.get(REVIEW_URL)), "consent_true": "yes", "consent_use": "yes"}) for c in browsers]
    barrier = threading.Barrier(len(forms))
    responses: list[TestResponse] = []
    failures: list[BaseException] = []

    def press_send(client: object, data: dict[str, str]) -> None:
        try:
            barrier.wait(timeout=10)
            responses.append(client.post(REVIEW_URL, data=data))  # type: ignore[attr-defined]
        except BaseException as error:  # noqa: BLE001 - reported below
            failures.append(error)

    threads = [threading.Thread(target=press_send, args=form) for form in forms]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert failures == []
    assert [r.status_code for r in responses] == [303] * len(browsers)
    assert {r.location for r in responses} == {DONE_URL}
    assert intake_row(app, intake_id).status == "submitted"
    assert evaluations(app, intake_id) == 1 and count(app, Evaluation) == 1
    assert count(app, Intake, status="submitted") == 1
    assert len(audit_rows(app, "intake.submit")) == 1
