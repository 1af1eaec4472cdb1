"""The draft operations: start, store (validate, run the rule tests, save with optimistic locking), and edits of the header."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from triage.db import ruleset_store, rulesets
from triage.db.evaluations import compiled, ensure_initial_version, run_stored_tests, version_ruleset
from triage.db.models import RulesetVersion
from triage.domain.engine.diff import rules_by_id
from triage.domain.engine.evaluate import Ruleset, load_ruleset_from_documents
from triage.domain.engine.yaml_source import plain
from triage.domain.errors import RulesetError
from triage.web.rules.forms import HEADER_FILE, Lines, ylist, ymap
from triage.web.rules.kept import UNSHOWN_DIFFERENTIAL_FIELDS, newly_unused


@dataclass(frozen=True)
class Draft:
    """The open draft as the editor pages use it: its row's plain data, documents, tests and compiled ruleset."""

    info: rulesets.VersionInfo
    documents: Mapping[str, Any]
    tests: Mapping[str, Any]
    ruleset: Ruleset


def current_draft(session: Session) -> Draft | None:
    """The open draft, if any."""
    row = rulesets.open_draft(session)
    if row is None:
        return None
    numbers: dict[int, int | None] = {}
    for version_id in (row.based_on_id, row.restored_from_id):
        found = session.get(RulesetVersion, version_id) if version_id else None
        if found is not None:
            numbers[found.id] = found.number
    info = rulesets.info(row, numbers)
    return Draft(info, copy.deepcopy(row.documents), copy.deepcopy(row.tests or {}), version_ruleset(row))


def start_draft(session: Session, actor: str) -> RulesetVersion:
    """Open a draft copied from the newest published version (storing the default ruleset first if needed)."""
    base = ensure_initial_version(session)
    documents = copy.deepcopy(base.documents)
    label = ruleset_store.next_label(base.label, rulesets.published_labels(session))
    if isinstance(documents.get(HEADER_FILE), dict):
        documents[HEADER_FILE]["version"] = label
    ruleset = load_ruleset_from_documents(documents)
    report = run_stored_tests(ruleset, base.tests or {})
    return rulesets.create_draft(
        session, base, documents=documents, sha256=ruleset.sha256, label=ruleset.version, report=report, actor=actor
    )


def store(
    session: Session, draft_id: int, lock: int, documents: Mapping[str, Any], tests: Mapping[str, Any], actor: str
) -> RulesetVersion:
    """Validate the whole draft, run its rule tests and save it if nobody saved since `lock` (RulesetError, DraftConflict)."""
    clean = plain(documents)
    ruleset = compiled(_sha(clean), lambda: clean)
    report = run_stored_tests(ruleset, tests)
    return rulesets.save_draft(
        session,
        draft_id,
        lock,
        documents=clean,
        tests=plain(tests),
        sha256=ruleset.sha256,
        label=ruleset.version,
        report=report,
        actor=actor,
    )


def _sha(documents: Mapping[str, Any]) -> str:
    from triage.domain.engine.ruleset import canonical_sha256

    return canonical_sha256(documents)


def find_rule(documents: Mapping[str, Any], rule_id: str) -> tuple[str, dict[str, Any]] | None:
    """The topic file and data of a rule, or None."""
    found = rules_by_id(documents).get(rule_id)
    return (found[0], dict(found[1])) if found else None


def without_rule(documents: Mapping[str, Any], rule_id: str) -> tuple[dict[str, Any], list[str]]:
    """The documents with a rule retired (an emptied topic file goes too), and the parameters only it used."""
    candidate = copy.deepcopy(dict(documents))
    for name, document in list(candidate.items()):
        if name == HEADER_FILE or not isinstance(document, dict):
            continue
        kept = [r for r in document.get("rules", []) if not (isinstance(r, dict) and r.get("id") == rule_id)]
        if not kept:
            del candidate[name]
        else:
            document["rules"] = kept
    return candidate, newly_unused(documents, candidate)


def topics(documents: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(file, topic) of every rule file, for the 'where does the new rule go' choice."""
    return [
        (name, str(doc.get("topic", name)))
        for name, doc in sorted(documents.items())
        if name != HEADER_FILE and isinstance(doc, dict)
    ]


def _validate_header(documents: dict[str, Any], lines: Lines) -> tuple[dict[str, list[str]], list[str]]:
    errors: dict[str, list[str]] = {}
    general: list[str] = []
    try:
        load_ruleset_from_documents(documents)
    except RulesetError as error:
        problems = error.problems
        if any(lines.fields.get(p.line or 0) for p in problems):
            # A broken header makes every rule that names it fail too; the field's own problem is what matters.
            problems = [p for p in problems if p.rule is None]
        lines.sort(problems, None, errors, general)
    return errors, general


def check_differential(
    documents: Mapping[str, Any], differential_id: str, values: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, list[str]], list[str]]:
    """The documents with one differential's name, description, thresholds and red-flag setting changed; problems by field."""
    candidate = copy.deepcopy(dict(documents))
    header = candidate[HEADER_FILE]
    lines = Lines()
    items = []
    for item in header.get("differentials", []):
        if item.get("id") != differential_id:
            items.append(item)
            continue
        thresholds = ymap(
            {k: values[k] for k in ("low", "moderate", "high")},
            lines("thresholds"),
            {k: lines(k) for k in ("low", "moderate", "high")},
        )
        fields = {"id": differential_id, "name": values["name"], "description": values["description"], "thresholds": thresholds}
        if values["held_back_by_red_flags"] or "held_back_by_red_flags" in item:
            fields["held_back_by_red_flags"] = values["held_back_by_red_flags"]
        fields |= {k: item[k] for k in UNSHOWN_DIFFERENTIAL_FIELDS if k in item}  # not on the form: kept as stored
        items.append(
            ymap(
                fields,
                lines("row"),
                {k: lines(k) for k in ("name", "description", "held_back_by_red_flags")} | {"thresholds": thresholds.line},
            )
        )
    header["differentials"] = ylist(items, 0, [getattr(i, "line", 0) for i in items])
    candidate[HEADER_FILE] = ymap(header, 0, {"differentials": 0})
    errors, general = _validate_header(candidate, lines)
    return plain(candidate), errors, general


def check_parameter(
    documents: Mapping[str, Any], name: str, values: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, list[str]], list[str]]:
    """The documents with one parameter's value, unit, description and source changed, and the problems by field."""
    candidate = copy.deepcopy(dict(documents))
    header = candidate[HEADER_FILE]
    lines = Lines()
    parameters = dict(header.get("parameters", {}))
    fields = {k: values[k] for k in ("value", "unit", "description", "source")}
    parameters[name] = ymap(fields, lines("row"), {k: lines(k) for k in fields})
    header["parameters"] = ymap(parameters, 0, {name: parameters[name].line})
    candidate[HEADER_FILE] = ymap(header, 0, {"parameters": 0})
    errors, general = _validate_header(candidate, lines)
    return plain(candidate), errors, general


def check_settings(
    documents: Mapping[str, Any], values: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, list[str]], list[str]]:
    """The documents with the ruleset's version text, title and note changed, and the problems by field."""
    candidate = copy.deepcopy(dict(documents))
    lines = Lines()
    header = dict(candidate[HEADER_FILE]) | {k: values[k] for k in ("version", "title", "note")}
    candidate[HEADER_FILE] = ymap(header, lines("row"), {k: lines(k) for k in ("version", "title", "note")})
    errors, general = _validate_header(candidate, lines)
    return plain(candidate), errors, general
