"""Browser-test helpers: viewports, a patient's answers, filling a step as a person would, database look-ups.

Pages are checked with tests.helpers.axe.check_page (screenshot + axe-core).
"""

from __future__ import annotations

import datetime as dt
import re
import time
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select

from tests.helpers.axe import check_page
from triage.db import intakes as queries
from triage.db.models import Evaluation, Intake
from triage.domain.invitations.contact import InvitationContact
from triage.domain.questionnaire.questions import default_questionnaire

NARROW = {"width": 320, "height": 720}
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 900}

# One fictional patient, as she would answer questionnaire version 2 (question id -> what she picks or types).
# Several symptoms, so "More about your symptoms" appears; a stomach-acid tablet she has stopped, so its
# follow-ups appear; weight lost without trying (a warning sign that does not interrupt); a previous coeliac
# blood test. A date is day, month, year; a table is its cells row by row (Medicine, Dose, How often).
PATIENT: dict[str, list[str]] = {
    "full_name": ["Noor Browserfield"],
    "date_of_birth": ["14", "3", "1972"],
    "sex_at_birth": ["female"],
    "menopause_status": ["still_periods"],
    "heavy_periods": ["yes"],
    "height_cm": ["164"],
    "weight_kg": ["58"],
    "main_concern": ["Bloating and loose stools for a year, worse after bread. I am tired all the time."],
    "symptoms": ["abdominal_pain", "bloating", "diarrhoea", "fatigue"],
    "symptoms_trend": ["worse"],
    "abdominal_pain_months": ["12"],
    "abdominal_pain_frequency": ["most_days"],
    "bloating_months": ["12"],
    "diarrhoea_months": ["10"],
    "diarrhoea_frequency": ["most_days"],
    "worst_symptom": ["bloating"],
    "worst_symptom_severity": ["8"],
    "pain_location": ["around_navel", "lower_left"],
    "bristol_type": ["6"],
    "stool_pattern": ["mostly_loose"],
    "bowel_frequency": ["3_to_5_a_day"],
    "pain_and_bowels": ["relieved"],
    "pain_with_frequency_change": ["yes"],
    "pain_with_form_change": ["yes"],
    "bowel_features": ["none"],
    "warning_signs": ["unintended_weight_loss"],
    "weight_lost_kg": ["4"],
    "weight_lost_months": ["6"],
    "known_anaemia": ["iron_deficiency"],
    "iron_tablets_no_help": ["yes"],
    "gluten_status": ["regular"],
    "gluten_symptoms": ["yes"],
    "dairy_symptoms": ["not_sure"],
    "triggers": ["fatty_meals", "onion_garlic"],
    "diets_tried": ["none"],
    "plant_based": ["no"],
    "alcohol_frequency": ["1"],
    "alcohol_typical_drinks": ["0"],
    "alcohol_six_or_more": ["0"],
    "acid_medicines": ["ppi"],
    "ppi_still_taking": ["no"],
    "ppi_months": ["30"],
    "ppi_last_dose_days": ["1"],
    "other_medicines": ["iron"],
    "current_medicines": ["Ferrous sulfate", "200 mg", "twice a day", "Vitamin C", "500 mg", "once a day"],
    "allergies": ["none"],
    "conditions": ["autoimmune_thyroid"],
    "family_history": ["celiac"],
    "previous_tests": ["celiac_blood"],
    "test_celiac_blood_months_ago": ["20"],
    "test_celiac_blood_result": ["normal"],
    "test_celiac_on_gluten": ["yes"],
    "smoking": ["never"],
    "phq_interest": ["1"],
    "phq_down": ["1"],
    "gad_nervous": ["2"],
    "gad_worry": ["1"],
    "consent_true": ["yes"],
    "consent_use": ["yes"],
}

NEW_FOLLOWUPS = "We have added a few questions based on your answers"

# Every question block on the page that is not hidden: its id and how it is answered (a radio or checkbox
# group, a date's three boxes, a measure with imperial boxes, a table of rows, a text box or a textarea).
_VISIBLE_QUESTIONS = """() => Array.from(document.querySelectorAll('form .q[id^="q-"]'))
  .filter(block => !block.hidden && block.offsetParent !== null)
  .map(block => {
    const input = block.querySelector('input:not([type=hidden]), textarea');
    const kind = block.querySelector('fieldset.trow') ? 'table'
      : block.querySelector('fieldset.imperial') ? 'imperial'
      : block.querySelector(':scope > fieldset > .boxes') ? 'date'
      : input.tagName === 'TEXTAREA' ? 'textarea' : input.type;
    return {id: block.id.slice(2), kind: kind};
  })"""


def visible_questions(page: Any) -> dict[str, str]:
    """Question id -> input kind (radio, checkbox, text, date, imperial, table, textarea) of every question shown."""
    return {q["id"]: q["kind"] for q in page.evaluate(_VISIBLE_QUESTIONS)}


