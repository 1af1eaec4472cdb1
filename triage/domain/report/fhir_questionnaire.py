"""The FHIR Questionnaire of one questionnaire version, generated from its one definition in forms/."""

from __future__ import annotations

import copy
import threading
from itertools import groupby
from typing import Any

from triage.domain.questionnaire.model import Condition, Question, ShownWhen, Step
from triage.domain.questionnaire.questions import Questionnaire
from triage.domain.report.fhir_common import (
    QUESTIONNAIRE_URL,
    choice_coding,
    questionnaire_id,
    validated,
)

# FHIR item types for the tool's question types (a table is a repeating group of text boxes, one per column).
ITEM_TYPES = {
    "text": "string",
    "longtext": "text",
    "integer": "integer",
    "scale": "integer",
    "number": "decimal",
    "single": "choice",
    "multi": "choice",
    "date": "date",
    "consent": "boolean",
    "table": "group",
}
EXT = "http://hl7.org/fhir/StructureDefinition/"
SDC_ENABLE_WHEN_EXPRESSION = "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-enableWhenExpression"
# UCUM codes for the units that have one; the others are named by their words only.
UCUM = {"cm": "cm", "kg": "kg", "%": "%", "hours": "h", "years": "a", "months": "mo", "months ago": "mo"}
UCUM.update({"days ago": "d", "weeks ago": "wk", "years ago": "a"})
# Built once per version and process (a version's definition never changes; building and validating takes a while).
_LOCK = threading.Lock()
_BUILT: dict[str, dict[str, Any]] = {}


def step_link_id(step: Step) -> str:
    """The linkId of the group item that holds one step's questions (question ids never contain a dot)."""
    return f"step.{step.id}"


def copy_group_link_id(step: Step, choice: str) -> str:
    """The linkId of the group of for_each copies asked for one ticked choice (e.g. one symptom)."""
    return f"step.{step.id}.{choice}"


ANSWER_KEYS = {"single": "Coding", "multi": "Coding", "consent": "Boolean", "integer": "Integer", "scale": "Integer"}
ANSWER_KEYS.update({"number": "Decimal", "date": "Date"})  # text, longtext: String
ITEM_CONTROL = "http://hl7.org/fhir/questionnaire-item-control"


def _answer_value(source: Question, value: Any) -> Any:
    if source.type in ("single", "multi"):
        return choice_coding(source.choices_from or source.id, str(value))
    return value


def _entries(test: ShownWhen, source: Question) -> list[dict[str, Any]] | None:
    """One test as enableWhen entries, any of which enables the item (None when enableWhen cannot say it: at_least)."""
    key = "answer" + ANSWER_KEYS.get(source.type, "String")
    if test.operator == "answered":
        return [{"question": source.id, "operator": "exists", "answerBoolean": True}]
    if test.operator == "at_least":
        return None
    values = test.value if test.operator in ("one_of", "includes_any") else [test.value]
    # "=" holds when any answer of a repeating (multi) question equals the value: includes and includes_any.
    return [{"question": source.id, "operator": "=", key: _answer_value(source, v)} for v in values]


def _literal(source: Question, value: Any) -> str:
    """A FHIRPath test on one answer's value: a choice's code, or the value itself."""
    if source.type in ("single", "multi"):
        return f"value.code = '{value}'"
    if isinstance(value, bool):
        return f"value = {str(value).lower()}"
    if isinstance(value, int | float):
        return f"value = {value}"
    quoted = str(value).replace("\\", "\\\\").replace("'", "\\'")
    return f"value = '{quoted}'"


def _test_expression(test: ShownWhen, source: Question) -> str:
    """One test as FHIRPath over the response (for the SDC enableWhenExpression)."""
    answers = f"%resource.repeat(item).where(linkId = '{source.id}').answer"
    if test.operator == "answered":
        return f"{answers}.exists()"
    if test.operator == "at_least":
        return f"{answers}.count() >= {int(test.value)}"
    values = test.value if test.operator in ("one_of", "includes_any") else [test.value]
    return " or ".join(f"{answers}.where({_literal(source, v)}).exists()" for v in values)


def _expression(expression: str) -> dict[str, Any]:
    extension = {"url": SDC_ENABLE_WHEN_EXPRESSION, "valueExpression": {"language": "text/fhirpath", "expression": expression}}
    return {"extension": [extension]}


def enable_when(condition: Condition, questionnaire: Questionnaire) -> dict[str, Any]:
    """The enableWhen (with enableBehavior) or the SDC enableWhenExpression that shows an item as shown_when does.

    enableWhen has one enableBehavior for all its entries, and no way to count answers; a condition it cannot say
    (at_least, or "all" of a test that is itself any of several values) becomes one FHIRPath expression instead.
    """
    tests = [(t, questionnaire.by_id[t.question]) for t in condition.tests]
    entries = [_entries(t, source) for t, source in tests]
    if condition.behaviour == "any" or len(tests) == 1:
        if all(e is not None for e in entries):
            flat = [entry for found in entries if found is not None for entry in found]
            return {"enableWhen": flat, "enableBehavior": "any"} if len(flat) > 1 else {"enableWhen": flat}
    elif all(e is not None and len(e) == 1 for e in entries):
        return {"enableWhen": [entry for found in entries if found is not None for entry in found], "enableBehavior": "all"}
    if len(tests) == 1:
        return _expression(_test_expression(*tests[0]))
    joiner = " and " if condition.behaviour == "all" else " or "
    return _expression(joiner.join(f"({_test_expression(t, source)})" for t, source in tests))


