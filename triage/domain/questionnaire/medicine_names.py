"""Which rows of the patient's own medicine list name an NSAID, by generic or brand name (a fixed, reviewed list).

Patients often list a painkiller they take "now and then" without ticking it among the medicines they were asked
about; an NSAID still causes gut bleeding and injury and raises calprotectin. Only whole words of the medicine's name
are matched against the list below (so "Naproxen 250 mg" matches and "paracetamol" never does), and the list holds
NSAIDs only: paracetamol, codeine and other painkillers are not NSAIDs.
"""

from __future__ import annotations

import re

from triage.domain.questionnaire.values import Answer

# Generic names (British and US spellings) and common UK/US/EU brands of oral NSAIDs, aspirin included (BNF
# "Non-steroidal anti-inflammatory drugs"; aspirin for its gut bleeding risk at any dose).
NSAID_NAMES = frozenset(
    """
    aceclofenac aspirin celecoxib dexibuprofen dexketoprofen diclofenac diflunisal etodolac etoricoxib fenoprofen
    flurbiprofen ibuprofen indometacin indomethacin ketoprofen ketorolac lornoxicam mefenamic meloxicam nabumetone
    naproxen piroxicam sulindac tenoxicam tiaprofenic tolfenamic
    advil aleve anadin arcoxia arthrotec brufen celebrex disprin feldene fenbid mobic motrin naprosyn nurofen ponstan
    voltarol voltaren
    """.split()
)
# Forms put on the skin: a gel or cream of an NSAID carries little of the gut risk of a tablet.
ON_THE_SKIN = frozenset("cream emulgel foam gel lotion ointment patch patches plaster plasters spray topical".split())
_WORD = re.compile(r"[a-z]+")


def _names(rows: Answer | None) -> list[str]:
    if not isinstance(rows, list):
        return []
    return [str(row[0]) for row in rows if isinstance(row, list) and row and row[0]]


def nsaid_named(rows: Answer | None) -> bool | None:
    """Whether the medicine list names an NSAID; None when the list was not answered."""
    if not isinstance(rows, list):
        return None
    return any(_oral_nsaid(set(_WORD.findall(name.lower()))) for name in _names(rows))


def _oral_nsaid(words: set[str]) -> bool:
    return bool(NSAID_NAMES & words) and not ON_THE_SKIN & words
