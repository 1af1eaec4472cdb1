"""The derived facts' version: bumped with every change of the code computing them, and recorded with each result."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from triage.domain.engine.accuracy import AccuracyReport, measure_accuracy, render_accuracy_text
from triage.domain.engine.evaluate import evaluate, load_ruleset
from triage.domain.engine.result import Result, ResultFormatError
from triage.domain.questionnaire import derived_version
from triage.domain.questionnaire.derived_version import DERIVED_FACTS_VERSION, derived_facts_digest

# One digest per version of the derived facts' code (triage.domain.questionnaire.derived_version.DERIVED_MODULES).
# When the code changes: bump DERIVED_FACTS_VERSION if any derived fact now means something else (a value, a
# threshold, a question read), and pin the new digest under the new number; a change that keeps every meaning
# (a rename, a faster computation) pins the new digest under the same number. Comments and docstrings do not count.
PINNED_DIGESTS = {
    1: "f9ef718fa788190a662a4523fe61cbc7ae9d06bc2fad3d33fb34da949d01d742",
    2: "f6de2df94b5348549ec996bbb3174121911d3f8675f45dc3cb42de1a7516185d",
}
ON = dt.date(2026, 12, 7)
ANSWERS = {"date_of_birth": "1960-01-01", "sex_at_birth": "male", "symptoms": ["diarrhoea"], "stool_blood": "yes"}


def test_the_derived_facts_code_matches_the_digest_pinned_for_its_version() -> None:
    assert DERIVED_FACTS_VERSION in PINNED_DIGESTS, f"pin the digest of derived facts version {DERIVED_FACTS_VERSION}"
    assert derived_facts_digest() == PINNED_DIGESTS[DERIVED_FACTS_VERSION], (
        "the derived facts' code changed: bump DERIVED_FACTS_VERSION if a derived fact's meaning changed, "
        f"then pin {derived_facts_digest()} for that version in PINNED_DIGESTS"
    )


def test_each_version_has_its_own_digest_and_versions_only_go_up() -> None:
    assert len(set(PINNED_DIGESTS.values())) == len(PINNED_DIGESTS)
    assert DERIVED_FACTS_VERSION == max(PINNED_DIGESTS)


def test_the_digest_ignores_comments_and_docstrings_but_not_code() -> None:
    source = '"""Doc."""\n\ndef f(x):\n    """Doc."""\n    return x + 1  # why\n'
    same = '"""Other words."""\n\n\ndef f(x):\n    # another comment\n    return x + 1\n'
    changed = '"""Doc."""\n\ndef f(x):\n    """Doc."""\n    return x + 2\n'

    def canonical(text: str) -> str:
        return derived_version._canonical(derived_version._without_docstrings(derived_version.ast.parse(text)))

    assert canonical(source) == canonical(same)
    assert canonical(source) != canonical(changed)


def test_every_module_a_derived_fact_is_computed_in_is_covered() -> None:
    computed_in = {d.compute.__module__ for d in derived_version.derived.DERIVED_FACTS}
    covered = {module.__name__ for module in derived_version.DERIVED_MODULES}
    assert computed_in <= covered


def test_a_result_records_the_derived_facts_version_beside_the_ruleset() -> None:
    ruleset = load_ruleset()
    result = evaluate(ruleset, ANSWERS, on=ON)
    assert ruleset.derived_facts_version == DERIVED_FACTS_VERSION == result.derived_facts_version
    stamp = result.to_dict()["ruleset"]
    assert stamp == {"version": ruleset.version, "hash": ruleset.sha256, "derived_facts": DERIVED_FACTS_VERSION}
    assert Result.from_dict(json.loads(json.dumps(result.to_dict()))).derived_facts_version == DERIVED_FACTS_VERSION


def test_a_result_stored_before_the_version_was_recorded_reads_back_unchanged() -> None:
    stored = evaluate(load_ruleset(), ANSWERS, on=ON).to_dict()
    del stored["ruleset"]["derived_facts"]
    again = Result.from_dict(stored)
    assert again.derived_facts_version is None
    assert again.to_dict() == stored


@pytest.mark.parametrize("bad", ["1", 0, 1.0, True])
def test_a_stored_version_that_is_not_a_version_number_is_refused(bad: object) -> None:
    stored = evaluate(load_ruleset(), ANSWERS, on=ON).to_dict()
    stored["ruleset"]["derived_facts"] = bad
    with pytest.raises(ResultFormatError, match="derived_facts"):
        Result.from_dict(stored)


def test_the_accuracy_figures_say_which_derived_facts_measured_them() -> None:
    report = measure_accuracy(load_ruleset(), [])
    assert report.derived_facts_version == DERIVED_FACTS_VERSION
    stored = json.loads(json.dumps(report.to_dict()))
    assert stored["ruleset"]["derived_facts"] == DERIVED_FACTS_VERSION
    assert AccuracyReport.from_dict(stored) == report
    assert f", derived facts {DERIVED_FACTS_VERSION}) on 0 library cases" in render_accuracy_text(report)


def test_figures_stored_before_the_version_was_recorded_read_back_without_one() -> None:
    stored = measure_accuracy(load_ruleset(), []).to_dict()
    del stored["ruleset"]["derived_facts"]
    report = AccuracyReport.from_dict(stored)
    assert report.derived_facts_version is None and report.to_dict() == stored
    assert "derived facts" not in render_accuracy_text(report)
