"""Every bundled questionnaire version stays loadable by its version string; rules never read a table question."""

from __future__ import annotations

from pathlib import Path

import pytest

from triage.domain.engine.conditions import ConditionReader, Where
from triage.domain.engine.facts import TABLE, fact_catalog
from triage.domain.errors import ProblemList
from triage.domain.questionnaire import questions
from triage.domain.questionnaire.problems import QuestionnaireError
from triage.domain.questionnaire.questions import (
    bundled_questionnaire_path,
    bundled_versions,
    default_questionnaire,
    load_questionnaire,
    parse_questionnaire,
    questionnaire_for,
)

V1 = "2026.11-1"
ARCHIVE = bundled_questionnaire_path().parent / "versions"


def test_version_1_loads_from_its_archived_file_unchanged() -> None:
    v1 = questionnaire_for(V1)
    assert v1.version == V1
    assert v1 == load_questionnaire(ARCHIVE / f"{V1}.yaml")
    assert "takes_ppi" in v1.by_id and "symptoms_started_months" in v1.by_id


def test_each_version_is_loaded_once_per_process() -> None:
    assert questionnaire_for(V1) is questionnaire_for(V1)
    assert default_questionnaire() is default_questionnaire()


def test_the_current_version_is_the_default_one() -> None:
    current = default_questionnaire()
    assert questionnaire_for(current.version) is current
    assert bundled_versions()[-1] == current.version


def test_bundled_versions_lists_every_archived_and_the_current_version_once() -> None:
    versions = bundled_versions()
    assert V1 in versions
    assert len(set(versions)) == len(versions)
    for version in versions:
        assert questionnaire_for(version).version == version


@pytest.mark.parametrize("version", ["2099.01-9", "", "../questionnaire", "versions/2026.11-1", "2026.11-1.yaml"])
def test_an_unknown_version_is_a_key_error(version: str) -> None:
    with pytest.raises(KeyError):
        questionnaire_for(version)


def test_version_1_has_one_section_per_step_and_ends_with_the_review() -> None:
    v1 = questionnaire_for(V1)
    assert [(s.id, s.title) for s in v1.sections] == [(s.id, s.title) for s in v1.steps]
    assert all(step.section == step.id for step in v1.steps)
    number, section = v1.section_of("review")
    assert number == len(v1.sections) and section.id == "review"
    assert v1.section_of(v1.steps[0]) == (1, v1.sections[0])


def test_an_archived_file_whose_version_differs_from_its_name_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "2000.01-1.yaml").write_text((ARCHIVE / f"{V1}.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(questions, "_archive_dir", lambda: tmp_path)
    monkeypatch.setattr(questions, "_LOADED", {"": default_questionnaire()})
    with pytest.raises(QuestionnaireError, match="the file says version '2026.11-1', but its name says '2000.01-1'"):
        questionnaire_for("2000.01-1")


TABLE_FORM = {
    "version": "t",
    "steps": [
        {
            "id": "medicines",
            "title": "Medicines",
            "questions": [
                {
                    "id": "current_medicines",
                    "type": "table",
                    "label": "Medicines you take now",
                    "columns": [{"id": "name", "label": "Medicine"}, {"id": "dose", "label": "Dose"}],
                }
            ],
        }
    ],
}


@pytest.mark.parametrize("condition", [{"answered": True}, {"equals": "omeprazole"}, {"includes": "omeprazole"}])
def test_a_rule_reading_a_table_question_is_refused_naming_it(condition: dict) -> None:
    facts = fact_catalog(parse_questionnaire(TABLE_FORM))
    assert facts["current_medicines"].kind == TABLE
    problems = ProblemList("rules/medicines.yaml")
    node = ConditionReader(facts, {}, problems, "r1").read({"question": "current_medicines", **condition}, Where({}))
    assert node is None
    (problem,) = problems.items
    assert problem.rule == "r1"
    assert problem.message.startswith("'current_medicines' is a table")
    assert "never read by rules" in problem.message
