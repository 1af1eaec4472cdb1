"""`triage rules check | test | evaluate`: useful output, and a clear message (never a traceback) on bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from triage.cli.rules import rules
from triage.paths import resource_dir

RULES = resource_dir("rules")


def run(*args: str) -> Result:
    result = CliRunner().invoke(rules, list(args))
    assert "Traceback" not in result.output
    if result.exit_code not in (0, 1):
        raise AssertionError(f"exit code {result.exit_code}: {result.output}")
    return result


def answers_file(tmp_path: Path, content: object | str) -> str:
    path = tmp_path / "answers.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return str(path)


def copy_rules(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(RULES, target)
    return target


def test_check_reports_the_bundled_ruleset() -> None:
    result = run("check")
    assert result.exit_code == 0
    assert result.output.startswith("OK: ruleset 2026.1 (sha256 ") and "16 differentials" in result.output
    assert "The rule lint has " in result.output and " to check" in result.output


def test_check_accepts_a_parameter_no_rule_uses_and_names_it_as_a_lint_finding(tmp_path: Path) -> None:
    directory = copy_rules(tmp_path)
    header = directory / "ruleset.yaml"
    spare = "\n  spare_days:\n    value: 7\n    unit: days\n    description: Not used yet.\n    source: Local choice\n"
    header.write_text(header.read_text(encoding="utf-8").replace("\nparameters:\n", "\nparameters:" + spare, 1), encoding="utf-8")
    result = run("check", str(directory))
    assert result.exit_code == 0, result.output
    assert "  ruleset: The parameter “spare_days” is not used by any rule." in result.output


def test_test_runs_every_case() -> None:
    result = run("test", str(RULES))
    assert result.exit_code == 0 and "0 failed" in result.output


def test_a_failing_case_is_explained_in_plain_words(tmp_path: Path) -> None:
    directory = copy_rules(tmp_path)
    cases = directory / "tests" / "few_answers.yaml"
    cases.write_text(
        cases.read_text(encoding="utf-8").replace("red_flags: [rf_rectal_bleeding_over_50]", "red_flags: [rf_melaena]"),
        encoding="utf-8",
    )
    result = run("test", str(directory))
    assert result.exit_code == 1
    assert "FAIL only_rectal_bleeding" in result.output and "expected the red flag rf_melaena to be raised" in result.output
    assert "rule rf_melaena: does not fire" in result.output and "1 failed" in result.output


def test_evaluate_prints_json_with_the_documented_keys(tmp_path: Path) -> None:
    path = answers_file(
        tmp_path,
        {
            "date_of_birth": "1960-01-01",
            "sex_at_birth": "male",
            "symptoms": ["diarrhoea"],
            "warning_signs": ["blood_in_stool"],
            "bristol_type": "6",
        },
    )
    result = run("evaluate", path, "--json", "--on", "2026-11-01")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert list(data)[:2] == ["ruleset", "evaluated_on"]
    assert {"red_flags", "differentials", "investigations", "caveats", "missing"} <= set(data)
    assert data["red_flags"][0]["id"] == "rf_rectal_bleeding_over_50"


def test_evaluate_prints_text_for_a_person(tmp_path: Path) -> None:
    result = run(
        "evaluate",
        answers_file(tmp_path, {"symptoms": ["heartburn", "regurgitation"], "date_of_birth": "1980-01-01"}),
        "--on",
        "2026-11-01",
    )
    assert result.exit_code == 0 and "TRIAGE SUMMARY" in result.output and "Gastro-oesophageal reflux disease" in result.output


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ({"date_of_birth": 1960, "symptoms": "bloating"}, "must be a date string"),
        ({"symptoms": ["not_a_symptom"]}, "choose only from the options"),
        ({"no_such_question": "yes"}, "is not a question"),
        ([1, 2, 3], "must be a JSON object"),
        ("{not json", "not valid JSON"),
        ("[" * 100_000, "nested too deeply"),
        ('{"n": ' + "9" * 5000 + "}", "not valid JSON"),
    ],
)
def test_evaluate_refuses_bad_answers_files(tmp_path: Path, content: object | str, words: str) -> None:
    result = run("evaluate", answers_file(tmp_path, content))
    assert result.exit_code == 1 and words in result.output


def test_evaluate_refuses_a_missing_file_and_a_bad_date(tmp_path: Path) -> None:
    assert "cannot be read" in run("evaluate", str(tmp_path / "nope.json")).output
    assert "--on must be a date" in run("evaluate", answers_file(tmp_path, {}), "--on", "yesterday").output


def test_check_refuses_an_unknown_question_with_a_suggestion(tmp_path: Path) -> None:
    directory = copy_rules(tmp_path)
    path = directory / "celiac.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "question: family_history, includes: celiac", "question: family_histroy, includes: celiac"
        ),
        encoding="utf-8",
    )
    result = run("check", str(directory))
    assert result.exit_code == 1
    assert (
        "celiac.yaml, line" in result.output
        and "rule 'cd_family_history'" in result.output
        and "Did you mean 'family_history'?" in result.output
    )


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("topic: x\nrules:\n  - id: [unclosed\n", "not valid YAML"),
        ("topic: x\nrules: " + "[" * 1000 + "]" * 1000 + "\n", "nested"),
        ("topic: x\nrules:\n  - &a {id: x}\n  - *a\n", "aliases"),
    ],
)
def test_check_and_evaluate_refuse_broken_rule_files(tmp_path: Path, text: str, words: str) -> None:
    directory = copy_rules(tmp_path)
    (directory / "broken.yaml").write_text(text, encoding="utf-8")
    for result in (
        run("check", str(directory)),
        run("evaluate", answers_file(tmp_path, {}), "--rules", str(directory)),
        run("test", str(directory)),
    ):
        assert result.exit_code == 1 and "broken.yaml" in result.output and words in result.output


def test_check_refuses_a_folder_that_does_not_exist(tmp_path: Path) -> None:
    result = run("check", str(tmp_path / "missing"))
    assert result.exit_code == 1 and "not a directory" in result.output


def test_test_refuses_broken_case_files(tmp_path: Path) -> None:
    directory = copy_rules(tmp_path)
    (directory / "tests" / "bad.yaml").write_text(
        "cases:\n  - id: bad_case\n    description: x\n    answers: {smoking: sometimes}\n    expect: {red_flags: [rf_melena]}\n",
        encoding="utf-8",
    )
    result = run("test", str(directory))
    assert result.exit_code == 1
    assert "bad.yaml, line 2, case 'bad_case'" in result.output and "Did you mean 'rf_melaena'?" in result.output
