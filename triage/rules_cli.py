"""The `triage rules` commands: check, test and try out a ruleset, with no web app and no database."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, NoReturn

import click

from triage.domain.answers import validate_answers
from triage.domain.engine import Ruleset, evaluate, explain_rule, load_ruleset
from triage.domain.errors import AnswerError, TriageError
from triage.domain.rule_tests import RuleCase, load_rule_tests, run_case
from triage.paths import resource_dir

MAX_ANSWERS_BYTES = 1_000_000


def _fail(message: str) -> NoReturn:
    click.echo(message, err=True)
    raise click.exceptions.Exit(1)


def _directory(directory: Path | None) -> Path:
    return directory if directory is not None else resource_dir("rules")


def _load(directory: Path | None) -> Ruleset:
    try:
        return load_ruleset(_directory(directory))
    except TriageError as error:
        _fail(f"The ruleset in {_directory(directory)} cannot be used.\n{error}")


def _date(text: str | None) -> dt.date:
    if text is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        _fail(f"--on must be a date written as YYYY-MM-DD, not '{text}'")


def _read_answers(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except OSError as error:
        _fail(f"{path}: the answers file cannot be read ({error.strerror or error})")
    if len(raw) > MAX_ANSWERS_BYTES:
        _fail(f"{path}: the answers file is larger than {MAX_ANSWERS_BYTES // 1000} kB")
    try:
        document = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        _fail(f"{path}: the answers file is not UTF-8 text")
    except RecursionError:
        _fail(f"{path}: the answers file is nested too deeply to be an answers file")
    except ValueError as error:
        _fail(f"{path}: the answers file is not valid JSON ({error})")
    if not isinstance(document, dict):
        _fail(f"{path}: the answers file must be a JSON object mapping question ids to answers")
    return document


@click.group("rules")
def rules() -> None:
    """Check, test and try out triage rulesets (no app or database needed)."""


@rules.command("check")
@click.argument("directory", required=False, type=click.Path(path_type=Path))
def check(directory: Path | None) -> None:
    """Validate the ruleset in DIRECTORY (default: the bundled rules/)."""
    ruleset = _load(directory)
    kinds: dict[str, int] = {}
    for rule in ruleset.rules:
        kinds[rule.kind] = kinds.get(rule.kind, 0) + 1
    waiting = sum(1 for rule in ruleset.rules if rule.awaits_confirmation)
    counts = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in sorted(kinds.items()))
    click.echo(f"OK: ruleset {ruleset.version} (sha256 {ruleset.sha256}) in {_directory(directory)}")
    click.echo(f"{len(ruleset.rules)} rules ({counts}); {len(ruleset.differentials)} differentials; {len(ruleset.parameters)} parameters")
    click.echo(f"{waiting} rules have no clinician review date yet")


def _explain_failure(ruleset: Ruleset, case: RuleCase) -> list[str]:
    lines = []
    for rule_id in [*case.expect.red_flags, *case.expect.caveats]:
        trace = explain_rule(ruleset, rule_id, case.answers, case.on)
        if trace[0].endswith("does not fire"):
            lines += ["      " + line for line in trace]
    return lines


@rules.command("test")
@click.argument("directory", required=False, type=click.Path(path_type=Path))
@click.option("--verbose", "-v", is_flag=True, help="List passing cases too.")
def test(directory: Path | None, verbose: bool) -> None:
    """Run the rule test cases in DIRECTORY/tests against the ruleset in DIRECTORY."""
    ruleset = _load(directory)
    try:
        cases = load_rule_tests(_directory(directory) / "tests", ruleset)
    except TriageError as error:
        _fail(f"The rule tests cannot be run.\n{error}")
    failed = 0
    for case in cases:
        _, failures = run_case(ruleset, case)
        if failures:
            failed += 1
            click.echo(f"FAIL {case.id} ({case.file}): {case.description}")
            for failure in failures:
                click.echo(f"   - {failure}")
            for line in _explain_failure(ruleset, case):
                click.echo(line)
        elif verbose:
            click.echo(f"ok   {case.id} ({case.file})")
    click.echo(f"{len(cases)} cases, {len(cases) - failed} passed, {failed} failed")
    if failed:
        raise click.exceptions.Exit(1)


@rules.command("evaluate")
@click.argument("answers_file", type=click.Path(path_type=Path))
@click.option("--rules", "rules_dir", type=click.Path(path_type=Path), default=None, help="Ruleset directory (default: the bundled rules/).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--on", "on_text", default=None, help="Evaluate as of this date, YYYY-MM-DD (default: today).")
def evaluate_answers(answers_file: Path, rules_dir: Path | None, as_json: bool, on_text: str | None) -> None:
    """Evaluate ANSWERS_FILE (JSON: question id to answer, as in the data dictionary) and print the result."""
    on = _date(on_text)
    ruleset = _load(rules_dir)
    document = _read_answers(answers_file)
    try:
        answers = validate_answers(ruleset.questionnaire, document, today=on)
    except AnswerError as error:
        _fail(f"{answers_file}: the answers do not fit the data dictionary:\n" + "\n".join(f"  - {p}" for p in error.problems))
    result = evaluate(ruleset, answers, on=on)
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(result.to_text(), nl=False)
