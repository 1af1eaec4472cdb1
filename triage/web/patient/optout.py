"""Stopping reminders from a message's opt-out link: a page with one button, and RFC 8058 one-click from mail clients.

The page names only the clinic: no patient name and nothing about health. An unknown link gets the same page and the
same answer, so the page never tells whether a link exists; only a real one records anything.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, url_for

from triage.db.clock import utcnow
from triage.db.invitation_links import invitation_for_purpose
from triage.db.reminders import opt_out
from triage.web.access import database
from triage.web.patient import session as ps
from triage.web.patient.guards import SEE_OTHER
from triage.web.routes import RouteTable
from triage.web.security import client_ip

log = logging.getLogger("triage.patient")

routes = RouteTable()
ONE_CLICK = {"List-Unsubscribe": "One-Click"}  # the whole body a mail client posts (RFC 8058 section 3.1)


def register(blueprint: Blueprint) -> None:
    """Add the opt-out routes, and exempt their POST from the app-wide CSRF check (the view checks it itself)."""
    routes.register(blueprint)
    blueprint.record_once(lambda state: state.app.extensions["csrf"].exempt(stop_post))


@routes.get("/stop/<token>", endpoint="stop")
def stop_page(token: str) -> Any:
    """The question and its one button; reading the page changes nothing (link checkers and previews open it)."""
    return render_template("patient/optout.html", token=token)


@routes.post("/stop/<token>", endpoint="stop_post")
def stop_post(token: str) -> Any:
    """Record the opt-out (once), then show that no more reminders come: a 303 for the page's button, 200 for one-click."""
    one_click = _is_one_click()
    if not one_click:
        # The page's button is checked like every other form. One-click is exempt, and only in its exact form, because
        # a mail client posts it straight from the List-Unsubscribe header with no page, cookie or CSRF token (RFC
        # 8058). Forging it gains nothing: the secret token in the URL is what authorises the request, and a
        # third party who has it could post the same body from anywhere; all it can do is stop reminders.
        current_app.extensions["csrf"].protect()
    with database().session() as db_session:
        invitation = invitation_for_purpose(db_session, token, "opt_out") if ps.plausible_token(token) else None
        if invitation is None:
            log.info("opt-out with an unknown link")  # the same answer as for a real one: no existence oracle
        elif opt_out(db_session, invitation, utcnow(), ip=client_ip(), detail="one-click" if one_click else "page"):
            db_session.commit()
    if one_click:
        return render_template("patient/optout_done.html")
    return redirect(url_for("patient.stopped"), SEE_OTHER)


@routes.get("/stop/done", endpoint="stopped")
def stopped() -> Any:
    """The confirmation, with the clinic's phone number to ask for anything else (no link, no name: the same for all)."""
    return render_template("patient/optout_done.html")


def _is_one_click() -> bool:
    """Whether the request is exactly RFC 8058's one-click POST: that one field with that value, nothing else."""
    if request.files or request.args:
        return False
    form = request.form
    return set(form.keys()) == set(ONE_CLICK) and all(form.getlist(k) == [v] for k, v in ONE_CLICK.items())
