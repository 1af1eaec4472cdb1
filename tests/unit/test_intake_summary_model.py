"""The intake page's summary model: the top differentials and what carries them, key tests with their caveat, questions."""

from __future__ import annotations

import datetime as dt

from tests.unit.test_ask_first import CANCER
from triage.domain.engine.evaluate import evaluate, load_ruleset
from triage.domain.engine.result_view import Item
from triage.domain.questionnaire.questions import default_questionnaire
from triage.domain.report.ask_first import ask_first
from triage.domain.report.model import build_report
from triage.domain.report.summary import FIRST_QUESTIONS, MOST_TESTS, intake_summary, key_test

ON = dt.date(2026, 11, 1)
GLUTEN_FREE = Item("cav_gluten_free_serology", "Eating little or no gluten - coeliac tests unreliable", "Eat gluten first.", "")
PPI = Item("cav_ppi_h_pylori_tests", "PPI in the last 2 weeks - H. pylori breath and stool tests unreliable", "Stop it.", "")
NCGS = Item("cav_ncgs", "Coeliac disease must be excluded before gluten sensitivity is considered", "", "")


def test_a_test_carries_the_caveat_that_changes_how_it_is_done() -> None:
    serology = Item("t", "tTG-IgA with total IgA (while eating gluten)", "", "")
    assert key_test(serology, [NCGS, PPI, GLUTEN_FREE]).caveat == GLUTEN_FREE.title  # not the unrelated gluten one
    breath = Item("t", "H. pylori urea breath test or stool antigen test", "", "")
    assert key_test(breath, [GLUTEN_FREE, PPI]).caveat == PPI.title
    assert key_test(Item("t", "Urea and electrolytes", "", ""), [GLUTEN_FREE, PPI]).caveat == ""


def test_the_summary_of_a_suspected_cancer() -> None:
    ruleset = load_ruleset()
    result = evaluate(ruleset, CANCER, on=ON)
    report = build_report(default_questionnaire(), CANCER, result.to_dict(), ON)
    questions = ask_first(ruleset, CANCER, ON)
    summary = intake_summary(report, questions)
    assert summary.urgency == report.top_urgency and summary.flags[0] == report.red_flags[0]
    assert summary.differentials[0].name == report.differentials[0].name
    assert summary.differentials[0].findings == tuple(f.title for f in report.differentials[0].findings_for[:2])
    assert all(d.level.suggested for d in summary.differentials) and len(summary.differentials) <= 3
    suggested = [i.title for i in report.investigations if not i.deferred]
    assert [t.title for t in summary.tests] == suggested[:MOST_TESTS]
    assert summary.questions == tuple(q for q in questions if q.weight > 0)[:FIRST_QUESTIONS]
    assert "plant_based" not in {q.question for q in summary.questions}
    assert summary.more_questions == len(questions) - len(summary.questions)
