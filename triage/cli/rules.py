"""`triage rules`: check, test, try out and measure a ruleset; import, export and list its stored versions."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import click
import yaml
from flask.cli import with_appcontext

from triage.cli.context import database
from triage.cli.rules_accuracy import accuracy, figures_line
from triage.cli.rules_source import RulesetSource, fail, load_folder, resolve
from triage.db import audit, rulesets
from triage.db.evaluations import import_directory, version_ruleset
from triage.domain.engine.case_documents import load_cases_from_documents
from triage.domain.engine.cases import RuleCase, load_rule_tests, run_case
from triage.domain.engine.evaluate import Ruleset, evaluate, explain_rule, export_ruleset
from triage.domain.errors import AnswerError, TriageError
from triage.domain.questionnaire.answers import validate_answers
from triage.paths import resource_dir
from triage.web.rules.lint_view import lint

MAX_ANSWERS_BYTES = 1_000_000
CLI_ACTOR = "cli"


def _directory(directory: Path | None) -> Path:
    return directory if directory is not None else resource_dir("rules")


def _load(directory: Path | None) -> Ruleset:
    return load_folder(_directory(directory))


def _date(text: str | None) -> dt.date:
    if text is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        fail(f"--on must be a date written as YYYY-MM-DD, not '{text}'")


def _read_answers(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except OSError as error:
        fail(f"{path}: the answers file cannot be read ({error.strerror or error})")
    if len(raw) > MAX_ANSWERS_BYTES:
        fail(f"{path}: the answers file is larger than {MAX_ANSWERS_BYTES // 1000} kB")
    try:
        document = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        fail(f"{path}: the answers file is not UTF-8 text")
    except RecursionError:
        fail(f"{path}: the answers file is nested too deeply to be an answers file")
    except ValueError as error:
        fail(f"{path}: the answers file is not valid JSON ({error})")
    if not isinstance(document, dict):
        fail(f"{path}: the answers file must be a JSON object mapping question ids to answers")
    return document


@click.group("rules")
def rules() -> None:
    """Check, test, try out and measure triage rulesets."""
    # import, export and versions (below) use the stored versions, so they run inside the app; test and evaluate
    # use the newest published version when the app has a database, so that they agree with what patients get.


rules.add_command(accuracy)
RULES_HELP = "Ruleset directory (default: the newest published version when a database is configured, else the bundled rules/)."


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
    click.echo(
        f"{len(ruleset.rules)} rules ({counts}); {len(ruleset.differentials)} differentials; {len(ruleset.parameters)} parameters"
    )
    click.echo(f"{waiting} rules have no clinician review date yet")
    # Findings are not errors (the ruleset loads and runs): a second look, as the web editor shows them on save.
    findings = lint(ruleset.documents, ruleset)
    click.echo(f"The rule lint has {len(findings)} finding{'' if len(findings) == 1 else 's'} to check")
    for finding in findings:
        click.echo(f"  {finding.rule or 'ruleset'}: {finding.message}")


def _explain_failure(ruleset: Ruleset, case: RuleCase) -> list[str]:
    lines = []
    for rule_id in [*case.expect.red_flags, *case.expect.caveats]:
        trace = explain_rule(ruleset, rule_id, case.answers, case.on)
        if trace[0].endswith("does not fire"):
            lines += ["      " + line for line in trace]
    return lines


def _rule_tests(source: RulesetSource) -> list[RuleCase]:
    try:
        if source.kind == "database":
            return load_cases_from_documents(source.tests, source.ruleset)
        return load_rule_tests(_directory(source.directory) / "tests", source.ruleset)
    except TriageError as error:
        fail(f"The rule tests cannot be run.\n{error}")


@rules.command("test")
@click.argument("directory", required=False, type=click.Path(path_type=Path))
@click.option("--rules", "rules_dir", type=click.Path(path_type=Path), default=None, help=RULES_HELP)
@click.option("--verbose", "-v", is_flag=True, help="List passing cases too.")
def test(directory: Path | None, rules_dir: Path | None, verbose: bool) -> None:
    """Run the rule test cases of a ruleset (a folder's DIRECTORY/tests, or those stored with the published version)."""
    if directory is not None and rules_dir is not None and directory != rules_dir:
        fail("Give the ruleset folder once: as DIRECTORY or as --rules DIR.")
    source = resolve(rules_dir or directory)
    click.echo(source.describe())
    ruleset = source.ruleset
    cases = _rule_tests(source)
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
@click.option("--rules", "rules_dir", type=click.Path(path_type=Path), default=None, help=RULES_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON (the ruleset's source under ruleset.source).")
@click.option("--on", "on_text", default=None, help="Evaluate as of this date, YYYY-MM-DD (default: today).")
def evaluate_answers(answers_file: Path, rules_dir: Path | None, as_json: bool, on_text: str | None) -> None:
    """Evaluate ANSWERS_FILE (JSON: question id to answer, as in the data dictionary) and print the result."""
    on = _date(on_text)
    source = resolve(rules_dir)
    ruleset = source.ruleset
    document = _read_answers(answers_file)
    try:
        answers = validate_answers(ruleset.questionnaire, document, today=on)
    except AnswerError as error:
        fail(f"{answers_file}: the answers do not fit the data dictionary:\n" + "\n".join(f"  - {p}" for p in error.problems))
    result = evaluate(ruleset, answers, on=on)
    if as_json:
        data = result.to_dict()
        data["ruleset"] = {**data["ruleset"], "source": source.as_json()}
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        click.echo(source.describe())
        click.echo(result.to_text(), nl=False)


@rules.command("import")
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--summary", default="", help="A short description of the change, for the version history.")
@with_appcontext
def import_(directory: Path, summary: str) -> None:
    """Store the ruleset in DIRECTORY (rule tests in DIRECTORY/tests) as the next published version."""
    if len(summary) > 2000 or any(ord(c) < 32 for c in summary):
        fail("--summary must be at most 2000 printable characters")
    try:
        with database().session() as session:
            outcome = import_directory(session, directory, actor=CLI_ACTOR, summary=summary)
            version = outcome.version
            if outcome.created:
                audit.record(
                    session,
                    actor=CLI_ACTOR,
                    role="cli",
                    action="ruleset.import",
                    ruleset_version=version.label,
                    detail=f"version {version.number} from {directory.name}/",
                )
            number, label, sha, created = version.number, version.label, version.sha256, outcome.created
            total = outcome.report.get("total", 0)
    except (TriageError, rulesets.RulesetRefused) as error:
        fail(f"The ruleset in {directory} was not imported.\n{error}")
    if created:
        click.echo(f"imported {directory} as version {number} ({label}, sha256 {sha}); {total} rule tests pass")
    else:
        click.echo(f"{directory} is the same as version {number} ({label}, sha256 {sha}); nothing imported")


@rules.command("export")
@click.argument("version")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def export(version: str, directory: Path) -> None:
    """Write VERSION (a number, or 'latest') as the YAML files the engine reads, with its rule tests in DIRECTORY/tests."""
    if directory.exists() and any(directory.iterdir()):
        fail(f"{directory} is not empty; export into a new or empty folder")
    with database().session() as session:
        row = (
            rulesets.latest_published(session)
            if version == "latest"
            else rulesets.by_number(session, int(version))
            if version.isdigit() and len(version) < 9
            else None
        )
        if row is None or row.status != "published":
            fail(f"there is no published version '{version}' (see `triage rules versions`)")
        ruleset, tests, number = version_ruleset(row), dict(row.tests or {}), row.number
        audit.record(
            session,
            actor=CLI_ACTOR,
            role="cli",
            action="ruleset.export",
            ruleset_version=row.label,
            detail=f"version {number} to {directory.name}/",
        )
    try:
        written = export_ruleset(ruleset, directory)
        (directory / "tests").mkdir(exist_ok=True)
        for name, document in sorted(tests.items()):
            path = directory / "tests" / Path(name).name
            path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=110), encoding="utf-8")
            written.append(path)
    except OSError as error:
        fail(f"cannot write to {directory}: {error.strerror or error}")
    click.echo(f"wrote version {number} ({ruleset.version}, sha256 {ruleset.sha256}) to {directory}: {len(written)} files")


@rules.command("versions")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@with_appcontext
def versions(as_json: bool) -> None:
    """List the published ruleset versions (newest first) and the open draft."""
    with database().session() as session:
        listed = rulesets.list_versions(session)
    if as_json:
        click.echo(json.dumps([v.as_json() for v in listed], indent=2, ensure_ascii=False))
        return
    if not listed:
        click.echo("no version stored yet: the default rules/ are stored as version 1 at first use")
    for v in listed:
        name = f"version {v.number}" if v.number else "draft"
        click.echo(f"{name:<12} {v.label:<16} {v.status:<10} {v.published_at or v.updated_at}  {v.sha256[:12]}  {v.summary[:60]}")
        if v.number:
            click.echo(f"{'':<12} {figures_line(v.accuracy)}")
