"""The date-of-birth check in tests: the form it posts, answering it, and opening a link that asks for it."""

from __future__ import annotations

import datetime as dt

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.helpers.patient import START_URL, csrf_of, open_link

CHECK_URL = "/intake/check"
# The date of birth of the invitations made with new_invitation(..., dob=DOB) (the check's right answer).
DOB = dt.date(1970, 5, 1)


def dob_form(answer: dt.date | None, csrf: str) -> dict[str, str]:
    """The posted form of the date-of-birth check (three boxes; None posts them blank)."""
    parts = (str(answer.day), str(answer.month), str(answer.year)) if answer else ("", "", "")
    return {f"date_of_birth-{name}": value for name, value in zip(("day", "month", "year"), parts, strict=True)} | {
        "csrf_token": csrf
    }


def answer_check(client: FlaskClient, answer: dt.date | None) -> TestResponse:
    """GET the check page, then post a date of birth (the response is the post's: a 303)."""
    page = client.get(CHECK_URL)
    return client.post(CHECK_URL, data=dob_form(answer, csrf_of(page)))


def open_checked(client: FlaskClient, token: str, dob: dt.date = DOB) -> TestResponse:
    """Open the private link and pass the date-of-birth check; returns the check's 303 (to the first page)."""
    opened = open_link(client, token)
    assert opened.location == CHECK_URL, opened.location
    passed = answer_check(client, dob)
    assert passed.status_code == 303 and passed.location == START_URL, (passed.status_code, passed.location)
    return passed
