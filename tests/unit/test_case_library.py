"""The case library's files: each case cited, answered on a real questionnaire, and every mistake named by file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from triage.domain.engine.case_library import load_case_library
from triage.domain.engine.ruleset import load_ruleset
from triage.domain.errors import RulesetError

CASE = """\
cases:
  - id: lib_sample
    source: {title: "A report", published: "A journal, 2020", kind: case_report}
    summary: A 40-year-old man with heartburn.
    diagnosis: Reflux
    tags: [typical]
    on: "2026-11-01"
    answers:
      date_of_birth: "1986-02-03"
      sex_at_birth: male
      symptoms: [heartburn]
    expect:
      in_top_3: [gerd]
"""


def _write(tmp_path: Path, text: str, name: str = "a.yaml") -> Path:
    (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def _problems(folder: Path, with_rules: bool = False) -> str:
    with pytest.raises(RulesetError) as raised:
        load_case_library(folder, load_ruleset() if with_rules else None)
    return str(raised.value)


def test_a_cited_case_loads_with_typed_answers_on_the_current_questionnaire(tmp_path: Path) -> None:
    (case,) = load_case_library(_write(tmp_path, CASE), load_ruleset())
    assert case.id == "lib_sample"
    assert case.source.published == "A journal, 2020"
    assert case.answers["symptoms"] == ["heartburn"]
    assert case.questionnaire_version == load_ruleset().questionnaire.version


def test_a_case_without_its_source_is_refused(tmp_path: Path) -> None:
    text = CASE.replace('    source: {title: "A report", published: "A journal, 2020", kind: case_report}\n', "")
    assert "source" in _problems(_write(tmp_path, text))


def test_an_unknown_source_kind_or_tag_is_named(tmp_path: Path) -> None:
    assert "kind" in _problems(_write(tmp_path, CASE.replace("case_report", "rumour")))
    assert "tags" in _problems(_write(tmp_path, CASE.replace("[typical]", "[famous]"), "b.yaml"))


def test_a_bad_answer_names_the_question_file_and_line(tmp_path: Path) -> None:
    message = _problems(_write(tmp_path, CASE.replace("[heartburn]", "[hiccups]")))
    assert "a.yaml, line" in message and "symptoms" in message


def test_an_id_the_ruleset_does_not_know_gets_a_suggestion(tmp_path: Path) -> None:
    message = _problems(_write(tmp_path, CASE.replace("[gerd]", "[gerdd]")), with_rules=True)
    assert "'gerdd' is not a differential" in message and "Did you mean 'gerd'?" in message


def test_a_case_id_used_twice_is_refused(tmp_path: Path) -> None:
    _write(tmp_path, CASE)
    assert "used twice" in _problems(_write(tmp_path, CASE, "b.yaml"))


def test_an_empty_folder_or_file_is_refused(tmp_path: Path) -> None:
    assert "no case library files" in _problems(tmp_path)
    assert "single key, 'cases'" in _problems(_write(tmp_path, "cases: []\n"))


def test_a_bad_intake_date_is_refused(tmp_path: Path) -> None:
    assert "YYYY-MM-DD" in _problems(_write(tmp_path, CASE.replace('"2026-11-01"', '"1 Nov 2026"')))


def test_an_answer_to_a_question_the_form_would_not_ask_is_refused(tmp_path: Path) -> None:
    text = CASE.replace(
        "      symptoms: [heartburn]\n", "      symptoms: [heartburn]\n      warning_signs: [none]\n      weight_lost_kg: 8\n"
    )
    assert "'weight_lost_kg' is not asked with these answers" in _problems(_write(tmp_path, text))
