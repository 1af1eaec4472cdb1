"""FHIR read and search over the submitted intakes: which resources answer a request, and which intakes they show."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from triage.db.clock import utcnow
from triage.db.fhir import intake_data, intake_ids_by_identifier
from triage.db.fhir_letter import LetterSource, signed_letter
from triage.domain.questionnaire.questions import bundled_versions, questionnaire_for
from triage.domain.report.fhir_bundle import intake_bundle, resources_of_type
from triage.domain.report.fhir_capability import COMMON_PARAMS, SEARCH_PARAMS
from triage.domain.report.fhir_common import QUESTIONNAIRE_URL, validated
from triage.domain.report.fhir_questionnaire import questionnaire_resource

MAX_COUNT = 50  # the most resources one search answers with
WITH_LETTER = ("Bundle", "DocumentReference")  # the types that show the signed letter


class FhirError(Exception):
    """A request the API refuses: its HTTP status, FHIR issue code and a message for the client."""

    def __init__(self, status: int, code: str, message: str, bearer_error: str = "invalid_token") -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.bearer_error = bearer_error


@dataclass(frozen=True)
class Found:
    """A search's searchset Bundle and the intakes whose data it holds (for the audit)."""

    bundle: dict[str, Any]
    intake_ids: tuple[int, ...]


def intake_of(resource_id: str) -> int | None:
    """The intake an intake resource's id names ("12", "12-flag-x"), or None for an id of another shape."""
    head = resource_id.split("-", 1)[0]
    return int(head) if head.isdigit() and len(head) < 12 else None


def _questionnaires() -> list[dict[str, Any]]:
    return [questionnaire_resource(questionnaire_for(v)) for v in bundled_versions()]


def _intake_resource(
    session: Session, resource_type: str, resource_id: str, base: str, letters: LetterSource
) -> dict[str, Any] | None:
    intake_id = intake_of(resource_id)
    data = intake_data(session, intake_id) if intake_id is not None else None
    if data is None:
        return None
    letter = letters(session, data.id) if resource_type in WITH_LETTER else None
    if resource_type == "Bundle":
        bundle = intake_bundle(data, base, utcnow(), letter)
        return bundle if bundle["id"] == resource_id else None
    for resource in resources_of_type(data, resource_type, letter):
        if resource["id"] == resource_id:
            return resource
    return None


def read_resource(
    session: Session, resource_type: str, resource_id: str, base: str, letters: LetterSource = signed_letter
) -> tuple[dict[str, Any], int | None]:
    """One resource by type and id, with the intake it shows (None for a Questionnaire); FhirError 404 when none.

    `letters` gives an intake's signed letter (the web layer's adds its stored PDF).
    """
    if resource_type == "Questionnaire":
        for questionnaire in _questionnaires():
            if questionnaire["id"] == resource_id:
                return questionnaire, None
    else:
        found = _intake_resource(session, resource_type, resource_id, base, letters)
        if found is not None:
            return found, intake_of(resource_id)
    raise FhirError(404, "not-found", f"{resource_type}/{resource_id} is not known here")


def _patient_ids(value: str) -> list[int]:
    """The intakes a patient search value names: "Patient/12", "12" or a full URL ending so."""
    tail = value.rstrip("/").rsplit("/", 2)
    if len(tail) >= 2 and tail[-2] != "Patient":
        raise FhirError(400, "invalid", "patient must reference a Patient, e.g. Patient/12")
    intake_id = intake_of(tail[-1])
    return [intake_id] if intake_id is not None and tail[-1].isdigit() else []


def _check_params(resource_type: str, args: Mapping[str, str]) -> int:
    allowed = {**SEARCH_PARAMS[resource_type], **COMMON_PARAMS, "_format": "token"}
    unknown = sorted(a for a in args if a not in allowed)
    if unknown:
        names = ", ".join(sorted(set(allowed) - {"_format"}))
        raise FhirError(400, "not-supported", f"unknown search parameter {', '.join(unknown)}; {resource_type} takes {names}")
    count = args.get("_count", str(MAX_COUNT))
    if not count.isdigit():
        raise FhirError(400, "invalid", "_count must be a whole number")
    return min(int(count), MAX_COUNT)


def _matching_intakes(session: Session, resource_type: str, args: Mapping[str, str], count: int) -> list[int]:
    if "identifier" in args:
        system, bar, value = args["identifier"].rpartition("|")
        if not value:
            raise FhirError(400, "invalid", "identifier must be [system|]value")
        return intake_ids_by_identifier(session, system if bar else "", value, count)
    reference = args.get("patient") or args.get("subject")
    if reference:
        return _patient_ids(reference)
    if "_id" in args:
        intake_id = intake_of(args["_id"])
        return [intake_id] if intake_id is not None else []
    raise FhirError(400, "invalid", f"a {resource_type} search needs one of: {', '.join(SEARCH_PARAMS[resource_type]) or '_id'}")


def search_resources(
    session: Session,
    resource_type: str,
    args: Mapping[str, str],
    base: str,
    self_url: str,
    letters: LetterSource = signed_letter,
) -> Found:
    """The searchset Bundle of a search; FhirError 400 for an unknown parameter or a search without a criterion."""
    count = _check_params(resource_type, args)
    shown: list[int] = []
    if resource_type == "Questionnaire":
        matches = [
            q
            for q in _questionnaires()
            if args.get("url", QUESTIONNAIRE_URL) == q["url"]
            and args.get("version", q["version"]) == q["version"]
            and args.get("_id", q["id"]) == q["id"]
        ]
    else:
        matches = []
        for intake_id in _matching_intakes(session, resource_type, args, count):
            data = intake_data(session, intake_id)
            if data is None:
                continue
            letter = letters(session, intake_id) if resource_type in WITH_LETTER else None
            if resource_type == "Bundle":
                candidates = [intake_bundle(data, base, utcnow(), letter)]
            else:
                candidates = resources_of_type(data, resource_type, letter)
            chosen = [r for r in candidates if args.get("_id", r["id"]) == r["id"]]
            matches.extend(chosen)
            if chosen:
                shown.append(intake_id)
    matches = matches[:count]
    bundle = {
        "resourceType": "Bundle",
        "type": "searchset",
        "timestamp": utcnow().astimezone(dt.UTC).isoformat(timespec="seconds"),
        "total": len(matches),
        "link": [{"relation": "self", "url": self_url}],
        "entry": [
            {"fullUrl": f"{base}/{r['resourceType']}/{r['id']}", "resource": r, "search": {"mode": "match"}} for r in matches
        ],
    }
    return Found(validated(bundle), tuple(shown))
