"""The admin alerts report: median and 90th-percentile minutes to acknowledgement per tier and month, from known alerts."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.helpers.alerts import T0, audit_of, make_alert, make_intake
from tests.helpers.staff import StaffLogin
from triage.db.alert_report import ReportRow, alerts_report, nearest_rank

SignIn = Callable[..., StaffLogin]
REPORT = "/admin/alerts-report"


def seed(app: Flask) -> None:
    """March 2024: five emergencies acknowledged after 1, 2, 3, 4 and 10 minutes and one still open; February: two
    urgent alerts acknowledged after 5 and 8 minutes; soon-tier rows would never be alerts, so none are made."""
    for minutes in (1, 2, 3, 4, 10):
        make_alert(app, make_intake(app, f"SECRET-E{minutes}"), "emergency", T0, acknowledged_after=dt.timedelta(minutes=minutes))
    make_alert(app, make_intake(app, "SECRET-OPEN"), "emergency", T0 + dt.timedelta(days=3))
    february = T0 - dt.timedelta(days=20)
    for minutes in (5, 8):
        make_alert(
            app, make_intake(app, f"SECRET-U{minutes}"), "urgent", february, acknowledged_after=dt.timedelta(minutes=minutes)
        )
    make_alert(app, make_intake(app, "SECRET-MARCH-U"), "urgent", T0 + dt.timedelta(days=1))


def test_nearest_rank() -> None:
    assert nearest_rank([1, 2, 3, 4, 10], 90) == 10  # rank ceil(0.9 * 5) = 5
    assert nearest_rank([float(n) for n in range(1, 21)], 90) == 18  # rank ceil(0.9 * 20) = 18
    assert nearest_rank([7.5], 90) == 7.5


def test_the_report_figures_from_a_known_set_of_alerts(app: Flask) -> None:
    seed(app)
    with app.extensions["triage_db"].session() as session:
        rows = alerts_report(session)
    assert rows == [
        ReportRow("2024-03", "emergency", "Emergency", 6, 5, 1, 3.0, 10.0),
        ReportRow("2024-03", "urgent", "Urgent", 1, 0, 1, None, None),
        ReportRow("2024-02", "urgent", "Urgent", 2, 2, 0, 6.5, 8.0),
    ]


def test_the_report_page_shows_figures_and_no_patient_data(app: Flask, client: FlaskClient, staff_login: SignIn) -> None:
    seed(app)
    account = staff_login(client, ("admin",))
    response = client.get(REPORT)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", html.split("<tbody>")[1])]
    assert cells == [
        *("2024-03", "Emergency", "6", "5", "3.0", "10.0", "1"),
        *("2024-03", "Urgent", "1", "0", "–", "–", "1"),
        *("2024-02", "Urgent", "2", "2", "6.5", "8.0", "0"),
    ]
    assert "SECRET" not in html and "RF-TEST" not in html
    assert "nearest-rank" in html
    assert audit_of(app, "alerts.report") == [(account.email, "admin", None, "ok", "rows=3")]


@pytest.mark.parametrize("roles", [("clinician",), ("rules_editor",)])
def test_only_admins_open_the_report(client: FlaskClient, staff_login: SignIn, roles: tuple[str, ...]) -> None:
    staff_login(client, roles)
    assert client.get(REPORT).status_code == 403


def test_an_empty_report(client: FlaskClient, staff_login: SignIn) -> None:
    staff_login(client, ("admin",))
    assert "No alerts have been raised yet." in client.get(REPORT).get_data(as_text=True)
