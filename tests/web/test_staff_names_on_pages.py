"""Clinic pages name staff by their display name (the email address only while none is set), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask

from tests.helpers.staff import create_staff
from tests.web.test_clinic_decisions import decide, submitted
from triage.db.models import User


def _name(app: Flask, user_id: int, display_name: str) -> None:
    with app.extensions["triage_db"].session() as session:
        user = session.get(User, user_id)
        assert user is not None
        user.display_name = display_name


def test_the_assignee_list_worklist_and_decision_history_show_display_names(app: Flask, staff_login: Callable[..., Any]) -> None:
    client = app.test_client()
    account = staff_login(client)
    _name(app, account.id, "Dr Ana Silva")
    colleague = create_staff(app, ("clinician",), "colleague@example.org")
    _name(app, colleague.id, "Dr Ben Okafor")
    unnamed = create_staff(app, ("clinician",), "unnamed@example.org")
    intake_id = submitted(app, "NAME-1")

    page = client.get(f"/clinic/intakes/{intake_id}").get_data(as_text=True)
    assert f'<option value="{colleague.id}">Dr Ben Okafor</option>' in page
    assert f'<option value="{unnamed.id}">unnamed@example.org</option>' in page  # no name yet: the address
    assert "colleague@example.org" not in page

    assert decide(client, intake_id, decision="routine", assignee=str(colleague.id)).status_code == 303
    page = client.get(f"/clinic/intakes/{intake_id}").get_data(as_text=True)
    assert "Dr Ana Silva" in page and "Dr Ben Okafor" in page

    worklist = client.get("/clinic/").get_data(as_text=True)
    assert "Dr Ben Okafor" in worklist


def test_a_blank_display_name_falls_back_to_the_address(app: Flask, staff_login: Callable[..., Any]) -> None:
    client = app.test_client()
    staff_login(client)
    colleague = create_staff(app, ("clinician",), "blank@example.org")
    _name(app, colleague.id, "   ")
    intake_id = submitted(app, "NAME-2")
    page = client.get(f"/clinic/intakes/{intake_id}").get_data(as_text=True)
    assert f'<option value="{colleague.id}">blank@example.org</option>' in page
