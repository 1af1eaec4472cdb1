"""Random values in every POST form the patient and staff have never give a server error, on SQLite and PostgreSQL.

The forms are found in the rendered pages (patient steps, review and urgent-help page, sign-in, account, admin,
clinic and rules-editor forms); each example takes one form as a browser would post it, with a random submit button,
replaces, drops, repeats or adds fields with hostile values, and posts it. Only a 5xx fails.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from tests.helpers.alerts import make_alert
from tests.helpers.html_forms import BrowserForm, forms_of
from tests.helpers.patient import new_invitation, open_link, walk_to_review
from tests.helpers.rules_editor import rule_cases, submit_intake
from tests.helpers.staff import StaffClock, create_staff, sign_in
from triage.db import admin_queries
from triage.domain.questionnaire.questions import default_questionnaire

STEPS = [s.id for s in default_questionnaire().steps]
# Posts that would end the fuzzing clients' own sessions (sign-out) are left out: every other form is fuzzed.
SKIPPED = ("/staff/logout",)
HOSTILE = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            "\x00",
            "\u202e",
            "\ud800".encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
            "9" * 5000,
            "-" + "9" * 400,
            "1e400",
            "-1e400",
            "Infinity",
            "NaN",
            "0x1F",
            "99999999999999999999",
            "-0",
            "3.5",
            "1974-02-30",
            "9999-12-31",
            "0000-01-01",
            "x" * 70_000,
            "{{ 7*7 }}",
            "<script>alert(1)</script>",
            "' OR 1=1 --",
            "r.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0",
            "add-group:r",
            "remove:r",
            "save",
            "update",
            "on",
            "1",
            "true",
        ]
    ),
)

# Numbers where a number is asked: overlong, infinite, not a number, or fine.
NUMBERS = st.sampled_from(
    ["9" * 5000, "-" + "9" * 4400, "1e400", "9" * 400 + ".5", "99999999999999999999", "Infinity", "NaN", "-1", ""]
)
VALUES = st.one_of(HOSTILE, NUMBERS)
NUMERIC = re.compile(r"-?\d+(\.\d+)?")


@dataclass
class Target:
    """One form to fuzz: who posts it, the page that shows it and the form as the page shows it."""

    who: str
    page: str
    form: BrowserForm


@dataclass
class World:
    """The clients (a patient, an anonymous browser, a clinician-admin-editor) and every form they can post, by route."""

    app: Flask
    clients: dict[str, FlaskClient]
    routes: dict[str, list[Target]]


def route_of(action: str) -> str:
    """The route a form posts to (ids and the query left out), so that each route is fuzzed as often as any other."""
    parts = action.split("?")[0].split("/")
    return "/".join(
        "<id>" if i >= 3 and parts[i - 1] in ("cases", "users", "intakes", "alerts", "rules") else p for i, p in enumerate(parts)
    )


def _patient(app: Flask) -> FlaskClient:
    client = app.test_client()
    token, _intake = new_invitation(app, ref="FUZZ-P")
    open_link(client, token)
    return client


def _pages(app: Flask, intake_id: int, other_user: int, disabled_user: int) -> dict[str, list[str]]:
    return {
        "patient": [f"/intake/{step}" for step in STEPS],
        "anonymous": ["/staff/login"],
        "staff": [
            "/staff/account",
            "/staff/password",
            "/admin/users/new",
            f"/admin/users/{other_user}",
            f"/admin/users/{disabled_user}",
            "/admin/settings",
            "/clinic/",
            f"/clinic/intakes/{intake_id}",
            "/clinic/attention",
            "/rules/",
            "/rules/draft/rules/cd_weight_loss",
            "/rules/draft/rules/rf_haematemesis",
            "/rules/draft/rules/new",
            "/rules/draft/differentials/celiac_disease",
            "/rules/draft/parameters/upper_gi_cancer_age",
            "/rules/draft/settings",
            "/rules/draft/tests",
            f"/rules/draft/cases/new?intake={intake_id}",
            "/rules/settings",
        ],
    }


@pytest.fixture
def world(app: Flask, staff_clock: StaffClock) -> Iterator[World]:
    """Every POST form of every page the three clients reach, with the state the pages need (a draft, an intake, an alert)."""
    staff = app.test_client()
    sign_in(staff, create_staff(app, ("clinician", "admin", "rules_editor")))
    other = create_staff(app, ("clinician",))
    disabled = create_staff(app, ("clinician",))
    with app.extensions["triage_db"].session() as session:
        assert admin_queries.set_active(session, disabled.id, False)  # its page offers the enable form
    draft = next(f for f in forms_of(staff.get("/rules/").data) if f.action == "/rules/draft")
    staff.post(draft.action, data=draft.post_data(draft.buttons()[0]))
    case = next(c for c in rule_cases() if c.id == "celiac_classic_young_woman")  # differentials, so feedback forms
    intake_id = submit_intake(app, "FUZZ-1", case.answers, case.on)
    make_alert(app, intake_id)
    patient = _patient(app)
    walk_to_review(patient)
    clients = {"patient": patient, "anonymous": app.test_client(), "staff": staff}
    pages = _pages(app, intake_id, other.id, disabled.id)
    pages["patient"].append("/intake/review")
    targets = []
    for who, urls in pages.items():
        for url in urls:
            shown = clients[who].get(url)
            if who == "patient" and shown.status_code == 303:
                continue  # a step this patient's answers skip
            assert shown.status_code == 200, (who, url, shown.status_code)
            targets += [Target(who, url, f) for f in forms_of(shown.data) if f.method == "post" and f.action not in SKIPPED]
    routes: dict[str, list[Target]] = {}
    for target in targets:
        routes.setdefault(route_of(target.form.action), []).append(target)
    assert len(routes) >= 30, sorted(routes)  # every POST route a page offers
    yield World(app, clients, routes)


def _mutated(form: BrowserForm, press: int, changes: dict[str, list[str]], drop: set[str], extra: list[tuple[str, str]]) -> Any:
    buttons = form.buttons()
    pressed = buttons[press % len(buttons)] if buttons else None
    data = form.post_data(pressed)
    kept = MultiDict([(k, v) for k, v in data.items(multi=True) if k not in drop or k == "csrf_token"])
    for name, values in changes.items():
        if name != "csrf_token":
            kept.setlist(name, values)
    for name, value in extra:
        kept.add(name, value)
    return kept


@settings(
    max_examples=400,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.data())
def test_random_values_in_every_form_give_no_server_error(world: World, data: st.DataObject) -> None:
    route = data.draw(st.sampled_from(sorted(world.routes)), label="route")
    target = data.draw(st.sampled_from(world.routes[route]), label="form")
    shown = {c.name: c.value for c in target.form.fields() if c.name != "csrf_token"}
    names = sorted(shown) or ["x"]
    # Each field is kept as the page shows it, replaced (by one or several values) or dropped, independently.
    changes: dict[str, list[str]] = {}
    drop: set[str] = set()
    for name in names:
        # A field that shows a number is mostly given hostile numbers (the values that once crashed the rules editor).
        numeric = bool(NUMERIC.fullmatch(shown.get(name, "")))
        fates = ["keep", "replace", "replace", "replace", "drop"] if numeric else ["keep", "keep", "replace", "replace", "drop"]
        fate = data.draw(st.sampled_from(fates), label=name)
        if fate == "replace":
            values = st.one_of(NUMBERS, NUMBERS, NUMBERS, VALUES) if numeric else VALUES
            changes[name] = data.draw(st.lists(values, min_size=1, max_size=2), label=f"{name} values")
        elif fate == "drop":
            drop.add(name)
    extra = data.draw(st.lists(st.tuples(st.sampled_from([*names, "node", "c-r.0-kind", "junk"]), VALUES), max_size=3))
    press = data.draw(st.integers(min_value=0, max_value=20))
    client = world.clients[target.who]
    if target.who == "patient" and client.get("/intake/review").status_code != 200:
        world.clients["patient"] = client = _patient(world.app)  # a fuzzed review submitted the intake: a fresh link
    if target.form.action.startswith("/rules/draft/") and b'action="/rules/draft/discard"' not in client.get("/rules/").data:
        reopen = next(f for f in forms_of(client.get("/rules/").data) if f.action == "/rules/draft")
        client.post(reopen.action, data=reopen.post_data(reopen.buttons()[0]))  # a fuzzed post discarded or published it
    # A fresh CSRF token and lock from the page as it is now (the form as shown earlier may be stale).
    current = next((f for f in forms_of(client.get(target.page).data) if f.action == target.form.action), target.form)
    response = client.post(target.form.action, data=_mutated(current, press, changes, drop, extra))
    assert response.status_code < 500, (target.who, target.form.action, response.status_code)
