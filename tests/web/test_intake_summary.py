"""The intake page's summary and the coded feedback on a differential, over HTTP on SQLite and PostgreSQL."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

from flask import Flask
from sqlalchemy import select

from tests.helpers.apps import csrf_token
from tests.helpers.rules_editor import post_from_page, text_of
from tests.web.test_clinic_flow import TODAY, demo_answers, seed_submitted, stored_result
from triage.db.evaluations import bundled_ruleset
from triage.db.models import AuditEvent, DifferentialFeedback, Evaluation
from triage.domain.questionnaire.answers import validate_answers
from triage.domain.questionnaire.questions import default_questionnaire
from triage.domain.report.ask_first import ask_first
from triage.web.clinic.forms import FEEDBACK_CHOICE, REASON_MAX

NOTE = "Infective colitis first: stool culture pending."


def summary_of(page: str) -> str:
    """The summary region of the intake page."""
    start = page.index('id="summary"')
    return page[start : page.index("</section>", start)]


def seeded(app: Flask, ref: str = "DEMO-003") -> tuple[int, dict[str, Any]]:
    intake_id = seed_submitted(app, ref, demo_answers(ref))
    return intake_id, stored_result(app, intake_id)


def feedback_rows(app: Flask, intake_id: int) -> list[tuple[str, bool, str | None, str]]:
    with app.extensions["triage_db"].session() as session:
        rows = session.scalars(select(DifferentialFeedback).where(DifferentialFeedback.intake_id == intake_id))
        return [(f.differential_id, f.agrees, f.reason_code, f.reason) for f in rows]


def feedback_audit(app: Flask, intake_id: int) -> list[str]:
    with app.extensions["triage_db"].session() as session:
        query = select(AuditEvent.detail).where(AuditEvent.action == "intake.feedback", AuditEvent.intake_id == intake_id)
        return list(session.scalars(query))


def test_the_summary_holds_urgency_top_three_tests_questions_and_controls(app: Flask, staff_login: Callable[..., Any]) -> None:
    client = app.test_client()
    staff_login(client)
    intake_id, result = seeded(app)
    page = client.get(f"/clinic/intakes/{intake_id}").get_data(as_text=True)
    summary = html.unescape(summary_of(page))
    assert "Urgency:" in summary and result["red_flags"][0]["title"] in summary
    top = [d for d in result["differentials"] if d["level"] != "minimal"][:3]
    positions = [summary.index(d["name"]) for d in top]
    assert positions == sorted(positions), "the top differentials in rank order"
    assert top[0]["for"][0]["title"] in summary, "the finding that carries the first differential"
    tests = [i["test"] for i in result["investigations"] if not i.get("deferred")]
    assert 3 <= sum(t in summary for t in tests) <= 5
    assert "Caveat: PPI for a year or more - check B12 and magnesium" in summary  # the B12 test's caveat
    # The questions to ask first, in the order of how much their answer could change the result.
    answers = validate_answers(default_questionnaire(), demo_answers("DEMO-003"), TODAY)
    first = [q for q in ask_first(bundled_ruleset(), answers, TODAY) if q.weight > 0][:3]
    asked = [summary.index(q.label) for q in first]
    assert asked == sorted(asked) and len(asked) == 3
    for control in ('id="decision-choice"', "/pdf", "Mark as reviewed", "Evaluate again with the current rules"):
        assert control in summary, control
    # Everything else is one click away in <details>; one closed feedback control per differential, no open form.
    assert page.count('<details class="feedback-control">') == len(result["differentials"])
    assert 'feedback-control" open' not in page
    assert '<details id="differentials"' in page and '<details id="answers"' in page and '<details id="ask"' in page


def test_ask_about_this_at_the_visit_lists_every_open_question_most_telling_first(
    app: Flask, staff_login: Callable[..., Any]
) -> None:
    client = app.test_client()
    staff_login(client)
    intake_id, result = seeded(app)
    page = html.unescape(client.get(f"/clinic/intakes/{intake_id}").get_data(as_text=True))
    section = page[page.index('<details id="ask"') :]
    section = section[: section.index("</details>")]
    items = re.findall(r"<li>(.*?)</li>", section, re.S)
    assert len(items) == len(result["missing"])
    answers = validate_answers(default_questionnaire(), demo_answers("DEMO-003"), TODAY)
    expected = [q.label for q in ask_first(bundled_ruleset(), answers, TODAY)]
    assert [re.split(r":? <span", i)[0].strip() for i in items] == expected


def post_feedback(client: Any, intake_id: int, data: dict[str, str], token: str | None = None) -> Any:
    page = client.get(f"/clinic/intakes/{intake_id}").get_data(as_text=True)
    evaluation = re.search(r'name="evaluation_id" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
    form = {"evaluation_id": evaluation, **data}
    if token != "":
        form["csrf_token"] = token or csrf_token(page)
    return client.post(f"/clinic/intakes/{intake_id}/feedback", data=form)


def test_a_coded_override_reason_is_stored_audited_and_shown(app: Flask, staff_login: Callable[..., Any]) -> None:
    client = app.test_client()
    staff_login(client)
    intake_id, result = seeded(app, "DEMO-002")
    differential = result["differentials"][0]["id"]
    reply = post_feedback(client, intake_id, {"differential_id": differential, "verdict": "not_relevant", "reason": NOTE})
    assert reply.status_code == 303
    assert reply.headers["Location"].endswith(f"/clinic/intakes/{intake_id}?open=differentials#d-{differential}")
    assert feedback_rows(app, intake_id) == [(differential, False, "not_relevant", NOTE)]
    audit = feedback_audit(app, intake_id)
    assert len(audit) == 1 and "not_relevant" in audit[0] and NOTE not in audit[0]  # the note may hold clinical detail
    page = html.unescape(client.get(reply.headers["Location"]).get_data(as_text=True))
    assert "saved for the rule editors" in page
    assert "disagreed (Not relevant for this patient): “" + NOTE in re.sub(r"<[^>]+>", "", page)
    assert '<details id="differentials" class="more-section" open>' in page
    # Agreeing carries no reason code.
    agree = post_feedback(client, intake_id, {"differential_id": differential, "verdict": "agree"})
    assert agree.status_code == 303
    assert feedback_rows(app, intake_id)[-1] == (differential, True, None, "")


def test_a_bad_reason_or_a_long_note_names_the_field_and_keeps_what_was_typed(
    app: Flask, staff_login: Callable[..., Any]
) -> None:
    client = app.test_client()
    staff_login(client)
    intake_id, result = seeded(app, "DEMO-002")
    differential = result["differentials"][1]["id"]
    bad = post_feedback(client, intake_id, {"differential_id": differential, "verdict": "bogus", "reason": NOTE})
    assert bad.status_code == 400
    page = html.unescape(bad.get_data(as_text=True))
    assert FEEDBACK_CHOICE in page and FEEDBACK_CHOICE.startswith("Your view:")
    assert f'id="verdict-{differential}-error"' in page, "the message sits at the row's own control"
    assert f'value="{NOTE}"' in page, "the note typed is kept"
    assert '<details class="feedback-control" open>' in page
    missing = post_feedback(client, intake_id, {"differential_id": differential, "reason": NOTE})
    assert missing.status_code == 400 and FEEDBACK_CHOICE in html.unescape(missing.get_data(as_text=True))
    long = post_feedback(
        client, intake_id, {"differential_id": differential, "verdict": "other", "reason": "x" * (REASON_MAX + 1)}
    )
    assert long.status_code == 400
    assert f"Note for the rule editors: keep it to at most {REASON_MAX} characters." in long.get_data(as_text=True)
    assert feedback_rows(app, intake_id) == [] and feedback_audit(app, intake_id) == []


def test_feedback_needs_the_csrf_token_the_clinician_role_and_a_differential_of_the_result(
    app: Flask, staff_login: Callable[..., Any]
) -> None:
    clinician = app.test_client()
    staff_login(clinician)
    intake_id, result = seeded(app, "DEMO-002")
    differential = result["differentials"][0]["id"]
    data = {"differential_id": differential, "verdict": "already_done"}
    assert post_feedback(clinician, intake_id, data, token="").status_code == 400
    assert post_feedback(clinician, intake_id, {**data, "differential_id": "not_in_result"}).status_code == 404
    editor = app.test_client()
    staff_login(editor, roles=("rules_editor",))
    token = csrf_token(editor.get("/rules/").get_data(as_text=True))
    refused = editor.post(f"/clinic/intakes/{intake_id}/feedback", data={**data, "evaluation_id": "1", "csrf_token": token})
    assert refused.status_code == 403
    anonymous = app.test_client().post(f"/clinic/intakes/{intake_id}/feedback", data=data)
    assert anonymous.status_code in (302, 303, 400)
    assert feedback_rows(app, intake_id) == []


def test_rule_editors_read_the_coded_reason_with_the_ruleset_version(app: Flask, staff_login: Callable[..., Any]) -> None:
    clinician = app.test_client()
    staff_login(clinician)
    intake_id, result = seeded(app, "DEMO-002")
    differential = result["differentials"][0]["id"]
    assert (
        post_feedback(
            clinician, intake_id, {"differential_id": differential, "verdict": "disagree_evidence", "reason": NOTE}
        ).status_code
        == 303
    )
    with app.extensions["triage_db"].session() as session:
        evaluation = session.scalars(select(Evaluation).where(Evaluation.intake_id == intake_id)).one()
        fired, version = list(evaluation.fired_rules), evaluation.ruleset_version
    rule = next(
        r.id for r in bundled_ruleset().rules if r.id in fired and r.kind == "differential" and r.differential == differential
    )
    editor = app.test_client()
    staff_login(editor, roles=("rules_editor",))
    assert post_from_page(editor, "/rules/", "/rules/draft").status_code == 303
    text = text_of(editor.get(f"/rules/draft/rules/{rule}"))
    assert f"Disagree with the evidence (ruleset {version}): {NOTE}" in text
