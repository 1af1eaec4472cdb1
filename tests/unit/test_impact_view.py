"""What the impact view tells a rules editor: each kind of change a clinician would read, counted per patient in plain words."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from tests.unit.test_impact import BASE, CURRENT, ON, Intakes, Stored, drafted, past, retire_rules, rules_of
from triage.domain.engine import impact_compare as kinds
from triage.domain.engine.evaluate import Result, Ruleset, evaluate
from triage.domain.engine.impact import Change, DraftReport, Names, draft_impact, line, read, sentence
from triage.domain.questionnaire.questions import default_questionnaire
from triage.domain.questionnaire.synthetic import random_intake

NAMES = Names.of(BASE)


def _many(count: int, seed: int) -> Intakes:
    rng = random.Random(seed)
    questionnaire = default_questionnaire()
    return {i: (CURRENT, random_intake(questionnaire, rng, ON, answer_rate=rng.choice([0.6, 0.95]))) for i in range(count)}


INTAKES = _many(150, 21)
RESULTS = {i: evaluate(BASE, answers, on=ON) for i, (_v, answers) in INTAKES.items()}


def showing(predicate: Callable[[Result], bool]) -> set[int]:
    """The intakes whose published result satisfies the predicate."""
    return {i for i, result in RESULTS.items() if predicate(result)}


def impact(draft: Ruleset, published: Ruleset = BASE, intakes: Intakes = INTAKES) -> DraftReport:
    """The report over the sample intakes."""
    return draft_impact(published, draft, past(intakes), Stored(intakes))


def reached(report: DraftReport, change: Change) -> set[int]:
    """The intakes that have this change."""
    return {p.intake_id for p in report.changed if change in p.changes}


def counted(report: DraftReport, change: Change) -> int:
    """The number the summary gives for this change."""
    return dict(report.tally()).get(change, 0)


def _shown_caveat() -> str:
    counts: dict[str, int] = {}
    for result in RESULTS.values():
        for caveat in result.caveats:
            counts[caveat.id] = counts.get(caveat.id, 0) + 1
    return max(counts, key=counts.__getitem__)


def test_removing_a_caveat_a_patients_summary_shows_is_reported_for_every_such_patient() -> None:
    caveat = _shown_caveat()
    patients = showing(lambda r: caveat in {c.id for c in r.caveats})
    report = impact(drafted(lambda d: retire_rules(d, [caveat])))
    lost = Change(kinds.CAVEAT_REMOVED, caveat)
    assert patients and reached(report, lost) == patients and counted(report, lost) == len(patients)
    assert report.count(kinds.CAVEAT_KINDS) == len(patients)
    title = BASE.rule(caveat).title
    assert sentence(lost, len(patients), NAMES) == f"{len(patients)} patients would lose the caveat “{title}”"
    assert line(lost, NAMES) == f"Would lose the caveat “{title}”"


def test_a_test_removed_and_a_test_added_are_reported() -> None:
    suggested: dict[str, int] = {}
    for result in RESULTS.values():
        for investigation in result.investigations:
            suggested[investigation.test] = suggested.get(investigation.test, 0) + 1
    test = max(suggested, key=suggested.__getitem__)
    rules = [r.id for r in BASE.rules if r.kind == "investigation" and r.test == test]
    removed = impact(drafted(lambda d: retire_rules(d, rules)))
    assert reached(removed, Change(kinds.TEST_REMOVED, test)) == showing(lambda r: test in {i.test for i in r.investigations})
    # The other way round: the version now published lacks the test and the draft suggests it.
    added = impact(BASE, published=drafted(lambda d: retire_rules(d, rules)))
    assert reached(added, Change(kinds.TEST_ADDED, test)) == reached(removed, Change(kinds.TEST_REMOVED, test))
    assert sentence(Change(kinds.TEST_ADDED, test), 1, NAMES) == f"1 patient would gain the suggested test “{test}”"


def _raised_flag() -> str:
    counts: dict[str, int] = {}
    for result in RESULTS.values():
        for flag in result.red_flags:
            counts[flag.id] = counts.get(flag.id, 0) + 1
    return max(counts, key=counts.__getitem__)


def test_a_red_flag_dropped_and_one_made_less_urgent_are_reported() -> None:
    flag = _raised_flag()
    urgency = BASE.rule(flag).urgency
    raised = showing(lambda r: flag in {f.id for f in r.red_flags})
    dropped = impact(drafted(lambda d: retire_rules(d, [flag])))
    assert reached(dropped, Change(kinds.FLAG_LOST, flag, before=urgency)) == raised
    assert dropped.flags_lost == len(raised)
    other = next(u for u in ("soon", "urgent") if u != urgency)

    def soften(documents: dict[str, Any]) -> None:
        next(r for r in rules_of(documents) if r["id"] == flag)["urgency"] = other

    softened = impact(drafted(soften))
    assert reached(softened, Change(kinds.FLAG_URGENCY, flag, urgency, other)) == raised
    assert sentence(Change(kinds.FLAG_URGENCY, flag, urgency, other), 2, NAMES) == (
        f"2 patients would see the red flag “{BASE.rule(flag).title}” change from {urgency.capitalize()} to {other.capitalize()}"
    )


def _weighed(rule: str, weight: int) -> Ruleset:
    def change(documents: dict[str, Any]) -> None:
        next(r for r in rules_of(documents) if r["id"] == rule)["weight"] = weight

    return drafted(change)


def _lifted() -> tuple[int, str, Ruleset]:
    """An intake without red flags whose clear second differential a heavier finding lifts to first, at a higher level."""
    for i, result in RESULTS.items():
        if result.red_flags or len(result.differentials) < 2 or list(read(result).ranks.values())[:2] != ["1", "2"]:
            continue
        second = result.differentials[1]
        for finding in second.findings_for:
            draft = _weighed(finding.rule, 10)
            after = read(evaluate(draft, INTAKES[i][1], on=ON))
            if after.ranks.get(second.id) == "1" and after.levels[second.id] != second.level.value:
                return i, second.id, draft
    raise LookupError("no intake in the sample where one heavier finding lifts the second differential to first")


def test_a_weight_that_lifts_a_differential_reports_its_rank_its_level_and_the_first_ranked_change() -> None:
    intake, differential, draft = _lifted()
    result = RESULTS[intake]
    first, level = result.differentials[0].id, result.differentials[1].level.value
    new_level = read(evaluate(draft, INTAKES[intake][1], on=ON)).levels[differential]
    report = impact(draft, intakes={intake: INTAKES[intake]})
    [patient] = report.changed
    assert Change(kinds.RANK, differential, "2", "1") in patient.changes
    assert Change(kinds.LEVEL, differential, level, new_level) in patient.changes
    assert Change(kinds.TOP, "first", first, differential) in patient.changes
    assert any(c.kind == kinds.RANK and c.subject == first and c.before == "1" for c in patient.changes)
    name = NAMES.differential(differential)
    assert (
        sentence(Change(kinds.RANK, differential, "2", "1"), 5, NAMES)
        == f"5 patients would see {name} move from rank 2 to rank 1"
    )
    assert line(Change(kinds.LEVEL, differential, level, new_level), NAMES) == (
        f"Would see {name} go from {level.capitalize()} suspicion to {new_level.capitalize()} suspicion"
    )
    assert (report.top_changed, report.level_changed) == (1, 1)


def _asked_question() -> tuple[str, tuple[str, ...]]:
    for result in RESULTS.values():
        for missing in result.missing:
            return missing.question, missing.rules
    raise LookupError("no intake in the sample leaves a question the rules need blank")


def test_a_question_to_ask_at_the_visit_gained_or_lost_is_reported() -> None:
    question, rules = _asked_question()
    without = drafted(lambda d: retire_rules(d, rules))
    asked = showing(lambda r: question in {m.question for m in r.missing})
    still = {i for i, (_v, a) in INTAKES.items() if question in {m.question for m in evaluate(without, a, on=ON).missing}}
    lost = impact(without)
    assert reached(lost, Change(kinds.ASK_REMOVED, question)) == asked - still != set()
    gained = impact(BASE, published=without)
    assert reached(gained, Change(kinds.ASK_ADDED, question)) == asked - still
    label = NAMES.question(question)
    assert (
        sentence(Change(kinds.ASK_ADDED, question), 1, NAMES)
        == f"1 patient would gain the question to ask at the visit “{label}”"
    )


def test_the_summary_counts_each_change_once_per_patient_most_reached_first_within_its_kind() -> None:
    caveats = sorted({c.id for r in RESULTS.values() for c in r.caveats})[:2]
    report = impact(drafted(lambda d: retire_rules(d, caveats)))
    tally = [(change, count) for change, count in report.tally() if change.kind == kinds.CAVEAT_REMOVED]
    shown_by = {c: len(showing(lambda r, c=c: c in {x.id for x in r.caveats})) for c in caveats}
    assert [change.subject for change, _ in tally] == sorted(caveats, key=lambda c: (-shown_by[c], c))
    assert all(count == len(reached(report, change)) for change, count in tally)


def test_a_draft_evaluated_against_itself_changes_nothing_a_clinician_reads() -> None:
    report = impact(drafted(lambda d: None))
    assert report.changed == () and report.evaluated == 0


def test_ties_and_held_back_first_places_read_as_words() -> None:
    tied = Change(kinds.TOP, "first", "crohns_disease", f"crohns_disease{kinds.TIE}ulcerative_colitis")
    names = Names(differentials={"crohns_disease": "Crohn's disease", "ulcerative_colitis": "Ulcerative colitis"})
    assert line(tied, names) == (
        "Would see the first-ranked condition change from Crohn's disease to Crohn's disease and Ulcerative colitis tied"
    )
    held = Change(kinds.TOP, "first", "crohns_disease", "")
    assert line(held, names).endswith("to no condition ranked first")
    listed = Change(kinds.LISTED, "crohns_disease", after=f"3{kinds.TIED}", detail="low")
    assert line(listed, names) == "Would see Crohn's disease newly listed, at rank 3 (tied) (Low suspicion)"
