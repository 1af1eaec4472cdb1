"""The patient's language switch: a small form on the first page and in every patient page's header (POST, then 303)."""

from __future__ import annotations

from typing import Any

from flask import redirect, request, session, url_for

from triage.db.intake_language import set_language
from triage.web.access import database
from triage.web.i18n import LANGUAGE_KEY, usable
from triage.web.patient import session as ps
from triage.web.patient.guards import SEE_OTHER
from triage.web.routes import RouteTable
from triage.web.security import client_ip

routes = RouteTable()
LANGUAGE_FIELD = "language"
BACK_FIELD = "back"
# Only the patient's own pages may be returned to (never another site, never a staff page).
_BACK_PREFIXES = ("/intake", "/privacy", "/stop/")  # /stop/: the reminder opt-out (optout.py)


def back_to(raw: object) -> str:
    """Where the switch returns to: the page it was on when that is a patient page, else the first page."""
    if isinstance(raw, str) and raw.startswith(_BACK_PREFIXES) and "//" not in raw and "\\" not in raw:
        return raw
    return url_for("patient.start")


@routes.post("/intake/language", endpoint="language")
def change_language() -> Any:
    """Show the patient pages in the chosen language from now on; stored on the intake while it is open."""
    code = usable(request.form.get(LANGUAGE_FIELD))
    if code is not None:
        session[LANGUAGE_KEY] = code
        with database().session() as db_session:
            bound = ps.load_bound(db_session, lock=True)
            if bound is not None and bound.state == "open":
                set_language(db_session, bound.intake, code, actor=f"invitation:{bound.invitation.id}", ip=client_ip())
                db_session.commit()
    return redirect(back_to(request.form.get(BACK_FIELD)), SEE_OTHER)
