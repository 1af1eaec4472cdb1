"""Accuracy on the case library: each measure counts what issue 13 defines, and the report survives storage."""

from __future__ import annotations

import datetime as dt
from typing import Any

from triage.domain.engine.accuracy import AccuracyReport, compare_red_flags, measures_of, render_accuracy_text
from triage.domain.engine.accuracy_checks import check_library_case
from triage.domain.engine.case_library import LibraryCase, LibraryExpectation, Source
from triage.domain.engine.result import Result


def _case(**expect: Any) -> LibraryCase:
    source = Source(title="A report", published="A journal, 2020", kind="case_report")
    return LibraryCase(
        "lib_x",
        "x.yaml",
        "A report",
        source,
        "a diagnosis",
        (),
        dt.date(2026, 11, 1),
        "2026.12-2",
        {},
        LibraryExpectation(**expect),
    )


def _differential(name: str, score: int, level: str = "moderate", held: bool = False) -> dict[str, Any]:
    return {"id": name, "name": name, "score": score, "level": level, "held_back": held, "for": [], "against": []}


def _result(
    flags: tuple[str, ...] = (),
    ranked: tuple[dict[str, Any], ...] = (),
    caveats: tuple[str, ...] = (),
    tests: tuple[str, ...] = (),
) -> Result:
    return Result.from_dict(
        {
            "ruleset": {"version": "t", "hash": "0" * 64},
            "red_flags": [
                {"id": f, "title": f, "urgency": "urgent", "action": "Warrants", "because": [], "explanation": "", "source": ""}
                for f in flags
            ],
            "differentials": list(ranked),
            "caveats": [{"id": c, "title": c, "explanation": "", "because": [], "source": ""} for c in caveats],
            "investigations": [{"test": t, "why": [], "rules": []} for t in tests],
        }
    )


def test_every_expected_flag_must_be_raised_for_the_case_to_count() -> None:
    check = check_library_case(_case(red_flags=["rf_a", "rf_b"]), _result(flags=("rf_a",)))
    assert check.flags == (1, 2)
    assert any("rf_b was not raised" in f for f in check.failures)
    measure = measures_of([check])[0]
    assert (measure.key, measure.numerator, measure.denominator) == ("red_flag_sensitivity", 0, 1)
    assert measure.detail == "1 of 2 expected flags missed"


def test_a_tie_at_the_top_is_not_ranked_first() -> None:
    tied = _result(ranked=(_differential("crohns", 9), _differential("uc", 9)))
    assert check_library_case(_case(first="crohns"), tied).first == (0, 1)
    alone = _result(ranked=(_differential("crohns", 9), _differential("uc", 8)))
    assert check_library_case(_case(first="crohns"), alone).first == (1, 1)


def test_a_held_back_differential_is_never_first() -> None:
    held = _result(ranked=(_differential("ibs", 6, held=True),))
    check = check_library_case(_case(first="ibs", not_first=["ibs"]), held)
    assert check.first == (0, 1)
    assert check.violation == 0


def test_a_tie_with_the_third_place_counts_as_in_the_top_3() -> None:
    ranked = tuple(_differential(n, s) for n, s in (("a", 9), ("b", 8), ("c", 5), ("d", 5), ("e", 4)))
    assert check_library_case(_case(in_top_3=["d"]), _result(ranked=ranked)).top_3 == (1, 1)
    assert check_library_case(_case(in_top_3=["d", "e"]), _result(ranked=ranked)).top_3 == (0, 1)


def test_a_must_not_rank_first_condition_at_the_top_is_a_violation() -> None:
    check = check_library_case(_case(not_first=["gerd"]), _result(ranked=(_differential("gerd", 4),)))
    assert check.violation == 1
    assert measures_of([check])[5].met is False


def test_tests_match_by_words_and_unwanted_tests_are_counted() -> None:
    result = _result(tests=("Gastroscopy with duodenal biopsies (1-2 from the bulb)", "SeHCAT scan"))
    check = check_library_case(_case(tests=["duodenal BIOPSIES", "tTG-IgA"], no_tests=["sehcat"]), result)
    assert check.tests == (1, 2)
    assert check.unwanted_tests == 1


def test_a_test_deferred_while_an_emergency_stands_is_not_counted_as_suggested() -> None:
    result = _result(tests=("SeHCAT scan",))
    deferred = Result.from_dict(
        {**result.to_dict(), "investigations": [{"test": "SeHCAT scan", "why": [], "rules": [], "deferred": True}]}
    )
    assert check_library_case(_case(tests=["SeHCAT"]), deferred).tests == (0, 1)
    assert check_library_case(_case(no_tests=["SeHCAT"]), deferred).unwanted_tests == 0


def test_the_too_few_answers_expectation_is_checked_both_ways() -> None:
    few = Result.from_dict({**_result().to_dict(), "answers_too_few": True})
    assert check_library_case(_case(too_few_answers=True), few).failures == []
    assert check_library_case(_case(too_few_answers=False), few).failures != []
    assert check_library_case(_case(too_few_answers=True), _result()).failures != []


def test_caveats_are_counted_one_by_one() -> None:
    check = check_library_case(_case(caveats=["cav_a", "cav_b"]), _result(caveats=("cav_b",)))
    assert check.caveats == (1, 2)


def test_a_measure_no_case_asks_for_is_not_a_failure() -> None:
    figures = {m.key: m for m in measures_of([check_library_case(_case(), _result())])}
    assert figures["first"].percent is None
    assert figures["first"].met


def _report(met: dict[str, bool | None]) -> AccuracyReport:
    return AccuracyReport.from_dict(
        {
            "ruleset": {"version": "v", "hash": "1" * 64},
            "measures": [],
            "cases": [{"id": k, "title": k, "failures": [] if v else ["x"], "red_flags_met": v} for k, v in met.items()],
        }
    )


def test_a_draft_that_loses_a_red_flag_case_is_named() -> None:
    published = _report({"a": True, "b": True, "c": None, "d": False})
    draft = _report({"a": True, "b": False, "c": None, "d": False})
    assert compare_red_flags(published, draft) == ["b"]


def test_the_report_is_stored_and_read_back_unchanged() -> None:
    check = check_library_case(_case(red_flags=["rf_a"], first="x"), _result(flags=("rf_a",)))
    report = AccuracyReport("v1", "2" * 64, measures_of([check]), ())
    assert AccuracyReport.from_dict(report.to_dict()) == report
    text = render_accuracy_text(report)
    assert "Red-flag sensitivity" in text and "100 % (1/1)" in text
