"""The date-of-birth check page: the demo link's date, the language switch on the page, right to left in Arabic."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tests.helpers.identity import CHECK_URL, answer_check
from tests.helpers.patient import START_URL, csrf_of, db_session, open_link
from triage.db.demo import DEMO_DATE_OF_BIRTH, seed_demo


def test_the_demo_link_asks_for_the_printed_date_of_birth(app: Flask, client: FlaskClient) -> None:
    with db_session(app) as session:
        token = seed_demo(session)
        session.commit()
    assert open_link(client, token).location == CHECK_URL
    assert answer_check(client, DEMO_DATE_OF_BIRTH).location == START_URL


def test_the_check_page_switches_language_and_reads_right_to_left(app: Flask, client: FlaskClient) -> None:
    client.get("/i/not-a-real-link")
    page = client.get(CHECK_URL)
    switched = client.post("/intake/language", data={"language": "ar", "back": CHECK_URL, "csrf_token": csrf_of(page)})
    assert switched.status_code == 303 and switched.location == CHECK_URL
    body = client.get(CHECK_URL).get_data(as_text=True)
    assert 'dir="rtl"' in body and "يرجى تأكيد تاريخ ميلادك" in body
    spanish = app.test_client()
    spanish.get("/i/not-a-real-link")
    page = spanish.get(CHECK_URL)
    spanish.post("/intake/language", data={"language": "es", "back": CHECK_URL, "csrf_token": csrf_of(page)})
    assert "Confirme su fecha de nacimiento" in spanish.get(CHECK_URL).get_data(as_text=True)
