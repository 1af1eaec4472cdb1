"""FHIR checks for tests: validation by fhir.resources, enableWhen as a FHIR form filler reads it, references in a Bundle."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from fhirpathpy import evaluate as fhirpath
from fhirpathpy.models import models as fhirpath_models

ENABLE_WHEN_EXPRESSION = "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-enableWhenExpression"


def validates(resource: Mapping[str, Any]) -> Any:
    """The resource parsed by the fhir.resources R4B model of its type (pydantic raises when it is not valid)."""
    return get_fhir_model_class(str(resource["resourceType"])).model_validate(dict(resource))


def walk_items(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Every item, depth first, nested ones included."""
    for item in items:
        yield item
        yield from walk_items(item.get("item", []))


def response_answers(response: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The answers of a QuestionnaireResponse by linkId (wherever the item is nested)."""
    found: dict[str, list[dict[str, Any]]] = {}
    for item in walk_items(response.get("item", [])):
        found.setdefault(item["linkId"], []).extend(item.get("answer", []))
    return found


def _value(answer: Mapping[str, Any]) -> Any:
    (key,) = [k for k in answer if k.startswith("value")]
    value = answer[key]
    return (value["system"], value["code"]) if key == "valueCoding" else value


def _holds(condition: Mapping[str, Any], answers: Mapping[str, list[dict[str, Any]]]) -> bool:
    given = answers.get(condition["question"], [])
    (key,) = [k for k in condition if k.startswith("answer")]
    expected = condition[key]
    if condition["operator"] == "exists":
        return bool(given) == expected
    if condition["operator"] == "=":
        wanted = (expected["system"], expected["code"]) if key == "answerCoding" else expected
        return any(_value(a) == wanted for a in given)
    raise AssertionError(f"operator {condition['operator']} is not one the generator writes")


def _item_enabled(item: Mapping[str, Any], response: Mapping[str, Any], answers: Mapping[str, list[dict[str, Any]]]) -> bool:
    expressions = [e for e in item.get("extension", []) if e["url"] == ENABLE_WHEN_EXPRESSION]
    if expressions:
        expression = expressions[0]["valueExpression"]["expression"]
        # With the R4 model, `answer.value` reads valueCoding, valueInteger... as FHIRPath defines choice elements.
        found = fhirpath(dict(response), expression, {"resource": dict(response)}, model=fhirpath_models["r4"])
        return bool(found == [True])
    conditions = item.get("enableWhen", [])
    if not conditions:
        return True
    results = [_holds(c, answers) for c in conditions]
    return any(results) if item.get("enableBehavior") == "any" else all(results)


def enabled_link_ids(questionnaire: Mapping[str, Any], response: Mapping[str, Any]) -> set[str]:
    """The linkIds a FHIR form filler enables for this response: an item is enabled when its parent is and its own
    enableWhen (with enableBehavior) or SDC enableWhenExpression (FHIRPath, run by fhirpathpy) holds."""
    answers = response_answers(response)
    enabled: set[str] = set()

    def visit(items: list[dict[str, Any]]) -> None:
        for item in items:
            if _item_enabled(item, response, answers):
                enabled.add(item["linkId"])
                visit(item.get("item", []))

    visit(questionnaire.get("item", []))
    return enabled


def references(value: Any) -> Iterator[str]:
    """Every `reference` string inside a resource."""
    if isinstance(value, Mapping):
        for key, inner in value.items():
            if key == "reference" and isinstance(inner, str):
                yield inner
            else:
                yield from references(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from references(inner)
