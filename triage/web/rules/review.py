"""The draft's rule tests and cases from intakes, approval by a second editor, publishing, version history and comparison."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for

from triage.db import impact as impact_queries
from triage.db import intakes as queries
from triage.db import rule_signoffs, ruleset_restore, rulesets
from triage.db.evaluations import bundled_ruleset, run_stored_tests, version_ruleset
from triage.db.models import Intake, RulesetVersion
from triage.db.ruleset_accuracy import FIGURES, figures, stored_report
from triage.domain.engine.diff import diff_documents
from triage.domain.engine.what_if import evaluated_on
from triage.domain.governance.signoff import ruleset_statuses
from triage.domain.questionnaire.derived_version import DERIVED_FACTS_VERSION
from triage.domain.report.versions import questionnaire_of
from triage.web.access import database, role_required, signed_in_staff
from triage.web.errors import render_error
from triage.web.routes import RouteTable
from triage.web.rules.case_removal import removal_view
from triage.web.rules.cases import (
    build_case,
    case_controls,
    case_list,
    copied_answers,
    default_case,
    read_case_form,
    with_case,
    without_case,
)
from triage.web.rules.common import EDITOR, after_save, audit, no_draft, on_conflict, on_refusal, posted_lock
from triage.web.rules.controls import control
from triage.web.rules.drafts import current_draft, store
from triage.web.rules.opened import note_opened
from triage.web.rules.posted import CaseForm, FourEyesForm, ReviewForm
from triage.web.rules.publishing import publish_page, publish_posted
from triage.web.rules.views import diff_view

routes = RouteTable()


@routes.route("/draft/tests")
@role_required(EDITOR)
def tests() -> Any:
    """The draft's rule test cases and the last run's failures, in plain words."""
    with database().session() as session:
        draft = current_draft(session)
        note_opened(session, "tests")
    if draft is None:
        return no_draft()
    intake_field = control("intake", "Intake number", hint="The number shown on the worklist and in the impact list.")
    return render_template(
        "rules/tests.html", draft=draft.info, report=draft.info.tests, cases=case_list(draft.tests), intake_field=intake_field
    )


@routes.route("/draft/cases/new", methods=["GET", "POST"])
@role_required(EDITOR)
@on_conflict("The test case was not added: {error}.")
def new_case() -> Any:
    """Make a rule test case from a submitted intake (?intake=N): its answers without identity, its result as expectations."""
    intake_id = request.args.get("intake", type=int)
    with database().session() as session:
        draft = current_draft(session)
        if draft is None:
            return no_draft()
        evaluation = impact_queries.newest_evaluation(session, intake_id) if intake_id else None
        if evaluation is None:
            return render_template(
                "rules/case.html", draft=draft.info, intake_id=None, fields=[], answers=[], general=[]
            ), 404 if intake_id else 200
        result = dict(evaluation.result)
        intake = session.get(Intake, evaluation.intake_id)
        questionnaire = questionnaire_of(intake.questionnaire_version if intake else "")  # the questions it was asked
        answers, on, age = copied_answers(
            questionnaire, queries.load_answers(session, evaluation.intake_id), evaluated_on(result)
        )
        sex = answers.get("sex_at_birth")
        audit(
            session,
            "intake.view",
            "rules editor: copying answers into a test case",
            intake_id=evaluation.intake_id,
            ruleset_version=evaluation.ruleset_version,
        )
    shown = [(questionnaire.by_id[k].label, str(v)) for k, v in answers.items() if k in questionnaire.by_id]

    def page(values: dict[str, Any], errors: dict[str, list[str]], general: list[str], status: int = 200) -> Any:
        """The case form page with these values and problems."""
        return render_template(
            "rules/case.html",
            draft=draft.info,
            intake_id=intake_id,
            fields=case_controls(values, draft.ruleset, errors),
            answers=shown,
            general=general,
        ), status

    if request.method == "GET":
        return page(default_case(result, age, sex), {}, [])
    form = CaseForm()
    values, errors = read_case_form(form)
    case = build_case(values, answers, on)
    updated = with_case(draft.tests, case)
    report = run_stored_tests(draft.ruleset, updated)
    if errors or report["errors"]:
        return page(values, errors, [str(e) for e in report["errors"]], 400)
    with database().session() as session:
        row = store(session, draft.info.id, form.posted_lock(), draft.documents, updated, signed_in_staff().email)
        audit(
            session,
            "ruleset.case_add",
            f"test case {case['id']} from a submitted intake",
            intake_id=intake_id,
            ruleset_version=row.label,
        )
        stored = dict(row.test_report or {})
    return after_save("rules.tests", f"Test case {case['id']} added.", stored)


@routes.route("/draft/cases/<case_id>/remove", methods=["GET", "POST"])
@role_required(EDITOR)
@on_conflict("The test case was not removed: {error}.", back=lambda _args: url_for("rules.tests"))
def remove_case(case_id: str) -> Any:
    """GET: what removing the case means, and the confirming button; POST confirmed: take the case out of the draft."""
    with database().session() as session:
        draft = current_draft(session)
        if draft is None:
            return no_draft()
        updated, found = without_case(draft.tests, case_id)
        if not found:
            return render_error(404, "The draft has no test case with that id.")
        if request.method == "GET":
            return render_template("rules/case_remove.html", draft=draft.info, case=removal_view(draft, case_id))
        if ReviewForm().confirm.data != "yes":
            return redirect(url_for("rules.remove_case", case_id=case_id), code=303)  # unconfirmed: ask first
        row = store(session, draft.info.id, posted_lock(), draft.documents, updated, signed_in_staff().email)
        audit(session, "ruleset.case_remove", f"test case {case_id}", ruleset_version=row.label)
        report = dict(row.test_report or {})
    return after_save("rules.tests", f"Test case {case_id} removed.", report)


@routes.route("/draft/publish", methods=["GET", "POST"])
@role_required(EDITOR)
@on_conflict(
    "The draft changed since you opened the page ({error}); it was not published.", back=lambda _args: url_for("rules.index")
)
@on_refusal("ruleset.publish", "Not published")
def publish() -> Any:
    """GET: the draft's accuracy beside the published version's, and the form; POST: publish it as the next version."""
    return publish_page() if request.method == "GET" else publish_posted()


@routes.route("/versions")
@role_required(EDITOR)
def versions() -> Any:
    """Every published version (newest first) with its accuracy on the case library, and the open draft."""
    with database().session() as session:
        listed = rulesets.list_versions(session)
        discarded = ruleset_restore.discarded_drafts(session)
        signoffs = rule_signoffs.all_signoffs(session)
        # "N of M rules clinically signed off" per version: each rule's state read against that version's content.
        signed = {}
        for v in listed:
            row = session.get(RulesetVersion, v.id)
            states = [s for _c, s in ruleset_statuses(row.documents if row else {}, signoffs).values()]
            signed[v.id] = (sum(1 for s in states if s.state == "signed"), len(states))
    # Each version's figures as measured on the case library when it was published (older versions: not measured).
    rows = [(v, figures(stored_report(v.accuracy))) for v in listed]
    return render_template(
        "rules/versions.html",
        versions=rows,
        signed=signed,
        measures=[label for _key, label in FIGURES],
        discarded=discarded,
        days=ruleset_restore.RESTORE_DAYS,
        has_draft=any(v.status == "draft" for v in listed),
        newest=max((v.number for v in listed if v.number), default=None),
        derived_facts_version=DERIVED_FACTS_VERSION,
    )


def _side(session: Any, key: str) -> tuple[Any, Any, str, Any] | None:
    if key == "draft":
        draft = current_draft(session)
        return (draft.documents, draft.ruleset, "the draft", draft.tests) if draft else None
    if key.isdigit() and len(key) < 9:
        row = rulesets.by_number(session, int(key))
        return (
            (row.documents, version_ruleset(row), f"version {row.number}", row.tests or {})
            if row is not None and row.status == "published"
            else None
        )
    if key == "default":
        return bundled_ruleset().documents, bundled_ruleset(), "the default rules/ folder", {}
    return None


@routes.route("/compare")
@role_required(EDITOR)
def compare() -> Any:
    """Two versions side by side, rule by rule: added, removed, and changed with the fields that changed (?old=N&new=M|draft)."""
    with database().session() as session:
        choices = [(str(v.number), f"version {v.number} ({v.label})") for v in rulesets.list_versions(session) if v.number]
        if rulesets.open_draft(session) is not None:
            choices.insert(0, ("draft", "the draft"))
        old_key, new_key = request.args.get("old", ""), request.args.get("new", "")
        old, new = (_side(session, old_key), _side(session, new_key)) if old_key and new_key else (None, None)
        draft = rulesets.open_draft(session)
        based_on = session.get(RulesetVersion, draft.based_on_id) if draft and draft.based_on_id else None
        if new_key == "draft" and old is not None and based_on is not None and old_key == str(based_on.number):
            note_opened(session, "diff")  # the reviewer saw what the draft changes against what it replaces
    if (old_key or new_key) and (old is None or new is None):
        return render_error(404, "Choose two versions that exist.")
    view = diff_view(diff_documents(old[0], new[0]), old[:2], new[:2], (old[3], new[3])) if old and new else None
    fields = {
        "old_field": control("old", "Older", old_key, "select", options=choices),
        "new_field": control("new", "Newer", new_key, "select", options=choices),
    }
    return render_template(
        "rules/compare.html", view=view, old_name=old[2] if old else "", new_name=new[2] if new else "", **fields
    )


@routes.route("/settings", methods=["GET", "POST"], endpoint="settings")
@role_required("admin")
def four_eyes_setting() -> Any:
    """Admins only: whether publishing needs a second rules editor's approval (off only for a single-doctor practice)."""
    with database().session() as session:
        if request.method == "POST":
            wanted = FourEyesForm().four_eyes.data == "1"
            if wanted != rulesets.four_eyes_required(session):
                rulesets.set_four_eyes(session, wanted)
                audit(session, "setting.rules_four_eyes", "on" if wanted else "off")
            flash("Setting saved.", "info")
            return redirect(url_for("rules.settings"), code=303)
        required = rulesets.four_eyes_required(session)
    hint = "Switch this off only for a single-doctor practice. Every change of this setting is written to the audit log."
    field = control(
        "four_eyes",
        "A second rules editor must approve a draft before it is published",
        "1" if required else "",
        "checkbox",
        hint=hint,
    )
    return render_template("rules/settings.html", four_eyes_field=field)
