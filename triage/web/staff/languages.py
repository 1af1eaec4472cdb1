"""The admin's patient languages page (/admin/languages): each shipped catalog, who translated it, whether a medical
translator reviewed it, and the switch that offers it to patients or not (audited)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, widgets

from triage.db.patient_languages import set_switched_off, switched_off
from triage.domain.languages import english_name
from triage.web.access import database, record_staff_event, role_required
from triage.web.i18n import SOURCE_LANGUAGE, CatalogStatus, catalog_status, shipped_codes
from triage.web.routes import RouteTable

routes = RouteTable()
REFUSED = "Offered to patients: tick only the languages listed."


class LanguagesForm(FlaskForm):
    """The languages offered to patients (English, the source, is always offered and not listed)."""

    offered = SelectMultipleField(
        "Offered to patients",
        choices=[],
        validate_choice=True,
        option_widget=widgets.CheckboxInput(),
        widget=widgets.ListWidget(prefix_label=False),
    )

    def offer(self, codes: list[str]) -> LanguagesForm:
        """Offer these language codes as boxes, each named in English; returns the form."""
        self.offered.choices = [(code, english_name(code)) for code in codes]
        return self


def _translated() -> list[str]:
    return [code for code in shipped_codes() if code != SOURCE_LANGUAGE]


def _page(form: LanguagesForm, off: frozenset[str], status: int = 200) -> tuple[str, int]:
    statuses: list[CatalogStatus] = [catalog_status(code) for code in _translated()]
    rows = [{"code": s.code, "name": english_name(s.code), "status": s, "offered": s.code not in off} for s in statuses]
    return render_template("admin/languages.html", form=form, rows=rows), status


@routes.route("/languages", endpoint="languages")
@role_required("admin")
def languages_page() -> Any:
    """Each language with its translator, its medical review and whether patients are offered it."""
    with database().session() as session:
        off = switched_off(session)
    form = LanguagesForm(formdata=None).offer(_translated())
    form.offered.data = [code for code in _translated() if code not in off]
    return _page(form, off)


@routes.route("/languages", methods=["POST"], endpoint="languages_save")
@role_required("admin")
def languages_save() -> Any:
    """Store which languages are offered; a patient whose intake is in a language switched off reads English."""
    form = LanguagesForm().offer(_translated())
    if not form.validate_on_submit():
        if form.offered.errors:
            form.offered.errors = [REFUSED]
        with database().session() as session:
            off = switched_off(session)
        return _page(form, off, 400)
    offered = set(form.offered.data or [])
    off_now = [code for code in _translated() if code not in offered]
    with database().session() as session:
        if set_switched_off(session, off_now):
            record_staff_event(session, "languages.offered", detail=f"switched off: {','.join(off_now) or 'none'}")
            flash("Patient languages saved.", "info")
        else:
            flash("Nothing changed.", "info")
    return redirect(url_for("admin.languages"), code=303)
