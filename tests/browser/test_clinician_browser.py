"""A clinician on a laptop (1366x900) in Chromium: sign-in with password and TOTP, worklist, one intake, PDF.

She finds a submitted intake in the worklist, reads its red flags and differentials, records her view on the
top differential and a note, marks it reviewed and downloads the PDF summary. The test reads the PDF's text
(pypdf) and renders its first page with pdftoppm to check it is not blank. An administrator then reads the
audit trail of that walk. Every page is screenshotted and checked with axe-core.
"""

from __future__ import annotations

import io
import re
import struct
import subprocess
import zlib
from pathlib import Path
from typing import Any

from pypdf import PdfReader
from sqlalchemy import select

from tests.helpers.axe import ARTIFACTS, check_page
from tests.helpers.browser import LAPTOP, sign_in
from tests.helpers.pdf_jobs import run_jobs
from tests.helpers.staff import create_staff
from triage.db.demo import seed_demo
from triage.db.models import AuditEvent, Intake

REF = "DEMO-001"  # fictional: iron-deficiency anaemia before menopause (a red flag), coeliac disease ranked first
RED_FLAG = re.compile(r"anaemia", re.I)
TOP_DIFFERENTIAL = "Coeliac disease"
NOTE = "Discussed with the patient: tTG-IgA and total IgA while still eating gluten; ferritin and B12."


