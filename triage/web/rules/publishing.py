"""The publish page and post: the draft's accuracy beside the published version's, the gate, and the admins' override."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import current_app, flash, redirect, render_template, url_for
from werkzeug.wrappers import Response
from wtforms import StringField, TextAreaField

from triage.db import rulesets
from triage.db.ruleset_accuracy import FIGURES, figure_text
from triage.db.ruleset_publish import AccuracyRefused, PublishCheck, check_draft, override_problem, refuse_unpublishable
from triage.db.ruleset_publish import publish as publish_draft
from triage.domain.engine.accuracy import AccuracyReport
from triage.domain.engine.case_library import DEFAULT_CASES
from triage.web.access import database, signed_in_staff
from triage.web.rules.common import audit, no_draft
from triage.web.rules.controls import control
from triage.web.rules.forms import clean_text
from triage.web.rules.posted import PublishForm, text_of

ADMIN = "admin"
MAX_SUMMARY = 2000
PUBLISH_PAGE = "publish"  # the hidden `page` value the publish page posts, so its problems come back to it


def case_library() -> Path:
    """The case library the gate measures on: the bundled rules/cases (tests point CASE_LIBRARY at a small one)."""
    return Path(current_app.config.get("CASE_LIBRARY") or DEFAULT_CASES)


class PublishPageForm(PublishForm):
    """Publishing from the publish page: the summary, where it was posted from, and an administrator's override reason."""

    page = StringField()
    override_reason = TextAreaField()


def _target(report: AccuracyReport | None, key: str) -> str:
    measure = report.measure(key) if report else None
    if measure is None:
        return ""
    return "must be 0" if measure.target_percent is None else f"{measure.target_percent:g} %"


def _worse(check: PublishCheck, key: str) -> bool:
    draft = check.draft.measure(key) if check.draft else None
    published = check.published.measure(key) if check.published else None
    if draft is None or published is None:
        return False
    if draft.target_percent is None:
        return draft.numerator > published.numerator
    return draft.percent is not None and published.percent is not None and draft.percent < published.percent


def comparison_rows(check: PublishCheck) -> list[dict[str, Any]]:
    """One row per figure: the published version's, the draft's, the target, and whether the draft does worse."""
    return [
        {
            "label": label,
            "published": figure_text(check.published, key) if check.published else "no published version",
            "draft": figure_text(check.draft, key) if check.draft else "not measured",
            "target": _target(check.draft or check.published, key),
            "worse": _worse(check, key),
        }
        for key, label in FIGURES
    ]


def _blocker(session: Any, draft: Any) -> str:
    try:
        refuse_unpublishable(session, draft)
    except rulesets.RulesetRefused as refused:
        return str(refused)
    return ""


def publish_page() -> Any:
    """The draft's figures beside the published version's, what holds it back, and the publish form (with the override)."""
    staff = signed_in_staff()
    with database().session() as session:
        draft = rulesets.open_draft(session)
        if draft is None:
            return no_draft()
        check, blocker, shown = check_draft(session, draft, case_library()), _blocker(session, draft), rulesets.info(draft)
    is_admin = ADMIN in staff.roles
    reason_hint = "Why this draft should be published although it does worse on red flags. It is written to the audit log."
    return render_template(
        "rules/publish.html",
        draft=shown,
        check=check,
        rows=comparison_rows(check),
        blocker=blocker,
        is_admin=is_admin,
        can_submit=not blocker and (not check.held or is_admin),
        publish_field=control(
            "summary", "Summary of the change", hint="One or two sentences for the version history: what changed and why."
        ),
        override_field=control("override_reason", "Reason for publishing anyway", "", "textarea", hint=reason_hint),
    )


def _back(form: PublishPageForm) -> Response:
    on_page = text_of(form, "page") == PUBLISH_PAGE
    return redirect(url_for("rules.publish" if on_page else "rules.index"), code=303)


def _refuse_here(action_detail: str, message: str, label: str) -> Response:
    with database().session() as session:
        audit(session, "ruleset.publish", action_detail, ruleset_version=label, outcome="refused")
    flash(message, "error")
    return redirect(url_for("rules.publish"), code=303)


def publish_posted() -> Any:
    """Publish the draft unless the rules or the accuracy gate refuse it; an administrator's written reason overrides the gate."""
    form = PublishPageForm()
    summary, problem = clean_text(text_of(form, "summary"), "summary")
    reason, reason_problem = clean_text(text_of(form, "override_reason"), "note")
    staff = signed_in_staff()
    with database().session() as session:
        draft = rulesets.open_draft(session)
        if draft is None:
            return no_draft()
        label = draft.label
    if problem or not summary or len(summary) > MAX_SUMMARY:
        flash(f"Write a short summary of the change before publishing. {problem or ''}".strip(), "error")
        return _back(form)
    if reason and ADMIN not in staff.roles:
        return _refuse_here(
            "a rules editor tried to override the accuracy check",
            "Not published: only an administrator can publish a draft that the accuracy check holds back.",
            label,
        )
    if reason and (reason_problem or override_problem(reason)):
        flash(reason_problem or override_problem(reason) or "", "error")
        return redirect(url_for("rules.publish"), code=303)
    try:
        return _publish(form, summary, reason or None)
    except AccuracyRefused as refused:
        then = (
            "Change the draft, or publish it anyway with a written reason below."
            if ADMIN in staff.roles
            else "Change the draft, or ask an administrator to publish it with a written reason."
        )
        return _refuse_here(f"accuracy check: {refused}", f"Not published: {refused}. {then}", label)


def _publish(form: PublishPageForm, summary: str, reason: str | None) -> Response:
    staff = signed_in_staff()
    with database().session() as session:
        four_eyes = rulesets.four_eyes_required(session)
        draft = rulesets.open_draft(session)
        if draft is None:
            return no_draft()
        row, check = publish_draft(
            session, draft.id, form.posted_lock(), staff.email, summary, override=reason, directory=case_library()
        )
        if check.held:
            problems = "; ".join(check.problems)
            audit(
                session,
                "ruleset.publish_override",
                f"version {row.number}: {reason} (held back: {problems})",
                ruleset_version=row.label,
            )
        detail = (
            f"version {row.number} sha256 {row.sha256}; approved by {row.approved_by}"
            if four_eyes
            else f"version {row.number} sha256 {row.sha256}; four-eyes approval is switched off"
        )
        audit(session, "ruleset.publish", detail, ruleset_version=row.label)
        number = row.number
    flash(
        f"Version {number} is published: new submissions are evaluated with it. Earlier results keep the version that made them.",
        "info",
    )
    return redirect(url_for("rules.index"), code=303)
