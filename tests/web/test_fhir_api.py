"""The read-only FHIR API, read by a real FHIR client library (fhirclient) from the running app, on both databases."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
import requests
from fhirclient import client as fhir_client
from fhirclient.models.bundle import Bundle
from fhirclient.models.capabilitystatement import CapabilityStatement
from fhirclient.models.patient import Patient
from fhirclient.models.questionnaire import Questionnaire
from fhirclient.models.questionnaireresponse import QuestionnaireResponse
from fhirclient.server import FHIRNotFoundException, FHIRPermissionDeniedException, FHIRUnauthorizedException
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from tests.helpers.apps import LiveServer, csrf_token
from tests.helpers.fhir import references, validates
from tests.helpers.staff import StaffClock, create_staff, sign_in
from triage.db import api_clients
from triage.db.demo import seed_demo
from triage.db.models import ApiClient, AuditEvent, Evaluation, Intake
from triage.web.fhir_api import BAD_TOKEN_LIMIT

TOKEN = re.compile(r'<code id="api-token">([^<]+)</code>')


@dataclass
class Served:
    """The app served on a free port, its demo intakes seeded, and an admin signed in on a test client."""

    app: Flask
    url: str
    admin: FlaskClient

    def create_client(self, name: str, scopes: list[str]) -> str:
        """Create an API client on the admin page and return the token it shows once."""
        page = self.admin.get("/admin/api-clients")
        response = self.admin.post(
            "/admin/api-clients", data={"csrf_token": csrf_token(page.data), "name": name, "scopes": scopes}
        )
        assert response.status_code == 200
        found = TOKEN.search(response.get_data(as_text=True))
        assert found, "the new token is shown"
        return found.group(1)

    def fhir(self, token: str) -> fhir_client.FHIRClient:
        """A fhirclient connection to the served API, sending this client's Bearer token."""
        connection = fhir_client.FHIRClient(settings={"app_id": "ehr-test", "api_base": f"{self.url}/fhir"})
        connection.server.session.headers["Authorization"] = f"Bearer {token}"
        return connection

    def intake(self, ref: str) -> int:
        """The id of a seeded intake."""
        with self.app.extensions["triage_db"].session() as session:
            found = session.scalar(select(Intake.id).where(Intake.ref == ref))
            assert found is not None
            return found

    def audit_actions(self, intake_id: int) -> list[str]:
        """The audit actions recorded against one intake."""
        with self.app.extensions["triage_db"].session() as session:
            return list(session.scalars(select(AuditEvent.action).where(AuditEvent.intake_id == intake_id)))


@pytest.fixture
def served(make_app: Callable[..., Flask], staff_clock: StaffClock) -> Iterator[Served]:
    app = make_app(TESTING=False)
    with app.extensions["triage_db"].session() as session:
        seed_demo(session)
    admin = app.test_client()
    sign_in(admin, create_staff(app, ("admin",)))
    with LiveServer(app) as server:
        yield Served(app, server.url, admin)


ALL = [
    "Patient",
    "Questionnaire",
    "QuestionnaireResponse",
    "DetectedIssue",
    "Flag",
    "ClinicalImpression",
    "ServiceRequest",
    "DocumentReference",
    "Bundle",
]


def test_an_ehr_reads_an_intake_with_its_own_client(served: Served) -> None:
    ehr = served.fhir(served.create_client("Clinic EHR", ALL))
    statement = CapabilityStatement.read_from("metadata", ehr.server)
    served_types = {r.type for r in statement.rest[0].resource}
    assert served_types == set(ALL) and statement.format == ["application/fhir+json", "json"]

    (patient,) = Patient.where(struct={"identifier": "urn:gut-triage:intake-ref|DEMO-001"}).perform_resources_iter(ehr.server)
    intake_id = served.intake("DEMO-001")
    assert patient.id == str(intake_id) and patient.birthDate is not None and patient.name[0].text
    assert Patient.read(patient.id, ehr.server).identifier[0].value == "DEMO-001"

    with served.app.extensions["triage_db"].session() as session:
        session.execute(update(Intake).where(Intake.id == intake_id).values(nhs_number="9434765919", mrn="MRN-77"))
    for identifier in ("https://fhir.nhs.uk/Id/nhs-number|9434765919", "MRN-77"):
        (again,) = Patient.where(struct={"identifier": identifier}).perform_resources_iter(ehr.server)
        assert again.id == patient.id, identifier
    assert {i.value for i in again.identifier} == {"DEMO-001", "9434765919", "MRN-77"}
    assert not list(Patient.where(struct={"identifier": "urn:gut-triage:mrn|9434765919"}).perform_resources_iter(ehr.server))

    (response,) = QuestionnaireResponse.where(struct={"patient": f"Patient/{patient.id}"}).perform_resources_iter(ehr.server)
    assert response.status == "completed" and response.subject.reference == f"Patient/{patient.id}"
    url, version = response.questionnaire.split("|")
    (questionnaire,) = Questionnaire.where(struct={"url": url, "version": version}).perform_resources_iter(ehr.server)
    assert Questionnaire.read(questionnaire.id, ehr.server).version == version

    bundle = Bundle.read(str(intake_id), ehr.server).as_json()
    validates(bundle)
    full_urls = {e["fullUrl"] for e in bundle["entry"]}
    base = f"{served.url}/fhir"
    assert all(f"{base}/{ref}" in full_urls for e in bundle["entry"] for ref in references(e["resource"]))
    kinds = {e["resource"]["resourceType"] for e in bundle["entry"]}
    assert {"Patient", "QuestionnaireResponse", "Questionnaire", "ClinicalImpression"} <= kinds

    # Every read of the intake's data is audited against it.
    actions = served.audit_actions(intake_id)
    assert actions.count("fhir.read") >= 2 and actions.count("fhir.search") >= 2


