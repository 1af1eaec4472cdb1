"""The signed letter as a DocumentReference in the FHIR API, read with fhirclient from the running app, both databases.

Search by patient and read, in the intake's Bundle with references that resolve inside it, audited; the PDF attached
with its hash and size once the background job has stored it (the API never renders: it asks for the render).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fhirclient import client as fhir_client
from fhirclient.models.bundle import Bundle
from fhirclient.models.capabilitystatement import CapabilityStatement
from fhirclient.models.documentreference import DocumentReference
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, select

from tests.helpers.apps import LiveServer
from tests.helpers.ehr import amend_letter, sign_letter, stored_pdf_bytes
from tests.helpers.fhir import references, validates
from tests.helpers.letters import CASES, stored_case
from tests.helpers.pdf_jobs import job_rows, run_jobs
from tests.helpers.staff import create_staff, sign_in
from triage.db import api_clients
from triage.db.models import AuditEvent, BackgroundJob, User


@dataclass
class Served:
    """The app on a free port, a signed-in clinician, an intake and an EHR's fhirclient connection."""

    app: Flask
    url: str
    clinician: FlaskClient
    intake_id: int
    ehr: fhir_client.FHIRClient

    def documents(self) -> list[DocumentReference]:
        """DocumentReference?patient=Patient/ID as the EHR searches it."""
        search = DocumentReference.where(struct={"patient": f"Patient/{self.intake_id}"})
        return list(search.perform_resources_iter(self.ehr.server))

    def audit(self) -> list[tuple[str, str]]:
        """(action, detail) of the audit rows against the intake."""
        with self.app.extensions["triage_db"].session() as session:
            rows = session.scalars(select(AuditEvent).where(AuditEvent.intake_id == self.intake_id).order_by(AuditEvent.id))
            return [(r.action, r.detail) for r in rows]


@pytest.fixture
def served(make_app: Callable[..., Flask]) -> Iterator[Served]:
    app = make_app(TESTING=False)
    clinician = app.test_client()
    account = create_staff(app, ("clinician",))
    sign_in(clinician, account)
    with app.extensions["triage_db"].session() as session:
        user = session.get(User, account.id)
        assert user is not None
        user.display_name, user.professional_title = "Dr Ada Gut", "Consultant gastroenterologist"
        user.registration_type, user.registration_number = "GMC", "1234567"
        token = api_clients.create_client(session, "Clinic EHR", ["DocumentReference", "Bundle"], None).token
    intake_id = stored_case(app, "DOC-1", CASES["ppi_b12_tingling_62"])
    with LiveServer(app) as server:
        ehr = fhir_client.FHIRClient(settings={"app_id": "ehr-test", "api_base": f"{server.url}/fhir"})
        ehr.server.session.headers["Authorization"] = f"Bearer {token}"
        yield Served(app, server.url, clinician, intake_id, ehr)


def _forget_jobs(app: Flask) -> None:
    with app.extensions["triage_db"].session() as session:
        session.execute(delete(BackgroundJob))


def test_the_signed_letter_is_a_document_reference_with_its_pdf(served: Served) -> None:
    statement = CapabilityStatement.read_from("metadata", served.ehr.server)
    (entry,) = [r for r in statement.rest[0].resource if r.type == "DocumentReference"]
    assert "patient" in {p.name for p in entry.searchParam}
    assert served.documents() == []  # no letter is signed yet

    sign_letter(served.clinician, served.intake_id)
    _forget_jobs(served.app)  # as if the PDF job had not been queued at the signature
    (document,) = served.documents()
    assert document.status == "current" and document.docStatus == "final"
    assert document.type.coding[0].system == "http://loinc.org" and document.type.coding[0].code == "11488-4"
    assert document.subject.reference == f"Patient/{served.intake_id}"
    assert document.author[0].display == "Dr Ada Gut, Consultant gastroenterologist"
    assert document.authenticator.identifier.system == "https://fhir.hl7.org.uk/Id/gmc-number"
    assert document.authenticator.identifier.value == "1234567"
    assert document.date is not None and document.context.related[0].reference.startswith("QuestionnaireResponse/")
    attachment = document.content[0].attachment
    assert attachment.contentType == "application/pdf" and attachment.data is None  # not rendered yet: named only
    assert [r[:3] for r in job_rows(served.app)] == [("letter_pdf", f"letter_pdf:{served.intake_id}", "queued")]

    run_jobs(served.app)
    (document,) = served.documents()
    validates(document.as_json())
    pdf = base64.b64decode(document.content[0].attachment.data)
    assert pdf == stored_pdf_bytes(served.app, served.intake_id) and pdf.startswith(b"%PDF")
    assert document.content[0].attachment.size == len(pdf)
    expected = base64.b64encode(hashlib.sha1(pdf, usedforsecurity=False).digest()).decode()
    assert document.content[0].attachment.hash == expected
    assert DocumentReference.read(document.id, served.ehr.server).masterIdentifier.value == "DOC-1/r1"

    bundle: dict[str, Any] = Bundle.read(str(served.intake_id), served.ehr.server).as_json()
    validates(bundle)
    full_urls = {e["fullUrl"] for e in bundle["entry"]}
    assert f"{served.url}/fhir/DocumentReference/{document.id}" in full_urls
    assert all(f"{served.url}/fhir/{ref}" in full_urls for e in bundle["entry"] for ref in references(e["resource"]))

    audited = served.audit()
    assert ("fhir.search", "DocumentReference by Clinic EHR") in audited
    assert ("fhir.read", "DocumentReference by Clinic EHR") in audited and ("fhir.read", "Bundle by Clinic EHR") in audited


def test_an_amended_letter_is_not_served_until_it_is_signed_again(served: Served) -> None:
    sign_letter(served.clinician, served.intake_id)
    amend_letter(served.clinician, served.intake_id)
    assert served.documents() == []
    sign_letter(served.clinician, served.intake_id)
    (document,) = served.documents()
    assert document.masterIdentifier.value == "DOC-1/r2"
