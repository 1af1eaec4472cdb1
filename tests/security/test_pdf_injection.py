"""Hostile answers and rule text come out as visible, inert text in the clinician view and the PDF, and reach nothing."""

from __future__ import annotations

import datetime as dt
import http.server
import io
import threading
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from typing import Any

import pypdf
import pytest
from flask import Flask
from sqlalchemy import select

from tests.helpers.apps import csrf_token
from tests.helpers.pdf_jobs import download
from triage.db import intakes as queries
from triage.db.evaluations import bundled_ruleset, evaluate_for_storage
from triage.db.models import Evaluation
from triage.domain.questionnaire.answers import validate_answers
from triage.domain.questionnaire.questions import default_questionnaire
from triage.pdf import summary as pdf


class _Counter(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        type(self).hits.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        return


@pytest.fixture
def loopback() -> Iterator[tuple[int, type[_Counter]]]:
    """A loopback HTTP server that counts requests."""
    handler = type("Handler", (_Counter,), {"hits": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1], handler
    server.shutdown()


def payloads(port: int) -> dict[str, str]:
    """One hostile string per free-text question (for the medicines table: its first row's medicine name)."""
    return {
        "full_name": "<script>alert(1)</script>",
        "main_concern": '" onmouseover="x',
        "allergies_details": '<img src="file:///etc/passwd">',
        "current_medicines": f'<link rel="stylesheet" href="http://127.0.0.1:{port}/link.css">',
        "conditions_other": f"<style>@import url(http://127.0.0.1:{port}/import.css);</style> url(http://127.0.0.1:{port}/x)",
        "triggers_other": f'<link rel="attachment" href="http://127.0.0.1:{port}/attach">',
        "diets_tried_other": f'<iframe src="http://127.0.0.1:{port}/frame"></iframe>',
    }


class _Attributes(HTMLParser):
    """Collects every tag and attribute name of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes.extend(name for name, _ in attrs)


def seed(app: Flask, port: int) -> int:
    """A submitted intake whose free text is hostile, and whose stored rule text holds template syntax."""
    questionnaire = default_questionnaire()
    hostile = payloads(port)
    answers: dict[str, Any] = {
        "sex_at_birth": "female",
        "date_of_birth": "1980-01-01",
        "symptoms": ["bloating"],
        "worst_symptom_severity": 6,
        "allergies": "yes",
        "conditions": ["other"],
        "triggers": ["other"],
        "diets_tried": ["other"],
        **hostile,
        "current_medicines": [[hostile["current_medicines"], "20 mg", "once a day"]],
    }
    typed = validate_answers(questionnaire, answers, dt.date.today())
    with app.extensions["triage_db"].session() as session:
        _token, intake = queries.create_invitation(
            session, ref="INJ-1", questionnaire_version=questionnaire.version, expires_days=30
        )
        queries.save_step(session, intake, typed, {})
        queries.submit_intake(session, intake, lambda a: evaluate_for_storage(a, dt.date.today(), bundled_ruleset()))
        evaluation = session.scalar(select(Evaluation).where(Evaluation.intake_id == intake.id))
        assert evaluation is not None
        result = dict(evaluation.result)
        first = dict(result["differentials"][0])
        first["name"] = "{{ 7*7 }} {% raw %}"
        first["for"] = [
            {
                "rule": "x",
                "title": "{{ config }}",
                "explanation": "{% raw %}",
                "weight": 1,
                "answers": [],
                "source": "<b>source</b>",
            }
        ]
        first["level"] = "high"
        result["differentials"] = [first] + result["differentials"][1:]
        evaluation.result = result
        return intake.id


def test_hostile_text_is_escaped_in_the_clinician_view(
    app: Flask, staff_login: Callable[..., Any], loopback: tuple[int, Any]
) -> None:
    port, counter = loopback
    client = app.test_client()
    staff_login(client)
    intake_id = seed(app, port)
    html = client.get(f"/clinic/intakes/{intake_id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html
    assert ' onmouseover="x' not in html and "&#34; onmouseover=&#34;x" in html
    assert '<img src="file:///etc/passwd">' not in html and "&lt;img src=&#34;file:///etc/passwd&#34;&gt;" in html
    assert "{{ 7*7 }} {% raw %}" in html
    assert "{{ config }}" in html and "&lt;b&gt;source&lt;/b&gt;" in html
    parsed = _Attributes()
    parsed.feed(html)
    assert "script" not in parsed.tags and "link" in parsed.tags and "img" not in parsed.tags and "style" not in parsed.tags
    assert "iframe" not in parsed.tags and "&lt;iframe src=" in html
    assert not [a for a in parsed.attributes if a == "style" or a.startswith("on")]
    assert counter.hits == []


def test_hostile_text_is_visible_and_inert_in_the_pdf(
    app: Flask, staff_login: Callable[..., Any], loopback: tuple[int, Any]
) -> None:
    port, counter = loopback
    client = app.test_client()
    staff_login(client)
    intake_id = seed(app, port)
    url = f"/clinic/intakes/{intake_id}"
    reply = download(client, url, csrf_token(client.get(url).data))
    assert reply.status_code == 200
    reader = pypdf.PdfReader(io.BytesIO(reply.data))
    text = " ".join(page.extract_text() for page in reader.pages).replace("\n", " ")
    for name in ("full_name", "main_concern"):
        assert payloads(port)[name] in text, name
    flat = "".join(text.split())  # narrow table cells wrap long text (e.g. after "http://") onto new lines
    for name, payload in payloads(port).items():
        assert "".join(payload.split()) in flat, name
    assert f'href="http://127.0.0.1:{port}/link.css"' in flat and f"url(http://127.0.0.1:{port}/x)" in flat
    assert "{{ 7*7 }} {% raw %}" in text
    assert dict(reader.attachments) == {} and b"/EmbeddedFiles" not in reply.data
    assert counter.hits == []


def test_the_pdf_html_escapes_every_free_text_field(app: Flask, loopback: tuple[int, Any]) -> None:
    port, _ = loopback
    intake_id = seed(app, port)
    from triage.db.intake_record import intake_record

    with app.extensions["triage_db"].session() as session:
        record = intake_record(session, intake_id)
    assert record is not None
    html = pdf.document_html(record, pdf.PdfSettings(), "now")
    assert "<script>" not in html and "<img" not in html and "<style>" not in html and 'rel="attachment"' not in html
    assert "<iframe" not in html
    assert html.count("<link") == 1 and 'href="triage-asset:css/pdf.css"' in html
