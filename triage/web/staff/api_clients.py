"""The admin page of FHIR API clients: create one (its token shown once), list them, revoke one; each change audited."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # types-WTForms predates SelectChoice
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from triage.db import api_clients
from triage.domain.report.fhir_common import RESOURCE_TYPES
from triage.web.access import database, record_staff_event, role_required, signed_in_staff
from triage.web.errors import render_error
from triage.web.forms import ActionForm
from triage.web.routes import RouteTable

routes = RouteTable()


class ScopesField(SelectMultipleField):
    """Checkboxes for the FHIR resource types a client may read."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("choices", [SelectChoice(t, t) for t in RESOURCE_TYPES])
        kwargs.setdefault("invalid_choice_message", "Choose resource types from the list.")
        super().__init__(*args, **kwargs)


class ApiClientForm(FlaskForm):
    """A new API client: who it is for and which resource types it may read."""

    name = StringField(
        "Name",
        validators=[
            DataRequired("Name the system this client is for."),
            Length(max=120, message="Name: at most 120 characters."),
        ],
    )
    scopes = ScopesField("Resource types it may read", validators=[DataRequired("Choose at least one resource type.")])


def _page(form: ApiClientForm, token: str = "", status: int = 200) -> Any:
    with database().session() as db_session:
        clients = api_clients.list_clients(db_session)
    page = render_template("admin/api_clients.html", form=form, clients=clients, revoke=ActionForm(), token=token)
    return page, status


@routes.route("/api-clients", endpoint="api_clients")
@role_required("admin")
def api_clients_list() -> Any:
    """Every API client (active and revoked) and the form for a new one."""
    return _page(ApiClientForm())


@routes.route("/api-clients", methods=["POST"], endpoint="api_client_new")
@role_required("admin")
def api_client_new() -> Any:
    """Create a client and show its token this once (only its SHA-256 is kept); the form again with its problems."""
    form = ApiClientForm()
    if not form.validate_on_submit():
        return _page(form, status=400)
    with database().session() as db_session:
        created = api_clients.create_client(db_session, form.name.data or "", list(form.scopes.data or []), signed_in_staff().id)
        info = created.info
        record_staff_event(
            db_session, "api_client.create", detail=f"client {info.client_id} {info.name}: {', '.join(info.scopes)}"
        )
    # Rendered, not redirected: the token must not travel in a URL or sit in the session.
    return _page(ApiClientForm(formdata=None), token=created.token)


@routes.route("/api-clients/<int:client_row_id>/revoke", methods=["POST"], endpoint="api_client_revoke")
@role_required("admin")
def api_client_revoke(client_row_id: int) -> Any:
    """Revoke a client: its token stops working at once (the row stays for the audit trail)."""
    if not ActionForm().validate_on_submit():
        return render_error(400)
    with database().session() as db_session:
        info = api_clients.revoke_client(db_session, client_row_id)
        if info is None:
            return render_error(404)
        record_staff_event(db_session, "api_client.revoke", detail=f"client {info.client_id} {info.name}")
    flash(f"API client '{info.name}' revoked: its token no longer works.", "info")
    return redirect(url_for("admin.api_clients"))
