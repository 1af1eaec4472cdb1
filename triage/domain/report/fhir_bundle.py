"""Every FHIR resource of one intake, and the Bundle that holds them with references that resolve inside it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from triage.domain.report.fhir_common import fhir_id, validated
from triage.domain.report.fhir_document import SignedLetter, document_reference
from triage.domain.report.fhir_questionnaire import questionnaire_resource
from triage.domain.report.fhir_response import IntakeData, patient_resource, questionnaire_response_resource
from triage.domain.report.fhir_result import (
    caveat_flags,
    clinical_impression,
    detected_issues,
    result_resources,
    service_requests,
)


def intake_resources(intake: IntakeData, letter: SignedLetter | None = None) -> list[dict[str, Any]]:
    """The intake's Patient, QuestionnaireResponse, triage result and signed letter (the Questionnaire is shared)."""
    document = [document_reference(intake, letter, bool(intake.result))] if letter is not None else []
    return [patient_resource(intake), questionnaire_response_resource(intake), *result_resources(intake), *document]


def resources_of_type(intake: IntakeData, resource_type: str, letter: SignedLetter | None = None) -> list[dict[str, Any]]:
    """The intake's resources of one type, building only those (a read of a Patient need not build the rest)."""
    if resource_type == "DocumentReference":
        return [document_reference(intake, letter, bool(intake.result))] if letter is not None else []
    if resource_type == "Patient":
        return [patient_resource(intake)]
    if resource_type == "QuestionnaireResponse":
        return [questionnaire_response_resource(intake)]
    if resource_type == "ClinicalImpression":
        impression = clinical_impression(intake)
        return [impression] if impression else []
    builders = {"DetectedIssue": detected_issues, "Flag": caveat_flags, "ServiceRequest": service_requests}
    return builders[resource_type](intake) if resource_type in builders else []


def bundle_id(intake: IntakeData) -> str:
    """The id of the intake's Bundle."""
    return fhir_id(intake.id)


def intake_bundle(intake: IntakeData, base: str, now: dt.datetime, letter: SignedLetter | None = None) -> dict[str, Any]:
    """A collection Bundle of the intake with its Questionnaire version (and its letter's DocumentReference once signed).

    Each entry's fullUrl is `base/Type/id` for the server base `base`, so the relative references inside the entries
    ("Patient/12") resolve to entries of this Bundle, and the response's canonical (url|version) to its Questionnaire.
    """
    root = base.rstrip("/")
    resources = [*intake_resources(intake, letter), questionnaire_resource(intake.questionnaire)]
    bundle = {
        "resourceType": "Bundle",
        "id": bundle_id(intake),
        "type": "collection",
        "timestamp": now.astimezone(dt.UTC).isoformat(timespec="seconds"),
        "entry": [{"fullUrl": f"{root}/{r['resourceType']}/{r['id']}", "resource": r} for r in resources],
    }
    return validated(bundle)
