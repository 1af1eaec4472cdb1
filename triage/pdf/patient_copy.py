"""The patient's copy of their answers: plain data in the patient's language to HTML, rendered in the PDF pool.

Only the answers and the page texts reach it, already translated by the caller: no finding, flag, differential or
test (patients never see triage output), and no staff note.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import jinja2

from triage.paths import resource_dir
from triage.pdf.summary import PAGE_CLASSES, PdfSettings, render_pdf

# The page texts the template prints, each given translated (a missing one is an error, never English by accident).
WORDS = ("title", "intro", "name", "born", "ref", "sent", "page", "foot", "not_given")
PAGE_PLACEHOLDERS = ("%(page)s", "%(pages)s")

_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(resource_dir("templates") / "pdf")),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    auto_reload=False,
)


@dataclass(frozen=True)
class CopyRow:
    """One answer as the patient read it back: the question's name and the answer, both in the patient's language."""

    label: str
    answer: str


@dataclass(frozen=True)
class CopySection:
    """One section of the questionnaire with the patient's answers in it."""

    title: str
    rows: tuple[CopyRow, ...]


@dataclass(frozen=True)
class PatientCopy:
    """Everything the copy prints: language and direction, the translated page texts, who, when, and the answers."""

    language: str
    direction: str
    words: Mapping[str, str]
    name: str
    born: str
    ref: str
    sent: str
    sections: tuple[CopySection, ...]


def page_parts(template: str) -> tuple[str, str, str]:
    """A translated "Page %(page)s of %(pages)s" cut around its two numbers, in the language's own order of words."""
    first, second = PAGE_PLACEHOLDERS
    if template.find(first) < 0 or template.find(second) < template.find(first):
        raise ValueError(f"the page-number text must hold {first} before {second}: {template!r}")
    before, _, rest = template.partition(first)
    between, _, after = rest.partition(second)
    return before, between, after


def copy_html(copy: PatientCopy, settings: PdfSettings) -> str:
    """The copy's HTML: autoescaped, the clinic's name and phone at the top, page numbers in the patient's language."""
    missing = [w for w in WORDS if not copy.words.get(w)]
    if missing:
        raise ValueError(f"the patient's copy lacks the page texts {missing}")
    return _ENV.get_template("patient_copy.html").render(
        copy=copy,
        words=copy.words,
        page=page_parts(copy.words["page"]),
        clinic_name=settings.clinic_name,
        phone=settings.phone,
        page_class=PAGE_CLASSES[settings.page_size],
    )


def patient_copy_pdf(copy: PatientCopy, settings: PdfSettings) -> bytes:
    """The copy as a PDF, rendered in the pooled worker with its time and memory limits (RenderTimeout, RenderFailed)."""
    return render_pdf(copy_html(copy, settings), settings)
