"""The PDF summary: an autoescaped Jinja template rendered by WeasyPrint in a limited worker, cached per intake state."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jinja2
import weasyprint
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from triage.db.clinic_profile import ClinicProfile
from triage.db.clock import minute_text, utcnow
from triage.db.intake_record import IntakeRecord, intake_record
from triage.db.models import PdfCache
from triage.db.rule_signoffs import reviewed_when_evaluated
from triage.db.session import Database
from triage.domain.engine.result_view import answers_too_few
from triage.domain.questionnaire.questions import Questionnaire
from triage.domain.report.model import build_report
from triage.domain.report.versions import questionnaire_of
from triage.paths import resource_dir
from triage.pdf.assets import ASSETS, LOGO_URL, AssetFetcher, asset_bytes
from triage.pdf.letter_context import letter_context
from triage.pdf.pool import RenderFailed, RenderTimeout, pool
from triage.pdf.stylesheet import write_pdf

__all__ = [
    "AssetFetcher",
    "PdfSettings",
    "PdfOutcome",
    "RenderFailed",
    "RenderTimeout",
    "intake_pdf",
    "document_html",
    "render_pdf",
]

log = logging.getLogger("triage.pdf.summary")

PAGE_CLASSES = {"A4": "a4", "LETTER": "letter"}
RENDERER_VERSION = "1"


@dataclass(frozen=True)
class PdfSettings:
    """What the PDF needs from the app's configuration."""

    clinic_name: str = "Gastroenterology clinic"
    page_size: str = "A4"
    timeout_seconds: float = 20.0
    memory_mb: int = 768
    workers: int = 2
    address_lines: tuple[str, ...] = ()
    letterhead: str = ""
    phone: str = ""
    logo: bytes = b""
    logo_mime: str = ""

    def with_clinic(self, profile: ClinicProfile) -> PdfSettings:
        """These settings with the clinic's details as an admin set them (name, letterhead, logo, page size)."""
        logo = profile.logo
        return dataclasses.replace(
            self,
            clinic_name=profile.name,
            page_size=profile.page_size.upper(),
            address_lines=profile.address_lines,
            letterhead=profile.letterhead,
            phone=profile.phone,
            logo=logo.data if logo else b"",
            logo_mime=logo.mime if logo else "",
        )

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> PdfSettings:
        """Read CLINIC_NAME, PDF_PAGE_SIZE, PDF_TIMEOUT_SECONDS, PDF_MEMORY_MB and PDF_WORKERS."""
        size = str(config.get("PDF_PAGE_SIZE", "A4")).upper()
        if size not in PAGE_CLASSES:
            raise ValueError(f"PDF_PAGE_SIZE must be A4 or Letter, not {size!r}")
        return cls(
            clinic_name=str(config.get("CLINIC_NAME", cls.clinic_name)),
            page_size=size,
            timeout_seconds=float(config.get("PDF_TIMEOUT_SECONDS", cls.timeout_seconds)),
            memory_mb=int(config.get("PDF_MEMORY_MB", cls.memory_mb)),
            workers=int(config.get("PDF_WORKERS", cls.workers)),
        )


@dataclass(frozen=True)
class PdfOutcome:
    """A PDF and how it was obtained."""

    pdf: bytes
    cached: bool
    integrity_ok: bool
    ruleset_version: str


_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(resource_dir("templates") / "pdf")),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    auto_reload=False,
)


@lru_cache(maxsize=1)
def template_version() -> str:
    """A hash of everything that shapes the PDF besides the data: templates, assets, renderer and WeasyPrint versions."""
    digest = hashlib.sha256(f"{RENDERER_VERSION}:{weasyprint.__version__}".encode())
    for path in sorted((resource_dir("templates") / "pdf").glob("*.html")):
        digest.update(path.name.encode() + path.read_bytes())
    for name in sorted(ASSETS):
        digest.update(name.encode() + asset_bytes(name))
    return digest.hexdigest()


def document_html(
    record: IntakeRecord,
    settings: PdfSettings,
    generated: str,
    questionnaire: Questionnaire | None = None,
    rules_reviewed: tuple[int, int] | None = None,
) -> str:
    """The summary's HTML, answers read with the intake's questionnaire version; only plain data reaches the template.

    `rules_reviewed` is (signed off, all) of the evaluating ruleset's rules when it evaluated, for the footer.
    """
    questionnaire = questionnaire or questionnaire_of(record.questionnaire_version)  # the questions this patient was asked
    report = build_report(questionnaire, record.answers, record.result, record.submitted_on)
    # Clinicians' notes and differential feedback are internal (for the clinic and the rule editors): never in the letter.
    return _ENV.get_template("summary.html").render(
        report=report,
        answers_too_few=answers_too_few(record.result),
        intake=record,
        evaluation=record.evaluation,
        **letter_context(record, report),
        clinic_name=settings.clinic_name,
        clinic={
            "letterhead": [line.strip() for line in settings.letterhead.splitlines() if line.strip()],
            "address": list(settings.address_lines),
            "phone": settings.phone,
            "logo": LOGO_URL if settings.logo else "",
        },
        page_class=PAGE_CLASSES[settings.page_size],
        generated=generated,
        rules_reviewed=rules_reviewed,
    )


