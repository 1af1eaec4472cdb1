"""Rules-editor test helpers: posting forms as a browser would, seeding evaluated intakes, reading the impact page."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Iterable, Mapping
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse

from tests.helpers.apps import build_app
from tests.helpers.staff import create_staff, sign_in
from triage.db import intakes as queries
from triage.db.evaluations import bundled_ruleset, current_ruleset, evaluate_for_storage
from triage.db.models import Evaluation, RulesetVersion
from triage.domain.engine.cases import RuleCase, load_rule_tests
from triage.domain.questionnaire.questions import default_questionnaire
from triage.paths import resource_dir


class _FormReader(HTMLParser):
    """The successful controls of one form (the one whose action is given), as a browser would post them."""

    def __init__(self, action: str):
        super().__init__(convert_charrefs=True)
        self.action, self.inside, self.fields = action, False, []  # type: ignore[var-annotated]
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Collect inputs, and start selects and text areas."""
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = a.get("action") == self.action
        if not self.inside:
            return
        if tag == "input" and a.get("name") and a.get("type", "text") not in ("submit", "button"):
            if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                self.fields.append((a["name"], a.get("value", "on" if a.get("type") == "checkbox" else "")))
        elif tag == "select":
            self._select, self._options = a.get("name"), []
        elif tag == "option" and self._select is not None:
            self._options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea":
            self._textarea, self._text = a.get("name"), ""

    def handle_data(self, data: str) -> None:
        """Collect a text area's text."""
        if self._textarea is not None:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        """Finish a select (its chosen option) or a text area."""
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select is not None:
            chosen = [v for v, s in self._options if s] or [v for v, _ in self._options[:1]]
            self.fields += [(self._select, v) for v in chosen]
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.fields.append((self._textarea, self._text.removeprefix("\n")))
            self._textarea = None


def form_fields(html: str | bytes, action: str) -> list[tuple[str, str]]:
    """What a browser would post from the form with this action (buttons excluded)."""
    reader = _FormReader(action)
    reader.feed(html.decode() if isinstance(html, bytes) else html)
    return reader.fields


def post_from_page(
    client: FlaskClient,
    page: TestResponse | str,
    action: str,
    changes: Mapping[str, str | list[str]] | None = None,
    press: tuple[str, str] | None = None,
) -> TestResponse:
    """Post the form with this action as shown on the page, with some fields changed and a button pressed."""
    html = client.get(page).data if isinstance(page, str) else page.data
    fields = form_fields(html, action)
    assert fields, f"no form posting to {action} on the page"
    changes = dict(changes or {})
    data = [(k, v) for k, v in fields if k not in changes]
    for name, value in changes.items():
        data += [(name, v) for v in ([value] if isinstance(value, str) else value)]
    if press:
        data.append(press)
    return client.post(action, data=MultiDict(data))


def text_of(response: TestResponse) -> str:
    """A page as text, tags dropped and whitespace squeezed (for reading counts and messages)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def rule_cases() -> list[RuleCase]:
    """The default ruleset's own test cases: realistic, varied patients to seed as past intakes."""
    return load_rule_tests(resource_dir("rules") / "tests", bundled_ruleset())


def submit_intake(app: Flask, ref: str, answers: Mapping[str, Any], on: dt.date) -> int:
    """A submitted intake evaluated as the patient flow does it (with the newest published version)."""
    with app.extensions["triage_db"].session() as session:
        _token, intake = queries.create_invitation(
            session, ref=ref, questionnaire_version=default_questionnaire().version, expires_days=30
        )
        queries.save_step(session, intake, dict(answers), {})
        queries.submit_intake(session, intake, lambda a: evaluate_for_storage(a, on, current_ruleset(session)))
        return intake.id


def seed_from_cases(app: Flask, cases: Iterable[RuleCase]) -> dict[int, RuleCase]:
    """One submitted intake per rule test case."""
    return {submit_intake(app, f"R-{case.id[:50]}", case.answers, case.on): case for case in cases}


def newest_evaluation(app: Flask, intake_id: int) -> Evaluation:
    """The newest stored evaluation of an intake."""
    with app.extensions["triage_db"].session() as session:
        found: Evaluation | None = session.scalars(
            select(Evaluation).where(Evaluation.intake_id == intake_id).order_by(Evaluation.id.desc())
        ).first()
        assert found is not None
        return found


def versions(app: Flask) -> list[RulesetVersion]:
    """Every stored ruleset version, oldest first."""
    with app.extensions["triage_db"].session() as session:
        return list(session.scalars(select(RulesetVersion).order_by(RulesetVersion.id)))


def count_in(text: str, label: str) -> int:
    """The number shown after a label on the impact page."""
    match = re.search(re.escape(label) + r"\s+(\d+)", text)
    assert match, f"no count for '{label}'"
    return int(match.group(1))


RATIONALE = "Iron deficiency is weaker evidence for coeliac disease than the weight said (BSG 2021)."
COMMENT = "Checked the diff, the impact on past patients and the rule tests."


def send_for_review(author: FlaskClient, rationale: str = RATIONALE) -> TestResponse:
    """The author sends the draft for review with a rationale, from the review-request page."""
    page = "/rules/draft/review-request"
    return post_from_page(author, page, page, {"rationale": rationale})


def open_review_parts(reviewer: FlaskClient, parts: Iterable[str] = ("diff", "impact", "tests")) -> None:
    """The reviewer opens what the draft changes, its impact and its rule tests, from the links on the approval page."""
    page = reviewer.get("/rules/draft/approve").get_data(as_text=True)
    diff = re.search(r'href="(/rules/compare\?old=\d+&amp;new=draft)"', page)
    links = {"diff": diff.group(1).replace("&amp;", "&") if diff else "", "impact": "/rules/draft/impact"}
    links["tests"] = "/rules/draft/tests"
    for part in parts:
        assert links[part], f"no link to {part} on the approval page"
        assert reviewer.get(links[part]).status_code == 200


def review_and_approve(reviewer: FlaskClient, comment: str = COMMENT) -> TestResponse:
    """A second editor opens the diff, impact and tests, then approves with a comment."""
    open_review_parts(reviewer)
    return post_from_page(reviewer, "/rules/draft/approve", "/rules/draft/approve", {"comment": comment})


def editor_with_open_draft(
    folder: Path, sqlite_template: Path, edit_url: str
) -> tuple[Flask, FlaskClient, list[tuple[str, str]]]:
    """An app on a copy of the template database, an editor signed in with a draft open, and edit_url's form fields."""
    shutil.copyfile(sqlite_template, folder / "triage.db")
    app = build_app(f"sqlite:///{folder / 'triage.db'}", folder)
    client = app.test_client()
    sign_in(client, create_staff(app, ("rules_editor",)))
    post_from_page(client, "/rules/", "/rules/draft")
    return app, client, form_fields(client.get(edit_url).data, edit_url)
