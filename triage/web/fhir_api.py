"""The read-only FHIR API at /fhir: Bearer tokens of API clients only, JSON only, OperationOutcome for every refusal.

A staff browser session opens nothing here (the blueprint reads no cookie); each read of an intake is audited.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from flask import Blueprint, Response, current_app, g, request, url_for
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException

from triage import __version__
from triage.db import api_clients, audit, intakes
from triage.db.api_clients import Caller
from triage.db.clock import times_shown_in
from triage.db.fhir_letter import LetterSource
from triage.db.fhir_search import FhirError, read_resource, search_resources
from triage.domain.report.fhir_capability import capability_statement, operation_outcome
from triage.domain.report.fhir_common import RESOURCE_TYPES
from triage.domain.report.fhir_document import SignedLetter
from triage.pdf.letter_document import letter_with_stored_pdf
from triage.pdf.summary import PdfSettings
from triage.web import errors
from triage.web.access import database, log_safe
from triage.web.clinic_details import clinic
from triage.web.job_queue import letter_changed
from triage.web.security import client_ip

log = logging.getLogger("triage.fhir")
FHIR_JSON = "application/fhir+json"
_JSON_FORMATS = ("json", FHIR_JSON, "application/json")
# Refused tokens one address may send in a window before it is answered 429 (a client with a good token is never).
BAD_TOKEN_LIMIT = 20
BAD_TOKEN_WINDOW_SECONDS = 600


def audit_access(session: Session, caller: Caller, action: str, resource_type: str, intake_ids: list[int]) -> None:
    """One audit row per intake whose data the client read (a Questionnaire, being no health data, writes none)."""
    for intake_id in intake_ids:
        audit.record(
            session,
            actor=f"api:{caller.client_id}",
            role="api",
            action=action,
            intake_id=intake_id,
            ip=client_ip(),
            detail=f"{resource_type} by {caller.name}",
        )


def audit_refusal(session: Session, client_id: str, why: str) -> None:
    """An audit row for a refused API request (a bad token, or a type outside the client's scope)."""
    audit.record(
        session,
        actor=f"api:{client_id}",
        role="api",
        action="fhir.denied",
        ip=client_ip(),
        outcome="denied",
        detail=f"{request.method} {log_safe(request.path, 200)}: {why}",
    )


def _respond(resource: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(resource, ensure_ascii=False, separators=(",", ":"))
    response = Response(body, status=status, mimetype=FHIR_JSON, headers=headers or {})
    response.headers["Cache-Control"] = "no-store"  # health data: never kept by a shared cache
    return response


def _error(error: FhirError) -> Response:
    headers = {"WWW-Authenticate": f'Bearer realm="fhir", error="{error.bearer_error}"'} if error.status == 401 else {}
    return _respond(operation_outcome(error.code, error.message), error.status, headers)


def _base() -> str:
    """The server base the client reached (fullUrls and self links are built on it)."""
    return url_for("fhir.metadata", _external=True).rsplit("/", 1)[0]


def _check_format() -> None:
    wanted = request.args.get("_format")
    if wanted is not None and wanted not in _JSON_FORMATS:
        raise FhirError(406, "not-supported", "only JSON is served: _format must be json or application/fhir+json")
    accept = request.accept_mimetypes
    if accept and not any(accept[m] for m in (FHIR_JSON, "application/json", "*/*", "application/*")):
        raise FhirError(406, "not-supported", "only application/fhir+json is served")


def _bad_token_key() -> str:
    return f"fhir-bad-token:{client_ip()}"


def _caller() -> Caller:
    """The API client of this request (401 without a valid Bearer token: cookies are never read here)."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise FhirError(401, "login", "an API client's Bearer token is required", "invalid_request")
    throttled = False
    with database().session() as session:
        caller = api_clients.authenticate(session, token.strip())
        if caller is None:
            # Counted per address: a flood of guesses ends in 429s, not in rows that bury the audit log.
            throttled = intakes.count_hit(session, _bad_token_key(), BAD_TOKEN_WINDOW_SECONDS) > BAD_TOKEN_LIMIT
            if not throttled:
                audit_refusal(session, "unknown", "invalid or revoked token")
    if throttled:
        raise FhirError(429, "throttled", "too many refused tokens from this address; try again later")
    if caller is None:
        raise FhirError(401, "login", "the token is not valid, or its client was revoked", "invalid_token")
    return caller


def _allowed(caller: Caller, resource_type: str) -> None:
    if resource_type not in RESOURCE_TYPES:
        raise FhirError(404, "not-supported", f"resource type '{resource_type}' is not served here")
    if resource_type not in caller.scopes:
        with database().session() as session:
            audit_refusal(session, caller.client_id, f"not scoped to {resource_type}")
        log.warning("API client %s refused %s", caller.client_id, log_safe(resource_type))
        raise FhirError(403, "forbidden", f"this client may not read {resource_type}")


def _letters(unrendered: list[int]) -> LetterSource:
    """The signed letters with their stored PDFs (never rendered here); an intake without one goes in `unrendered`."""

    def source(session: Session, intake_id: int) -> SignedLetter | None:
        profile = clinic()
        settings = PdfSettings.from_config(current_app.config).with_clinic(profile)
        with times_shown_in(profile.time_zone):  # as the PDF job renders it, so the stored PDF's key matches
            letter = letter_with_stored_pdf(session, intake_id, settings)
        if letter is not None and letter.pdf is None:
            unrendered.append(intake_id)
        return letter

    return source


def _render_later(unrendered: list[int]) -> None:
    # The attachment went without its data: ask for the PDF, so that a later read carries it.
    for intake_id in unrendered:
        letter_changed(intake_id)


def _http_error(error: HTTPException) -> Response:
    code = {404: "not-found", 405: "not-supported"}.get(error.code or 500, "exception")
    message = "this server is read-only: GET only" if error.code == 405 else (error.description or "refused")
    return _respond(operation_outcome(code, message), error.code or 500)


def build_blueprint() -> Blueprint:
    """The /fhir blueprint (GET only: nothing here writes health data)."""
    bp = Blueprint("fhir", __name__, url_prefix="/fhir")

    @bp.before_request
    def _authenticate() -> Response | None:
        try:
            _check_format()
            g.fhir_caller = _caller() if request.endpoint != "fhir.metadata" else None
        except FhirError as error:
            return _error(error)
        return None

    @bp.errorhandler(FhirError)
    def _fhir_error(error: FhirError) -> Response:
        return _error(error)

    bp.register_error_handler(HTTPException, _http_error)

    @bp.errorhandler(Exception)
    def _unhandled(error: Exception) -> Response:
        # The type only: a validation error's message quotes the values it refused, which may be answers.
        log.error("FHIR request %s failed: %s", log_safe(request.path, 200), type(error).__name__)
        return _respond(operation_outcome("exception", "the server could not build this resource"), 500)

    # Its errors before routing (405 for a write) too; no cookie is read here, so CSRF has nothing to guard.
    bp.record_once(lambda state: state.app.extensions.setdefault(errors.API_ERRORS, {}).update({"/fhir/": _http_error}))
    bp.record_once(lambda state: state.app.extensions["csrf"].exempt(bp))

    @bp.get("/metadata")
    def metadata() -> Response:
        """The CapabilityStatement: what this server reads and searches (open, as FHIR expects)."""
        return _respond(capability_statement(_base(), __version__))

    @bp.get("/<resource_type>")
    def search(resource_type: str) -> Response:
        """A search: a searchset Bundle of the matching resources."""
        caller: Caller = g.fhir_caller
        _allowed(caller, resource_type)
        unrendered: list[int] = []
        with database().session() as session:
            found = search_resources(session, resource_type, request.args, _base(), request.url, _letters(unrendered))
            audit_access(session, caller, "fhir.search", resource_type, list(found.intake_ids))
        _render_later(unrendered)
        return _respond(found.bundle)

    @bp.get("/<resource_type>/<resource_id>")
    def read(resource_type: str, resource_id: str) -> Response:
        """A read of one resource by its id."""
        caller: Caller = g.fhir_caller
        _allowed(caller, resource_type)
        if set(request.args) - {"_format"}:
            raise FhirError(400, "not-supported", "a read takes no parameters but _format")
        unrendered: list[int] = []
        with database().session() as session:
            resource, intake_id = read_resource(session, resource_type, resource_id, _base(), _letters(unrendered))
            audit_access(session, caller, "fhir.read", resource_type, [intake_id] if intake_id else [])
        _render_later(unrendered)
        return _respond(resource)

    @bp.get("/<path:rest>")
    def unknown(rest: str) -> Response:
        """Any other path under /fhir (an operation or a compartment search this server does not offer)."""
        raise FhirError(404, "not-supported", "this server offers only metadata, read and search")

    return bp
