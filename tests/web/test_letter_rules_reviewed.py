"""Specification: the letter's footer states how many of the evaluating ruleset's rules were clinically reviewed.

The count is read as it stood when the ruleset evaluated the intake, so a letter reads the same however many rules
are signed off later; an intake evaluated after a sign-off counts it.
"""

from __future__ import annotations

from flask import Flask

from tests.helpers.letters import CASES, letter_pdf, page_text, stored_case
from triage.db import rule_signoffs
from triage.db.evaluations import bundled_ruleset
from triage.domain.governance.signoff import ruleset_statuses

RULE = "aig_b12_test_abnormal"


def _sign_off(app: Flask) -> None:
    """A clinician signs off one bundled rule as it stands."""
    documents = bundled_ruleset().documents
    content, status = ruleset_statuses(documents, [])[RULE]
    with app.extensions["triage_db"].session() as session:
        rule_signoffs.sign_off(
            session,
            RULE,
            content,
            status.sha256,
            title="B12 test not normal",
            ruleset_label="2026.1",
            signed_by="dr.signer@example.org",
            comment="Checked against BSH 2014.",
        )


def _footer(app: Flask, intake_id: int) -> str:
    text = page_text(letter_pdf(app, intake_id))
    return " ".join(text.split())


def test_the_footer_counts_the_rules_signed_off_when_the_intake_was_evaluated(app: Flask) -> None:
    total = len(ruleset_statuses(bundled_ruleset().documents, []))
    answers = next(iter(CASES.values()))
    before = stored_case(app, "REV-1", answers)
    assert f"0 of {total} rules clinically reviewed" in _footer(app, before)
    _sign_off(app)
    assert f"0 of {total} rules clinically reviewed" in _footer(app, before)  # signed off after it was evaluated
    after = stored_case(app, "REV-2", answers)
    assert f"1 of {total} rules clinically reviewed" in _footer(app, after)
    with app.extensions["triage_db"].session() as session:
        assert rule_signoffs.reviewed_when_evaluated(session, 999_999) is None  # no such evaluation
