"""Loading a ruleset (YAML files or already-parsed documents): validated against the data dictionary, compiled and hashed."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from triage.domain.engine.evidence import EvidenceIndex
from triage.domain.engine.facts import Fact, fact_catalog
from triage.domain.engine.gaps import (
    DEFAULT_MIN_ANSWERED,
    UnsureReader,
    check_engine_parameters,
    min_answered,
    relevant_questions,
    unsure_readers,
)
from triage.domain.engine.outcomes import BlankReads, blank_reads, fact_questions
from triage.domain.engine.plan import Plan, compile_plan
from triage.domain.engine.rule_files import (
    Rule,
    RuleContext,
    check_header,
    check_held_back_by,
    read_header,
    read_rule_file,
)
from triage.domain.engine.schema import Differential, Parameter, RulesetHeader
from triage.domain.engine.yaml_source import (
    documents_pass_checks,
    number_problems,
    read_yaml_file,
    ruleset_size_problem,
    shape_problem,
)
from triage.domain.errors import ProblemList, RuleProblem, RulesetError
from triage.domain.questionnaire.derived import DerivedFact, derived_reading, facts_reading
from triage.domain.questionnaire.derived_version import DERIVED_FACTS_VERSION
from triage.domain.questionnaire.questions import Question, Questionnaire, default_questionnaire
from triage.paths import resource_dir

HEADER_FILE = "ruleset.yaml"


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
    # The questions behind the facts any rule reads, and how many of them must be answered for a reliable result.
    relevant_questions: frozenset[str] = frozenset()
    min_answered_questions: int = DEFAULT_MIN_ANSWERED
    # For each fact a rule reads, the questionnaire's questions behind it (to tell which blanks were shown).
    fact_questions: Mapping[str, tuple[Question, ...]] = field(default_factory=dict)
    # The derived facts some rule reads: the only ones an evaluation computes (see facts_of).
    derived: tuple[DerivedFact, ...] = ()
    # Per fact a rule reads, what listing an "unsure" answer to it needs (gaps.unsure_readers).
    unsure_readers: tuple[UnsureReader, ...] = ()
    # Each differential's place in ruleset.yaml and the differential, by id (differential_places).
    differential_places: Mapping[str, tuple[int, Differential]] = field(default_factory=dict)
    # Per fact a rule reads, in the plan's order, the questions behind it and when each is shown (outcomes.blank_reads).
    blank_reads: BlankReads = ()
    # The derived facts' code is not in the documents (nor their hash): its version is pinned beside them.
    derived_facts_version: int = DERIVED_FACTS_VERSION

    def facts_of(self, answers: Mapping[str, Any], on: dt.date) -> dict[str, Any]:
        """What the rules read for these answers: as facts_for_rules gives it, for every fact a rule reads."""
        return facts_reading(answers, on, self.derived)

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


def differential_places(differentials: tuple[Differential, ...]) -> dict[str, tuple[int, Differential]]:
    """Each differential's place in ruleset.yaml (the last tie-breaker of the ranking) and the differential, by id."""
    return {differential.id: (position, differential) for position, differential in enumerate(differentials)}


