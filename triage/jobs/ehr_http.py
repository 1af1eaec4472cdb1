"""POSTing a transaction Bundle to the EHR's FHIR endpoint, and what its answer means: accepted, try again, or refused.

Accepted is any 2xx. A 408, 429 or 5xx, a timeout or a refused connection is tried again later; any other 4xx is a
refusal kept with the EHR's OperationOutcome text. Redirects are not followed: health data goes to the configured
address only. Nothing here logs the Bundle or the EHR's answer (either may quote the patient's data).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import requests

FHIR_JSON = "application/fhir+json"
RETRY_STATUSES = frozenset({408, 429})
TEXT_MAX = 400


@dataclass(frozen=True)
class SendOutcome:
    """What one POST came to: "sent", "retry" or "failed", the HTTP status (0 when none came back) and why."""

    result: str
    status: int
    reason: str


def outcome_text(body: bytes) -> str:
    """The issues of an OperationOutcome answer as one line ('' when the answer is not one)."""
    try:
        outcome: Any = json.loads(body.decode("utf-8", "replace"))
    except ValueError:
        return ""
    if not isinstance(outcome, dict) or outcome.get("resourceType") != "OperationOutcome":
        return ""
    texts = []
    for issue in outcome.get("issue") or ():
        if isinstance(issue, dict):
            text = issue.get("diagnostics") or (issue.get("details") or {}).get("text") or issue.get("code") or ""
            texts.append(f"{issue.get('severity', 'error')}: {text}")
    line = "; ".join(texts)
    return "".join(c if c.isprintable() else " " for c in line)[:TEXT_MAX]


def classify(status: int, body: bytes) -> SendOutcome:
    """The meaning of the EHR's answer with this HTTP status and body."""
    said = outcome_text(body)
    suffix = f": {said}" if said else ""
    if 200 <= status < 300:
        return SendOutcome("sent", status, "")
    if 300 <= status < 400:
        return SendOutcome("failed", status, f"the EHR answered a redirect ({status}); set EHR_FHIR_URL to its final address")
    if 400 <= status < 500 and status not in RETRY_STATUSES:
        return SendOutcome("failed", status, f"the EHR refused the Bundle ({status}){suffix}")
    return SendOutcome("retry", status, f"the EHR answered {status}{suffix}")


def post_transaction(url: str, token: str, bundle: dict[str, Any], timeout: float) -> SendOutcome:
    """POST the transaction Bundle to the FHIR base `url` with the Bearer token (if any), and classify the answer."""
    headers = {"Content-Type": FHIR_JSON, "Accept": FHIR_JSON}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    body = json.dumps(bundle, ensure_ascii=False, separators=(",", ":")).encode()
    try:
        answer = requests.post(url.rstrip("/"), data=body, headers=headers, timeout=timeout, allow_redirects=False)
    except requests.Timeout:
        return SendOutcome("retry", 0, f"the EHR did not answer within {timeout:g} seconds")
    except requests.RequestException as error:
        return SendOutcome("retry", 0, f"the EHR could not be reached ({type(error).__name__})")
    return classify(answer.status_code, answer.content)
