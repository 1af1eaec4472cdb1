"""The signed letter as a DocumentReference, the intake's transaction for the EHR, and how the EHR's answers are read."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib

import pytest

from tests.helpers.fhir import references, validates
from tests.helpers.fhir_endpoint import check_transaction
from tests.unit.test_fhir_intake import BASE, INTAKES, SUBMITTED
from triage.config import ConfigError, load_settings
from triage.domain.report.fhir_bundle import intake_bundle
from triage.domain.report.fhir_document import SignedLetter, document_reference
from triage.domain.report.fhir_transaction import RESOURCE_ID_SYSTEM, transaction_bundle
from triage.jobs.ehr_http import classify, outcome_text

PDF = b"%PDF-1.7 a letter"
LETTER = SignedLetter(
    revision=2,
    signed_at=dt.datetime(2026, 12, 2, 11, 5, tzinfo=dt.UTC),
    signer="Dr Ada Gut",
    signer_title="Consultant gastroenterologist",
    registration_kind="GMC",
    registration_number="1234567",
    pdf=PDF,
)


@pytest.mark.parametrize("intake", INTAKES[:3], ids=["demo-1", "demo-2", "demo-3"])
def test_the_document_reference_is_valid_and_points_into_the_intake(intake: object) -> None:
    document = document_reference(intake, LETTER)  # type: ignore[arg-type]
    validates(document)
    assert document["status"] == "current" and document["docStatus"] == "final"
    assert document["type"]["coding"][0] == {"system": "http://loinc.org", "code": "11488-4", "display": "Consult note"}
    assert document["date"] in ("2026-12-02T11:05:00Z", "2026-12-02T11:05:00+00:00")
    attachment = document["content"][0]["attachment"]
    assert base64.b64decode(attachment["data"]) == PDF and attachment["size"] == len(PDF)
    assert attachment["hash"] == base64.b64encode(hashlib.sha1(PDF, usedforsecurity=False).digest()).decode()
    assert document["authenticator"]["identifier"] == {"system": "https://fhir.hl7.org.uk/Id/gmc-number", "value": "1234567"}

    bundle = intake_bundle(intake, BASE, SUBMITTED, LETTER)  # type: ignore[arg-type]
    full_urls = {e["fullUrl"] for e in bundle["entry"]}
    assert f"{BASE}/DocumentReference/{document['id']}" in full_urls
    assert all(f"{BASE}/{ref}" in full_urls for e in bundle["entry"] for ref in references(e["resource"]))


def test_without_a_rendered_pdf_the_attachment_names_the_file_only() -> None:
    document = document_reference(INTAKES[0], SignedLetter(1, LETTER.signed_at, "Dr B"))
    attachment = document["content"][0]["attachment"]
    assert attachment["contentType"] == "application/pdf" and not {"data", "hash", "size"} & set(attachment)
    assert document["author"] == [{"type": "Practitioner", "display": "Dr B"}]


def test_the_transaction_is_conditional_puts_whose_references_resolve_inside_it() -> None:
    collection = intake_bundle(INTAKES[1], BASE, SUBMITTED, LETTER)
    transaction = transaction_bundle(collection)
    assert check_transaction(transaction) is None  # valid, every entry a conditional PUT, no dangling reference
    assert len(transaction["entry"]) == len(collection["entry"])
    urls = [e["request"]["url"] for e in transaction["entry"]]
    assert all(url.split("?")[0] == e["resource"]["resourceType"] for url, e in zip(urls, transaction["entry"], strict=True))
    assert any(url.startswith("Patient?identifier=urn%3Agut-triage%3Aintake-ref") for url in urls)
    assert any(url.startswith("Questionnaire?url=") for url in urls)
    document = next(e["resource"] for e in transaction["entry"] if e["resource"]["resourceType"] == "DocumentReference")
    assert any(i["system"] == RESOURCE_ID_SYSTEM for i in document["identifier"])
    assert transaction_bundle(collection) == transaction  # the same on every send: a re-send finds the same resources


@pytest.mark.parametrize(
    ("status", "result"),
    [(200, "sent"), (201, "sent"), (301, "failed"), (400, "failed"), (401, "failed"), (422, "failed")]
    + [(408, "retry"), (429, "retry"), (500, "retry"), (503, "retry")],
)
def test_the_ehr_answer_says_sent_retry_or_failed(status: int, result: str) -> None:
    body = b'{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"invalid","diagnostics":"bad\\nthing"}]}'
    outcome = classify(status, body)
    assert outcome.result == result
    if result != "sent" and status != 301:
        assert "error: bad thing" in outcome.reason
    assert outcome_text(b"<html>busy</html>") == ""


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"EHR_FHIR_URL": "http://ehr.example/fhir", "EHR_FHIR_TOKEN": "t"}, "EHR_FHIR_URL: must be an https://"),
        ({"EHR_FHIR_URL": "https://ehr.example/fhir"}, "EHR_FHIR_TOKEN: is required in production"),
        ({"EHR_FHIR_URL": "https://user:pw@ehr.example/fhir", "EHR_FHIR_TOKEN": "t"}, "no credentials"),
        ({"EHR_FHIR_URL": "ehr.example/fhir"}, "EHR_FHIR_URL: must be the EHR's FHIR base address"),
        ({"EHR_FHIR_TOKEN": "two words"}, "EHR_FHIR_TOKEN: must be one Bearer token"),
    ],
)
def test_the_ehr_settings_fail_closed_in_production(overrides: dict[str, str], problem: str) -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings({"TRIAGE_ENV": "production", **overrides})
    assert any(problem in p for p in refused.value.problems), refused.value.problems
    assert "two words" not in str(refused.value) and "pw@" not in str(refused.value)


def test_plain_http_is_allowed_outside_production_and_the_token_is_not_shown() -> None:
    settings, _extra = load_settings(
        {"TRIAGE_ENV": "test", "EHR_FHIR_URL": "http://127.0.0.1:8080/fhir", "EHR_FHIR_TOKEN": "s3cr3t"}
    )
    assert settings.EHR_FHIR_URL == "http://127.0.0.1:8080/fhir" and "s3cr3t" not in repr(settings)
