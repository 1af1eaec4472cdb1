"""The patient's copy of answers: a clinic-side PDF in the intake's language (Spanish, Polish, Arabic right to left,
English), every label from forms/ through the catalogs, bundled fonts only, no triage output, staff-only and audited.

Each copy's first page is drawn to /tmp/letters/patient-copy-<language>.png (pdftoppm) to be looked at.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

import pypdf
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.helpers.apps import csrf_token
from tests.helpers.letters import CASES, page_count, page_picture, page_text, stored_case
from triage.db.models import AuditEvent
from triage.domain.questionnaire.questions import default_questionnaire
from triage.web.clinic.patient_copy import COPY_TEXTS

ANSWERS = {**CASES["coeliac_iron_27"], "main_concern": "Hinchazón y diarreas; Ósmy dzień — ألم في البطن"}
LANGUAGES = ("es", "pl", "ar", "en")


def _translated(app: Flask, code: str, message: str) -> str:
    """A message as the shipped catalog of `code` says it (the source text in English)."""
    catalog = app.extensions["triage_catalogs"].get(code)
    return str(catalog.gettext(message)) if catalog is not None else message


def _copy(client: FlaskClient, intake_id: int) -> Any:
    url = f"/clinic/intakes/{intake_id}"
    return client.post(f"{url}/patient-copy", data={"csrf_token": csrf_token(client.get(url).data)})


def _as_extracted(text: str, code: str) -> str:
    """A text as pdftotext gives it back: in Arabic, a lam-alef pair is drawn as one ligature glyph, whose text poppler
    turns round with the rest of the right-to-left run ("لا" comes back as "ال")."""
    return _flat(text.replace("\u0644\u0627", "\u0627\u0644") if code == "ar" else text)


def _fonts(data: bytes) -> set[str]:
    fonts = set()
    for page in pypdf.PdfReader(io.BytesIO(data)).pages:
        resources: Any = page["/Resources"]
        fonts |= {str(f.get_object()["/BaseFont"]).split("+", 1)[-1] for f in resources["/Font"].values()}
    return fonts


def _flat(text: str) -> str:
    """Text with every run of whitespace as one space, and without the bidi embedding marks pdftotext adds around
    right-to-left runs (they are poppler's, not in the PDF)."""
    return " ".join(re.sub("[\u200e\u200f\u202a-\u202e\u2066-\u2069]", "", text).split())


@pytest.mark.parametrize("code", LANGUAGES)
def test_the_copy_is_in_the_patients_language_with_no_triage_output(
    app: Flask, staff_login: Callable[..., Any], code: str
) -> None:
    intake_id = stored_case(app, f"COPY-{code.upper()}", ANSWERS, language=code)
    client = app.test_client()
    staff_login(client)
    page = client.get(f"/clinic/intakes/{intake_id}").get_data(as_text=True)
    name = {"es": "Spanish", "pl": "Polish", "ar": "Arabic", "en": "English"}[code]
    assert f"Patient&#39;s copy of answers ({name})" in page or f"Patient's copy of answers ({name})" in page

    reply = _copy(client, intake_id)
    assert reply.status_code == 200 and reply.mimetype == "application/pdf"
    assert reply.headers["Content-Disposition"] == f'attachment; filename="answers-{intake_id}-{code}.pdf"'
    data = bytes(reply.data)
    page_picture(data, f"patient-copy-{code}")
    pages = page_count(data)
    text = _flat(page_text(data, 1, pages))
    for key in ("title", "name", "born"):
        assert _as_extracted(_translated(app, code, COPY_TEXTS[key]), code) in text, (code, key)
    questionnaire = default_questionnaire()
    # Labels from the one question definition, through the catalog: a section title, a question's name, a choice.
    section = questionnaire.sections[0].title
    by_id = {q.id: q for q in questionnaire.questions}
    question = by_id["heavy_periods"]
    choice = next(c.label for c in by_id["symptoms"].choices if c.value == "bloating")
    for source in (section, question.name, choice):
        assert _as_extracted(_translated(app, code, source), code).rstrip("?:. ") in text, (code, source)
    assert "Cora Example" in text and "COPY-" + code.upper() in text
    before, _, after = _translated(app, code, COPY_TEXTS["page"]).partition("%(page)s")
    numbered = _as_extracted(f"{before}1{after.replace('%(pages)s', str(pages))}", code)
    assert numbered.replace(" ", "") in text.replace(" ", ""), code  # page X of Y (poppler spaces bidi digits its own way)
    if code != "en":
        assert "Your answers" not in text and "Date of birth" not in text, code  # nothing left in English
    # Patients never see triage output: no differential, suspicion level, red flag, test, caveat or ruleset.
    for word in ("suspicion", "Ruleset", "tTG-IgA", "Iron-deficiency anaemia in", "Decision support", "Draft"):
        assert word not in text, (code, word)
    assert all(f.startswith(("Triage-Sans", "Triage-Free-Text")) for f in _fonts(data)), _fonts(data)  # bundled only

    with app.extensions["triage_db"].session() as session:
        rows = session.execute(
            select(AuditEvent.actor, AuditEvent.detail).where(
                AuditEvent.action == "intake.patient_copy", AuditEvent.intake_id == intake_id
            )
        ).all()
    assert [detail for _actor, detail in rows] == [f"language={code}"]


def test_the_arabic_copy_is_right_to_left_and_shaped(app: Flask, staff_login: Callable[..., Any]) -> None:
    """dir="rtl" on the page, and the text layer holds joined Arabic words in logical order (shaped by HarfBuzz with
    the bundled DejaVu Sans, which covers Arabic), not isolated letters."""
    intake_id = stored_case(app, "COPY-AR-2", ANSWERS, language="ar")
    client = app.test_client()
    staff_login(client)
    data = bytes(_copy(client, intake_id).data)
    text = _flat(page_text(data))
    title = _translated(app, "ar", COPY_TEXTS["title"])
    assert re.search(r"[\u0600-\u06ff]", title) and title in text
    assert not re.search(r"[\ufe70-\ufeff]", text)  # no presentation forms: the text layer holds real Arabic letters
    name = _translated(app, "ar", COPY_TEXTS["name"])  # "الاسم": its lam-alef is shaped into one ligature glyph
    assert "\u0644\u0627" in name and _as_extracted(name, "ar") in text and name not in text
    html_page = client.get(f"/clinic/intakes/{intake_id}").get_data(as_text=True)
    assert "Patient&#39;s copy of answers (Arabic)" in html_page or "Patient's copy of answers (Arabic)" in html_page


def test_the_copy_is_for_signed_in_clinicians_with_a_csrf_token(app: Flask, staff_login: Callable[..., Any]) -> None:
    intake_id = stored_case(app, "COPY-GUARD", ANSWERS, language="es")
    editor = app.test_client()
    staff_login(editor, ("rules_editor",))
    token = csrf_token(editor.get("/rules/").data)
    assert editor.post(f"/clinic/intakes/{intake_id}/patient-copy", data={"csrf_token": token}).status_code == 403
    client = app.test_client()
    staff_login(client)
    assert client.post(f"/clinic/intakes/{intake_id}/patient-copy", data={}).status_code == 400  # no CSRF token
    token = csrf_token(client.get(f"/clinic/intakes/{intake_id}").data)
    assert client.post("/clinic/intakes/999999/patient-copy", data={"csrf_token": token}).status_code == 404


def test_every_page_text_of_the_copy_is_translated_in_every_shipped_language(app: Flask) -> None:
    for code in ("es", "pl", "ar"):
        for key, message in COPY_TEXTS.items():
            translated = _translated(app, code, message)
            assert translated and translated != message, (code, key)
            assert re.findall(r"%\(\w+\)s", translated) == re.findall(r"%\(\w+\)s", message), (code, key)