def answer(page: Any, qid: str, kind: str, values: list[str]) -> None:
    """Answer one question with the mouse and keyboard, as a person would (Playwright's real input events).

    A date takes [day, month, year]; a measure takes [metric] or [metric, major, minor] (feet and inches, or
    stones and pounds); a table takes its cells row by row.
    """
    if kind in ("radio", "checkbox"):
        for value in values:
            page.locator(f'input[name="{qid}"][value="{value}"]').check()
    elif kind == "date":
        for box, value in zip((f"#f-{qid}", f"#f-{qid}-month", f"#f-{qid}-year"), values, strict=True):
            page.locator(box).fill(value)
    elif kind == "imperial":
        for box, value in zip((f"#f-{qid}", f"#f-{qid}-major", f"#f-{qid}-minor"), values, strict=False):
            page.locator(box).fill(value)
    elif kind == "table":
        rows = page.locator(f"#q-{qid} fieldset.trow")
        width = rows.first.locator("input").count()
        for n in range(0, len(values), width):
            cells = rows.nth(n // width).locator("input")
            for col, value in enumerate(values[n : n + width]):
                cells.nth(col).fill(value)
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


def press(page: Any, button: str) -> Any:
    """Press a form button (Continue, Back, Send) and wait for the next page to load; that page's response."""
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_load_state()
    return navigation.value


def came_by_see_other(response: Any) -> bool:
    """Whether a page is the GET that a form's POST was redirected to with 303 See Other (so no resubmission)."""
    request = response.request
    posted = request.redirected_from
    return bool(request.method == "GET" and posted is not None and posted.method == "POST" and posted.response().status == 303)


def progress_text(page: Any) -> str:
    """The "Section N of M: Title" line."""
    return str(page.locator(".progress p").inner_text())


def progress_numbers(page: Any) -> tuple[int, int]:
    """(N, M) of "Section N of M: Title", checked against the <progress> element's value and max."""
    found = re.fullmatch(r"Section (\d+) of (\d+): \S.*", progress_text(page).strip())
    assert found, progress_text(page)
    number, total = int(found.group(1)), int(found.group(2))
    bar = page.locator(".progress progress")
    assert (bar.get_attribute("value"), bar.get_attribute("max")) == (str(number), str(total))
    return number, total


def walk_to(page: Any, target: str, plan: dict[str, list[str]]) -> None:
    """Answer every step as a person would (pressing Continue) until the target step is on screen."""
    idle = 0
    for _ in range(30):
        if step_id(page) == target:
            return
        page.wait_for_load_state("load")
        answered = fill_visible(page, plan)
        press(page, "Continue")
        # A page that shows nothing to answer twice running is stuck (once can be a page still settling on a busy machine).
        idle = 0 if answered else idle + 1
        if step_id(page) != target and idle >= 2:
            raise AssertionError(f"stuck on {page.url}")
    raise AssertionError(f"never reached {target}")


def pass_check(page: Any, dob: dt.date) -> None:
    """The date-of-birth check as a person fills it: day, month and year, then Continue."""
    assert urlsplit(page.url).path == "/intake/check", page.url
    page.get_by_label("Day").fill(str(dob.day))
    page.get_by_label("Month").fill(str(dob.month))
    page.get_by_label("Year").fill(str(dob.year))
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()


def open_link(page: Any, token: str, dob: dt.date | None = None) -> None:
    """The patient's private link (and the date-of-birth check when the link asks), then Start or Continue."""
    page.goto(f"/i/{token}")
    if urlsplit(page.url).path == "/intake/check":
        assert dob is not None, "this link asks for a date of birth: pass dob="
        pass_check(page, dob)
    with page.expect_navigation():
        page.locator("main a.button.primary").click()
    page.wait_for_load_state()


def new_invitation(server: Any, ref: str, dob: dt.date | None = None, name: str = "") -> tuple[str, int]:
    """A fresh patient link for the live server's database: (token, intake id); with `dob`, the link asks for it.

    With `dob` (and `name`), the first page shows them rather than asking (questionnaire 2026.12-3 on).
    """
    with server.session() as session:
        token, intake = queries.create_invitation(
            session,
            ref=ref,
            questionnaire_version=default_questionnaire().version,
            expires_days=30,
            contact=InvitationContact(patient_name=name, date_of_birth=dob),
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
    page.get_by_label(re.compile("code", re.I)).fill(_unused_code(account))
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert "/staff/login" not in page.url, "the sign-in code was refused"


_USED_CODES: dict[str, str] = {}  # email -> the last code a browser test signed in with


def _unused_code(account: Any) -> str:
    """The account's current code, waiting for the next 30-second step if this one was used (codes never replay)."""
    code = account.code()
    if _USED_CODES.get(account.email) == code:
        time.sleep(30.5 - time.time() % 30)
        code = account.code()
    _USED_CODES[account.email] = code
    return code
