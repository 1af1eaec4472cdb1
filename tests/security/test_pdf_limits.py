"""PDF rendering is bounded (time and memory, in a worker) and survives the worst intake; Unicode round-trips."""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import subprocess
import time
import unicodedata
from typing import Any

import pypdf
import pytest

from triage.db.intake_record import EvaluationInfo, FeedbackInfo, IntakeRecord, NoteInfo
from triage.domain.questionnaire.questions import default_questionnaire
from triage.pdf import summary as pdf
from triage.pdf.pool import RenderFailed, RenderTimeout, WorkerPool

SETTINGS = pdf.PdfSettings(timeout_seconds=30)
RTL_EMOJI = "עברית مرحبا 😀👩\u200d⚕️ 中文"
COVERED = [
    "Café crème – naïve",
    "Ελληνικά κείμενο",
    "Русский текст",
    "עברית מימין לשמאל",
    "العربية من اليمين",
    "e\u0301te\u0301 Zo\u0308e",
]


def _allocate(megabytes: int) -> int:
    """A job that needs far more memory than the worker may have."""
    return len(bytearray(megabytes * 1024 * 1024))


def test_a_job_past_its_time_limit_is_killed_and_the_pool_recovers() -> None:
    pool = WorkerPool(1, 256)
    started = time.monotonic()
    with pytest.raises(RenderTimeout):
        pool.call(time.sleep, 60, timeout=0.5)
    assert time.monotonic() - started < 5
    assert pool.call(abs, -3, timeout=10) == 3
    pool.close()


def test_a_job_past_its_memory_limit_fails_cleanly() -> None:
    pool = WorkerPool(1, 128)
    with pytest.raises(RenderFailed, match="memory"):
        pool.call(_allocate, 2048, timeout=20)
    assert pool.call(abs, -1, timeout=10) == 1
    pool.close()


def _finding(n: int, long: str) -> dict[str, Any]:
    return {
        "rule": f"r{n}",
        "title": f"Finding {n} {long[:150]}",
        "explanation": long[:300],
        "weight": 1,
        "answers": [{"question": "main_concern", "label": "Concern", "answer": long[:400]}],
        "source": "Source " + long[:100],
    }


def worst_record() -> IntakeRecord:
    """Every question answered at its maximum, every choice ticked, long free text, RTL and emoji, a 10 000-char word."""
    questionnaire = default_questionnaire()
    answers: dict[str, Any] = {}
    for q in questionnaire.questions:
        if q.type in ("text", "longtext"):
            answers[q.id] = (RTL_EMOJI + " " + "x" * (q.max_length or 200))[: q.max_length or 200]
        elif q.type == "multi":
            answers[q.id] = [c.value for c in q.choices if c.value not in ("none", "not_sure")]
        elif q.type == "single":
            answers[q.id] = q.choices[0].value
        elif q.type in ("integer", "scale"):
            answers[q.id] = int(q.max or 10)
        elif q.type == "number":
            answers[q.id] = float(q.max or 10)
        elif q.type == "date":
            answers[q.id] = "1930-01-01"
        else:
            answers[q.id] = True
    answers["main_concern"] = "W" * 10_000  # beyond the input cap on purpose: the renderer must cope anyway
    long = ("Lorem ipsum dolor sit amet " * 40) + RTL_EMOJI
    result = {
        "ruleset": {"version": "9.9", "hash": "f" * 64},
        "red_flags": [
            {
                "id": f"rf{i}",
                "title": f"Flag {i} {long[:80]}",
                "urgency": "urgent",
                "action": long[:200],
                "because": [],
                "explanation": "",
                "source": "S",
            }
            for i in range(12)
        ],
        "differentials": [
            {
                "id": f"d{i}",
                "name": f"Differential {i}",
                "description": "",
                "score": 9,
                "level": "high",
                "held_back": False,
                "for": [_finding(j, long) for j in range(4)],
                "against": [_finding(9, long)],
            }
            for i in range(13)
        ],
        "investigations": [{"test": f"Test {i}", "why": [long[:200]], "rules": []} for i in range(15)],
        "caveats": [
            {"id": f"c{i}", "title": f"Caveat {i}", "explanation": long[:200], "because": [], "source": "S"} for i in range(10)
        ],
        "missing": [{"question": q.id, "label": q.label, "rules": []} for q in questionnaire.questions[:30]],
        "note": "note",
    }
    notes = tuple(NoteInfo(i, "dr@example.org", "2026-11-27 10:00 UTC", (RTL_EMOJI + " " + "n" * 4000)[:4000]) for i in range(5))
    feedback = tuple(FeedbackInfo(i, 1, f"d{i}", i % 2 == 0, "r" * 500, "dr@example.org", "2026-11-27") for i in range(13))
    return IntakeRecord(
        id=1,
        ref="R" * 64,
        status="reviewed",
        questionnaire_version=questionnaire.version,
        appointment="2026-12-01",
        created="2026-11-20 09:00 UTC",
        submitted="2026-11-21 09:00 UTC",
        submitted_on=dt.date(2026, 11, 21),
        reviewed_at="2026-11-22 09:00 UTC",
        reviewed_by="dr@example.org",
        stored_sha256="a" * 64,
        computed_sha256="b" * 64,
        answers=answers,
        evaluations=(EvaluationInfo(1, "2026-11-21 09:00 UTC", "submit", "9.9", "f" * 64),),
        result=result,
        notes=notes,
        feedback=feedback,
    )


