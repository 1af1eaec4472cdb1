"""Plain data for the one field macro on the rules pages: the rule's fields and each condition row's question, operator, value."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from triage.domain.engine.conditions import ALLOWED, OPERATORS
from triage.domain.engine.facts import Fact
from triage.domain.engine.sentences import GROUP_WORDS, OPERATOR_WORDS
from triage.domain.questionnaire.derived import DERIVED_FACTS
from triage.domain.questionnaire.questions import default_questionnaire
from triage.domain.scales import Urgency
from triage.web.rules.forms import form_name
from triage.web.rules.tree import ROOT, Row

# The "Combine" choice reads as the condition tree's headings (one definition, in sentences.py).
GROUP_CHOICES = tuple((kind, words.format(n="n")) for kind, words in GROUP_WORDS.items())
KIND_WORDS = (
    ("differential", "Differential: weighs for or against a condition"),
    ("red_flag", "Red flag: an alarm feature"),
    ("investigation", "Investigation: a test to consider"),
    ("caveat", "Caveat: how to read a test for this patient"),
)
# An emergency is spelled out for editors: it means the same day.
URGENCY_CHOICES = tuple((str(u), "Emergency (same day)" if u is Urgency.EMERGENCY else u.label) for u in Urgency.flag_tiers())


def control(
    name: str,
    label: str,
    value: Any = "",
    kind: str = "text",
    *,
    errors: Sequence[str] = (),
    hint: str = "",
    unit: str = "",
    options: Sequence[tuple[str, str]] = (),
    groups: Sequence[tuple[str, Sequence[tuple[str, str]]]] = (),
    selected: Sequence[str] = (),
) -> dict[str, Any]:
    """One form control as plain data: name, id, visible label, hint, errors, and the options of a choice."""
    return {
        "name": name,
        "id": "f-" + name.replace(".", "-"),
        "label": label,
        "value": "" if value is None else str(value),
        "type": kind,
        "errors": list(errors),
        "hint": hint,
        "unit": unit,
        "options": [(str(v), str(t)) for v, t in options],
        "groups": [(g, [(str(v), str(t)) for v, t in items]) for g, items in groups],
        "selected": [str(s) for s in selected],
    }


# Never read by a rule: the patient's consent ticks, and the identity the invitation already holds (a rule reads the
# derived age, never the date of birth). Free text and tables are never read either.
NOT_READ_BY_RULES = ("consent", "date", "text", "longtext", "table")


@lru_cache(maxsize=1)
def question_groups() -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    """Every question a rule may read, grouped by the questionnaire's sections, then the derived facts."""
    questionnaire = default_questionnaire()
    by_section: dict[str, list[tuple[str, str]]] = {section.title: [] for section in questionnaire.sections}
    for step in questionnaire.steps:
        _number, section = questionnaire.section_of(step)
        by_section[section.title] += [(q.id, q.label) for q in step.questions if q.type not in NOT_READ_BY_RULES]
    groups = [(title, tuple(items)) for title, items in by_section.items() if items]
    groups.append(("Derived facts (computed from the answers)", tuple((d.id, d.label) for d in DERIVED_FACTS)))
    return tuple(groups)


def _question_options(chosen: str) -> list[tuple[str, str]]:
    """The picker's first option, and the question the row reads when the list does not offer it (kept, not lost)."""
    offered = {value for _title, items in question_groups() for value, _label in items}
    if not chosen or chosen in offered:
        return [("", "choose a question")]
    return [("", "choose a question"), (chosen, f"{chosen} (not offered to rules)")]


def _parameter_options(parameters: Mapping[str, Any]) -> list[tuple[str, str]]:
    options = [("", "no parameter: use the number")]
    for name, parameter in sorted(parameters.items()):
        value = parameter.get("value") if isinstance(parameter, Mapping) else None
        unit = parameter.get("unit", "") if isinstance(parameter, Mapping) else ""
        options.append((name, f"{name} ({value} {unit})".replace(" )", ")")))
    return options


def _choices(fact: Fact) -> list[tuple[str, str]]:
    if fact.question is not None:
        return [(c, fact.question.choice_label(c)) for c in fact.choices]
    return [(c, c.replace("_", " ")) for c in fact.choices]


