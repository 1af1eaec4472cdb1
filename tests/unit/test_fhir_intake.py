"""One intake as FHIR: Patient, QuestionnaireResponse, the triage result and the Bundle, all valid, typed and linked."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest

from tests.helpers.fhir import references, response_answers, validates, walk_items
from triage.db.demo import demo_patients
from triage.domain.engine.evaluate import evaluate, load_ruleset
from triage.domain.questionnaire.answers import validate_answers
from triage.domain.questionnaire.questions import default_questionnaire, questionnaire_for
from triage.domain.questionnaire.rules_view import answers_for_rules
from triage.domain.questionnaire.synthetic import random_intake
from triage.domain.report.fhir_bundle import intake_bundle
from triage.domain.report.fhir_common import DECISION_SUPPORT_TEXT, MRN_SYSTEM, NHS_NUMBER_SYSTEM, canonical
from triage.domain.report.fhir_questionnaire import ITEM_TYPES
from triage.domain.report.fhir_response import IntakeData

TODAY = dt.date(2026, 12, 2)
SUBMITTED = dt.datetime(2026, 12, 2, 9, 30, tzinfo=dt.UTC)
BASE = "https://clinic.example/fhir"
# The answer value[x] a QuestionnaireResponse may hold for each Questionnaire item type.
VALUE_KEYS = {
    "string": "valueString",
    "text": "valueString",
    "integer": "valueInteger",
    "decimal": "valueDecimal",
    "choice": "valueCoding",
    "date": "valueDate",
    "boolean": "valueBoolean",
}


def intake_of(version: str, answers: dict[str, Any], nhs: str = "", mrn: str = "") -> IntakeData:
    """A submitted intake with its answers validated and evaluated by the bundled ruleset, as the app stores it."""
    questionnaire = questionnaire_for(version)
    typed = validate_answers(questionnaire, answers, TODAY)
    result = evaluate(load_ruleset(), answers_for_rules(typed, version), TODAY).to_dict()
    return IntakeData(7, "CLINIC-7", questionnaire, SUBMITTED, typed, result, nhs, mrn)


def sample_intakes() -> list[IntakeData]:
    """The demo patients (written for an earlier version) and random intakes on the current one."""
    demo = [intake_of(p["questionnaire_version"], p["answers"]) for p in demo_patients()]
    current = default_questionnaire()
    made = [random_intake(current, random.Random(seed), TODAY) | {"full_name": f"Pat Random {seed}"} for seed in range(4)]
    return demo + [intake_of(current.version, a, "9434765919", f"MRN{n}") for n, a in enumerate(made)]


INTAKES = sample_intakes()


def by_type(bundle: dict[str, Any], resource_type: str) -> list[dict[str, Any]]:
    """The Bundle's resources of one type."""
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == resource_type]


@pytest.mark.parametrize("intake", INTAKES, ids=lambda i: f"{i.questionnaire.version}-{i.answers.get('full_name', '')}")
def test_every_resource_validates_and_every_reference_resolves_inside_the_bundle(intake: IntakeData) -> None:
    bundle = intake_bundle(intake, BASE, SUBMITTED)
    validates(bundle)
    full_urls = {entry["fullUrl"] for entry in bundle["entry"]}
    assert len(full_urls) == len(bundle["entry"])
    for entry in bundle["entry"]:
        resource = entry["resource"]
        validates(resource)
        assert entry["fullUrl"] == f"{BASE}/{resource['resourceType']}/{resource['id']}"
        for reference in references(resource):
            assert f"{BASE}/{reference}" in full_urls, f"{reference} in {resource['resourceType']} does not resolve"
    (response,) = by_type(bundle, "QuestionnaireResponse")
    (questionnaire,) = by_type(bundle, "Questionnaire")
    assert response["questionnaire"] == canonical(intake.questionnaire.version)
    assert f"{questionnaire['url']}|{questionnaire['version']}" == response["questionnaire"]