def _render_job(job: str | tuple[str, bytes, str]) -> tuple[bytes, int]:
    """Runs in the worker: HTML (and the clinic's logo) to PDF through the allowlisting fetcher, no user-set options."""
    html, logo, mime = (job, b"", "") if isinstance(job, str) else job
    fetcher = AssetFetcher(logo, mime)
    pdf = write_pdf(html, fetcher)
    return pdf, len(fetcher.refused)


WARM_UP_HTML = (
    '<html class="a4"><head><link rel="stylesheet" href="triage-asset:css/pdf.css"></head>'
    '<body data-draft="w" data-head="w" data-foot="w">'
    '<h1>Warm</h1><div class="urgent"><h2>up</h2><ul><li><b>x</b> y</li></ul></div><p class="concern pt">x <b>y</b></p>'
    '<table><colgroup><col class="c-name"><col class="c-why"><col class="c-src"></colgroup>'
    "<tr><th>a</th><th>b</th><th>c</th></tr>"
    '<tr><td>1</td><td>2</td><td class="src">3</td></tr></table>'
    '<p class="sev"><span class="sev-bar w5"></span><b>x</b> 5/10</p></body></html>'
)


def _warm_up() -> None:
    """Runs once in each new worker: loads fonts and layout caches so its first real render is not a cold one."""
    _render_job(WARM_UP_HTML)


def start_workers(settings: PdfSettings) -> None:
    """Fork one PDF worker now (at app start, before any request thread) so it warms up while the app is idle."""
    _ENV.get_template("summary.html")
    pool(settings.workers, settings.memory_mb, _warm_up).warm()


def render_pdf(html: str, settings: PdfSettings) -> bytes:
    """Render in a pooled worker with the configured time and memory limits (RenderTimeout/RenderFailed otherwise)."""
    pdf, refused = pool(settings.workers, settings.memory_mb, _warm_up).call(
        _render_job, (html, settings.logo, settings.logo_mime), settings.timeout_seconds
    )
    if refused:
        log.warning("the PDF fetcher refused %d URL(s) while rendering", refused)
    return bytes(pdf)


def cache_key(record: IntakeRecord, settings: PdfSettings) -> str:
    """SHA-256 over the intake, its questionnaire version, result, notes, review, feedback, decision, alerts and template."""
    state = [
        record.id,
        record.questionnaire_version,
        record.evaluation.id if record.evaluation else None,
        record.computed_sha256,
        record.stored_sha256,
        record.status,
        record.reviewed_at,
        record.reviewed_by,
        [n.id for n in record.notes],
        [f.id for f in record.feedback],
        [d.id for d in record.decisions],
        dataclasses.astuple(record.referral),
        record.letter.newest_id if record.letter else None,
        dataclasses.astuple(record.sender) if record.sender else None,
        record.assignee,
        [(a.id, a.urgency, a.acknowledged, a.acknowledged_by, a.action, a.note, a.escalated) for a in record.alerts],
        settings.clinic_name,
        settings.page_size,
        list(settings.address_lines),
        settings.letterhead,
        settings.phone,
        hashlib.sha256(settings.logo).hexdigest(),
        template_version(),
    ]
    return hashlib.sha256(json.dumps(state, separators=(",", ":")).encode()).hexdigest()


def _store(db: Database, intake_id: int, key: str, pdf: bytes) -> None:
    with db.session() as session:
        session.execute(delete(PdfCache).where(PdfCache.intake_id == intake_id, PdfCache.key_sha256 != key))
        try:
            with session.begin_nested():
                session.add(PdfCache(key_sha256=key, intake_id=intake_id, pdf=pdf, created_at=utcnow()))
        except IntegrityError:
            log.info("PDF for intake %d was cached by a concurrent request", intake_id)


def intake_pdf(db: Database, intake_id: int, settings: PdfSettings) -> PdfOutcome | None:
    """The intake's PDF, from the cache when its state is unchanged; None when there is no such intake or no stored result."""
    with db.session() as session:
        record = intake_record(session, intake_id)
        if record is None or record.evaluation is None:
            return None
        key = cache_key(record, settings)
        reviewed = reviewed_when_evaluated(session, record.evaluation.id)
        cached = session.scalar(select(PdfCache.pdf).where(PdfCache.key_sha256 == key))
    version = record.evaluation.ruleset_version
    if cached is not None:
        return PdfOutcome(bytes(cached), True, record.integrity_ok, version)
    pdf = render_pdf(document_html(record, settings, minute_text(utcnow()), rules_reviewed=reviewed), settings)
    _store(db, intake_id, key, pdf)
    return PdfOutcome(pdf, False, record.integrity_ok, version)
