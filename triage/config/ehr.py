"""The EHR's FHIR endpoint settings, checked fail-closed: an https:// address in production, a Bearer token with it."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, ValidationInfo

RELAXED_ENVIRONMENTS = ("development", "test")


def _production(info: ValidationInfo) -> bool:
    # A TRIAGE_ENV that failed its own check is missing from info.data: it counts as production (fail closed).
    return info.data.get("TRIAGE_ENV", "production") not in RELAXED_ENVIRONMENTS


def ehr_url_problem(url: str, production: bool) -> str | None:
    """Why an EHR FHIR base URL is refused, or None ('' means sending to the EHR is off)."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "must be the EHR's FHIR base address, e.g. https://ehr.example.org/fhir (or unset to switch sending off)"
    if parts.username or parts.password or parts.query or parts.fragment:
        return "must be a plain base address: no credentials (use EHR_FHIR_TOKEN), query or fragment"
    if production and parts.scheme != "https":
        return "must be an https:// address in production (the Bundle holds the patient's health data)"
    return None


def ehr_token_problem(token: str, url: str | None, production: bool) -> str | None:
    """Why an EHR Bearer token is refused, or None."""
    if token and (token != token.strip() or any(c.isspace() or not c.isprintable() for c in token)):
        return "must be one Bearer token without spaces or line breaks"
    if production and url and not token:
        return "is required in production when EHR_FHIR_URL is set (the EHR must know who is sending)"
    return None


def _check_url(value: str, info: ValidationInfo) -> str:
    problem = ehr_url_problem(value, _production(info))
    if problem:
        raise ValueError(problem)
    return value


def _check_token(value: str, info: ValidationInfo) -> str:
    # A URL that failed its own check is missing from info.data: that error is reported already.
    problem = ehr_token_problem(value, info.data.get("EHR_FHIR_URL"), _production(info))
    if problem:
        raise ValueError(problem)
    return value


EhrUrl = Annotated[str, AfterValidator(_check_url)]
EhrToken = Annotated[str, AfterValidator(_check_token)]
