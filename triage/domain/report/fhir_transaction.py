"""The intake's Bundle as a FHIR transaction for the EHR: conditional PUTs by the tool's identifiers, so a re-send
updates what the first send created and duplicates nothing.

The resources go without their ids (the EHR assigns its own) and with urn:uuid fullUrls; every reference between
them is rewritten to those, which a FHIR server replaces with the ids it assigned (transaction processing rules).
"""

from __future__ import annotations

import copy
import uuid
from typing import Any
from urllib.parse import urlencode

from triage.domain.report.fhir_common import INTAKE_REF_SYSTEM, validated

RESOURCE_ID_SYSTEM = "urn:gut-triage:resource-id"  # value: Type/id as the tool's own API serves it
_NAMESPACE = uuid.UUID("6f0e3c64-1d7a-4c1e-9a53-7c2f3c1b9e10")


def entry_uuid(key: str) -> str:
    """The urn:uuid fullUrl of a resource in the transaction, from its Type/id (the same on every send)."""
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, key)}"


def _identifier_value(resource: dict[str, Any], system: str) -> str | None:
    found = resource.get("identifier")
    items = found if isinstance(found, list) else [found] if isinstance(found, dict) else []
    return next((str(i["value"]) for i in items if i.get("system") == system and i.get("value")), None)


def conditional_url(resource: dict[str, Any], key: str) -> str:
    """The conditional update URL that finds this resource on the EHR again (the resource gets the identifier it names)."""
    kind = str(resource["resourceType"])
    if kind == "Questionnaire":
        return f"Questionnaire?{urlencode({'url': resource['url'], 'version': resource['version']})}"
    if kind in ("Patient", "QuestionnaireResponse") and (ref := _identifier_value(resource, INTAKE_REF_SYSTEM)):
        return f"{kind}?{urlencode({'identifier': f'{INTAKE_REF_SYSTEM}|{ref}'})}"
    identifiers = resource.setdefault("identifier", [])
    if not any(i.get("system") == RESOURCE_ID_SYSTEM for i in identifiers):
        identifiers.append({"system": RESOURCE_ID_SYSTEM, "value": key})
    return f"{kind}?{urlencode({'identifier': f'{RESOURCE_ID_SYSTEM}|{key}'})}"


def _rewrite(value: Any, urls: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {k: (urls.get(v, v) if k == "reference" and isinstance(v, str) else _rewrite(v, urls)) for k, v in value.items()}
    if isinstance(value, list):
        return [_rewrite(v, urls) for v in value]
    return value


def transaction_bundle(collection: dict[str, Any]) -> dict[str, Any]:
    """The transaction of an intake's collection Bundle (triage.domain.report.fhir_bundle.intake_bundle)."""
    resources = [copy.deepcopy(e["resource"]) for e in collection.get("entry", [])]
    urls = {f"{r['resourceType']}/{r['id']}": entry_uuid(f"{r['resourceType']}/{r['id']}") for r in resources}
    entries = []
    for resource in resources:
        key = f"{resource['resourceType']}/{resource.pop('id')}"
        url = conditional_url(resource, key)
        entries.append({"fullUrl": urls[key], "resource": _rewrite(resource, urls), "request": {"method": "PUT", "url": url}})
    return validated({"resourceType": "Bundle", "type": "transaction", "entry": entries})