def outcome_of(response: requests.Response, status: int) -> str:
    """The first issue code of an OperationOutcome answer with this status."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/fhir+json")
    body = response.json()
    validates(body)
    assert body["resourceType"] == "OperationOutcome"
    return str(body["issue"][0]["code"])


def test_refusals_are_operation_outcomes(served: Served) -> None:
    token = served.create_client("Clinic EHR", ALL)
    ehr = served.fhir(token)
    with pytest.raises(FHIRNotFoundException) as unknown:
        Patient.read("99999", ehr.server)
    assert outcome_of(unknown.value.response, 404) == "not-found"

    bad = ehr.server.session.get(f"{served.url}/fhir/Patient", params={"birthdate": "1990"})
    assert outcome_of(bad, 400) == "not-supported"
    assert "identifier" in bad.json()["issue"][0]["diagnostics"]
    assert outcome_of(ehr.server.session.get(f"{served.url}/fhir/QuestionnaireResponse"), 400) == "invalid"

    questionnaires_only = served.fhir(served.create_client("Forms library", ["Questionnaire"]))
    assert list(Questionnaire.where(struct={}).perform_resources_iter(questionnaires_only.server))
    with pytest.raises(FHIRPermissionDeniedException) as scoped:
        Patient.read(str(served.intake("DEMO-001")), questionnaires_only.server)
    assert outcome_of(scoped.value.response, 403) == "forbidden"

    with served.app.extensions["triage_db"].session() as session:
        row = session.scalar(select(ApiClient).where(ApiClient.name == "Clinic EHR"))
        assert row is not None and token.split(".")[1] not in (row.secret_sha256, str(row.scopes))
        row_id = row.id
    page = served.admin.get("/admin/api-clients")
    revoked = served.admin.post(f"/admin/api-clients/{row_id}/revoke", data={"csrf_token": csrf_token(page.data)})
    assert revoked.status_code == 302
    with pytest.raises(FHIRUnauthorizedException) as refused:
        Patient.read(str(served.intake("DEMO-001")), ehr.server)
    assert outcome_of(refused.value.response, 401) == "login"
    assert refused.value.response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_staff_session_opens_nothing_and_nothing_is_written(served: Served) -> None:
    intake_id = served.intake("DEMO-001")
    clinician = served.app.test_client()
    sign_in(clinician, create_staff(served.app, ("clinician", "admin")))
    assert clinician.get(f"/clinic/intakes/{intake_id}").status_code == 200  # the staff session is good for staff pages
    for path in (f"/fhir/Patient/{intake_id}", f"/fhir/Bundle/{intake_id}", "/fhir/Patient?identifier=DEMO-001"):
        response = clinician.get(path)
        assert response.status_code == 401 and response.json["resourceType"] == "OperationOutcome", path
    token = served.create_client("Clinic EHR", ALL)
    headers = {"Authorization": f"Bearer {token}"}
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        response = requests.request(method, f"{served.url}/fhir/Patient/{intake_id}", headers=headers, json={}, timeout=10)
        assert outcome_of(response, 405) == "not-supported", method  # no write route exists
    assert outcome_of(requests.post(f"{served.url}/fhir/Patient", headers=headers, json={}, timeout=10), 405)
    xml = requests.get(f"{served.url}/fhir/Patient/{intake_id}", params={"_format": "xml"}, headers=headers, timeout=10)
    assert outcome_of(xml, 406) == "not-supported"
    assert requests.get(f"{served.url}/fhir/Patient/{intake_id}", headers=headers, timeout=10).status_code == 200


def test_a_flood_of_bad_tokens_is_throttled_without_burying_the_audit_log(app: Flask) -> None:
    with app.extensions["triage_db"].session() as session:
        good = api_clients.create_client(session, "Clinic EHR", ["Questionnaire"], None).token
    client = app.test_client()
    client_id = good.split(".")[0]
    answers = [
        client.get("/fhir/Questionnaire", headers={"Authorization": f"Bearer {client_id}.guess{n}"}).status_code
        for n in range(BAD_TOKEN_LIMIT + 5)
    ]
    assert answers == [401] * BAD_TOKEN_LIMIT + [429] * 5
    with app.extensions["triage_db"].session() as session:
        denied = session.scalars(select(AuditEvent.id).where(AuditEvent.action == "fhir.denied")).all()
    assert len(denied) == BAD_TOKEN_LIMIT
    assert client.get("/fhir/Questionnaire", headers={"Authorization": f"Bearer {good}"}).status_code == 200


def test_a_result_that_cannot_be_built_is_a_500_outcome_and_logs_no_value(app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    with app.extensions["triage_db"].session() as session:
        seed_demo(session)
        intake_id = session.scalar(select(Intake.id).where(Intake.ref == "DEMO-001"))
        assert intake_id is not None
        odd = {"ruleset": {"version": "x", "hash": "y"}, "red_flags": [{"title": "Secret-Answer-Text"}]}
        session.add(Evaluation(intake_id=intake_id, ruleset_version="x", ruleset_sha256="y", result=odd, reason="test"))
        token = api_clients.create_client(session, "Clinic EHR", ["DetectedIssue"], None).token
    response = app.test_client().get(f"/fhir/DetectedIssue?patient={intake_id}", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 500 and response.json["issue"][0]["code"] == "exception"
    assert "Secret-Answer-Text" not in caplog.text and "KeyError" in caplog.text
