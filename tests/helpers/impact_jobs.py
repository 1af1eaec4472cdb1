"""Impact-run helpers for tests: start a count from the impact page as an editor would, run the worker, read the result."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from tests.helpers.apps import csrf_token
from tests.helpers.pdf_jobs import run_jobs
from triage.db.models import ImpactRun

START = 'id="impact-start"'


def start_count(client: FlaskClient, path: str = "/rules/draft/impact") -> TestResponse:
    """Open the impact page and press "Count the impact" (with the page's `last`, if the path has one): the 303."""
    page = client.get(path)
    assert START in page.get_data(as_text=True), "no form to start a count on the impact page"
    last = parse_qs(urlsplit(path).query).get("last", [""])[0]
    reply = client.post("/rules/draft/impact", data={"csrf_token": csrf_token(page.data), "last": last})
    assert reply.status_code == 303, reply.status_code
    return reply


def impact_page(client: FlaskClient, path: str = "/rules/draft/impact") -> TestResponse:
    """The impact page with a finished count: start one when none is stored, run the worker's jobs once, then GET it."""
    page = client.get(path)
    if 'id="count-considered"' in page.get_data(as_text=True):
        return page
    reply = start_count(client, path)
    run_jobs(client.application)
    return client.get(reply.headers["Location"])


def runs(app: Flask) -> list[tuple[int, str, int, int]]:
    """Every impact run as (id, status, done, total), oldest first."""
    with app.extensions["triage_db"].session() as session:
        return [(r.id, r.status, r.done, r.total) for r in session.scalars(select(ImpactRun).order_by(ImpactRun.id))]