def test_the_worst_case_intake_renders_within_the_budget() -> None:
    html = pdf.document_html(worst_record(), SETTINGS, "2026-11-27 10:00 UTC")
    started = time.monotonic()
    data = pdf.render_pdf(html, SETTINGS)
    elapsed = time.monotonic() - started
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert elapsed < 15, f"worst case took {elapsed:.1f} s"
    assert 3 <= len(reader.pages) <= 40
    last = reader.pages[-1].extract_text()
    assert f"Page {len(reader.pages)} of {len(reader.pages)}" in last and "Decision support, not a diagnosis" in last
    assert "Integrity warning" in reader.pages[0].extract_text()


def _record_with(free_text: str) -> IntakeRecord:
    record = worst_record()
    answers = {"full_name": "Name", "main_concern": free_text, "symptoms": ["bloating"], "bloating_severity": 6}
    result = {
        "ruleset": {"version": "1", "hash": "a" * 64},
        "red_flags": [],
        "differentials": [
            {"id": "ibs", "name": "Irritable bowel syndrome", "score": 2, "level": "moderate", "for": [], "against": []}
        ],
    }
    return IntakeRecord(
        **{
            **record.__dict__,
            "answers": answers,
            "result": result,
            "notes": (),
            "feedback": (),
            "stored_sha256": "",
            "computed_sha256": "c" * 64,
        }
    )


def test_unicode_free_text_round_trips_through_the_pdf_text_layer() -> None:
    text = "\n".join(COVERED)
    html = pdf.document_html(_record_with(text), SETTINGS, "now")
    extracted = unicodedata.normalize(
        "NFC", "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.render_pdf(html, SETTINGS))).pages)
    )
    for sample in COVERED:
        assert unicodedata.normalize("NFC", sample) in extracted


def test_emoji_and_cjk_without_a_font_keep_the_rest_of_the_text_layer_readable() -> None:
    """No bundled font has emoji or CJK glyphs: they print as boxes, but the text layer keeps them; the rest stays searchable."""
    html = pdf.document_html(_record_with(RTL_EMOJI), SETTINGS, "now")
    data = pdf.render_pdf(html, SETTINGS)
    extracted = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages)
    assert (
        "moderate suspicion" in extracted
        and "Person with bloating (6/10)." in extracted
        and "Decision support, not a diagnosis" in extracted
    )
    if shutil.which("pdftotext") is None:
        missing = "pdftotext (poppler-utils) is not installed; pypdf cannot decode WeasyPrint's CMap for glyph-less characters"
        if os.environ.get("CI"):
            pytest.fail(missing)  # on CI the tool is installed by scripts/ensure-browser-deps; never a silent skip
        pytest.skip(missing)
    layer = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()
    assert all(ch in layer for ch in "😀中文")
