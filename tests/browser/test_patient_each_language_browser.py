"""A patient on a phone (390x844) chooses Spanish, Polish or Arabic on the first page and answers the whole form.

With JavaScript on and off. Without it, follow-up questions come on the same page again after Continue, with the
notice in the patient's language; with it they open in place. Every page is in that language (`lang`, `dir`, the
buttons, the headings), is screenshotted and checked with axe-core; a decimal comma is accepted where the language
writes one; "Check your answers" gives the date of birth in the language's own words; and the stored answers are the
same choice values as the plan's, whatever the language the patient read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from tests.helpers.axe import check_page
from tests.helpers.browser import PATIENT, PHONE, fill_visible, intake_state, new_invitation, press, step_id
from triage.domain.questionnaire.answers import parse_field
from triage.domain.questionnaire.questions import Answer, default_questionnaire
from triage.web.patient.flow import effective_answers

CHOICE_TYPES = ("single", "multi", "scale")


@dataclass(frozen=True)
class Words:
    """What the patient reads in one language: the language button, the buttons and headings, a date."""

    code: str
    button: str
    start: str
    continue_: str
    notice: str
    understood: str
    review: str
    send: str
    born: str
    direction: str = "ltr"
    weight: str = "58,5"  # 58.5 kg as the language writes it


LANGUAGES = [
    Words(
        "es",
        "Español",
        "Preguntas antes de su cita",
        "Continuar",
        "Hemos añadido algunas preguntas",
        "Entiendo; quiero seguir con mis respuestas",
        "Revise sus respuestas",
        "Enviar mis respuestas a la clínica",
        "14 de marzo de 1972",
    ),
    Words(
        "pl",
        "Polski",
        "Pytania przed wizytą",
        "Dalej",
        "Na podstawie twoich odpowiedzi dodaliśmy kilka pytań",
        "Rozumiem – kontynuuję odpowiedzi",
        "Sprawdź swoje odpowiedzi",
        "Wyślij moje odpowiedzi do przychodni",
        "14 marca 1972",
    ),
    Words(
        "ar",
        "العربية",
        "أسئلة قبل موعدك",
        "متابعة",
        "أضفنا بعض الأسئلة بناءً على إجاباتك",
        "فهمت - أريد متابعة إجاباتي",
        "راجع إجاباتك",
        "أرسل إجاباتي إلى العيادة",
        "14 مارس 1972",
        direction="rtl",
        weight="58.5",
    ),
]
MODES = ["js", "nojs"]


def plan_for(words: Words) -> dict[str, list[str]]:
    """The patient's answers, with the weight written as the language writes 58.5 kg."""
    return dict(PATIENT) | {"weight_kg": [words.weight]}


def expected_choices(plan: dict[str, list[str]]) -> dict[str, Answer]:
    """The choice answers the plan gives, as an English walk stores them (only the questions its answers ask)."""
    questionnaire = default_questionnaire()
    typed: dict[str, Answer] = {}
    for qid, raw in plan.items():
        question = questionnaire.by_id.get(qid)
        if question is not None:
            value = parse_field(question, raw, dt.date.today()).value
            if value is not None:
                typed[qid] = value
    effective = effective_answers(questionnaire, typed)
    return {k: v for k, v in effective.items() if questionnaire.by_id[k].type in CHOICE_TYPES}


def choices_of(answers: dict[str, Any]) -> dict[str, Any]:
    """The stored answers to choice questions."""
    by_id = default_questionnaire().by_id
    return {k: v for k, v in answers.items() if k in by_id and by_id[k].type in CHOICE_TYPES}


def in_language(page: Any, words: Words) -> None:
    """The page is in the patient's language and its direction."""
    html = page.locator("html")
    assert html.get_attribute("lang") == words.code and (html.get_attribute("dir") or "ltr") == words.direction


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("words", LANGUAGES, ids=[w.code for w in LANGUAGES])
def test_a_patient_on_a_phone_completes_the_form_in_the_language(
    new_context: Any, live_server: Any, words: Words, mode: str
) -> None:
    js = mode == "js"
    plan = plan_for(words)
    token, intake_id = new_invitation(live_server, ref=f"{mode.upper()}-{words.code}")
    context = new_context(viewport=PHONE, java_script_enabled=js, is_mobile=js, has_touch=js)
    page = context.new_page()
    page.goto(f"/i/{token}")
    with page.expect_navigation():
        page.get_by_role("button", name=words.button, exact=True).click()  # the language choice: a plain form post
    in_language(page, words)
    assert page.locator("h1").inner_text() == words.start
    check_page(page, f"{words.code}-{mode}-start", keep=True)
    with page.expect_navigation():
        page.locator("main a.button.primary").click()

    seen: list[str] = []
    for n in range(40):
        if page.url.endswith("/intake/urgent"):
            check_page(page, f"{words.code}-{mode}-urgent", keep=True)
            press(page, words.understood)
            continue
        step = step_id(page)
        if step == "review":
            break
        if seen and seen[-1] == step:  # Continue came back to the page: the follow-ups its answers opened
            assert not js, f"with JavaScript the follow-ups of {step} open in place"
            assert words.notice in page.locator(".notice").inner_text()
        seen.append(step)
        in_language(page, words)
        fill_visible(page, plan)
        check_page(page, f"{words.code}-{mode}-{n:02d}-{step}", keep=True)
        press(page, words.continue_)
    assert step_id(page) == "review"
    # Her answers open every step of the current questionnaire (nine pages before the review in 2026.12-6).
    assert set(seen) == {s.id for s in default_questionnaire().steps if not s.is_review}
    assert js or len(seen) > len(set(seen))  # without JavaScript some pages came back with their follow-ups

    assert page.locator("h1").inner_text() == words.review
    review = page.locator("main").inner_text()
    review = review.replace("\u200f", "")  # the right-to-left marks around Arabic dates
    assert "Noor Browserfield" in review and words.born in review
    assert words.weight in review  # the weight given back as the language writes it
    fill_visible(page, plan)
    check_page(page, f"{words.code}-{mode}-review", keep=True)
    press(page, words.send)
    assert page.url.endswith("/intake/done")
    in_language(page, words)
    check_page(page, f"{words.code}-{mode}-done", keep=True)

    status, evaluations, answers = intake_state(live_server, intake_id)
    assert status == "submitted" and evaluations == 1
    assert choices_of(answers) == expected_choices(plan)  # the same choice values, whatever the language
    assert answers["weight_kg"] == 58.5 and answers["date_of_birth"] == "1972-03-14"
    assert answers["main_concern"] == PATIENT["main_concern"][0]  # free text keeps the patient's own words
    assert context.console_errors == []
