"""The letter PDF for every demo intake and the three issue-14 cases: page 1 read as text, page 1 drawn for a person.

Page 1 must carry the PRSB outpatient headings, the urgency of the recorded decision, the recipient and the sender,
the draft mark until a clinician signs (and not after), and never the feedback clinicians leave for the rule editors; the
appendix starts on page 2. Page 1 of each is drawn to /tmp/letters/ (pdftoppm) to be looked at.
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from tests.helpers.letters import CASES, TODAY, letter_pdf, page_count, page_picture, page_text, stored_case
from tests.helpers.staff import create_staff
from triage.db import decisions, letters, worklist
from triage.db.demo import seed_demo
from triage.db.intake_record import intake_record
from triage.db.models import Intake, User
from triage.domain.report.letter_words import DECISION_HEADINGS, DECISION_PLANS

HEADINGS = (
    "Summary: ",
    "Reason for referral, in the patient's words",
    "Impression",
    "Plan",
    "Actions for the GP",
    "Actions for the patient",
    "History",
)
DECISIONS = ("soon", "urgent", "emergency_now", "routine", "no_appointment_advice")
# Staff free text outside the letter editor is internal: none of it may reach any page of the letter.
NOTE = "INTERNAL-WORKSPACE-NOTE keep eating gluten until the tTG-IgA is done."
DECISION_NOTE = "INTERNAL-DECISION-NOTE discussed with the registrar."
FEEDBACK = "INTERNAL-DISAGREE-for-the-rule-editors"


def _intakes(app: Flask) -> list[tuple[str, int]]:
    with app.extensions["triage_db"].session() as session:
        seed_demo(session, today=TODAY)
    cases = [(name, stored_case(app, name.upper(), answers)) for name, answers in CASES.items()]
    with app.extensions["triage_db"].session() as session:
        rows = session.execute(select(Intake.ref, Intake.id).where(Intake.ref.like("DEMO-%"), Intake.submitted_at.is_not(None)))
        demos = sorted((ref, intake_id) for ref, intake_id in rows)
    assert len(demos) >= 5
    return demos + cases


def _clinician(app: Flask) -> int:
    account = create_staff(app, ("clinician",), "ada@example.org")
    with app.extensions["triage_db"].session() as session:
        user = session.get(User, account.id)
        assert user is not None
        user.display_name, user.professional_title = "Dr Ada Gut", "Consultant gastroenterologist"
        user.registration_type, user.registration_number = "GMC", "7654321"
    return account.id


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_every_letter_reads_right_on_page_1_before_and_after_signing(app: Flask) -> None:
    clinician = _clinician(app)
    for number, (name, intake_id) in enumerate(_intakes(app)):
        decision = DECISIONS[number % len(DECISIONS)]
        with app.extensions["triage_db"].session() as session:
            record = intake_record(session, intake_id)
            assert record is not None and record.evaluation is not None
            decisions.record_decision(session, intake_id, decision, None, clinician, DECISION_NOTE)
            top = record.result["differentials"][0]["id"]
            worklist.record_feedback(session, intake_id, record.evaluation.id, top, clinician, False, FEEDBACK)
            worklist.add_note(session, intake_id, clinician, NOTE)
            referral = {"referrer_name": "Dr Gee Pee", "referrer_practice": "Riverside Surgery", "nhs_number": "9434765919"}
            letters.set_referral(session, intake_id, letters.clean_referral(referral))

        draft = letter_pdf(app, intake_id)
        page1 = _flat(page_text(draft))
        assert f"Outpatient letter · {DECISION_HEADINGS[decision]}" in page1, name
        assert f"Summary: {DECISION_HEADINGS[decision]}" in page1, name
        positions = [page1.find(h) for h in HEADINGS]
        assert -1 not in positions and positions == sorted(positions), (name, positions)
        assert "Dr Gee Pee" in page1 and "Riverside Surgery" in page1 and "NHS number 943 476 5919" in page1, name
        assert "Dr Ada Gut" in page1 and "Consultant gastroenterologist" in page1 and "GMC 7654321" in page1, name
        assert "Draft - not reviewed by a clinician" in page1, name
        whole = _flat(page_text(draft, 1, page_count(draft)))
        assert FEEDBACK not in whole and "disagrees" not in whole, name  # feedback is for the rule editors only
        assert "INTERNAL-" not in whole, name  # nor the workspace note or the decision's note
        plan = page1[page1.index("Plan") : page1.index("Actions for the GP")]
        assert DECISION_PLANS[decision] in plan, name  # the plan starts from the decision recorded
        page2 = [line for line in page_text(draft, 2, 2).splitlines() if line.strip()]
        # The appendix heads page 2, after the running head (the draft mark, then clinic, reference and patient).
        before = page2[: page2.index("Appendix: the full record")]
        assert before[0] == "Draft - not reviewed by a clinician" and before[1:] == [before[1]], (name, page2[:3])
        assert before[1].startswith("Test gastroenterology clinic · "), (name, page2[:3])
        assert "Appendix" not in page1, name  # page 1 holds the letter alone
        assert len(page_text(draft, page_count(draft), page_count(draft)).split()) > 40, name  # no page with a hash only
        page_picture(draft, f"{name}-draft")

        with app.extensions["triage_db"].session() as session:
            letters.sign_letter(session, intake_id, clinician, {}, [])
        signed = letter_pdf(app, intake_id)
        every_page = _flat(page_text(signed, 1, page_count(signed)))
        assert "Draft - not reviewed" not in every_page, name
        assert "Signed and finalised by Dr Ada Gut, Consultant gastroenterologist (GMC 7654321)" in _flat(page_text(signed))
        page_picture(signed, f"{name}-signed")
