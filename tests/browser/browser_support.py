"""Helpers for the browser tests (no tests here): viewports, the axe-core page check, a patient's answers,
filling a step as a person would, and database look-ups.

Every page a browser test visits goes through `check_page(page, name)`: a full-page screenshot into the
git-ignored test-artifacts/ folder, then axe-core (WCAG 2.0/2.1/2.2 A and AA rules) on the page; the test fails
on any serious or critical violation. Each check is logged in AXE_LOG and summarised at the end of the session.
"""
from __future__ import annotations

import re
import time
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select

from triage.db import queries
from triage.db.models import Evaluation, Intake
from triage.domain.questions import default_questionnaire

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 900}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING_IMPACTS = ("serious", "critical")

# Contexts made with JavaScript off: axe-core cannot run in them (its timers never fire), so check_page
# re-renders their exact DOM at the same URL in a JavaScript-enabled twin with every page script blocked.
NO_JS_CONTEXTS: weakref.WeakSet[Any] = weakref.WeakSet()
BROWSER_OF: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()


@dataclass
class AxeRecord:
    """One page checked: its name, viewport, the violations by impact and rule id, and the time axe took."""

    name: str
    viewport: str
    blocking: list[str] = field(default_factory=list)  # "rule-id (impact) xN"
    other: list[str] = field(default_factory=list)
    review: list[str] = field(default_factory=list)  # axe's "incomplete": a person has to judge (e.g. contrast on an image)
    seconds: float = 0.0


AXE_LOG: list[AxeRecord] = []


def _axe_run(page: Any) -> dict[str, Any]:
    from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]

    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations", "incomplete"]}
    response: dict[str, Any] = Axe().run(page, options=options).response
    return response


class _Twin:
    """A JavaScript-enabled copy of a JavaScript-off context, for axe-core: serves the page's DOM at its URL."""

    def __init__(self, context: Any):
        self.html = ""
        self.context = BROWSER_OF[context].new_context(viewport=context.pages[0].viewport_size, locale="en-US")
        self.page = self.context.new_page()
        self.page.route("**/*", self._serve)
        context.on("close", lambda _context: self.context.close())

    def _serve(self, route: Any) -> None:
        request = route.request
        if request.resource_type == "document":
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=self.html)
        elif request.resource_type == "script":
            route.abort()  # the patient's browser runs no script: neither does its twin's page
        else:
            route.continue_()

    def results(self, page: Any) -> dict[str, Any]:
        self.html = page.content()
        self.page.set_viewport_size(page.viewport_size)
        self.page.goto(page.url, wait_until="load")
        return _axe_run(self.page)


_TWINS: weakref.WeakKeyDictionary[Any, _Twin] = weakref.WeakKeyDictionary()


def _axe_in_twin(page: Any) -> dict[str, Any]:
    """axe on a JavaScript-off page: the same DOM served at the same URL to a JS-enabled twin, scripts blocked."""
    twin = _TWINS.get(page.context)
    if twin is None:
        twin = _TWINS[page.context] = _Twin(page.context)
    return twin.results(page)


def axe_results(page: Any) -> dict[str, Any]:
    """axe-core's WCAG 2.x A/AA results for the page: "violations" and "incomplete" (needs a person's review)."""
    if page.context in NO_JS_CONTEXTS:
        return _axe_in_twin(page)
    return _axe_run(page)


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Every WCAG 2.x A/AA violation axe-core finds on the page (all impacts)."""
    return list(axe_results(page)["violations"])


def _summarise(violations: list[dict[str, Any]]) -> list[str]:
    return [f"{v['id']} ({v.get('impact')}) x{len(v.get('nodes', []))}" for v in violations]


# Content wider than the viewport (the page scrolls sideways): the widest offenders, for the message.
_OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= width) return [];
  return Array.from(document.body.querySelectorAll('*'))
    .filter(el => el.getBoundingClientRect().right > width + 1)
    .slice(-5)
    .map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className ? '.' + String(el.className).split(' ').join('.') : ''));
}"""


def check_page(page: Any, name: str) -> AxeRecord:
    """Screenshot the page into test-artifacts/, then fail on sideways scrolling or serious/critical axe violations."""
    ARTIFACTS.mkdir(exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", name)
    page.screenshot(path=str(ARTIFACTS / f"{safe}.png"), full_page=True)
    overflow = page.evaluate(_OVERFLOW)
    assert not overflow, f"{name}: content wider than the {page.viewport_size} viewport: {overflow}"
    started = time.perf_counter()
    results = axe_results(page)
    violations = results["violations"]
    size = page.viewport_size or {}
    record = AxeRecord(
        name=name,
        viewport=f"{size.get('width')}x{size.get('height')}",
        blocking=_summarise([v for v in violations if v.get("impact") in BLOCKING_IMPACTS]),
        other=_summarise([v for v in violations if v.get("impact") not in BLOCKING_IMPACTS]),
        review=_summarise(results.get("incomplete", [])),
        seconds=time.perf_counter() - started,
    )
    AXE_LOG.append(record)
    details = "; ".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {[n.get('target') for n in v.get('nodes', [])][:5]}"
        for v in violations
        if v.get("impact") in BLOCKING_IMPACTS
    )
    assert not record.blocking, f"{name}: {details}"
    return record


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
        todo = {qid: kind for qid, kind in visible_questions(page).items() if qid in plan and qid not in done | answered and qid not in skip}
        if not todo:
            break
        for qid, kind in todo.items():
            answer(page, qid, kind, plan[qid])
            answered.add(qid)
    return answered


def step_id(page: Any) -> str:
    """The step id in the page's URL (/intake/<step>), without any #fragment."""
    return urlsplit(page.url).path.rstrip("/").rsplit("/", 1)[-1]


def press(page: Any, button: str) -> None:
    """Press a form button (Continue, Back, Send) and wait for the next page to load."""
    with page.expect_navigation():
        page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_load_state()


def progress_text(page: Any) -> str:
    """The "Step N of M" line."""
    return page.locator(".progress p").inner_text()


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
        token, intake = queries.create_invitation(session, ref=ref, questionnaire_version=default_questionnaire().version, expires_days=30)
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
