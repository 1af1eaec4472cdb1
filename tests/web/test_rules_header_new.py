"""Specification: a rules editor adds and retires differentials and parameters in forms, without YAML or a programmer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from sqlalchemy import select

from tests.helpers.apps import csrf_token
from tests.helpers.rules_editor import post_from_page, text_of
from triage.db.models import AuditEvent
from triage.web.rules.drafts import current_draft

EDITOR = ("rules_editor",)
NEW_DIFFERENTIAL = "/rules/draft/differentials/new"
NEW_PARAMETER = "/rules/draft/parameters/new"
COLITIS = {
    "name": "Infective colitis (test)",
    "description": "Bacterial or parasitic infection of the colon.",
    "low": "3",
    "moderate": "6",
    "high": "9",
}
RULE = {
    "id": "ic_test_travel",
    "file": "mimics.yaml",
    "title": "Diarrhoea after travel",
    "explanation": "A test rule.",
    "kind": "differential",
    "differential": "infective_colitis_test",
    "weight": "3",
    "source": "Test source (2026)",
    "author": "Tester",
    "c-r-question": "eats_gluten",
    "c-r-op": "equals",
    "c-r-value": "true",
}


def _header(app: Flask) -> dict[str, Any]:
    with app.extensions["triage_db"].session() as session:
        draft = current_draft(session)
        assert draft is not None
        return dict(draft.documents["ruleset.yaml"])


def _audit(app: Flask, action: str) -> list[str]:
    with app.extensions["triage_db"].session() as session:
        return [e.detail for e in session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))]


def test_the_rules_page_offers_to_add_a_differential_and_a_parameter(editor: Any) -> None:
    page = editor.get("/rules/").get_data(as_text=True)
    assert f'href="{NEW_DIFFERENTIAL}"' in page and f'href="{NEW_PARAMETER}"' in page
    form = text_of(editor.get(NEW_DIFFERENTIAL))
    assert "Add a differential" in form and "Score for low suspicion" in form


def test_a_new_differential_is_declared_from_its_name_and_its_rules_weigh_it(app: Flask, editor: Any) -> None:
    saved = post_from_page(editor, NEW_DIFFERENTIAL, NEW_DIFFERENTIAL, COLITIS)
    assert saved.status_code == 303
    declared = [d for d in _header(app)["differentials"] if d["id"] == "infective_colitis_test"]
    assert declared == [
        {
            "id": "infective_colitis_test",
            **{k: COLITIS[k] for k in ("name", "description")},
            "thresholds": {"low": 3, "moderate": 6, "high": 9},
        }
    ]
    index = text_of(editor.get("/rules/"))
    assert (
        "The new differential “Infective colitis (test)” saved." in index and "low from 3, moderate from 6, high from 9" in index
    )
    rule_form = editor.get("/rules/draft/rules/new").get_data(as_text=True)
    assert '<option value="infective_colitis_test">Infective colitis (test)</option>' in rule_form
    added = post_from_page(editor, "/rules/draft/rules/new", "/rules/draft/rules/new", RULE, ("action", "save"))
    assert added.status_code == 303
    assert "THEN Infective colitis (test) +3" in text_of(editor.get("/rules/"))
    assert _audit(app, "ruleset.differential_add") == ["differential infective_colitis_test"]


def test_a_new_differential_refuses_a_taken_name_and_thresholds_that_do_not_rise(app: Flask, editor: Any) -> None:
    taken = post_from_page(editor, NEW_DIFFERENTIAL, NEW_DIFFERENTIAL, {**COLITIS, "name": "Coeliac disease"})
    assert taken.status_code == 400 and "already has a differential called “Coeliac disease”" in text_of(taken)
    falling = post_from_page(editor, NEW_DIFFERENTIAL, NEW_DIFFERENTIAL, {**COLITIS, "low": "6", "moderate": "5"})
    page = falling.get_data(as_text=True)
    assert falling.status_code == 400 and "thresholds must rise" in page
    assert 'value="Bacterial or parasitic infection of the colon.' in page or "Bacterial or parasitic" in page  # kept
    unnamed = post_from_page(editor, NEW_DIFFERENTIAL, NEW_DIFFERENTIAL, {**COLITIS, "name": "!!!"})
    assert unnamed.status_code == 400 and "Give the differential a name" in text_of(unnamed)
    assert not [d for d in _header(app)["differentials"] if d["id"] == "infective_colitis_test"]


def test_a_differential_is_retired_only_when_nothing_names_it_and_after_confirmation(app: Flask, editor: Any) -> None:
    assert post_from_page(editor, NEW_DIFFERENTIAL, NEW_DIFFERENTIAL, COLITIS).status_code == 303
    assert post_from_page(editor, "/rules/draft/rules/new", "/rules/draft/rules/new", RULE, ("action", "save")).status_code == 303
    retire = "/rules/draft/differentials/infective_colitis_test/retire"
    assert f'href="{retire}"' in editor.get("/rules/draft/differentials/infective_colitis_test").get_data(as_text=True)
    blocked = text_of(editor.get(retire))
    assert "It cannot be retired yet" in blocked and "the rule “Diarrhoea after travel”" in blocked
    token = csrf_token(editor.get("/rules/draft/differentials/infective_colitis_test").data)
    forced = editor.post(retire, data={"confirm": "yes", "csrf_token": token})  # a post the page never offers
    assert forced.status_code == 303 and forced.location.endswith(retire)
    assert any(d["id"] == "infective_colitis_test" for d in _header(app)["differentials"])
    assert (
        post_from_page(editor, "/rules/draft/rules/ic_test_travel", "/rules/draft/rules/ic_test_travel/retire").status_code == 303
    )
    unconfirmed = post_from_page(editor, retire, retire, {"confirm": ""})
    assert unconfirmed.status_code == 303 and any(d["id"] == "infective_colitis_test" for d in _header(app)["differentials"])
    assert post_from_page(editor, retire, retire).status_code == 303
    assert not any(d["id"] == "infective_colitis_test" for d in _header(app)["differentials"])
    assert "The differential “Infective colitis (test)” retired." in text_of(editor.get("/rules/"))
    assert _audit(app, "ruleset.differential_retire") == ["differential infective_colitis_test"]


def test_a_differential_a_test_case_expects_cannot_be_retired(editor: Any) -> None:
    blocked = text_of(editor.get("/rules/draft/differentials/celiac_disease/retire"))
    assert "It cannot be retired yet" in blocked and "the test case “" in blocked and "the rule “" in blocked


def test_a_new_parameter_is_listed_flagged_as_unused_and_then_used_by_a_rule(app: Flask, editor: Any) -> None:
    values = {
        "name": "Calprotectin cut-off",
        "value": "50",
        "unit": "µg/g",
        "description": "Raised above this.",
        "source": "NICE DG11",
    }
    assert post_from_page(editor, NEW_PARAMETER, NEW_PARAMETER, values).status_code == 303
    assert _header(app)["parameters"]["calprotectin_cut_off"] == {k: values[k] for k in ("unit", "description", "source")} | {
        "value": 50
    }
    index = text_of(editor.get("/rules/"))
    assert "The new parameter “calprotectin_cut_off” saved." in index
    assert "The parameter “calprotectin_cut_off” is not used by any rule." in index
    rule = {
        **RULE,
        "id": "cd_test_age",
        "differential": "celiac_disease",
        "c-r-question": "age_years",
        "c-r-op": "gte",
        "c-r-value": "",
        "c-r-param": "calprotectin_cut_off",
    }
    saved = post_from_page(editor, "/rules/draft/rules/new", "/rules/draft/rules/new", rule, ("action", "save"))
    assert saved.status_code == 303, text_of(saved)[-1500:]
    assert "is not used by any rule" not in text_of(editor.get("/rules/"))
    blocked = text_of(editor.get("/rules/draft/parameters/calprotectin_cut_off/retire"))
    assert "It cannot be retired yet" in blocked and "the rule “Diarrhoea after travel”" in blocked


def test_a_new_parameter_refuses_a_taken_name_and_a_value_that_is_not_a_number(app: Flask, editor: Any) -> None:
    values = {"name": "upper gi cancer age", "value": "55", "unit": "years", "description": "x", "source": "y"}
    taken = post_from_page(editor, NEW_PARAMETER, NEW_PARAMETER, values)
    assert taken.status_code == 400 and "already has a parameter called “upper_gi_cancer_age”" in text_of(taken)
    words = post_from_page(editor, NEW_PARAMETER, NEW_PARAMETER, {**values, "name": "new age", "value": "fifty"})
    page = words.get_data(as_text=True)
    assert words.status_code == 400 and "a parameter value must be a number" in page and 'value="new age"' in page  # kept
    assert "new_age" not in _header(app)["parameters"]


def test_an_unused_parameter_is_retired_after_confirmation_and_a_rule_edit_no_longer_drops_parameters(
    app: Flask, editor: Any
) -> None:
    values = {"name": "spare days", "value": "7", "unit": "days", "description": "Spare.", "source": "Local choice"}
    assert post_from_page(editor, NEW_PARAMETER, NEW_PARAMETER, values).status_code == 303
    # Saving any rule keeps the new parameter (it used to be removed as unused on every rule save).
    assert (
        post_from_page(
            editor,
            "/rules/draft/rules/new",
            "/rules/draft/rules/new",
            {**RULE, "differential": "celiac_disease"},
            ("action", "save"),
        ).status_code
        == 303
    )
    assert "spare_days" in _header(app)["parameters"]
    retire = "/rules/draft/parameters/spare_days/retire"
    assert "Nothing in the draft names this parameter" in text_of(editor.get(retire))
    assert post_from_page(editor, retire, retire).status_code == 303
    assert "spare_days" not in _header(app)["parameters"]
    assert _audit(app, "ruleset.parameter_add") == ["parameter spare_days"]
    assert _audit(app, "ruleset.parameter_retire") == ["parameter spare_days"]


def test_a_clinician_without_the_editor_role_cannot_add_or_retire(app: Flask, staff_login: Callable[..., Any]) -> None:
    clinician = app.test_client()
    staff_login(clinician, roles=("clinician",))
    for path in (NEW_DIFFERENTIAL, NEW_PARAMETER, "/rules/draft/differentials/celiac_disease/retire"):
        assert clinician.get(path).status_code == 403, path
        assert clinician.post(path, data={"confirm": "yes"}).status_code in (400, 403), path
