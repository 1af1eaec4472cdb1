"""An admin in Chromium at 390 and 1366 px finds a letter the EHR refused on the delivery page and sends it again;
the clinician's intake page offers the same button. Every page screenshotted and checked with axe-core."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.apps import LiveServer, build_app
from tests.helpers.axe import check_page
from tests.helpers.browser import LAPTOP, PHONE, sign_in
from tests.helpers.fhir_endpoint import FhirEndpoint
from tests.helpers.letters import CASES, stored_case
from tests.helpers.staff import create_staff
from triage.db.clock import utcnow
from triage.db.models import EhrDelivery

REFUSAL = "Patient.identifier: the organisation code RXX01 is not known to this record system"


@pytest.fixture
def live_server(sqlite_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    """The app with an EHR configured (a FHIR endpoint the test runs), served on a free loopback port."""
    with FhirEndpoint() as endpoint:
        app = build_app(sqlite_url, tmp_path, TESTING=False, EHR_FHIR_URL=endpoint.url, EHR_FHIR_TOKEN="t" * 24)
        with LiveServer(app) as server:
            yield server
        app.extensions["triage_db"].dispose()


def refused(server: LiveServer) -> int:
    """An intake whose signed letter (revision 1) the EHR refused for good; its id."""
    intake_id = stored_case(server.app, "EHR-BROWSER-1", CASES["coeliac_iron_27"])
    with server.session() as session:
        now = utcnow()
        session.add(
            EhrDelivery(
                intake_id=intake_id,
                letter_revision=1,
                status="failed",
                attempts=1,
                reason=REFUSAL,
                queued_at=now,
                attempted_at=now,
            )
        )
    return intake_id


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["390", "1366"])
def test_an_admin_sends_a_refused_letter_again(new_context: Any, live_server: LiveServer, viewport: dict[str, int]) -> None:
    shots = f"ehr-send-again-{viewport['width']}"
    intake_id = refused(live_server)
    account = create_staff(live_server.app, ("admin",))
    page = new_context(viewport=viewport).new_page()
    sign_in(page, account, shots, start="/admin/deliveries")
    table = page.locator("#ehr-deliveries ~ .table-scroll table")
    assert REFUSAL in table.inner_text() and "Refused" not in page.locator("#ehr-deliveries").inner_text()
    check_page(page, f"{shots}-03-refused", keep=True)
    with page.expect_navigation():
        page.get_by_role("button", name=f"Send intake {intake_id}'s letter again").click()
    assert "queued to be sent to the EHR again" in page.get_by_role("status").first.inner_text()
    assert "Every signed letter has been sent or is on its way." in page.content()
    check_page(page, f"{shots}-04-queued", keep=True)


def test_the_intake_page_offers_send_again(new_context: Any, live_server: LiveServer) -> None:
    intake_id = refused(live_server)
    account = create_staff(live_server.app, ("clinician",))
    page = new_context(viewport=LAPTOP).new_page()
    sign_in(page, account, "ehr-send-again-intake", start=f"/clinic/intakes/{intake_id}")
    assert REFUSAL in page.locator("#ehr-delivery").inner_text()
    with page.expect_navigation():
        page.get_by_role("button", name="Send again").click()
    assert "queued to be sent to the EHR again" in page.get_by_role("status").first.inner_text()
    assert "is queued to be sent" in page.locator("#ehr-delivery").inner_text()
    check_page(page, "ehr-send-again-intake-03-queued", keep=True)
