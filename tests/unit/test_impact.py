"""The impact of a draft: past intakes evaluated with the published version and with the draft, over everything a clinician
reads, agree with evaluating every intake in full, whatever kind of change the draft makes."""

from __future__ import annotations

import copy
import datetime as dt
import random
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from triage.domain.engine.evaluate import Ruleset, RulesetError, evaluate, load_ruleset, load_ruleset_from_documents
from triage.domain.engine.impact import PastIntake, PatientImpact, Screen, changes_between, compare_answers, draft_impact
from triage.domain.questionnaire.questions import default_questionnaire, questionnaire_for
from triage.domain.questionnaire.synthetic import random_intake
from triage.domain.questionnaire.upgrade import upgrade_answers

ON = dt.date(2026, 11, 1)
BASE = load_ruleset()
CURRENT = default_questionnaire().version
OLD = "2026.11-1"  # answers given on this questionnaire are upgraded before the rules read them
Documents = dict[str, Any]
Intakes = dict[int, tuple[str, dict[str, Any]]]  # intake id -> (questionnaire version, stored answers)


def _intakes(count: int, seed: int, old_every: int = 5) -> Intakes:
    rng = random.Random(seed)
    found: Intakes = {}
    for i in range(count):
        version = OLD if i % old_every == old_every - 1 else CURRENT
        rate = rng.choice([0.5, 0.9])
        found[i] = (version, random_intake(questionnaire_for(version), rng, ON, answer_rate=rate))
    return found


INTAKES = _intakes(30, 7)


class Stored:
    """Stored answers in memory, as the database hands them out, remembering what was asked for."""

    def __init__(self, intakes: Intakes):
        self.intakes = intakes
        self.asked: list[tuple[tuple[int, ...] | None, frozenset[str] | None]] = []

    def answers(self, intake_ids: Sequence[int] | None, questions: Iterable[str] | None) -> dict[int, dict[str, Any]]:
        """Answers by intake: only these questions (all when None) of these intakes (all when None)."""
        wanted = None if questions is None else frozenset(questions)
        self.asked.append((None if intake_ids is None else tuple(intake_ids), wanted))
        ids = self.intakes if intake_ids is None else intake_ids
        return {i: {q: v for q, v in self.intakes[i][1].items() if wanted is None or q in wanted} for i in ids}


def past(intakes: Intakes) -> list[PastIntake]:
    """The intakes as the impact reads them."""
    return [PastIntake(i, version, ON) for i, (version, _answers) in intakes.items()]


def full_impact(published: Ruleset, draft: Ruleset, intakes: Intakes) -> list[PatientImpact]:
    """The oracle: every intake evaluated in full with both versions (old answers upgraded first)."""
    found = []
    for i, (version, answers) in intakes.items():
        given = upgrade_answers(answers) if version == OLD else dict(answers)
        changes = changes_between(evaluate(published, given, on=ON), evaluate(draft, given, on=ON))
        if changes:
            found.append(PatientImpact(i, changes))
    return found


def rules_of(documents: Documents) -> list[dict[str, Any]]:
    """Every rule dict of the documents (mutable, in file order)."""
    return [rule for name, doc in sorted(documents.items()) if name != "ruleset.yaml" for rule in doc["rules"]]


def _params(node: Any) -> set[str]:
    if isinstance(node, dict):
        return ({node["param"]} if "param" in node else set()) | {p for v in node.values() for p in _params(v)}
    if isinstance(node, list):
        return {p for item in node for p in _params(item)}
    return set()


def retire_rules(documents: Documents, rule_ids: Iterable[str]) -> None:
    """Remove rules, and the parameters only they used (as an editor would, leaving no parameter for the lint to flag)."""
    gone = set(rule_ids)
    before = _params([r["when"] for r in rules_of(documents)])
    for name, doc in documents.items():
        if name != "ruleset.yaml":
            doc["rules"] = [r for r in doc["rules"] if r["id"] not in gone]
    unused = before - _params([r["when"] for r in rules_of(documents)])
    parameters = documents["ruleset.yaml"]["parameters"]
    for name in unused:
        parameters.pop(name, None)


def reweigh(documents: Documents, rng: random.Random) -> None:
    """Change one differential rule's weight."""
    rule = rng.choice([r for r in rules_of(documents) if r["kind"] == "differential"])
    rule["weight"] = rng.choice([w for w in range(-10, 11) if w not in (0, rule["weight"])])


def flip_kind(documents: Documents, rng: random.Random) -> None:
    """Turn one caveat into a red flag (its effect changes, its condition does not)."""
    rule = rng.choice([r for r in rules_of(documents) if r["kind"] == "caveat"])
    rule.update(kind="red_flag", urgency=rng.choice(["soon", "urgent", "emergency"]), action="Act.")


def negate(documents: Documents, rng: random.Random) -> None:
    """Put NOT around one rule's condition."""
    rule = rng.choice(rules_of(documents))
    rule["when"] = {"not": rule["when"]}


def retire(documents: Documents, rng: random.Random) -> None:
    """Remove one rule of any kind."""
    retire_rules(documents, [rng.choice(rules_of(documents))["id"]])


def add_rules(documents: Documents, rng: random.Random) -> None:
    """Add a red flag, a test and a differential rule on common answers."""
    template = {k: v for k, v in rules_of(documents)[0].items() if k in ("title", "explanation", "source", "author", "reviewed")}
    new = [
        {**template, "id": "new_red_flag", "kind": "red_flag", "urgency": "soon", "action": "Act."},
        {**template, "id": "new_test", "kind": "investigation", "test": "A new test", "why": "Because."},
        {**template, "id": "new_weight", "kind": "differential", "differential": "ibs", "weight": rng.choice([3, 6])},
    ]
    conditions = [{"question": "symptoms", "includes": "bloating"}, {"question": "smoking", "equals": "never"}]
    for rule in new:
        rule["when"] = rng.choice(conditions)
    documents[sorted(n for n in documents if n != "ruleset.yaml")[0]]["rules"].extend(new)


