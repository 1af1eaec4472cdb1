"""Loading a ruleset (YAML files or already-parsed documents), validating it against the data dictionary, hashing and exporting it."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from triage.domain.compile_plan import Plan, compile_plan
from triage.domain.conditions import ConditionReader, Node, Where
from triage.domain.evidence import EvidenceIndex
from triage.domain.questions import Questionnaire, default_questionnaire
from triage.domain.rule_errors import ProblemList, RuleProblem, RulesetError, did_you_mean, line_of
from triage.domain.rule_facts import Fact, fact_catalog
from triage.domain.ruleset_schema import (
    HEADER_FIELDS,
    RULE_ADAPTER,
    RULE_FIELDS,
    Differential,
    Parameter,
    RuleFile,
    RulesetHeader,
    report_schema_errors,
)
from triage.domain.yaml_source import read_yaml_file, shape_problem
from triage.paths import resource_dir

HEADER_FILE = "ruleset.yaml"
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

    @property
    def awaits_confirmation(self) -> bool:
        """Whether no clinician has confirmed this rule yet (no review date)."""
        return self.reviewed is None


@dataclass(frozen=True, eq=False)
class Ruleset:
    """A validated, compiled ruleset: the rules, the differentials they weigh, and how to evaluate them fast."""

    version: str
    title: str
    note: str
    sha256: str
    parameters: Mapping[str, Parameter]
    differentials: tuple[Differential, ...]
    rules: tuple[Rule, ...]
    questionnaire: Questionnaire
    facts: Mapping[str, Fact]
    canonical: str
    plan: Plan
    evidence: EvidenceIndex
    question_order: Mapping[str, int]

    @property
    def documents(self) -> dict[str, Any]:
        """A fresh copy of the ruleset's documents (file name to parsed content), e.g. to store or edit."""
        return dict(json.loads(self.canonical))

    def rule(self, rule_id: str) -> Rule:
        """The rule with this id (KeyError when unknown)."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)


def canonical_json(documents: Mapping[str, Any]) -> str:
    """The documents as canonical JSON: sorted keys, no spacing, so layout and comments do not count."""
    return json.dumps(documents, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_sha256(documents: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON of the documents: the ruleset's content hash."""
    return hashlib.sha256(canonical_json(documents).encode("utf-8")).hexdigest()


def _read_header(raw: Any, problems: ProblemList) -> tuple[RulesetHeader | None, dict[str, Parameter], dict[str, Differential]]:
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


def _check_header(raw: Any, header: RulesetHeader | None, problems: ProblemList) -> None:
    if header is None:
        return
    seen: set[str] = set()
    for i, diff in enumerate(header.differentials):
        if diff.id in seen:
            problems.add(f"the differential '{diff.id}' is declared twice", line_of(raw.get("differentials"), i))
        seen.add(diff.id)


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
    extra = {k: getattr(model, k) for k in ("differential", "weight", "urgency", "action", "test", "why") if k in fields}
    return Rule(**common, **extra)


def _read_rule(raw: Any, file: str, line: int | None, context: _Context) -> Rule | None:
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
        problems.add(f"the differential '{model.differential}' is not declared in ruleset.yaml.{did_you_mean(model.differential, context.differentials)}", line_of(raw, "differential"), rule_id)
        return None
    if GK_MARK in model.source and model.reviewed:
        problems.add("the source says [GK] (awaiting clinician confirmation) but a review date is set; once confirmed, replace the [GK] note with the confirming reference", line_of(raw, "reviewed"), rule_id)
    return _rule_from(model, when, file)


@dataclass
class _Context:
    problems: ProblemList
    facts: Mapping[str, Fact]
    parameters: Mapping[str, Parameter]
    differentials: Mapping[str, Differential]
    used_parameters: set[str]


def _read_rule_file(name: str, raw: Any, context: _Context, first_seen: dict[str, tuple[str, int | None]]) -> list[Rule]:
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
            problems.add(f"the rule id '{rule.id}' is used twice; it is first used in {where}" + (f", line {at}" if at else ""), line, rule.id)
            continue
        first_seen[rule.id] = (name, line)
        rules.append(rule)
    return rules


