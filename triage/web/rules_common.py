"""What every rules-editor view shares: the blueprint, the signed-in editor, audit rows, the lock field and the 409 page."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, current_app, flash, has_app_context, redirect, render_template, request, url_for
from sqlalchemy.orm import Session

from triage import evaluation
from triage.db.session import Database
from triage.domain.engine import Ruleset
from triage.domain.rule_sentences import rule_sentence
from triage.web.access import StaffIdentity, current_staff, record_staff_event

bp = Blueprint("rules", __name__, url_prefix="/rules")


def _app_database() -> Database | None:
    db: Database | None = current_app.extensions.get("triage_db") if has_app_context() else None
    return db


# Code that evaluates without a session of its own (e.g. the clinic's re-evaluation) reads the newest published version.
evaluation.use_database_finder(_app_database)
EDITOR = "rules_editor"


def staff() -> StaffIdentity:
    """The signed-in editor (role_required has already refused anyone else)."""
    member = current_staff()
    if member is None:
        raise RuntimeError("rules view reached without a staff session")
    return member


def audit(session: Session, action: str, detail: str = "", **fields: Any) -> None:
    """One audit row for the signed-in editor."""
    record_staff_event(session, action, detail=detail[:2000], **fields)


def posted_lock() -> int:
    """The draft's lock counter the page was built with (-1 when missing or not a number)."""
    raw = request.form.get("lock", "")
    return int(raw) if raw.isdigit() and len(raw) < 10 else -1


def conflict(reason: str, back: str) -> tuple[str, int]:
    """The 409 page: someone else saved first, and nothing of this request was written."""
    return render_template("rules/conflict.html", reason=reason, back=back), 409


def no_draft() -> Response:
    """Back to the rules page when a draft page is opened with no draft open."""
    flash("There is no draft open. Start a draft to change the rules.", "error")
    return redirect(url_for("rules.index"), code=303)  # type: ignore[return-value]


def after_save(endpoint: str, message: str, report: Mapping[str, Any], **values: Any) -> Response:
    """Redirect after a save, with what the rule tests said."""
    failed = len(report.get("failures", [])) + len(report.get("errors", []))
    flash(f"{message} Rule tests: {report.get('passed', 0)} of {report.get('total', 0)} passed" + (f", {failed} failing; see below." if failed else "."), "error" if failed else "info")
    return redirect(url_for(endpoint, **values), code=303)  # type: ignore[return-value]


def sentence_of(rule: Mapping[str, Any], ruleset: Ruleset, parameters: Mapping[str, Any] | None = None) -> str:
    """A rule's plain-language sentence in the terms of this ruleset."""
    names = {d.id: d.name for d in ruleset.differentials}
    params = parameters if parameters is not None else {k: {"value": p.value, "unit": p.unit} for k, p in ruleset.parameters.items()}
    return rule_sentence(rule, ruleset.facts, names, params)


def header_parameters(documents: Mapping[str, Any]) -> Mapping[str, Any]:
    """The parameters declared in a ruleset's documents."""
    header = documents.get("ruleset.yaml")
    parameters = header.get("parameters") if isinstance(header, Mapping) else None
    return parameters if isinstance(parameters, Mapping) else {}
