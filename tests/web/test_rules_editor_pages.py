"""The rules editor's other pages: adding and retiring rules, thresholds, parameters, cases from intakes, four eyes, feedback."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

import pypdf
from flask import Flask
from sqlalchemy import select

from tests.helpers.apps import csrf_token
from tests.helpers.impact_jobs import impact_page
from tests.helpers.pdf_jobs import download
from tests.helpers.rules_editor import (
    form_fields,
    newest_evaluation,
    post_from_page,
    review_and_approve,
    rule_cases,
    seed_from_cases,
    send_for_review,
    submit_intake,
    text_of,
    versions,
)
from triage.db.demo import demo_patients
from triage.db.evaluations import bundled_ruleset
from triage.db.models import AuditEvent, Intake
from triage.domain.engine.diff import rules_by_id
from triage.domain.questionnaire.answers import validate_answers
from triage.domain.questionnaire.questions import default_questionnaire
from triage.web.rules.common import sentence_of

EDITOR = ("rules_editor",)
GLUTEN = f"“{bundled_ruleset().facts['eats_gluten'].label}”"
SSTI = "{{ 7*7 }} {% raw %}x{% endraw %} <b>bold</b>"


def audit_rows(app: Flask, action: str) -> list[AuditEvent]:
    """Audit rows of one action."""
    with app.extensions["triage_db"].session() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def test_a_clinician_gets_403_and_an_editor_reads_every_rule_as_a_sentence(app: Flask, staff_login: Callable[..., Any]) -> None:
    clinician = app.test_client()
    staff_login(clinician, roles=("clinician",))
    for path in ("/rules/", "/rules/versions", "/rules/compare", "/rules/draft/impact", "/rules/settings"):
        assert clinician.get(path).status_code == 403, path
    editor = app.test_client()
    staff_login(editor, roles=EDITOR)
    page = text_of(editor.get("/rules/"))
    assert "Coeliac disease" in page and "Red flags" in page and "Investigations" in page and "Caveats" in page
    file, rule = rules_by_id(bundled_ruleset().documents)["cd_iron_deficiency"]
    assert sentence_of(rule, bundled_ruleset()) in page and file == "celiac.yaml"
    assert versions(app) == []  # reading changes nothing: version 1 is stored at the first write


def test_adding_and_retiring_a_rule(app: Flask, editor: Any) -> None:
    new = "/rules/draft/rules/new"
    form = {
        "id": "cd_test_rule",
        "file": "celiac.yaml",
        "title": "Loves bread",
        "explanation": "A test rule.",
        "kind": "differential",
        "differential": "celiac_disease",
        "weight": "1",
        "source": "Test source (2026)",
        "author": "Tester",
        "c-r-question": "eats_gluten",
        "c-r-op": "equals",
        "c-r-value": "true",
    }
    saved = post_from_page(editor, new, new, form, ("action", "save"))
    assert saved.status_code == 303 and saved.location.endswith("/rules/draft/rules/cd_test_rule")
    assert f"IF {GLUTEN} is yes THEN Coeliac disease +1 — Test source (2026)" in text_of(editor.get("/rules/"))
    again = post_from_page(editor, new, new, form, ("action", "save"))
    assert again.status_code == 400 and "is used twice" in again.get_data(as_text=True)
    retire = "/rules/draft/rules/cd_test_rule/retire"
    assert post_from_page(editor, "/rules/draft/rules/cd_test_rule", retire).status_code == 303
    index = editor.get("/rules/").get_data(as_text=True)
    assert "Rule cd_test_rule retired." in index and 'id="rule-cd_test_rule"' not in index
    assert [r.detail for r in audit_rows(app, "ruleset.rule_add")] == [
        "added rule cd_test_rule: "
        + ", ".join(
            k for k in ("id", "title", "explanation", "kind", "differential", "weight", "when", "source", "author", "reviewed")
        )
    ]
    assert audit_rows(app, "ruleset.rule_retire")[0].detail == "retired rule cd_test_rule"


def test_thresholds_parameters_and_settings_are_edited_in_forms(app: Flask, editor: Any) -> None:
    url = "/rules/draft/differentials/celiac_disease"
    bad = post_from_page(editor, url, url, {"low": "6", "moderate": "5"})
    assert bad.status_code == 400 and re.search(r'id="f-low-error">.*thresholds must rise', bad.get_data(as_text=True))
    assert post_from_page(editor, url, url, {"high": "12"}).status_code == 303
    index = text_of(editor.get("/rules/"))
    assert "high from 12" in index and "The differential “Coeliac disease” saved." in index  # its name, not its id
    param = "/rules/draft/parameters/upper_gi_cancer_age"
    bad = post_from_page(editor, param, param, {"value": "fifty"})
    assert bad.status_code == 400 and "a parameter value must be a number" in bad.get_data(as_text=True)
    assert post_from_page(editor, param, param, {"value": "50"}).status_code == 303
    assert "is at least 50 years (parameter upper_gi_cancer_age)" in text_of(editor.get("/rules/"))
    settings = "/rules/draft/settings"
    assert post_from_page(editor, settings, settings, {"version": "2026.1"}).status_code == 303
    assert "version text 2026.1" in text_of(editor.get("/rules/"))
    assert b"Publish as the next version" not in editor.get("/rules/").data  # not approved yet
    assert [r.action for r in audit_rows(app, "ruleset.differential_save") + audit_rows(app, "ruleset.parameter_save")] == [
        "ruleset.differential_save",
        "ruleset.parameter_save",
    ]


def test_a_case_from_an_intake_copies_no_name_or_date_of_birth_and_keeps_the_age(app: Flask, editor: Any) -> None:
    patient = demo_patients()[0]
    questionnaire = default_questionnaire()
    import datetime as dt

    on = dt.date(2026, 11, 17)
    intake_id = submit_intake(app, "CASE-1", validate_answers(questionnaire, patient["answers"], on), on)
    url = f"/rules/draft/cases/new?intake={intake_id}"
    page = editor.get(url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert patient["answers"]["full_name"] not in html and patient["answers"]["date_of_birth"] not in html
    saved = post_from_page(editor, page, url, {"id": "celiac_demo_case"})
    assert saved.status_code == 303
    with app.extensions["triage_db"].session() as session:
        from triage.db import rulesets

        draft = rulesets.open_draft(session)
        assert draft is not None
        case = next(c for c in draft.tests["from_intakes.yaml"]["cases"] if c["id"] == "celiac_demo_case")
        report = draft.test_report
    dumped = repr(case)
    assert patient["answers"]["full_name"] not in dumped and patient["answers"]["date_of_birth"] not in dumped
    assert case["on"] == "2026-11-01" and "main_concern" not in case["answers"]
    born = dt.date.fromisoformat(patient["answers"]["date_of_birth"])
    age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    assert case["answers"]["date_of_birth"] == f"{2026 - age}-11-01"
    assert case["expect"]["first"] == newest_evaluation(app, intake_id).top_differential
    assert report["failures"] == [] and report["total"] > 50  # the case passes as copied
    assert audit_rows(app, "ruleset.case_add")[0].intake_id == intake_id
    remove = "/rules/draft/cases/celiac_demo_case/remove"  # the confirmation page the tests page links to
    removed = post_from_page(editor, remove, remove)
    assert removed.status_code == 303 and '<th scope="row">celiac_demo_case</th>' not in editor.get(
        "/rules/draft/tests"
    ).get_data(as_text=True)


def test_approval_lapses_on_change_and_an_admin_may_switch_four_eyes_off(
    app: Flask, editor: Any, staff_login: Callable[..., Any]
) -> None:
    reviewer = app.test_client()
    staff_login(reviewer, roles=EDITOR)
    edit = "/rules/draft/rules/cd_fatigue"
    assert post_from_page(editor, edit, edit, {"title": "Tiredness that lasts"}, ("action", "save")).status_code == 303
    assert send_for_review(editor).status_code == 303
    assert review_and_approve(reviewer).status_code == 303
    assert "Approved by" in text_of(editor.get("/rules/"))
    assert post_from_page(editor, edit, edit, {"title": "Tiredness that lasts for months"}, ("action", "save")).status_code == 303
    assert "Awaiting approval by a second rules editor" in text_of(editor.get("/rules/"))  # the change voided the approval
    assert b"Publish as the next version" not in editor.get("/rules/").data

    admin = app.test_client()
    staff_login(admin, roles=("admin",))
    assert editor.get("/rules/settings").status_code == 403
    assert post_from_page(admin, "/rules/settings", "/rules/settings", {"four_eyes": []}).status_code == 303
    [row] = audit_rows(app, "setting.rules_four_eyes")
    assert (row.detail, row.role) == ("off", "admin")
    assert post_from_page(editor, "/rules/", "/rules/draft/publish", {"summary": "Clearer title"}).status_code == 303
    [published] = audit_rows(app, "ruleset.publish")
    assert "four-eyes approval is switched off" in published.detail and versions(app)[-1].number == 2


def test_template_syntax_in_rule_text_stays_literal_for_editors_clinicians_and_the_pdf(
    app: Flask, editor: Any, staff_login: Callable[..., Any]
) -> None:
    edit = "/rules/draft/rules/cd_iron_deficiency"
    fields = {"title": SSTI, "explanation": SSTI, "source": SSTI, "author": SSTI}
    assert post_from_page(editor, edit, edit, fields, ("action", "save")).status_code == 303
    html = editor.get("/rules/").get_data(as_text=True)
    assert "{{ 7*7 }} {% raw %}x{% endraw %} &lt;b&gt;bold&lt;/b&gt;" in html and "<b>bold</b>" not in html
    admin = app.test_client()
    staff_login(admin, roles=("admin",))
    post_from_page(admin, "/rules/settings", "/rules/settings", {"four_eyes": []})
    assert post_from_page(editor, "/rules/", "/rules/draft/publish", {"summary": "SSTI check"}).status_code == 303
    patient = demo_patients()[0]  # iron deficiency: the rule fires
    import datetime as dt

    intake_id = submit_intake(
        app, "SSTI-1", validate_answers(default_questionnaire(), patient["answers"], dt.date.today()), dt.date.today()
    )
    assert "cd_iron_deficiency" in newest_evaluation(app, intake_id).fired_rules
    clinician = app.test_client()
    staff_login(clinician, roles=("clinician",))
    page = clinician.get(f"/clinic/intakes/{intake_id}").get_data(as_text=True)
    assert "{{ 7*7 }} {% raw %}x{% endraw %} &lt;b&gt;bold&lt;/b&gt;" in page
    pdf = download(clinician, f"/clinic/intakes/{intake_id}", csrf_token(page))
    assert pdf.status_code == 200
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.data)).pages)
    assert "{{ 7*7 }}" in re.sub(r"\s+", " ", text)


def test_feedback_impact_list_side_by_side_and_compare(app: Flask, editor: Any, staff_login: Callable[..., Any]) -> None:
    seeded = seed_from_cases(app, rule_cases()[:12])
    intake_id = next(i for i in seeded if "cd_gi_symptoms" in newest_evaluation(app, i).fired_rules)
    evaluation = newest_evaluation(app, intake_id)
    clinician = app.test_client()
    staff_login(clinician, roles=("clinician",))
    page = clinician.get(f"/clinic/intakes/{intake_id}")
    data = {
        "csrf_token": csrf_token(page.data),
        "evaluation_id": str(evaluation.id),
        "differential_id": "celiac_disease",
        "verdict": "disagree_evidence",
        "reason": "Bloating alone, serology negative",
    }
    assert clinician.post(f"/clinic/intakes/{intake_id}/feedback", data=data).status_code in (302, 303)
    index = text_of(editor.get("/rules/"))
    assert re.search(r"cd_gi_symptoms awaiting review Clinicians: 0 agree, 1 disagree", index)
    assert "Bloating alone, serology negative" in text_of(editor.get("/rules/draft/rules/cd_gi_symptoms"))

    edit = "/rules/draft/rules/cd_gi_symptoms"
    assert post_from_page(editor, edit, edit, {"weight": "5"}, ("action", "save")).status_code == 303
    impact = impact_page(editor, "/rules/draft/impact?last=5").get_data(as_text=True)
    assert re.search(r'id="count-considered">5<', impact)
    listed = re.findall(r'href="/rules/draft/impact/(\d+)"', impact)
    assert listed
    side = text_of(editor.get(f"/rules/draft/impact/{listed[0]}"))
    assert "Stored result (ruleset 2026.1)" in side and "With the draft" in side and "What would change" in side
    compare = text_of(editor.get("/rules/compare?old=1&new=draft"))
    assert "1 rules added, 0 removed, 1 changed" not in compare and "0 rules added, 0 removed, 1 changed" in compare
    assert "cd_gi_symptoms" in compare and "(changed: weight)" in compare and "THEN Coeliac disease +5" in compare
    with app.extensions["triage_db"].session() as session:
        refs = {i.id for i in session.scalars(select(Intake))}
    assert set(map(int, listed)) <= refs
    assert form_fields(editor.get("/rules/").data, "/rules/draft/discard")


def test_an_unchanged_draft_is_neither_approved_by_its_author_nor_published(
    app: Flask, editor: Any, staff_login: Callable[..., Any]
) -> None:
    assert b"Approve this draft" not in editor.get("/rules/").data  # opening the draft makes its author an editor of it
    admin = app.test_client()
    staff_login(admin, roles=("admin",))
    post_from_page(admin, "/rules/settings", "/rules/settings", {"four_eyes": []})
    refused = post_from_page(editor, "/rules/", "/rules/draft/publish", {"summary": "Nothing really"})
    assert refused.status_code == 303
    assert "there is nothing to publish" in text_of(editor.get("/rules/"))
    assert [v.status for v in versions(app)] == ["published", "draft"]
    [row] = audit_rows(app, "ruleset.publish")
    assert row.outcome == "refused"
