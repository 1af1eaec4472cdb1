"""What every FHIR resource the tool makes shares: its naming systems, the decision-support tag and validation."""

from __future__ import annotations

import re
from typing import Any

from fhir.resources.R4B import get_fhir_model_class

# The tool names its own things under these URNs (no web address is implied); the NHS number uses the NHS system.
QUESTIONNAIRE_URL = "urn:gut-triage:questionnaire"
CHOICE_SYSTEM = "urn:gut-triage:choice:"  # + the question id whose choices they are
INTAKE_REF_SYSTEM = "urn:gut-triage:intake-ref"
MRN_SYSTEM = "urn:gut-triage:mrn"
NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
RULESET_SYSTEM = "urn:gut-triage:ruleset"
RESULT_SYSTEM = "urn:gut-triage:result:"  # + red-flag, caveat, differential or test
TAG_SYSTEM = "urn:gut-triage:tag"
DECISION_SUPPORT_TEXT = "Decision support from transparent rules, not a diagnosis: a clinician decides."
DECISION_SUPPORT_TAG = {"system": TAG_SYSTEM, "code": "decision-support", "display": DECISION_SUPPORT_TEXT}
# Every resource type the tool builds (the API serves these and nothing else).
RESOURCE_TYPES = (
    "Patient",
    "Questionnaire",
    "QuestionnaireResponse",
    "DetectedIssue",
    "Flag",
    "ClinicalImpression",
    "ServiceRequest",
    "DocumentReference",
    "Bundle",
)
_NOT_ID = re.compile(r"[^A-Za-z0-9.\-]+")


def fhir_id(*parts: object) -> str:
    """A FHIR id (letters, digits, '-' and '.', at most 64) made from the parts: underscores and others become '-'."""
    return _NOT_ID.sub("-", "-".join(str(p) for p in parts)).strip("-")[:64] or "x"


def questionnaire_id(version: str) -> str:
    """The id of the Questionnaire resource of one questionnaire version."""
    return fhir_id("gut-triage", version)


def canonical(version: str) -> str:
    """The canonical reference (url|version) of one questionnaire version, as a QuestionnaireResponse names it."""
    return f"{QUESTIONNAIRE_URL}|{version}"


def choice_coding(question_id: str, value: str, label: str = "") -> dict[str, Any]:
    """The Coding of one choice of a question (its code is the stored value)."""
    coding: dict[str, Any] = {"system": CHOICE_SYSTEM + question_id, "code": value}
    if label:
        coding["display"] = label
    return coding


def validated(resource: dict[str, Any]) -> dict[str, Any]:
    """The resource checked against the FHIR R4B model of its type and written back as JSON data.

    A resource the model refuses raises pydantic's ValidationError: that is a bug in the builder, never the patient's.
    """
    model = get_fhir_model_class(str(resource["resourceType"]))
    checked: dict[str, Any] = model.model_validate(resource).model_dump(mode="json", exclude_none=True, by_alias=True)
    return checked
