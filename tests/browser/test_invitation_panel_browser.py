"""Staff in Chromium at 390 and 1366 px: an invitation's panel (deliveries, then a resend) and the completion figures;
every page screenshotted and checked with axe-core."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from tests.helpers.axe import check_page
from tests.helpers.browser import LAPTOP, PHONE, sign_in
from tests.helpers.staff import create_staff
from triage.db import intakes as queries
from triage.db.clock import utcnow
from triage.db.invitation_outbox import queue_invitation_messages
from triage.db.models import OutboxMessage
from triage.domain.invitations.contact import InvitationContact
from triage.domain.questionnaire.questions import default_questionnaire


def seeded(server: Any) -> int:
    """An invitation whose email was sent and whose text message failed; its intake id."""
    with server.app.extensions["triage_db"].session() as session:
        _, intake = queries.create_invitation(
            session,
            ref="PANEL-1",
            questionnaire_version=default_questionnaire().version,
            expires_days=30,
            contact=InvitationContact(patient_name="Jo Bloggs", email="jo@example.com", mobile="+447700900123"),
        )
        assert intake.invitation is not None
        queue_invitation_messages(session, intake.invitation, kind="invitation", occasion="created")
        email, sms = session.scalars(select(OutboxMessage).where(OutboxMessage.intake_id == intake.id).order_by(OutboxMessage.id))
        email.status, email.sent_at = "sent", utcnow()
        sms.status, sms.last_error = "failed", "the provider refused the number (HTTP 400: invalid phone number)"
        return intake.id


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["390", "1366"])
def test_the_invitation_panel_and_a_resend(new_context: Any, live_server: Any, viewport: dict[str, int]) -> None:
    shots = f"invitation-panel-{viewport['width']}"
    intake_id = seeded(live_server)
    account = create_staff(live_server.app, ("clinician",))
    page = new_context(viewport=viewport).new_page()
    sign_in(page, account, shots, start=f"/clinic/intakes/{intake_id}/invitation")
    assert page.locator("h1").inner_text() == "Invitation for PANEL-1"
    check_page(page, f"{shots}-03-panel", keep=True)
    with page.expect_navigation():
        page.get_by_role("button", name="Resend with a new link").click()
    assert "/i/" in page.locator("#invitation-link").input_value()
    check_page(page, f"{shots}-04-resent", keep=True)


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["390", "1366"])
def test_the_completion_page(new_context: Any, live_server: Any, viewport: dict[str, int]) -> None:
    shots = f"completion-{viewport['width']}"
    seeded(live_server)
    account = create_staff(live_server.app, ("admin",))
    page = new_context(viewport=viewport).new_page()
    sign_in(page, account, shots, start="/admin/completion")
    assert page.locator("h1").inner_text() == "Completion"
    check_page(page, f"{shots}-03-figures", keep=True)
