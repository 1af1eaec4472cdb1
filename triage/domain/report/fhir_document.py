"""The signed referral letter as a FHIR DocumentReference: a LOINC consult note with its PDF attached, by its signer.

The signer is named by display and professional registration (a logical reference): the EHR keeps its own directory
of practitioners, and a letter must not create or overwrite one there.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from triage.domain.report.fhir_common import INTAKE_REF_SYSTEM, fhir_id, validated
from triage.domain.report.fhir_response import IntakeData, patient_reference, response_id

LOINC = "http://loinc.org"
CONSULT_NOTE = {"system": LOINC, "code": "11488-4", "display": "Consult note"}
LETTER_SYSTEM = "urn:gut-triage:letter"  # value: intake reference and revision, e.g. T-12/r2
# Registers whose numbers have a FHIR naming system (UK Core); the others are named by the tool's own URN.
REGISTRATION_SYSTEMS = {
    "GMC": "https://fhir.hl7.org.uk/Id/gmc-number",
    "NMC": "https://fhir.hl7.org.uk/Id/nmc-number",
    "NPI": "http://hl7.org/fhir/sid/us-npi",
}


@dataclass(frozen=True)
class SignedLetter:
    """The intake's letter as signed: revision, when, by whom, and the PDF when one was rendered from it (else None)."""

    revision: int
    signed_at: dt.datetime  # timezone-aware
    signer: str
    signer_title: str = ""
    registration_kind: str = ""  # GMC, NMC, NPI, other, or '' when none is recorded
    registration_number: str = ""
    pdf: bytes | None = None


def document_id(intake: IntakeData) -> str:
    """The id of the intake's letter DocumentReference (one per intake: a new signature updates it)."""
    return fhir_id(intake.id, "letter")


def pdf_hash(pdf: bytes) -> str:
    """The Attachment.hash of a PDF: its SHA-1, base64 encoded, as FHIR R4 defines it."""
    return base64.b64encode(hashlib.sha1(pdf, usedforsecurity=False).digest()).decode()


def signer_reference(letter: SignedLetter) -> dict[str, Any]:
    """The signing clinician as a logical reference: their name (and title) with their registration number if any."""
    display = f"{letter.signer}, {letter.signer_title}" if letter.signer_title else letter.signer
    reference: dict[str, Any] = {"type": "Practitioner", "display": display}
    if letter.registration_kind and letter.registration_number:
        system = REGISTRATION_SYSTEMS.get(letter.registration_kind, f"urn:gut-triage:registration:{letter.registration_kind}")
        reference["identifier"] = {"system": system, "value": letter.registration_number}
    return reference


def _attachment(intake: IntakeData, letter: SignedLetter, signed: str) -> dict[str, Any]:
    attachment: dict[str, Any] = {
        "contentType": "application/pdf",
        "language": "en-GB",
        "title": f"Referral letter {intake.ref} (revision {letter.revision}).pdf",
        "creation": signed,
    }
    if letter.pdf is not None:
        attachment |= {
            "data": base64.b64encode(letter.pdf).decode(),
            "size": len(letter.pdf),
            "hash": pdf_hash(letter.pdf),
        }
    return attachment


def document_reference(intake: IntakeData, letter: SignedLetter, has_result: bool = True) -> dict[str, Any]:
    """The DocumentReference of the signed letter: current and final, about the intake's Patient, in its context.

    Without a rendered PDF the attachment names the file but carries no data (the PDF is rendered in the background).
    """
    signed = letter.signed_at.astimezone(dt.UTC).isoformat(timespec="seconds")
    signer = signer_reference(letter)
    related = [{"reference": f"QuestionnaireResponse/{response_id(intake)}"}]
    if has_result:
        related.append({"reference": f"ClinicalImpression/{fhir_id(intake.id, 'result')}"})
    resource = {
        "resourceType": "DocumentReference",
        "id": document_id(intake),
        "masterIdentifier": {"system": LETTER_SYSTEM, "value": f"{intake.ref}/r{letter.revision}"},
        "identifier": [{"system": INTAKE_REF_SYSTEM, "value": intake.ref}],
        "status": "current",
        "docStatus": "final",
        "type": {"coding": [dict(CONSULT_NOTE)], "text": "Referral letter"},
        "subject": patient_reference(intake),
        "date": signed,
        "author": [signer],
        "authenticator": signer,
        "description": f"Referral letter, revision {letter.revision}, signed by {signer['display']}.",
        "content": [{"attachment": _attachment(intake, letter, signed)}],
        "context": {"sourcePatientInfo": patient_reference(intake), "related": related},
    }
    return validated(resource)