def _value_controls(
    row: Row, fact: Fact | None, parameters: Mapping[str, Any], errors: Mapping[str, list[str]]
) -> list[dict[str, Any]]:
    prefix = f"c-{row.path}"
    err = errors.get(f"{prefix}-value", [])
    if row.op in ("answered", "unanswered"):
        return [control(f"{prefix}-value", "Value", kind="none", errors=err)] if err else []
    if fact is None:
        return [
            control(
                f"{prefix}-value",
                "Value",
                row.value,
                errors=err,
                hint="Choose a question, then press “Update the sentence” to get its answers.",
            )
        ]
    if fact.kind in ("choice", "multi") and row.op == "one_of":
        return [
            control(
                f"{prefix}-values",
                "Any of these answers",
                kind="checkboxes",
                options=_choices(fact),
                selected=row.values,
                errors=err,
            )
        ]
    if fact.kind in ("choice", "multi"):
        return [
            control(
                f"{prefix}-value", "Answer", row.value, "select", options=[("", "choose an answer"), *_choices(fact)], errors=err
            )
        ]
    if fact.kind == "boolean":
        return [control(f"{prefix}-value", "Answer", row.value, "select", options=[("true", "yes"), ("false", "no")], errors=err)]
    if fact.kind != "number":
        return [control(f"{prefix}-value", "Value", row.value, errors=err)] if err else []
    if row.op == "one_of":
        return [
            control(f"{prefix}-value", "Numbers", row.value, errors=err, unit=fact.unit, hint="Separate the numbers with commas.")
        ]
    if row.op == "between":
        return [
            control(f"{prefix}-low", "From", row.low, errors=errors.get(f"{prefix}-low", []) + err, unit=fact.unit),
            control(f"{prefix}-low_param", "or the parameter", row.low_param, "select", options=_parameter_options(parameters)),
            control(f"{prefix}-high", "To", row.high, errors=errors.get(f"{prefix}-high", []), unit=fact.unit),
            control(f"{prefix}-high_param", "or the parameter", row.high_param, "select", options=_parameter_options(parameters)),
        ]
    return [
        control(f"{prefix}-value", "Number", row.value, errors=err, unit=fact.unit),
        control(f"{prefix}-param", "or the parameter", row.param, "select", options=_parameter_options(parameters)),
    ]


def row_views(
    rows: Sequence[Row], facts: Mapping[str, Fact], parameters: Mapping[str, Any], errors: Mapping[str, list[str]]
) -> list[dict[str, Any]]:
    """Each condition row with its controls, errors and buttons, for the rule form."""
    views = []
    for row in rows:
        prefix = f"c-{row.path}"
        view: dict[str, Any] = {
            "path": row.path,
            "depth": min(row.depth, 8),
            "kind": row.kind,
            "root": row.path == ROOT,
            "errors": errors.get(f"{prefix}-row", []),
        }
        if row.kind != "compare":
            view["controls"] = [control(f"{prefix}-kind", "Combine", row.kind, "select", options=GROUP_CHOICES)]
            if row.kind == "at_least":
                view["controls"].append(control(f"{prefix}-n", "n", row.n, errors=errors.get(f"{prefix}-n", [])))
            view["can_add"] = row.kind != "not" or not any(
                r.path.rsplit(".", 1)[0] == row.path for r in rows if r.path != row.path
            )
        else:
            fact = facts.get(row.question)
            ops = ALLOWED[fact.kind] if fact is not None else OPERATORS
            question = control(
                f"{prefix}-question",
                "Question",
                row.question,
                "select",
                options=_question_options(row.question),
                groups=question_groups(),
                errors=errors.get(f"{prefix}-question", []),
            )
            operator = control(f"{prefix}-op", "Test", row.op, "select", options=[(op, OPERATOR_WORDS[op]) for op in ops])
            # The answers part follows the question chosen: the live sentence redraws it when the question changes.
            view["question"], view["answers"] = question, [operator, *_value_controls(row, fact, parameters, errors)]
            view["controls"] = [question, *view["answers"]]
            view["can_add"] = row.path == ROOT
        views.append(view)
    return views


def rule_controls(
    rule: Mapping[str, Any],
    errors: Mapping[str, list[str]],
    differentials: Sequence[tuple[str, str]],
    topics: Sequence[tuple[str, str]] | None,
    file: str,
) -> list[dict[str, Any]]:
    """The rule's own fields; the id and topic file are asked for only when adding a rule."""

    def field(name: str, label: str, kind: str = "text", **extra: Any) -> dict[str, Any]:
        """One of the rule's own fields, filled from the rule."""
        posted_as = form_name(name)
        return control(posted_as, label, rule.get(name), kind, errors=errors.get(posted_as, []), **extra)

    controls = []
    if topics is not None:
        controls.append(
            field(
                "id",
                "Rule id",
                hint="Lower-case letters, digits and underscores, starting with a letter; it never changes once saved.",
            )
        )
        controls.append(control("file", "Topic", file, "select", options=topics, errors=errors.get("file", [])))
    controls += [
        field("title", "Title"),
        field("explanation", "Explanation (one plain sentence)", "textarea"),
        field(
            "kind",
            "Kind",
            "select",
            options=KIND_WORDS,
            hint="After changing the kind, press “Update the sentence” to see its fields.",
        ),
    ]
    kind = rule.get("kind")
    if kind == "differential":
        controls += [
            field("differential", "Differential", "select", options=differentials),
            field("weight", "Weight", hint="A whole number from -10 to 10, not 0: positive weighs for, negative against."),
        ]
    elif kind == "red_flag":
        controls += [
            field("urgency", "Urgency", "select", options=URGENCY_CHOICES),
            field("action", "Action to take", "textarea"),
        ]
    elif kind == "investigation":
        controls += [field("test", "Test to suggest"), field("why", "Why", "textarea")]
    controls += [
        field(
            "source",
            "Source (guideline or paper, with year)",
            hint="Write [GK] for general knowledge not yet confirmed against a guideline.",
        ),
        field("author", "Author"),
        field(
            "reviewed",
            "Reviewed on",
            hint="The date a clinician confirmed the rule, YYYY-MM-DD; leave empty while it awaits confirmation.",
        ),
    ]
    return controls
