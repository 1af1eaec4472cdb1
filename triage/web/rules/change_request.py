"""The draft as a change request: ask for review with a rationale, approve with a comment, discard, restore, roll back."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for

from triage.db import ruleset_restore, ruleset_review, rulesets
from triage.web.access import database, role_required, signed_in_staff
from triage.web.routes import RouteTable
from triage.web.rules.common import EDITOR, audit, no_draft, on_conflict, on_refusal, posted_lock
from triage.web.rules.controls import control
from triage.web.rules.drafts import current_draft
from triage.web.rules.posted import ReviewForm

routes = RouteTable()
BACK = {"back": lambda _args: url_for("rules.index")}


def _text_page(template: str, name: str, label: str, value: str, problem: str | None, **extra: Any) -> Any:
    field = control(name, label, value, "textarea", errors=[problem] if problem else [], hint=extra.pop("hint", ""))
    return render_template(template, text_field=field, **extra), 400 if problem else 200


@routes.route("/draft/review-request", methods=["GET", "POST"])
@role_required(EDITOR)
@on_conflict("The draft changed since you opened the page ({error}); it was not sent for review.", **BACK)
@on_refusal("ruleset.review_request", "Not sent for review")
def request_review() -> Any:
    """The author sends the draft for review with a rationale; the possible reviewers get an email through the outbox."""
    with database().session() as session:
        draft = current_draft(session)
    if draft is None:
        return no_draft()
    label = "Why the rules change (your rationale for the reviewer)"
    hint = "What you changed, why, and the evidence; the reviewer reads it beside the diff, and it stays in the history."
    if request.method == "GET":
        return _text_page("rules/request_review.html", "rationale", label, "", None, draft=draft.info, hint=hint)
    form = ReviewForm()
    rationale = str(form.rationale.data or "")
    problem = ruleset_review.text_problem(rationale, ruleset_review.MIN_RATIONALE, "why the rules change")
    if problem:
        return _text_page("rules/request_review.html", "rationale", label, rationale, problem, draft=draft.info, hint=hint)
    with database().session() as session:
        row = ruleset_review.request_review(session, draft.info.id, form.posted_lock(), signed_in_staff().email, rationale)
        link = current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for("rules.approve")
        sent = ruleset_review.notify_reviewers(session, row, link)
        audit(session, "ruleset.review_request", f"draft {row.id} sha256 {row.sha256}; {sent} reviewers emailed")
    flash(f"The draft was sent for review; {sent} rules editors were emailed.", "info")
    return redirect(url_for("rules.index"), code=303)


def _approve_page(draft: Any, missing: list[str], comment: str, problem: str | None) -> Any:
    return _text_page(
        "rules/approve.html",
        "comment",
        "Your review comment",
        comment,
        problem,
        draft=draft.info,
        missing=missing,
        parts=ruleset_review.PARTS,
        hint="What you checked and why you approve; it is kept in the version history.",
    )


@routes.route("/draft/approve", methods=["GET", "POST"])
@role_required(EDITOR)
@on_conflict("The draft changed since you opened the page ({error}); review it again before approving.", **BACK)
@on_refusal("ruleset.approve", "Not approved")
def approve() -> Any:
    """GET: the author's rationale, what is still to open, the comment; POST: approve this exact state (four eyes)."""
    me = signed_in_staff().email
    with database().session() as session:
        draft = current_draft(session)
        row = rulesets.open_draft(session)
        missing = ruleset_review.missing_parts(session, row, me) if row is not None else []
    if draft is None:
        return no_draft()
    if request.method == "GET":
        return _approve_page(draft, missing, "", None)
    if not (draft.info.review and draft.info.review.requested_by):
        raise rulesets.RulesetRefused("the author has not sent this draft for review yet")
    form = ReviewForm()
    comment = str(form.comment.data or "")
    problem = ruleset_review.text_problem(comment, ruleset_review.MIN_COMMENT, "your review comment")
    if not problem and missing:
        problem = f"Open {', '.join(missing)} before approving; the server checks that you did."
    if problem:
        return _approve_page(draft, missing, comment, problem)
    with database().session() as session:
        approved = ruleset_review.approve(session, draft.info.id, form.posted_lock(), me, comment)
        audit(session, "ruleset.approve", f"draft {approved.id} sha256 {approved.sha256}", ruleset_version=approved.label)
    flash("You approved the draft. Any further change needs a new approval.", "info")
    return redirect(url_for("rules.index"), code=303)


@routes.route("/draft/discard", methods=["POST"])
@role_required(EDITOR)
@on_conflict("The draft changed since you opened the page ({error}); it was not discarded.", **BACK)
@on_refusal("ruleset.draft_discard", "Not discarded")
def discard_draft() -> Any:
    """First post: a confirmation page; confirmed: close the draft (its author or an admin only; restorable for 30 days)."""
    staff = signed_in_staff()
    with database().session() as session:
        draft = current_draft(session)
        if draft is None:
            return no_draft()
        allowed = staff.email == draft.info.created_by or "admin" in staff.roles
        if not allowed or ReviewForm().confirm.data != "yes":
            if not allowed:
                raise rulesets.RulesetRefused(
                    f"only the draft's author ({draft.info.created_by}) or an administrator can discard it"
                )
            return render_template("rules/discard.html", draft=draft.info, days=ruleset_restore.RESTORE_DAYS)
        row = rulesets.discard(session, draft.info.id, posted_lock(), staff.email, admin="admin" in staff.roles)
        audit(session, "ruleset.draft_discard", f"draft {row.id}", ruleset_version=row.label)
    flash(f"The draft was discarded. It can be restored from the versions page for {ruleset_restore.RESTORE_DAYS} days.", "info")
    return redirect(url_for("rules.index"), code=303)


@routes.route("/discarded/<int:version_id>/restore", methods=["POST"])
@role_required(EDITOR)
@on_conflict("Another editor opened a draft at the same moment ({error}).", **BACK)
@on_refusal("ruleset.draft_restore", "Not restored")
def restore_discarded(version_id: int) -> Any:
    """Open a draft discarded in the last 30 days again, as it was (it goes through review again)."""
    with database().session() as session:
        row = ruleset_restore.restore_discarded(session, version_id, signed_in_staff().email)
        current = rulesets.latest_published(session)
        stale = current is not None and row.based_on_id != current.id
        audit(session, "ruleset.draft_restore", f"draft {row.id}", ruleset_version=row.label)
    note = " A newer version has been published since it was discarded: compare before sending it for review." if stale else ""
    flash(f"The discarded draft {row.label} is open again.{note}", "error" if stale else "info")
    return redirect(url_for("rules.index"), code=303)


@routes.route("/versions/<int:number>/restore", methods=["POST"])
@role_required(EDITOR)
@on_conflict("Another editor opened a draft at the same moment ({error}).", **BACK)
@on_refusal("ruleset.version_restore", "Not restored")
def restore_version(number: int) -> Any:
    """Roll back: a new draft with an earlier version's rules and tests, which goes through the tests and review."""
    with database().session() as session:
        row = ruleset_restore.restore_version(session, number, signed_in_staff().email)
        audit(session, "ruleset.version_restore", f"draft {row.id} from version {number}", ruleset_version=row.label)
    flash(
        f"A new draft holds version {number}'s rules and tests. Check its tests and impact, then send it for review.",
        "info",
    )
    return redirect(url_for("rules.index"), code=303)
