"""Reading the ruleset files into validated rules: the ruleset.yaml header and each topic file, every problem located."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from triage.domain.engine.conditions import ConditionReader, Where
from triage.domain.engine.facts import Fact
from triage.domain.engine.nodes import Node
from triage.domain.engine.schema import (
    DEFAULT_PRIORITY,
    HEADER_FIELDS,
    RULE_ADAPTER,
    RULE_FIELDS,
    Differential,
    Parameter,
    RuleFile,
    RulesetHeader,
    report_schema_errors,
)
from triage.domain.errors import ProblemList, did_you_mean, line_of

GK_MARK = "[GK]"


@dataclass(frozen=True)
class Rule:
    """One validated rule with its compiled condition tree; kind-specific fields are empty for other kinds."""

    id: str
    kind: str
    title: str
    explanation: str
    source: str
    author: str
    reviewed: str | None
    file: str
    when: Node
    differential: str = ""
    weight: int = 0
    urgency: str = ""
    action: str = ""
    test: str = ""
    why: str = ""
    group: str = ""
    priority: int = DEFAULT_PRIORITY
    elective: bool = False

    @property
    def awaits_confirmation(self) -> bool:
        """Whether no clinician has confirmed this rule yet (no review date)."""
        return self.reviewed is None


def read_header(raw: Any, problems: ProblemList) -> tuple[RulesetHeader | None, dict[str, Parameter], dict[str, Differential]]:
    """The ruleset.yaml header, or None with its problems recorded, plus whichever parameters and differentials are valid."""
    try:
        header = RulesetHeader.model_validate(raw)
        return header, dict(header.parameters), {d.id: d for d in header.differentials}
    except ValidationError as exc:
        report_schema_errors(exc, raw, problems, None, HEADER_FIELDS)
    # Keep whatever parts are valid so the rules can still be checked against them.
    params: dict[str, Parameter] = {}
    diffs: dict[str, Differential] = {}
    raw_params = raw.get("parameters") if isinstance(raw, dict) else None
    raw_diffs = raw.get("differentials") if isinstance(raw, dict) else None
    for name, value in raw_params.items() if isinstance(raw_params, dict) else ():
        try:
            params[name] = Parameter.model_validate(value)
        except ValidationError:
            continue
    for item in raw_diffs if isinstance(raw_diffs, list) else ():
        try:
            diff = Differential.model_validate(item)
        except ValidationError:
            continue
        diffs[diff.id] = diff
    return None, params, diffs


def check_header(raw: Any, header: RulesetHeader | None, problems: ProblemList) -> None:
    """Record a differential declared twice."""
    if header is None:
        return
    seen: set[str] = set()
    for i, diff in enumerate(header.differentials):
        if diff.id in seen:
            problems.add(f"the differential '{diff.id}' is declared twice", line_of(raw.get("differentials"), i))
        seen.add(diff.id)


def check_held_back_by(raw: Any, header: RulesetHeader | None, rules: list[Rule], problems: ProblemList) -> None:
    """Record a `held_back_by` entry that names no red-flag rule, and one that repeats `held_back_by_red_flags: true`."""
    if header is None:
        return
    kinds = {rule.id: rule.kind for rule in rules}
    flags = [rule.id for rule in rules if rule.kind == "red_flag"]
    raw_items = raw.get("differentials") if isinstance(raw, dict) else None
    for i, diff in enumerate(header.differentials):
        item = raw_items[i] if isinstance(raw_items, list) and i < len(raw_items) else None
        listed = item.get("held_back_by") if isinstance(item, dict) else None
        if diff.held_back_by and diff.held_back_by_red_flags:
            problems.add(
                f"the differential '{diff.id}' has both held_back_by_red_flags: true (held back by any red flag) and"
                " held_back_by (only by these red flags); keep one of the two",
                line_of(item, "held_back_by"),
            )
        for j, flag_id in enumerate(diff.held_back_by):
            kind = kinds.get(flag_id)
            what = "no rule has this id" if kind is None else f"it is a {kind} rule, not a red flag"
            if kind != "red_flag":
                problems.add(
                    f"the differential '{diff.id}' is held back by '{flag_id}', but {what}." + did_you_mean(flag_id, flags),
                    line_of(listed, j) or line_of(item, "held_back_by"),
                )


def _rule_from(model: Any, when: Node, file: str) -> Rule:
    common = dict(
        id=model.id,
        kind=model.kind,
        title=model.title,
        explanation=model.explanation,
        source=model.source,
        author=model.author,
        reviewed=model.reviewed,
        file=file,
        when=when,
    )
    fields = type(model).model_fields
    named = ("differential", "weight", "urgency", "action", "test", "why", "priority", "elective")
    extra = {k: getattr(model, k) for k in named if k in fields}
    if "group" in fields:
        extra["group"] = model.group or ""
    return Rule(**common, **extra)


def _read_rule(raw: Any, file: str, line: int | None, context: RuleContext) -> Rule | None:
    rule_id = raw.get("id") if isinstance(raw, dict) and isinstance(raw.get("id"), str) else None
    problems = context.problems.for_file(file)
    if not isinstance(raw, dict):
        problems.add("each rule must be a mapping of fields (id, title, explanation, kind, when, source, author, reviewed)", line)
        return None
    try:
        model = RULE_ADAPTER.validate_python(raw)
    except ValidationError as exc:
        report_schema_errors(exc, raw, problems, rule_id, RULE_FIELDS)
        model = None
    reader = ConditionReader(context.facts, context.parameters, problems, rule_id)
    when = reader.read(raw.get("when"), Where(raw, "when"))
    context.used_parameters |= reader.used_parameters
    if model is None or when is None:
        return None
    if model.kind == "differential" and model.differential not in context.differentials:
        problems.add(
            f"the differential '{model.differential}' is not declared in ruleset.yaml."
            + did_you_mean(model.differential, context.differentials),
            line_of(raw, "differential"),
            rule_id,
        )
        return None
    if GK_MARK in model.source and model.reviewed:
        problems.add(
            "the source says [GK] (awaiting clinician confirmation) but a review date is set;"
            " once confirmed, replace the [GK] note with the confirming reference",
            line_of(raw, "reviewed"),
            rule_id,
        )
    return _rule_from(model, when, file)


@dataclass
class RuleContext:
    """What reading rules needs: the problems so far, the facts, parameters and differentials, and the parameters used."""

    problems: ProblemList
    facts: Mapping[str, Fact]
    parameters: Mapping[str, Parameter]
    differentials: Mapping[str, Differential]
    used_parameters: set[str]


def read_rule_file(name: str, raw: Any, context: RuleContext, first_seen: dict[str, tuple[str, int | None]]) -> list[Rule]:
    """The valid rules of one topic file; every problem is recorded, and a rule id used before is refused."""
    problems = context.problems.for_file(name)
    if raw is None:
        problems.add("the file is empty; a rule file needs 'topic:' and 'rules:'")
        return []
    try:
        RuleFile.model_validate(raw)
    except ValidationError as exc:
        report_schema_errors(exc, raw, problems, None, ["topic", "rules"])
        if not isinstance(raw, dict) or not isinstance(raw.get("rules"), list):
            return []
    rules = []
    items = raw["rules"]
    for i, item in enumerate(items):
        line = line_of(items, i)
        rule = _read_rule(item, name, line, context)
        if rule is None:
            continue
        if rule.id in first_seen:
            where, at = first_seen[rule.id]
            problems.add(
                f"the rule id '{rule.id}' is used twice; it is first used in {where}" + (f", line {at}" if at else ""),
                line,
                rule.id,
            )
            continue
        first_seen[rule.id] = (name, line)
        rules.append(rule)
    return rules
