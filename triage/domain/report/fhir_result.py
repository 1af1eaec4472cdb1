"""The triage result of one intake as FHIR a receiving system can read, each resource saying it is decision support.

Red flags become DetectedIssue, caveats Flag, the differentials one ClinicalImpression naming the ruleset version
and hash, and the suggested tests ServiceRequest in status draft (proposals for a clinician, never orders).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from triage.domain.report.fhir_common import (
    DECISION_SUPPORT_TAG,
    DECISION_SUPPORT_TEXT,
    RESULT_SYSTEM,
    RULESET_SYSTEM,
    fhir_id,
    validated,
)
from triage.domain.report.fhir_response import IntakeData, patient_reference, response_id

# DetectedIssue.severity for the red-flag urgencies.
SEVERITY = {"emergency": "high", "urgent": "high", "soon": "moderate"}


def _meta() -> dict[str, Any]:
    return {"tag": [dict(DECISION_SUPPORT_TAG)]}


def _code(kind: str, code: str, text: str) -> dict[str, Any]:
    return {"coding": [{"system": RESULT_SYSTEM + kind, "code": code, "display": text}], "text": text}


def _when(intake: IntakeData) -> str:
    evaluated = str(intake.result.get("evaluated_on") or "")
    return evaluated or intake.submitted_at.astimezone(dt.UTC).date().isoformat()


def _because(items: Any) -> str:
    given = [f"{a.get('label', '')}: {a.get('answer', '')}" for a in items or () if isinstance(a, Mapping)]
    return "; ".join(given)


def _response_ref(intake: IntakeData) -> dict[str, str]:
    return {"reference": f"QuestionnaireResponse/{response_id(intake)}"}


def detected_issues(intake: IntakeData) -> list[dict[str, Any]]:
    """One DetectedIssue per red flag: its urgency as severity, the action it warrants and the answers behind it."""
    issues = []
    for flag in intake.result.get("red_flags", ()):
        detail = f"{flag.get('explanation', '')} Action: {flag.get('action', '')} {DECISION_SUPPORT_TEXT}".strip()
        because = _because(flag.get("because"))
        resource = {
            "resourceType": "DetectedIssue",
            "id": fhir_id(intake.id, "flag", flag["id"]),
            "meta": _meta(),
            "status": "preliminary",
            "code": _code("red-flag", str(flag["id"]), str(flag.get("title", flag["id"]))),
            "severity": SEVERITY.get(str(flag.get("urgency")), "moderate"),
            "patient": patient_reference(intake),
            "identifiedDateTime": _when(intake),
            "evidence": [{"detail": [_response_ref(intake)]}],
            "detail": detail + (f" Because: {because}." if because else ""),
        }
        issues.append(validated(resource))
    return issues


def caveat_flags(intake: IntakeData) -> list[dict[str, Any]]:
    """One Flag per caveat: a warning about reading a test result for this patient."""
    flags = []
    for caveat in intake.result.get("caveats", ()):
        resource = {
            "resourceType": "Flag",
            "id": fhir_id(intake.id, "caveat", caveat["id"]),
            "meta": _meta(),
            "text": {"status": "generated", "div": _div(f"{caveat.get('explanation', '')} {DECISION_SUPPORT_TEXT}")},
            "status": "active",
            "category": [_code("category", "caveat", "Caveat for reading test results")],
            "code": _code("caveat", str(caveat["id"]), str(caveat.get("title", caveat["id"]))),
            "subject": patient_reference(intake),
        }
        flags.append(validated(resource))
    return flags


def _div(text: str) -> str:
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f'<div xmlns="http://www.w3.org/1999/xhtml"><p>{escaped}</p></div>'


def ruleset_uri(result: Mapping[str, Any]) -> str:
    """The ruleset that made a result, by version and SHA-256, as a URI."""
    ruleset = result.get("ruleset", {})
    return f"{RULESET_SYSTEM}:{fhir_id(ruleset.get('version', ''))}:sha256:{ruleset.get('hash', '')}"


def clinical_impression(intake: IntakeData) -> dict[str, Any] | None:
    """The differentials as one ClinicalImpression, ranked, naming the ruleset version and hash; None without a result."""
    if not intake.result:
        return None
    ruleset = intake.result.get("ruleset", {})
    findings = []
    for differential in intake.result.get("differentials", ()):
        rank = f"={differential.get('rank')}" if differential.get("tied") else str(differential.get("rank", ""))
        basis = f"Rank {rank}, suspicion {differential.get('level', '')}, score {differential.get('score', '')}."
        if differential.get("held_back"):
            basis += " Held back by a red flag."
        name = str(differential.get("name", differential["id"]))
        findings.append({"itemCodeableConcept": _code("differential", str(differential["id"]), name), "basis": basis})
    summary = (
        f"Differentials from ruleset {ruleset.get('version', '')} (sha256 {ruleset.get('hash', '')}). {DECISION_SUPPORT_TEXT}"
    )
    resource: dict[str, Any] = {
        "resourceType": "ClinicalImpression",
        "id": fhir_id(intake.id, "result"),
        "meta": _meta(),
        "status": "completed",
        "description": "Triage rules applied to the patient's questionnaire answers.",
        "subject": patient_reference(intake),
        "effectiveDateTime": _when(intake),
        "date": _when(intake),
        "investigation": [{"code": {"text": "Patient questionnaire"}, "item": [_response_ref(intake)]}],
        "protocol": [ruleset_uri(intake.result)],
        "summary": summary,
        "note": [{"text": DECISION_SUPPORT_TEXT}],
    }
    if findings:
        resource["finding"] = findings
    return validated(resource)


def service_requests(intake: IntakeData) -> list[dict[str, Any]]:
    """The tests suggested now as ServiceRequest drafts (proposals), with the reasons and rules behind each."""
    requests = []
    suggested = [t for t in intake.result.get("investigations", ()) if not t.get("deferred")]
    for number, test in enumerate(suggested, start=1):
        reasons = [{"text": str(why)} for why in test.get("why", ())]
        resource: dict[str, Any] = {
            "resourceType": "ServiceRequest",
            "id": fhir_id(intake.id, "test", number),
            "meta": _meta(),
            "status": "draft",
            "intent": "proposal",
            "code": {"text": str(test["test"])},
            "subject": patient_reference(intake),
            "authoredOn": _when(intake),
            "supportingInfo": [_response_ref(intake)],
            "note": [{"text": f"Suggested by rules {', '.join(test.get('rules', ()))}. {DECISION_SUPPORT_TEXT}"}],
        }
        if reasons:
            resource["reasonCode"] = reasons
        requests.append(validated(resource))
    return requests


def result_resources(intake: IntakeData) -> list[dict[str, Any]]:
    """Every resource of the intake's triage result (none before it has been evaluated)."""
    impression = clinical_impression(intake)
    return [
        *detected_issues(intake),
        *caveat_flags(intake),
        *([impression] if impression else []),
        *service_requests(intake),
    ]
