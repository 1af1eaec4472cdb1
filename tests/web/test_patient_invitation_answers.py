"""The name and date of birth an invitation holds are shown on the first page, not asked again (questionnaire 2026.12-3).

The patient proves the date of birth at the link's check, so the form shows it (and the clinic's name for them) as text
with a note saying where it comes from; the review lists both without a Change link; a post cannot replace them. A link
made without a date of birth shows nothing and asks for both, as does an intake opened on version 2.
"""

from __future__ import annotations

import datetime as dt
import html
import re

from flask import Flask
from flask.testing import FlaskClient

from tests.helpers.identity import DOB, open_checked
from tests.helpers.patient import (
    PLAN,
    REVIEW_URL,
    START_URL,
    csrf_of,
    db_session,
    field_names,
    open_link,
    plan_data,
    stored_answers,
    walk_to_review,
)
from triage.db import intakes as queries
from triage.domain.invitations.contact import InvitationContact
from triage.domain.questionnaire.questions import default_questionnaire
from triage.web.patient.pages import GIVEN_NOTE

ABOUT_YOU = "/intake/about_you"
NAME = "Ada Lovelace-Byron"
DATE_BOXES = {"date_of_birth-day", "date_of_birth-month", "date_of_birth-year"}


def _invite(app: Flask, name: str = NAME, dob: dt.date | None = DOB, version: str | None = None) -> tuple[str, int]:
    with db_session(app) as session:
        token, intake = queries.create_invitation(
            session,
            ref="INV-1",
            questionnaire_version=version or default_questionnaire().version,
            expires_days=30,
            contact=InvitationContact(patient_name=name, date_of_birth=dob),
        )
        session.commit()
        return token, intake.id


def _given_block(body: str) -> str:
    found = re.search(r'<div class="q given">.*?<p class="hint">.*?</p></div>', body, re.S)
    assert found, "no block of answers from the invitation on the page"
    return html.unescape(found.group(0))


def test_the_first_page_shows_the_invitations_name_and_date_of_birth_instead_of_asking(app: Flask, client: FlaskClient) -> None:
    token, _intake_id = _invite(app)
    open_checked(client, token)
    page = client.get(ABOUT_YOU)
    body = page.get_data(as_text=True)
    names = field_names(page)
    assert "full_name" not in names and not names & DATE_BOXES
    assert {"sex_at_birth", "height_cm", "weight_kg"} <= names  # the rest of the page is asked as before
    block = _given_block(body)
    assert "Full name" in block and NAME in block and "Date of birth" in block and "1 May 1970" in block
    assert GIVEN_NOTE in block
    assert body.index("q-full_name") < body.index("q-date_of_birth") < body.index('id="q-sex_at_birth"')


def test_continue_stores_the_invitations_answers_whatever_the_post_says(app: Flask, client: FlaskClient) -> None:
    token, intake_id = _invite(app)
    open_checked(client, token)
    page = client.get(ABOUT_YOU)
    data = plan_data(field_names(page), PLAN, csrf_of(page))
    forged = data | {"full_name": ["Someone Else"], "date_of_birth-day": ["2"], "date_of_birth-month": ["2"]}
    forged |= {"date_of_birth-year": ["1990"]}
    response = client.post(ABOUT_YOU, data=forged)
    assert response.status_code == 303 and response.location != ABOUT_YOU
    stored = stored_answers(app, intake_id)
    assert stored["full_name"] == NAME and stored["date_of_birth"] == DOB.isoformat()
    assert stored["sex_at_birth"] == "female"


def test_the_review_lists_them_without_a_change_link(app: Flask, client: FlaskClient) -> None:
    token, _intake_id = _invite(app)
    open_checked(client, token)
    walk_to_review(client)
    body = html.unescape(client.get(REVIEW_URL).get_data(as_text=True))
    rows = re.findall(r'<div class="review-row"><dt>([^<]*)</dt><dd dir="auto">([^<]*)</dd>(<dd class="review-change">)?', body)
    by_label = {label: (answer, bool(change)) for label, answer, change in rows}
    assert by_label["Full name"] == (NAME, False) and by_label["Date of birth"] == ("1 May 1970", False)
    assert by_label["Sex at birth"] == ("Female", True)


def test_a_link_made_without_a_date_of_birth_asks_for_both(app: Flask, client: FlaskClient) -> None:
    token, _intake_id = _invite(app, dob=None)
    assert open_link(client, token).location == START_URL  # no check: nothing proves who opened it
    page = client.get(ABOUT_YOU)
    assert {"full_name"} | DATE_BOXES <= field_names(page)
    assert NAME not in page.get_data(as_text=True)  # the clinic's name for the patient is not shown to the link alone


def test_a_blank_name_on_the_invitation_is_asked_and_the_date_still_shown(app: Flask, client: FlaskClient) -> None:
    token, _intake_id = _invite(app, name="  ")
    open_checked(client, token)
    page = client.get(ABOUT_YOU)
    names = field_names(page)
    assert "full_name" in names and not names & DATE_BOXES
    assert "1 May 1970" in _given_block(page.get_data(as_text=True))


def test_an_intake_opened_on_version_2_asks_both_as_it_did(app: Flask, client: FlaskClient) -> None:
    token, _intake_id = _invite(app, version="2026.12-2")
    open_checked(client, token)
    page = client.get(ABOUT_YOU)
    assert {"full_name"} | DATE_BOXES <= field_names(page)
    assert 'class="q given"' not in page.get_data(as_text=True)
