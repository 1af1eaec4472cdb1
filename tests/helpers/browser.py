"""Browser-test helpers: viewports, a patient's answers, filling a step as a person would, database look-ups.

Pages are checked with tests.helpers.axe.check_page (screenshot + axe-core).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select

from tests.helpers.axe import check_page
from triage.db import intakes as queries
from triage.db.models import Evaluation, Intake
from triage.domain.questionnaire.questions import default_questionnaire

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 900}

# One fictional patient, as she would answer (question id -> the values she picks or types). Several symptoms,
# so "More about each symptom" appears; a daily PPI, so its follow-ups appear; a previous coeliac blood test.
PATIENT: dict[str, list[str]] = {
    "full_name": ["Noor Browserfield"],
    "date_of_birth": ["1972-03-14"],
    "sex_at_birth": ["female"],
    "menopause_status": ["still_periods"],
    "heavy_periods": ["yes"],
    "height_cm": ["164"],
    "weight_kg": ["58"],
    "weight_change": ["lost"],
    "weight_change_kg": ["4"],
    "weight_change_intended": ["no"],
    "main_concern": ["Bloating and loose stools for a year, worse after bread. I am tired all the time."],
    "hopes": ["To know if it could be coeliac disease."],
    "symptoms": ["abdominal_pain", "bloating", "diarrhoea", "fatigue"],
    "symptoms_started_months": ["12"],
    "symptoms_trend": ["worse"],
    "triggers": ["gluten", "dairy"],
    "abdominal_pain_severity": ["6"],
    "abdominal_pain_frequency": ["most_days"],
    "abdominal_pain_months": ["12"],
    "bloating_severity": ["8"],
    "bloating_frequency": ["daily"],
    "bloating_months": ["12"],
    "diarrhoea_severity": ["5"],
    "diarrhoea_frequency": ["most_days"],
    "diarrhoea_months": ["10"],
    "fatigue_severity": ["7"],
    "fatigue_frequency": ["daily"],
    "fatigue_months": ["8"],
    "pain_location": ["around_navel", "lower_left"],
    "bristol_type": ["6"],
    "hard_stools_percent": ["5"],
    "loose_stools_percent": ["70"],
    "bowel_movements_per_day": ["3"],
    "nocturnal_bowel": ["no"],
    "pain_and_bowels": ["relieved"],
    "pain_with_frequency_change": ["yes"],
    "pain_with_form_change": ["yes"],
    "mucus": ["no"],
    "oily_stools": ["not_sure"],
    "blood_in_stool": ["no"],
    "black_stools": ["no"],
    "vomited_blood": ["no"],
    "swallowing_worse": ["no"],
    "persistent_vomiting": ["no"],
    "unintended_weight_loss": ["yes"],
    "fever_night_sweats": ["no"],
    "perianal_problems": ["no"],
    "abdominal_lump": ["no"],
    "jaundice": ["no"],
    "known_anaemia": ["iron_deficiency"],
    "iron_tablets_no_help": ["yes"],
    "gluten_status": ["regular"],
    "dairy_amount": ["little"],
    "dairy_symptoms": ["not_sure"],
    "alcohol_frequency": ["1"],
    "alcohol_typical_drinks": ["0"],
    "alcohol_six_or_more": ["0"],
    "drinks_per_week": ["1"],
    "processed_food": ["rarely"],
    "sugary_food": ["few_per_week"],
    "fibre_portions": ["4"],
    "plant_based": ["no"],
    "coffee_cups_per_day": ["2"],
    "late_eating": ["rarely"],
    "large_meals": ["rarely"],
    "food_reactions": ["wheat"],
    "diets_tried": ["none"],
    "takes_ppi": ["yes"],
    "ppi_drug": ["omeprazole"],
    "ppi_frequency": ["daily"],
    "ppi_months": ["30"],
    "ppi_last_dose_days": ["1"],
    "takes_h2_blocker": ["no"],
    "takes_antacid": ["no"],
    "takes_nsaid": ["no"],
    "other_medicines": ["iron"],
    "medicines_other": ["Vitamin C"],
    "conditions": ["autoimmune_thyroid"],
    "family_history": ["celiac"],
    "previous_tests": ["celiac_blood"],
    "test_celiac_blood_months_ago": ["20"],
    "test_celiac_blood_result": ["normal"],
    "test_celiac_on_gluten": ["yes"],
    "smoking": ["never"],
    "exercise_days": ["2"],
    "walk_after_meals": ["sometimes"],
    "sleep_hours": ["7"],
    "stress_level": ["6"],
    "phq_interest": ["1"],
    "phq_down": ["1"],
    "gad_nervous": ["2"],
    "gad_worry": ["1"],
    "consent_true": ["yes"],
    "consent_use": ["yes"],
}

NEW_FOLLOWUPS = "We have added a few questions based on your answers"

# Every question block on the page that is not hidden: its id and how it is answered.
_VISIBLE_QUESTIONS = """() => Array.from(document.querySelectorAll('form .q[id^="q-"]'))
  .filter(block => !block.hidden && block.offsetParent !== null)
  .map(block => {
    const input = block.querySelector('input:not([type=hidden]), textarea');
    return {id: block.id.slice(2), kind: input.tagName === 'TEXTAREA' ? 'textarea' : input.type};
  })"""


def visible_questions(page: Any) -> dict[str, str]:
    """Question id -> input kind (radio, checkbox, text, date, textarea) of every question shown on the page."""
    return {q["id"]: q["kind"] for q in page.evaluate(_VISIBLE_QUESTIONS)}


def answer(page: Any, qid: str, kind: str, values: list[str]) -> None:
    """Answer one question with the mouse and keyboard, as a person would (Playwright's real input events)."""
    if kind in ("radio", "checkbox"):
        for value in values:
            page.locator(f'input[name="{qid}"][value="{value}"]').check()
    else:
        page.locator(f"#f-{qid}").fill(values[0])


def fill_visible(page: Any, plan: dict[str, list[str]], done: set[str] | None = None, skip: tuple[str, ...] = ()) -> set[str]:
    """Answer every shown question the plan covers (and, with JavaScript, the follow-ups that appear in place).

    Returns the ids answered. Questions in `done` or `skip` are left alone.
    """
    done = set(done or ())
    answered: set[str] = set()
    for _ in range(6):  # follow-ups of follow-ups (female -> menopause -> heavy periods)
        todo = {
            qid: kind
            for qid, kind in visible_questions(page).items()
            if qid in plan and qid not in done | answered and qid not in skip
        }
        if not todo:
            break
        for qid, kind in todo.items():
            answer(page, qid, kind, plan[qid])
            answered.add(qid)
    return answered


def step_id(page: Any) -> str:
    """The step id in the page's URL (/intake/<step>), without any #fragment."""
    return urlsplit(str(page.url)).path.rstrip("/").rsplit("/", 1)[-1]


def press(page: Any, button: str) -> None:
    """Press a form button (Continue, Back, Send) and wait for the next page to load."""
    with page.expect_navigation():
        page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_load_state()


def progress_text(page: Any) -> str:
    """The "Step N of M" line."""
    return str(page.locator(".progress p").inner_text())


def progress_numbers(page: Any) -> tuple[int, int]:
    """(N, M) of "Step N of M", checked against the <progress> element's value and max."""
    found = re.fullmatch(r"Step (\d+) of (\d+)", progress_text(page).strip())
    assert found, progress_text(page)
    number, total = int(found.group(1)), int(found.group(2))
    bar = page.locator(".progress progress")
    assert (bar.get_attribute("value"), bar.get_attribute("max")) == (str(number), str(total))
    return number, total


def new_invitation(server: Any, ref: str) -> tuple[str, int]:
    """A fresh patient link for the live server's database: (token, intake id)."""
    with server.session() as session:
        token, intake = queries.create_invitation(
            session, ref=ref, questionnaire_version=default_questionnaire().version, expires_days=30
        )
        return token, intake.id


def intake_state(server: Any, intake_id: int) -> tuple[str, int, dict[str, Any]]:
    """(status, number of stored evaluations, stored answers) of an intake."""
    with server.session() as session:
        intake = session.get(Intake, intake_id)
        assert intake is not None
        evaluations = session.scalar(select(func.count()).select_from(Evaluation).where(Evaluation.intake_id == intake_id)) or 0
        return intake.status, evaluations, dict(queries.load_answers(session, intake_id))


def sign_in(page: Any, account: Any, shots: str, start: str = "/clinic/") -> None:
    """Password, then the authenticator code, through the real forms (starting from a page that needs sign-in)."""
    page.goto(start)
    assert "/staff/login" in page.url  # not signed in: sent to sign in first
    assert page.locator("h1").inner_text() == "Staff sign-in"
    check_page(page, f"{shots}-01-login")
    page.get_by_label("Email address").fill(account.email)
    page.get_by_label("Password").fill(account.password)
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    assert page.url.endswith("/staff/login/code")
    assert page.locator("h1").inner_text() == "Enter your sign-in code"
    check_page(page, f"{shots}-02-code")
    page.get_by_label(re.compile("code", re.I)).fill(account.code())
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
