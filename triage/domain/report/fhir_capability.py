"""What the FHIR API offers, as its CapabilityStatement, and the OperationOutcome every refusal is answered with."""

from __future__ import annotations

from typing import Any

from triage.domain.report.fhir_common import RESOURCE_TYPES, validated

# The search parameters of each resource type (besides _id, _count and _format, which every type takes).
SEARCH_PARAMS: dict[str, dict[str, str]] = {
    "Patient": {"identifier": "token"},
    "Questionnaire": {"url": "uri", "version": "token"},
    "QuestionnaireResponse": {"patient": "reference", "subject": "reference", "identifier": "token"},
    "DetectedIssue": {"patient": "reference"},
    "Flag": {"patient": "reference", "subject": "reference"},
    "ClinicalImpression": {"patient": "reference", "subject": "reference"},
    "ServiceRequest": {"patient": "reference", "subject": "reference"},
    "DocumentReference": {"patient": "reference", "subject": "reference"},
    "Bundle": {},
}
COMMON_PARAMS = {"_id": "token", "_count": "number"}


def operation_outcome(code: str, message: str) -> dict[str, Any]:
    """An OperationOutcome with one error issue of this FHIR issue type ("not-found", "invalid", "forbidden", ...)."""
    return validated({"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": code, "diagnostics": message}]})


def capability_statement(base: str, software_version: str) -> dict[str, Any]:
    """The CapabilityStatement of the read-only server at `base`: read and search for each type, JSON only."""
    resources = []
    for resource_type in RESOURCE_TYPES:
        params = {**SEARCH_PARAMS[resource_type], **COMMON_PARAMS}
        resources.append(
            {
                "type": resource_type,
                "interaction": [{"code": "read"}, {"code": "search-type"}],
                "searchParam": [{"name": name, "type": kind} for name, kind in params.items()],
            }
        )
    security = {
        "description": "Bearer token of an API client an admin created (scoped to resource types, revocable).",
        "service": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/restful-security-service", "code": "OAuth"}]}],
    }
    statement = {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-12-02",
        "kind": "instance",
        "software": {"name": "gut-triage", "version": software_version},
        "implementation": {"description": "gut-triage read-only FHIR API (decision support, not a diagnosis)", "url": base},
        "fhirVersion": "4.3.0",
        "format": ["application/fhir+json", "json"],
        "rest": [{"mode": "server", "security": security, "resource": resources}],
    }
    return validated(statement)