def _extensions(question: Question) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if question.unit:
        coding = {"display": question.unit}
        if question.unit in UCUM:
            coding = {"system": "http://unitsofmeasure.org", "code": UCUM[question.unit], "display": question.unit}
        found.append({"url": EXT + "questionnaire-unit", "valueCoding": coding})
    value_key = "valueDecimal" if question.type == "number" else "valueInteger"
    for bound, url in ((question.min, "minValue"), (question.max, "maxValue")):
        if bound is not None and question.type in ("integer", "scale", "number"):
            found.append({"url": EXT + url, value_key: bound if question.type == "number" else int(bound)})
    if question.type == "scale":
        control = {"coding": [{"system": ITEM_CONTROL, "code": "slider"}]}
        found.append({"url": EXT + "questionnaire-itemControl", "valueCodeableConcept": control})
    return found


def _options(question: Question) -> list[dict[str, Any]]:
    options = []
    system_id = question.choices_from or question.id
    for choice in question.choices:
        option: dict[str, Any] = {"valueCoding": choice_coding(system_id, choice.value, choice.label)}
        if choice.exclusive:  # "None of these": ticked alone
            option["extension"] = [{"url": EXT + "questionnaire-optionExclusive", "valueBoolean": True}]
        options.append(option)
    return options


def question_item(question: Question, questionnaire: Questionnaire, conditioned: bool = True) -> dict[str, Any]:
    """One question as a Questionnaire item (conditioned=False leaves out a condition its group carries)."""
    item: dict[str, Any] = {"linkId": question.id, "text": question.label, "type": ITEM_TYPES[question.type]}
    extensions = _extensions(question)
    if question.shown_when is not None and conditioned:
        shown = enable_when(question.shown_when, questionnaire)
        extensions.extend(shown.pop("extension", []))
        item.update(shown)
    if extensions:
        item["extension"] = extensions
    if question.required:
        item["required"] = True
    if question.type == "multi":
        item["repeats"] = True
    if question.type in ("text", "longtext") and question.max_length:
        item["maxLength"] = question.max_length
    if question.choices:
        item["answerOption"] = _options(question)
    if question.type == "table":
        item["repeats"] = True  # one group per row
        item["item"] = [
            {"linkId": f"{question.id}.{c.id}", "text": c.label, "type": "string", "maxLength": question.max_length or 200}
            for c in question.columns
        ]
    if question.help:  # the hint under the question, shown as help text by a form filler
        control = {"coding": [{"system": ITEM_CONTROL, "code": "help"}]}
        extension = {"url": EXT + "questionnaire-itemControl", "valueCodeableConcept": control}
        hint = {"linkId": f"{question.id}.help", "text": question.help, "type": "display", "extension": [extension]}
        item["item"] = [*item.get("item", []), hint]
    return item


def _step_items(step: Step, questionnaire: Questionnaire) -> list[dict[str, Any]]:
    """A step's items: its questions, each run of for_each copies for one choice gathered in a group of its own."""
    items: list[dict[str, Any]] = []
    for choice, run in groupby(step.questions, key=lambda q: q.copied_for):
        questions = list(run)
        if not choice:
            items.extend(question_item(q, questionnaire) for q in questions)
            continue
        condition = questions[0].shown_when
        if condition is None:  # a for_each copy always has its condition; kept for the type checker
            raise ValueError(f"the for_each copy {questions[0].id} has no condition")
        label = questionnaire.by_id[condition.questions[0]].choice_label(choice)
        group: dict[str, Any] = {"linkId": copy_group_link_id(step, choice), "text": label, "type": "group"}
        group.update(enable_when(condition, questionnaire))
        group["item"] = [question_item(q, questionnaire, conditioned=False) for q in questions]
        items.append(group)
    return items


def questionnaire_resource(questionnaire: Questionnaire) -> dict[str, Any]:
    """The Questionnaire resource of this version: one group per step, every question as an item keyed by its id."""
    with _LOCK:
        if questionnaire.version not in _BUILT:
            _BUILT[questionnaire.version] = _build(questionnaire)
        return copy.deepcopy(_BUILT[questionnaire.version])


def _build(questionnaire: Questionnaire) -> dict[str, Any]:
    steps = []
    for step in questionnaire.steps:
        children = _step_items(step, questionnaire)
        if children:  # the review step asks nothing of its own
            steps.append({"linkId": step_link_id(step), "text": step.title, "type": "group", "item": children})
    resource = {
        "resourceType": "Questionnaire",
        "id": questionnaire_id(questionnaire.version),
        "url": QUESTIONNAIRE_URL,
        "version": questionnaire.version,
        "name": "GutTriageIntake",
        "title": "Gut triage: questions before your appointment",
        "status": "active",
        "subjectType": ["Patient"],
        "description": "The patient questionnaire of the gut-triage tool, generated from its definition in forms/.",
        "item": steps,
    }
    return validated(resource)