def png_ink(png: bytes) -> tuple[int, int, int]:
    """(width, height, pixels that are not near-white) of an 8-bit RGB/RGBA/grey PNG, decoded with zlib alone."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(png):
        length, kind = struct.unpack(">I4s", png[pos : pos + 8])
        data = png[pos + 8 : pos + 8 + length]
        header = data if kind == b"IHDR" else header
        idat += data if kind == b"IDAT" else b""
        pos += 12 + length
    width, height, depth, colour, _c, _f, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and interlace == 0 and colour in (0, 2, 6), (depth, colour, interlace)
    channels = {0: 1, 2: 3, 6: 4}[colour]
    stride = width * channels
    raw = zlib.decompress(idat)
    previous = bytearray(stride)
    ink = 0
    for row in range(height):
        kind, line = raw[row * (stride + 1)], bytearray(raw[row * (stride + 1) + 1 : (row + 1) * (stride + 1)])
        for i in range(stride):  # undo the PNG row filter
            left = line[i - channels] if i >= channels else 0
            up, upper_left = previous[i], previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - upper_left
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - upper_left)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else upper_left)) & 0xFF
        ink += sum(1 for x in range(0, stride, channels) if min(line[x : x + min(channels, 3)]) < 200)
        previous = line
    return width, height, ink


def test_clinician_on_a_laptop_reviews_an_intake_and_downloads_its_pdf(
    new_context: Any, live_server: Any, tmp_path: Path
) -> None:
    with live_server.session() as session:
        seed_demo(session)
        intake_id = session.scalar(select(Intake.id).where(Intake.ref == REF))
    clinician = create_staff(live_server.app, ("clinician",), email="dr.browser@example.org")
    context = new_context(viewport=LAPTOP, accept_downloads=True)
    page = context.new_page()

    sign_in(page, clinician, "clinician")
    assert page.url.endswith("/clinic/")
    assert page.locator("h1").inner_text() == "Worklist"
    assert clinician.email in page.locator(".staff-nav").inner_text()
    check_page(page, "clinician-03-worklist")

    # Find the intake by its reference.
    page.get_by_role("searchbox", name="Patient reference").fill(REF)
    with page.expect_navigation():
        page.get_by_role("button", name="Show").click()
    rows = page.locator("table.worklist tbody tr")
    assert rows.count() == 1
    row = rows.first.inner_text()
    assert REF in row and "Submitted" in row and TOP_DIFFERENTIAL in row
    assert rows.first.locator(".badge").count() == 1  # the highest red-flag urgency, at a glance
    check_page(page, "clinician-04-worklist-search")
    with page.expect_navigation():
        page.get_by_role("link", name=REF, exact=True).click()
    assert page.url.endswith(f"/clinic/intakes/{intake_id}")

    # The summary first (urgency and red flags, then the differentials); in full below: red flags, then differentials.
    assert page.locator("h1").inner_text().startswith(f"Intake {REF}")
    summary = page.locator("#summary").inner_text()
    assert summary.index("Urgency:") < RED_FLAG.search(summary).start() < summary.index(TOP_DIFFERENTIAL)  # type: ignore[union-attr]
    flags = page.locator("section.red-flags")
    assert flags.is_visible() and RED_FLAG.search(flags.inner_text())
    assert "Action:" in flags.inner_text()
    sections = page.locator("main details.more-section > summary .summary-title").all_inner_texts()
    assert sections.index("Red flags") < sections.index("Differentials")
    page.locator("#differentials > summary").click()
    first = page.locator("#differentials article.differential").first
    assert first.locator("h3").inner_text().startswith(f"1. {TOP_DIFFERENTIAL}")
    assert "High" in first.locator(".badge").inner_text()
    assert "For" in first.locator("h4").all_inner_texts()
    assert "Source:" in first.inner_text() and "Patient's answers:" in first.inner_text()
    check_page(page, "clinician-05-intake")

    # Her view on the top differential, with a reason for the rule editors.
    first.locator(".feedback-control > summary").click()
    first.get_by_label("Agree", exact=True).check()
    first.get_by_label("Note for the rule editors").fill("Fits: anaemia, bloating, family history.")
    with page.expect_navigation():
        first.get_by_role("button", name="Save view").click()
    assert "Your view on this differential was saved" in page.locator(".notice").inner_text()
    feedback = page.locator("#differentials article.differential").first.locator(".feedback")
    assert "agreed" in feedback.inner_text() and "Fits: anaemia" in feedback.inner_text()
    check_page(page, "clinician-06-feedback-saved")

    # A note.
    page.get_by_label("Note", exact=True).fill(NOTE)
    with page.expect_navigation():
        page.get_by_role("button", name="Save note").click()
    assert "Note saved." in page.locator(".notice").inner_text()
    assert NOTE in page.locator("#notes").inner_text()
    check_page(page, "clinician-07-note-saved")

    # Reviewed (who and when).
    with page.expect_navigation():
        page.get_by_role("button", name="Mark as reviewed").click()
    assert "Marked as reviewed." in page.locator(".notice").inner_text()
    assert f"by {clinician.email}" in page.locator("dl.facts").inner_text()
    assert page.get_by_role("button", name="Mark as reviewed").count() == 0
    check_page(page, "clinician-08-reviewed")

    # The PDF summary for the referring physician: rendered by the worker, not on the request, so the first press
    # shows the "being prepared" page; one round of the worker's jobs later, its own refresh offers the file.
    with page.expect_navigation():
        page.get_by_role("button", name="Download PDF summary").click()
    assert "is being prepared" in page.locator("main").inner_text()
    check_page(page, "clinician-09-pdf-preparing")
    run_jobs(live_server.app)
    page.get_by_text("The PDF summary is ready.").wait_for(timeout=15000)
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download PDF summary").click()
    download = download_info.value
    assert download.suggested_filename == f"intake-{intake_id}.pdf"
    pdf_path = tmp_path / download.suggested_filename
    download.save_as(pdf_path)
    data = pdf_path.read_bytes()
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    assert 1 <= len(reader.pages) <= 4
    text = re.sub(r"\s+", " ", "\n".join(p.extract_text() or "" for p in reader.pages))
    assert TOP_DIFFERENTIAL in text and "Crohn" in text  # the differentials table
    assert RED_FLAG.search(text)  # the urgent box
    assert "Decision support, not a diagnosis" in text  # the footer ...
    assert re.search(r"[Pp]age 1 of \d", text)
    assert clinician.email in text  # the review
    assert "Discussed with the patient" not in text  # a workspace note is the clinic's own, never the GP's letter
    copy = ARTIFACTS / "clinician-09-summary.pdf"
    copy.write_bytes(data)
    prefix = tmp_path / "page"
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(pdf_path), str(prefix)], check=True, timeout=60)
    pngs = sorted(tmp_path.glob("page*.png"))
    assert len(pngs) == 1, pngs
    png = pngs[0].read_bytes()
    (ARTIFACTS / "clinician-09-summary-page1.png").write_bytes(png)
    width, height, ink = png_ink(png)
    assert (width, height) in ((413, 585), (414, 585), (425, 550)), (width, height)  # A4 (or Letter) at 50 dpi
    assert ink > 0.03 * width * height, f"page 1 looks blank: {ink} inked pixels of {width * height}"

    # The worklist now shows the intake as reviewed (back through the intake, as a clinician would go).
    with page.expect_navigation():
        page.get_by_role("link", name="Back to the intake").click()
    with page.expect_navigation():
        page.get_by_role("link", name="Back to the worklist").click()
    page.get_by_role("searchbox", name="Patient reference").fill(REF)
    with page.expect_navigation():
        page.get_by_role("button", name="Show").click()
    assert "Reviewed" in page.locator("table.worklist tbody tr").first.inner_text()
    check_page(page, "clinician-10-worklist-reviewed")

    # Every step of that walk is in the audit log.
    with live_server.session() as session:
        actions = set(
            session.scalars(
                select(AuditEvent.action).where(AuditEvent.intake_id == intake_id, AuditEvent.actor == clinician.email)
            )
        )
    assert {"intake.view", "intake.feedback", "intake.note", "intake.review", "intake.pdf"} <= actions, actions
    assert context.console_errors == [], context.console_errors

    # An administrator reads that trail in the audit log, filtered by the intake.
    admin = create_staff(live_server.app, ("admin",), email="admin.browser@example.org")
    admin_context = new_context(viewport=LAPTOP)
    admin_page = admin_context.new_page()
    sign_in(admin_page, admin, "admin", start="/admin/users")
    assert admin_page.url.endswith("/admin/users")
    assert clinician.email in admin_page.locator("main").inner_text()
    check_page(admin_page, "admin-03-users")
    admin_page.goto("/admin/audit")
    admin_page.get_by_label("Intake number").fill(str(intake_id))
    with admin_page.expect_navigation():
        admin_page.get_by_role("button", name="Filter").click()
    trail = admin_page.locator("table tbody").inner_text()
    for action in ("intake.view", "intake.feedback", "intake.note", "intake.review", "intake.pdf"):
        assert action in trail, action
    assert clinician.email in trail
    check_page(admin_page, "admin-04-audit-filtered")
    assert admin_context.console_errors == [], admin_context.console_errors