def load_ruleset_from_documents(documents: Mapping[str, Any], questionnaire: Questionnaire | None = None) -> Ruleset:
    """Build a ruleset from parsed documents keyed by file name ('ruleset.yaml' plus one per topic); raises RulesetError.

    The documents are plain data as YAML or JSON parsing gives them (e.g. a ruleset kept in a database).
    """
    problems = ProblemList(HEADER_FILE)
    for name, document in documents.items():
        reason = "a file name must be text ending in .yaml" if not isinstance(name, str) or not name.endswith(".yaml") else shape_problem(document)
        if reason:
            problems.for_file(str(name)).add(reason)
    problems.raise_if_any()
    return _build(documents, questionnaire or default_questionnaire())


def _build(documents: Mapping[str, Any], questionnaire: Questionnaire) -> Ruleset:
    problems = ProblemList(HEADER_FILE)
    if HEADER_FILE not in documents:
        problems.add("ruleset.yaml is missing: it declares the version, parameters and differentials")
        problems.raise_if_any()
    raw_header = documents[HEADER_FILE]
    header, parameters, differentials = _read_header(raw_header, problems)
    _check_header(raw_header, header, problems)
    context = _Context(problems, fact_catalog(questionnaire), parameters, differentials, set())
    rule_files = sorted(name for name in documents if name != HEADER_FILE)
    if not rule_files:
        problems.add("there are no rule files next to ruleset.yaml")
    first_seen: dict[str, tuple[str, int | None]] = {}
    rules = [rule for name in rule_files for rule in _read_rule_file(name, documents[name], context, first_seen)]
    # Unused parameters are only worth reporting once everything else is right (a broken rule may be their user).
    for name in [p for p in parameters if p not in context.used_parameters and not problems.items]:
        problems.add(f"the parameter '{name}' is declared but no rule uses it", line_of(raw_header.get("parameters"), name) if isinstance(raw_header, dict) else None)
    if header is None or problems.items:
        raise RulesetError(list(problems.items) or [RuleProblem(HEADER_FILE, None, None, "ruleset.yaml could not be read")])
    return _assemble(header, tuple(rules), questionnaire, context.facts, documents)


def _assemble(header: RulesetHeader, rules: tuple[Rule, ...], questionnaire: Questionnaire, facts: Mapping[str, Fact], documents: Mapping[str, Any]) -> Ruleset:
    kinds = {fact_id: fact.kind for fact_id, fact in facts.items()}
    plan = compile_plan([(rule.id, rule.when) for rule in rules], kinds)
    canonical = canonical_json(documents)
    return Ruleset(
        version=header.version,
        title=header.title,
        note=header.note,
        sha256=hashlib.sha256(canonical.encode("utf-8")).hexdigest(),
        parameters=dict(header.parameters),
        differentials=tuple(header.differentials),
        rules=rules,
        questionnaire=questionnaire,
        facts=facts,
        canonical=canonical,
        plan=plan,
        evidence=EvidenceIndex.build(plan),
        question_order={q.id: i for i, q in enumerate(questionnaire.questions)},
    )


def read_ruleset_documents(directory: Path) -> dict[str, Any]:
    """Parse ruleset.yaml and every other *.yaml file in a directory (not its tests/); raises RulesetError."""
    problems = ProblemList(str(directory))
    if not directory.is_dir():
        problems.add("this is not a directory of rule files")
        problems.raise_if_any()
    documents: dict[str, Any] = {}
    for path in sorted(directory.glob("*.yaml")):
        documents[path.name] = read_yaml_file(path, problems.for_file(path.name))
    problems.raise_if_any()
    return documents


def load_ruleset(directory: Path | None = None, questionnaire: Questionnaire | None = None) -> Ruleset:
    """Load, validate and compile the rules in a directory (the bundled rules/ by default)."""
    # Documents read by the YAML reader are already bounded in depth and made of plain values.
    return _build(read_ruleset_documents(directory or resource_dir("rules")), questionnaire or default_questionnaire())