def move_threshold(documents: Documents, rng: random.Random) -> None:
    """Change one differential's thresholds and whether red flags hold it back."""
    differential = rng.choice(documents["ruleset.yaml"]["differentials"])
    low = rng.randint(1, 4)
    differential["thresholds"] = {"low": low, "moderate": low + rng.randint(1, 3), "high": low + rng.randint(4, 8)}
    if not differential.get("held_back_by"):
        differential["held_back_by_red_flags"] = not differential.get("held_back_by_red_flags", False)


def reorder_differentials(documents: Documents, rng: random.Random) -> None:
    """Move one differential in the declaration order (ties are broken by it)."""
    differentials = documents["ruleset.yaml"]["differentials"]
    differentials.insert(rng.randrange(len(differentials)), differentials.pop(rng.randrange(len(differentials))))


def change_parameter(documents: Documents, rng: random.Random) -> None:
    """Change one age parameter (every rule using it changes its condition)."""
    parameters = documents["ruleset.yaml"]["parameters"]
    name = rng.choice([n for n, p in parameters.items() if p.get("unit") == "years"])
    parameters[name]["value"] = rng.choice([35, 45, 65])


def rename_test(documents: Documents, rng: random.Random) -> None:
    """Give one suggested test another name."""
    rule = rng.choice([r for r in rules_of(documents) if r["kind"] == "investigation"])
    rule["test"] = f"{rule['test']} (renamed)"


def change_urgency(documents: Documents, rng: random.Random) -> None:
    """Make one red flag more or less urgent."""
    rule = rng.choice([r for r in rules_of(documents) if r["kind"] == "red_flag"])
    rule["urgency"] = rng.choice([u for u in ("soon", "urgent", "emergency") if u != rule["urgency"]])


CHANGES: list[Callable[[Documents, random.Random], None]] = [
    reweigh,
    flip_kind,
    negate,
    retire,
    add_rules,
    move_threshold,
    reorder_differentials,
    change_parameter,
    rename_test,
    change_urgency,
]


def drafted(change: Callable[[Documents], None], base: Ruleset = BASE) -> Ruleset:
    """The base ruleset with one change, under its own version text (as a draft has)."""
    documents = copy.deepcopy(base.documents)
    documents["ruleset.yaml"]["version"] = "draft"
    change(documents)
    return load_ruleset_from_documents(documents)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(st.sampled_from(CHANGES), st.integers(0, 10_000))
def test_screening_then_evaluating_agrees_with_evaluating_every_intake_in_full(
    change: Callable[[Documents, random.Random], None], seed: int
) -> None:
    try:
        draft = drafted(lambda documents: change(documents, random.Random(seed)))
    except RulesetError:
        assume(False)  # e.g. a parameter moved past the other end of a 'between'
    report = draft_impact(BASE, draft, past(INTAKES), Stored(INTAKES))
    assert list(report.changed) == full_impact(BASE, draft, INTAKES)
    assert report.considered == len(INTAKES) and report.evaluated <= len(INTAKES)


def test_a_draft_that_changes_no_rule_reads_no_answer_and_changes_nothing() -> None:
    stored = Stored(INTAKES)
    report = draft_impact(BASE, drafted(lambda d: d["ruleset.yaml"].update(note="Another note.")), past(INTAKES), stored)
    assert (report.considered, report.evaluated, report.changed, stored.asked) == (len(INTAKES), 0, (), [])
    assert Screen(BASE, drafted(lambda d: None)).nothing_changes


def test_a_one_rule_change_reads_only_that_rules_answers_and_evaluates_only_the_intakes_it_can_touch() -> None:
    caveat = next(r for r in BASE.rules if r.kind == "caveat")
    draft = drafted(lambda d: retire_rules(d, [caveat.id]))
    screen = Screen(BASE, draft)
    assert screen.touched == {caveat.id} and not screen.everyone
    current = {i: entry for i, entry in INTAKES.items() if entry[0] == CURRENT}
    stored = Stored(current)
    report = draft_impact(BASE, draft, past(current), stored)
    first_ids, first_questions = stored.asked[0]
    assert first_questions is not None and first_questions == screen.questions and len(first_questions) < 10
    assert report.evaluated < report.considered
    assert list(report.changed) == full_impact(BASE, draft, current)


def test_a_setting_the_screen_does_not_know_sends_every_intake_to_full_evaluation() -> None:
    topic = sorted(n for n in BASE.documents if n != "ruleset.yaml")[0]
    draft = drafted(lambda d: d[topic].update(topic=f"{d[topic].get('topic', '')} (renamed)"))
    report = draft_impact(BASE, draft, past(INTAKES), Stored(INTAKES))
    assert Screen(BASE, draft).everyone and report.evaluated == len(INTAKES) and report.changed == ()


def test_answers_given_on_the_earlier_questionnaire_are_upgraded_before_both_versions_read_them() -> None:
    rng = random.Random(3)
    answers = random_intake(questionnaire_for(OLD), rng, ON, answer_rate=0.9)
    compared = compare_answers(BASE, BASE, answers, PastIntake(1, OLD, ON))
    assert compared.published == evaluate(BASE, upgrade_answers(answers), on=ON) and compared.changes == ()