def canonical_json(documents: Mapping[str, Any]) -> str:
    """The documents as canonical JSON: sorted keys, no spacing, so layout and comments do not count."""
    return json.dumps(documents, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_sha256(documents: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON of the documents: the ruleset's content hash."""
    return hashlib.sha256(canonical_json(documents).encode("utf-8")).hexdigest()


def load_ruleset_from_documents(documents: Mapping[str, Any], questionnaire: Questionnaire | None = None) -> Ruleset:
    """Build a ruleset from parsed documents keyed by file name ('ruleset.yaml' plus one per topic); raises RulesetError.

    The documents are plain data as YAML or JSON parsing gives them (e.g. a ruleset kept in a database).
    """
    problems = ProblemList(HEADER_FILE)
    checked = documents_pass_checks(documents)  # one walk instead of three when nothing is wrong
    if not checked:
        _refuse_oversized(documents, problems)
    for name, document in documents.items():
        reason = (
            "a file name must be text ending in .yaml"
            if not isinstance(name, str) or not name.endswith(".yaml")
            else None
            if checked
            else shape_problem(document)
        )
        if reason:
            problems.for_file(str(name)).add(reason)
    problems.raise_if_any()
    return _build(documents, questionnaire or default_questionnaire(), checked)


def _refuse_oversized(documents: Mapping[str, Any], problems: ProblemList) -> None:
    # Counted before any validation or compiling, so an overgrown ruleset is refused in milliseconds.
    size = ruleset_size_problem(documents)
    if size:
        problems.add(size)
        problems.raise_if_any()


def _build(documents: Mapping[str, Any], questionnaire: Questionnaire, checked: bool | None = None) -> Ruleset:
    problems = ProblemList(HEADER_FILE)
    if not (documents_pass_checks(documents) if checked is None else checked):
        _refuse_oversized(documents, problems)
        # Numbers first: every later step may format, convert or store them, and none can take a 5,000-digit one.
        for name, document in documents.items():
            number_problems(str(name), document, problems)
        problems.raise_if_any()
    if HEADER_FILE not in documents:
        problems.add("ruleset.yaml is missing: it declares the version, parameters and differentials")
        problems.raise_if_any()
    raw_header = documents[HEADER_FILE]
    header, parameters, differentials = read_header(raw_header, problems)
    check_header(raw_header, header, problems)
    context = RuleContext(problems, fact_catalog(questionnaire), parameters, differentials, set())
    rule_files = sorted(name for name in documents if name != HEADER_FILE)
    if not rule_files:
        problems.add("there are no rule files next to ruleset.yaml")
    first_seen: dict[str, tuple[str, int | None]] = {}
    rules = [rule for name in rule_files for rule in read_rule_file(name, documents[name], context, first_seen)]
    check_held_back_by(raw_header, header, rules, problems)
    check_engine_parameters(raw_header, parameters, problems)
    # A declared parameter no rule uses yet is allowed (an editor adds one before the rule that reads it); the rule
    # lint (triage/domain/governance/lint.py) reports it on every save instead.
    if header is None or problems.items:
        raise RulesetError(list(problems.items) or [RuleProblem(HEADER_FILE, None, None, "ruleset.yaml could not be read")])
    return _assemble(header, tuple(rules), questionnaire, context.facts, documents)


def _assemble(
    header: RulesetHeader,
    rules: tuple[Rule, ...],
    questionnaire: Questionnaire,
    facts: Mapping[str, Fact],
    documents: Mapping[str, Any],
) -> Ruleset:
    kinds = {fact_id: fact.kind for fact_id, fact in facts.items()}
    plan = compile_plan([(rule.id, rule.when) for rule in rules], kinds)
    canonical = canonical_json(documents)
    question_order = {q.id: i for i, q in enumerate(questionnaire.questions)}
    reads = fact_questions(plan, facts, questionnaire)
    return Ruleset(
        version=header.version,
        title=header.title,
        note=header.note,
        sha256=hashlib.sha256(canonical.encode("utf-8")).hexdigest(),
        parameters=dict(header.parameters),
        differentials=tuple(header.differentials),
        differential_places=differential_places(tuple(header.differentials)),
        rules=rules,
        questionnaire=questionnaire,
        facts=facts,
        canonical=canonical,
        plan=plan,
        evidence=EvidenceIndex.build(plan),
        question_order=question_order,
        relevant_questions=relevant_questions(plan.rules_reading, facts),
        min_answered_questions=min_answered(header.parameters),
        fact_questions=reads,
        blank_reads=blank_reads(plan, reads),
        derived=derived_reading(fact for fact, _ in plan.facts),
        unsure_readers=unsure_readers(plan.rules_reading, [rule.id for rule in rules], facts, question_order),
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
