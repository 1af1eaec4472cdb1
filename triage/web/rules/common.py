"""What every rules-editor view shares: audit rows, the lock field, and the 409 page and refusals for every draft change."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy.orm import Session

from triage.db import rulesets
from triage.db.rulesets import DraftConflict, RulesetRefused
from triage.domain.engine.evaluate import Ruleset
from triage.domain.engine.sentences import rule_sentence
from triage.web.access import database, record_staff_event
from triage.web.rules.posted import DraftForm, RuleForm, text_of

EDITOR = "rules_editor"
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class OnConflict:
    """What the 409 page says when a view's draft change lost the race, and where it sends the editor back to."""

    reason: str  # a str.format template over the view's URL arguments, `error` and `rule` (the rule being saved)
    back: Callable[[Mapping[str, Any]], str] | None = None  # None: the page the change was posted from


@dataclass(frozen=True)
class OnRefusal:
    """The audit action and notice for an approval or publication the rules refuse."""

    action: str
    notice: str


def on_conflict(reason: str, back: Callable[[Mapping[str, Any]], str] | None = None) -> Callable[[F], F]:
    """Declare the view's 409 page for a DraftConflict (rendered by the blueprint's one handler)."""

    def declare(view: F) -> F:
        view.on_conflict = OnConflict(reason, back)  # type: ignore[attr-defined]
        return view

    return declare


def on_refusal(action: str, notice: str) -> Callable[[F], F]:
    """Declare the view's audit action and notice for a RulesetRefused (handled by the blueprint's one handler)."""

    def declare(view: F) -> F:
        view.on_refusal = OnRefusal(action, notice)  # type: ignore[attr-defined]
        return view

    return declare


def _declared(name: str) -> Any:
    return getattr(current_app.view_functions.get(request.endpoint or ""), name, None)


def _posted_rule_id() -> str:
    # A new rule has no id in its URL yet: the conflict names the id the editor typed.
    return text_of(RuleForm(), "id").strip()


def draft_conflict(error: DraftConflict) -> tuple[str, int]:
    """The 409 page: someone else saved first, and nothing of this request was written."""
    declared: OnConflict | None = _declared("on_conflict")
    if declared is None:
        raise error
    args = dict(request.view_args or {})
    reason = declared.reason.format(error=error, rule=args.get("rule_id") or _posted_rule_id(), **args)
    if declared.back is not None:
        back = declared.back(args)
    else:
        values: dict[str, Any] = {**args, **request.args.to_dict()}
        back = url_for(request.endpoint or "rules.index", **values)
    return render_template("rules/conflict.html", reason=reason, back=back), 409


def ruleset_refused(error: RulesetRefused) -> Response:
    """An approval or publication the rules do not allow: an audit row, the reason, and back to the rules page."""
    declared: OnRefusal | None = _declared("on_refusal")
    if declared is None:
        raise error
    # The view's own session rolled back with the exception, so the refusal is recorded in a new one.
    with database().session() as session:
        draft = rulesets.open_draft(session)
        audit(session, declared.action, str(error), ruleset_version=draft.label if draft else None, outcome="refused")
    flash(f"{declared.notice}: {error}.", "error")
    return redirect(url_for("rules.index"), code=303)  # type: ignore[return-value]


def audit(session: Session, action: str, detail: str = "", **fields: Any) -> None:
    """One audit row for the signed-in editor."""
    record_staff_event(session, action, detail=detail[:2000], **fields)


def posted_lock() -> int:
    """The draft's lock counter the page was built with (-1 when missing or not a number)."""
    return DraftForm().posted_lock()


def no_draft() -> Response:
    """Back to the rules page when a draft page is opened with no draft open."""
    flash("There is no draft open. Start a draft to change the rules.", "error")
    return redirect(url_for("rules.index"), code=303)  # type: ignore[return-value]


def after_save(endpoint: str, message: str, report: Mapping[str, Any], **values: Any) -> Response:
    """Redirect after a save, with what the rule tests said."""
    failed, broken = len(report.get("failures", [])), len(report.get("errors", []))
    if broken:
        # The cases could not all be read (e.g. they name a retired rule): no count of passes would mean anything.
        words = f"{broken} problem{'' if broken == 1 else 's'}"
        flash(f"{message} The rule tests could not run: the test cases have {words}; see the rule tests page.", "error")
    else:
        flash(
            f"{message} Rule tests: {report.get('passed', 0)} of {report.get('total', 0)} passed"
            + (f", {failed} failing; see below." if failed else "."),
            "error" if failed else "info",
        )
    return redirect(url_for(endpoint, **values), code=303)  # type: ignore[return-value]


def sentence_of(rule: Mapping[str, Any], ruleset: Ruleset, parameters: Mapping[str, Any] | None = None) -> str:
    """A rule's plain-language sentence in the terms of this ruleset."""
    names = {d.id: d.name for d in ruleset.differentials}
    params = (
        parameters if parameters is not None else {k: {"value": p.value, "unit": p.unit} for k, p in ruleset.parameters.items()}
    )
    return rule_sentence(rule, ruleset.facts, names, params)


def header_parameters(documents: Mapping[str, Any]) -> Mapping[str, Any]:
    """The parameters declared in a ruleset's documents."""
    header = documents.get("ruleset.yaml")
    parameters = header.get("parameters") if isinstance(header, Mapping) else None
    return parameters if isinstance(parameters, Mapping) else {}
