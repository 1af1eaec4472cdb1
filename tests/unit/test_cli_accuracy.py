"""`triage rules accuracy`: the case library's figures per measure and per case, as text or JSON, and plain refusals."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result
from flask import Flask
from flask.cli import ScriptInfo

from triage.cli.main import cli
from triage.cli.rules import rules
from triage.domain.engine.accuracy import AccuracyReport
from triage.domain.engine.evaluate import load_ruleset
from triage.domain.questionnaire.derived_version import DERIVED_FACTS_VERSION
from triage.paths import resource_dir

FLAG = "rf_rectal_bleeding_over_50"
CASES = f"""\
cases:
  - id: lib_bleeding_only
    source: {{title: "Rectal bleeding as the only complaint", published: "A teaching collection, 2021", kind: teaching_case}}
    summary: Blood in the stool is the only answer given; the age is unknown.
    diagnosis: Not known at presentation
    on: "2026-11-01"
    answers:
      warning_signs: [blood_in_stool]
    expect:
      red_flags: [{FLAG}]
  - id: lib_heartburn_flag
    source: {{title: "A man with heartburn", published: "A journal, 2020", kind: case_report}}
    summary: A 40-year-old man with heartburn, written to expect a flag the rules rightly do not raise.
    diagnosis: Reflux
    on: "2026-11-01"
    answers:
      date_of_birth: "1986-02-03"
      sex_at_birth: male
      symptoms: [heartburn]
    expect:
      red_flags: [{FLAG}]
"""


def library(tmp_path: Path, text: str = CASES) -> Path:
    """A case library folder holding one file."""
    folder = tmp_path / "cases"
    folder.mkdir(exist_ok=True)
    (folder / "cases.yaml").write_text(text, encoding="utf-8")
    return folder


def run(*args: str, app: Flask | None = None) -> Result:
    """Invoke the rules commands (inside the app when given); never a traceback."""
    if app is None:
        result = CliRunner().invoke(rules, list(args))
    else:
        result = CliRunner().invoke(cli, ["rules", *args], obj=ScriptInfo(create_app=lambda: app))
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def test_the_text_gives_each_measure_against_its_target_and_each_case_that_fell_short(tmp_path: Path) -> None:
    result = run("accuracy", "--cases", str(library(tmp_path)))
    assert result.exit_code == 0, result.output
    assert f"Measured the ruleset in {resource_dir('rules')} on the case library in {tmp_path / 'cases'}." in result.output
    stamp = f"{load_ruleset().sha256[:12]}, derived facts {DERIVED_FACTS_VERSION}"
    assert f"Ruleset {load_ruleset().version} ({stamp}) on 2 library cases: 1 met" in result.output
    sensitivity = next(line for line in result.output.splitlines() if "Red-flag sensitivity" in line)
    assert "50 % (1/2)" in sensitivity and "target 100 %" in sensitivity and "MISSED" in sensitivity
    assert "Cases that fell short:" in result.output and "lib_heartburn_flag (A man with heartburn)" in result.output
    assert f"the red flag {FLAG} was not raised" in result.output and "lib_bleeding_only" not in result.output


def test_json_is_the_stored_form_and_reads_back(tmp_path: Path) -> None:
    result = run("accuracy", "--cases", str(library(tmp_path)), "--json")
    assert result.exit_code == 0
    report = AccuracyReport.from_dict(json.loads(result.output))
    assert (report.ruleset_version, report.ruleset_sha256) == (load_ruleset().version, load_ruleset().sha256)
    sensitivity = report.measure("red_flag_sensitivity")
    assert sensitivity is not None and (sensitivity.numerator, sensitivity.denominator) == (1, 2)
    assert [(c.id, c.passed) for c in report.cases] == [("lib_bleeding_only", True), ("lib_heartburn_flag", False)]


def test_a_case_file_with_a_mistake_is_named_with_its_line(tmp_path: Path) -> None:
    result = run("accuracy", "--cases", str(library(tmp_path, CASES.replace("[heartburn]", "[hiccups]"))))
    assert result.exit_code == 1
    assert f"The case library in {tmp_path / 'cases'} cannot be used." in result.output
    assert "cases.yaml, line" in result.output and "symptoms" in result.output


def test_an_id_the_ruleset_does_not_know_is_named_with_a_suggestion(tmp_path: Path) -> None:
    result = run("accuracy", "--cases", str(library(tmp_path, CASES.replace(f"[{FLAG}]", "[rf_rectal_bleeding_over_5]"))))
    assert result.exit_code == 1 and f"Did you mean '{FLAG}'?" in result.output


def test_bad_folders_and_options_are_refused_in_plain_words(tmp_path: Path) -> None:
    missing = run("accuracy", "--cases", str(tmp_path / "nowhere"))
    assert missing.exit_code == 1 and "there are no case library files (*.yaml) here" in missing.output
    broken = run("accuracy", "--rules", str(tmp_path / "no-rules"), "--cases", str(library(tmp_path)))
    assert broken.exit_code == 1 and f"The ruleset in {tmp_path / 'no-rules'} cannot be used." in broken.output
    both = run("accuracy", "--version", "1", "--rules", str(resource_dir("rules")))
    assert both.exit_code == 1 and "not both" in both.output
    alone = run("accuracy", "--version", "1")
    assert alone.exit_code == 1 and "--version reads the published versions in the database, but no app" in alone.output
    assert run("accuracy", "--version", "0").exit_code == 2  # click's own range check, in plain words


def test_version_n_measures_that_published_version_from_the_database(app: Flask, tmp_path: Path) -> None:
    assert run("import", str(resource_dir("rules")), app=app).exit_code == 0
    result = run("accuracy", "--version", "1", "--cases", str(library(tmp_path)), app=app)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Measured published version 1 from the database on the case library")
    assert "on 2 library cases: 1 met every expectation" in result.output
    unknown = run("accuracy", "--version", "9", app=app)
    assert unknown.exit_code == 1 and "There is no published version 9 (see `triage rules versions`)." in unknown.output