@pytest.mark.parametrize("intake", INTAKES[-2:], ids=["random-1", "random-2"])
def test_the_response_is_completed_authored_at_submission_and_typed_as_the_questionnaire_says(intake: IntakeData) -> None:
    bundle = intake_bundle(intake, BASE, SUBMITTED)
    (response,) = by_type(bundle, "QuestionnaireResponse")
    (questionnaire,) = by_type(bundle, "Questionnaire")
    assert response["status"] == "completed"
    assert dt.datetime.fromisoformat(response["authored"]) == SUBMITTED
    items = {item["linkId"]: item for item in walk_items(questionnaire["item"])}
    answered = {link: given for link, given in response_answers(response).items() if given}
    assert set(answered) - {link for link in answered if "." in link} <= set(intake.answers)
    for link, given in answered.items():
        item = items[link]
        assert all(list(a) == [VALUE_KEYS[item["type"]]] for a in given), link
        if item["type"] == "choice":
            offered = {(o["valueCoding"]["system"], o["valueCoding"]["code"]) for o in item["answerOption"]}
            assert {(a["valueCoding"]["system"], a["valueCoding"]["code"]) for a in given} <= offered
        if not item.get("repeats"):
            assert len(given) == 1, link
    # A multi-choice answer keeps every ticked choice; a number keeps its value.
    for question_id, value in intake.answers.items():
        question = intake.questionnaire.by_id[question_id]
        if question_id in answered and question.type == "multi":
            assert [a["valueCoding"]["code"] for a in answered[question_id]] == value
        if question_id in answered and question.type in ("integer", "number", "scale"):
            assert next(iter(answered[question_id][0].values())) == value
    assert ITEM_TYPES["table"] == "group"


def test_the_patient_carries_name_birth_date_and_every_identifier_given() -> None:
    intake = INTAKES[-1]
    (patient,) = by_type(intake_bundle(intake, BASE, SUBMITTED), "Patient")
    assert patient["name"][0]["text"] == intake.answers["full_name"]
    assert patient["birthDate"] == intake.answers["date_of_birth"]
    systems = {i["system"]: i["value"] for i in patient["identifier"]}
    assert systems == {"urn:gut-triage:intake-ref": "CLINIC-7", NHS_NUMBER_SYSTEM: "9434765919", MRN_SYSTEM: intake.mrn}
    (plain,) = by_type(intake_bundle(INTAKES[0], BASE, SUBMITTED), "Patient")
    assert [i["system"] for i in plain["identifier"]] == ["urn:gut-triage:intake-ref"], "only the identifiers held"


@pytest.mark.parametrize("intake", INTAKES, ids=lambda i: f"{i.questionnaire.version}-{i.answers.get('full_name', '')}")
def test_the_result_is_structured_and_says_it_is_decision_support(intake: IntakeData) -> None:
    bundle = intake_bundle(intake, BASE, SUBMITTED)
    result = intake.result
    issues, flags = by_type(bundle, "DetectedIssue"), by_type(bundle, "Flag")
    requests, (impression,) = by_type(bundle, "ServiceRequest"), by_type(bundle, "ClinicalImpression")
    assert [i["code"]["coding"][0]["code"] for i in issues] == [f["id"] for f in result["red_flags"]]
    assert [f["code"]["coding"][0]["code"] for f in flags] == [c["id"] for c in result["caveats"]]
    suggested = [t["test"] for t in result["investigations"] if not t["deferred"]]
    assert [r["code"]["text"] for r in requests] == suggested
    assert all((r["status"], r["intent"]) == ("draft", "proposal") for r in requests)
    findings = [f["itemCodeableConcept"]["coding"][0]["code"] for f in impression.get("finding", [])]
    assert findings == [d["id"] for d in result["differentials"]]
    ruleset = result["ruleset"]
    assert ruleset["version"] in impression["summary"] and ruleset["hash"] in impression["summary"]
    assert impression["protocol"] == [f"urn:gut-triage:ruleset:{ruleset['version']}:sha256:{ruleset['hash']}"]
    for resource in [*issues, *flags, *requests, impression]:
        assert resource["meta"]["tag"][0]["code"] == "decision-support"
        assert DECISION_SUPPORT_TEXT in str(resource), resource["resourceType"]


def test_an_intake_not_yet_evaluated_has_no_result_resources() -> None:
    intake = INTAKES[0]
    bare = IntakeData(intake.id, intake.ref, intake.questionnaire, SUBMITTED, intake.answers)
    types = [e["resource"]["resourceType"] for e in intake_bundle(bare, BASE, SUBMITTED)["entry"]]
    assert types == ["Patient", "QuestionnaireResponse", "Questionnaire"]
