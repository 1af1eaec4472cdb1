"""Golden outputs: every demo intake and rule test case gives byte-identical result JSON, history paragraph and PDF text.

Written before the layout move (issue 9) so that moving code cannot change behaviour.
Regenerate deliberately with `GOLDEN_UPDATE=1 pytest tests/unit/test_golden.py` and review the diff.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import os
from pathlib import Path
from typing import Any

import pypdf
import pytest
from flask import Flask

from triage.db.evaluations import bundled_ruleset
from triage.db.intake_record import intake_record
from triage.domain.engine.cases import load_rule_tests
from triage.domain.engine.evaluate import evaluate
from triage.domain.questionnaire.answers import validate_answers
from triage.domain.questionnaire.questions import default_questionnaire, questionnaire_for
from triage.domain.report.history import history_paragraph
from triage.paths import resource_dir
from triage.pdf import summary as pdf

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
TODAY = dt.date(2026, 11, 30)
UPDATE = os.environ.get("GOLDEN_UPDATE") == "1"


def _check(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing golden file {path}; run with GOLDEN_UPDATE=1"
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from its golden copy"


def _json(data: Any) -> str:
    return json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def _cases() -> list[Any]:
    return load_rule_tests(resource_dir("rules") / "tests", bundled_ruleset())


@pytest.mark.parametrize("case", _cases(), ids=lambda case: case.id)
def test_rule_case_result_and_history_are_unchanged(case: Any) -> None:
    ruleset = bundled_ruleset()
    on = case.on
    result = evaluate(ruleset, dict(case.answers), on=on)
    _check(f"cases/{case.id}.result.json", _json(result.to_dict()))
    _check(f"cases/{case.id}.history.txt", history_paragraph(default_questionnaire(), case.answers, on) + "\n")


def test_demo_intakes_result_history_and_pdf_text_are_unchanged(app: Flask) -> None:
    from triage.db.demo import seed_demo

    db = app.extensions["triage_db"]
    with db.session() as session:
        seed_demo(session, today=TODAY)
    settings = pdf.PdfSettings.from_config({"PDF_PAGE_SIZE": "A4", "CLINIC_NAME": "Golden clinic"})
    with db.session() as session:
        from sqlalchemy import select

        from triage.db.models import Intake

        rows = session.execute(select(Intake.id, Intake.ref).where(Intake.submitted_at.is_not(None)).order_by(Intake.ref)).all()
        records = [(ref, intake_record(session, intake_id)) for intake_id, ref in rows]
    assert len(records) >= 5
    for ref, record in records:
        assert record is not None
        fixed = dataclasses.replace(
            record, id=1, created="2026-11-29 09:00 UTC", submitted="2026-11-30 09:00 UTC", submitted_on=TODAY
        )
        fixed = dataclasses.replace(
            fixed, evaluations=tuple(dataclasses.replace(e, id=1, created="2026-11-30 09:00 UTC") for e in fixed.evaluations)
        )
        _check(f"demo/{ref}.result.json", _json(fixed.result))
        _check(f"demo/{ref}.history.txt", history_paragraph(default_questionnaire(), fixed.answers, TODAY) + "\n")
        html = pdf.document_html(fixed, settings, "2026-11-30 10:00 UTC")
        document = pypdf.PdfReader(io.BytesIO(pdf.render_pdf(html, settings)))
        _check(f"demo/{ref}.pdf.txt", "\n\f\n".join(page.extract_text() for page in document.pages) + "\n")


def test_validated_demo_answers_are_unchanged() -> None:
    from triage.db.demo import demo_patients

    for patient in demo_patients():
        typed = validate_answers(questionnaire_for(patient["questionnaire_version"]), patient["answers"], TODAY)
        _check(
            f"demo/{patient['ref']}.answers.json",
            _json({k: v.isoformat() if isinstance(v, dt.date) else v for k, v in typed.items()}),
        )
