"""An admin sets the reminder schedule on the clinic details page, over REMINDER_DAYS; the reminder job follows it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask

from tests.helpers.reminders import APPOINTMENT, DAY, invite, reminder_keys, run_reminders
from tests.web.test_clinic_details_admin import _save
from triage.web.clinic_details import clinic


def test_the_schedule_set_in_the_app_replaces_the_environments(
    make_app: Callable[..., Flask], staff_login: Callable[..., Any]
) -> None:
    app = make_app(REMINDER_DAYS="7,2")
    admin = app.test_client()
    staff_login(admin, ("admin",))
    page = admin.get("/admin/clinic").get_data(as_text=True)
    assert 'value="7,2"' in page and "From the environment (REMINDER_DAYS)" in page
    assert _save(admin, reminder_days=" 1, 3 ").status_code == 302
    with app.test_request_context():
        assert clinic().reminder_days == "3,1" and clinic().reminder_schedule == (3, 1)
    invitation = invite(app, "RD-1", created_at=APPOINTMENT - 14 * DAY, appointment_at=APPOINTMENT)
    for days in (7, 3, 2, 1):  # each day a former or a new occasion falls due, one round at its time
        run_reminders(app, APPOINTMENT - days * DAY)
    assert reminder_keys(app) == sorted(f"reminder:{invitation}:{o}:email" for o in ("1d", "3d"))


def test_none_stops_every_reminder_and_empty_brings_back_the_default(app: Flask, staff_login: Callable[..., Any]) -> None:
    admin = app.test_client()
    staff_login(admin, ("admin",))
    assert _save(admin, reminder_days="None").status_code == 302
    invite(app, "RD-2", created_at=APPOINTMENT - 14 * DAY, appointment_at=APPOINTMENT)
    assert run_reminders(app, APPOINTMENT - 7 * DAY) == 0
    assert _save(admin, reminder_days="").status_code == 302
    with app.test_request_context():
        assert clinic().reminder_schedule == (7, 2)
    assert run_reminders(app, APPOINTMENT - 7 * DAY) == 1


def test_a_bad_schedule_is_refused_naming_the_field_and_keeping_the_input(app: Flask, staff_login: Callable[..., Any]) -> None:
    admin = app.test_client()
    staff_login(admin, ("admin",))
    response = _save(admin, reminder_days="7, next week")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Reminders: reminder days must be whole numbers" in page and 'value="7, next week"' in page
