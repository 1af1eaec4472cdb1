"""The PDF's page size follows PDF_PAGE_SIZE, and its settings refuse anything but A4 or Letter."""

from __future__ import annotations

import datetime as dt
import io

import pypdf
import pytest

from triage.db.intake_record import EvaluationInfo, FeedbackInfo, IntakeRecord, NoteInfo
from triage.pdf import summary as pdf


def record() -> IntakeRecord:
    """A small submitted intake with one suggested differential."""
    result = {
        "ruleset": {"version": "1", "hash": "a" * 64},
        "red_flags": [],
        "differentials": [
            {"id": "ibs", "name": "Irritable bowel syndrome", "score": 3, "level": "high", "for": [], "against": []}
        ],
    }
    return IntakeRecord(
        id=3,
        ref="R-3",
        status="submitted",
        questionnaire_version="v",
        appointment="",
        created="2026-11-20 09:00 UTC",
        submitted="2026-11-21 09:00 UTC",
        submitted_on=dt.date(2026, 11, 21),
        reviewed_at="",
        reviewed_by="",
        stored_sha256="b" * 64,
        computed_sha256="b" * 64,
        answers={"full_name": "Ann Example", "symptoms": ["bloating"], "bloating_severity": 4},
        evaluations=(EvaluationInfo(1, "2026-11-21 09:00 UTC", "submit", "1", "a" * 64),),
        result=result,
        notes=(),
        feedback=(),
    )


@pytest.mark.parametrize(("size", "points"), [("A4", (595, 842)), ("Letter", (612, 792))])
def test_page_size_follows_the_setting(size: str, points: tuple[int, int]) -> None:
    settings = pdf.PdfSettings.from_config({"PDF_PAGE_SIZE": size, "CLINIC_NAME": "Test clinic"})
    html = pdf.document_html(record(), settings, "2026-11-27 10:00 UTC")
    page = pypdf.PdfReader(io.BytesIO(pdf.render_pdf(html, settings))).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == points
    text = page.extract_text()
    assert "Test clinic" in text and "Ann Example" in text and "Page 1 of 1" in text and "Bloating 4/10" in text


def test_settings_refuse_an_unknown_page_size() -> None:
    with pytest.raises(ValueError, match="A4 or Letter"):
        pdf.PdfSettings.from_config({"PDF_PAGE_SIZE": "A5"})


def test_the_cache_key_changes_with_every_state_that_shows_in_the_pdf() -> None:
    base = record()
    settings = pdf.PdfSettings()
    key = pdf.cache_key(base, settings)
    assert key == pdf.cache_key(record(), settings)
    changed = [
        IntakeRecord(**{**base.__dict__, "reviewed_at": "2026-11-22 09:00 UTC"}),
        IntakeRecord(**{**base.__dict__, "computed_sha256": "c" * 64}),
        IntakeRecord(**{**base.__dict__, "evaluations": (EvaluationInfo(2, "x", "reevaluate", "2", "d" * 64),)}),
        IntakeRecord(**{**base.__dict__, "notes": (NoteInfo(1, "a", "t", "note"),)}),
        IntakeRecord(**{**base.__dict__, "feedback": (FeedbackInfo(1, 1, "ibs", True, "", "a", "t"),)}),
    ]
    assert (
        len({key, *(pdf.cache_key(r, settings) for r in changed), pdf.cache_key(base, pdf.PdfSettings(page_size="LETTER"))}) == 7
    )
