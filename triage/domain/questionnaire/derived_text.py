"""Facts read from the patient's own words: a weight loss, or a food with gluten, told whatever the tick lists say.

Patients often explain away an alarm feature ("I've lost 8 kilos, must be the stress") and so leave it unticked among
the warning signs, while saying it in their own words. No library reads this reliably offline for one symptom in a
short English text, so a small set of phrases is matched here, sentence by sentence, with two guards: a negation just
before the phrase ("no weight loss", "haven't lost weight") and a sentence that says the loss was meant ("on a diet",
"trying to", weight-loss injections). A food with gluten named in the patient's words (beer, bread, pasta) tells
that gluten is still eaten, which matters to a patient who says they are strictly gluten-free. Only English is read;
a text in another language gives False, as a text that tells nothing does. No text at all is False too, not unknown:
these facts only add to the ticked answers, so a blank main worry is never a question to ask at the visit.
"""

from __future__ import annotations

import datetime as dt
import re

from triage.domain.questionnaire.derived_types import DerivedValue, Facts

# The free-text answers read, in either questionnaire version (main_concern has the same id in both).
OWN_WORDS_QUESTIONS = ("main_concern",)
# Where a patient names what they eat or what upsets them: the main worry, the "something else" trigger, another diet.
FOOD_WORDS_QUESTIONS = ("main_concern", "triggers_other", "diets_tried_other", "food_reactions_other")

_AMOUNT = r"(?:\d+(?:[.,]\d+)?|half\s+a|a|one|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|twenty)"
_UNIT = r"(?:kg|kgs|kilos?|kilograms?|lbs?|pounds?|stones?|st)"
_HEDGE = r"(?:about\s+|around\s+|over\s+|nearly\s+|almost\s+|roughly\s+|more\s+than\s+|at\s+least\s+)?"
_LOSS = re.compile(
    rf"\b(?:lost|losing|dropped|dropping|shed)\s+{_HEDGE}"
    rf"(?:{_AMOUNT}\s*-?\s*{_UNIT}\b|(?:a\s+lot\s+of\s+|lots\s+of\s+|some\s+|so\s+much\s+|much\s+)?weight\b)"
    r"|\bweight\s+(?:loss|has\s+dropped|dropped|is\s+dropping|keeps\s+dropping|is\s+falling|has\s+fallen|went\s+down)\b"
    r"|\b(?:getting|got|gotten|becoming|become)\s+(?:very\s+|much\s+|so\s+)?(?:thinner|skinnier)\b",
    re.IGNORECASE,
)
# A negation among the few words before the phrase: "no weight loss", "I haven't lost any weight".
_NEGATION = re.compile(
    r"\b(?:no|not|never|without|nor|cannot|unable|havent|hasnt|hadnt|didnt|dont|doesnt|isnt|wasnt|cant|wont|arent)\b"
    r"|\b\w+n[’']t\b",
    re.IGNORECASE,
)
_NEGATION_WORDS_BEFORE = 4
# A sentence saying the loss was meant, or asking for it: not an unintended loss.
_INTENDED = re.compile(
    r"\b(?:diet|diets|dieting|on\s+purpose|intentional(?:ly)?|deliberately|trying\s+to|tried\s+to|want(?:ed)?\s+to"
    r"|would\s+like|like\s+to|hoping|hope\s+to|need\s+to|gym|exercis\w*|slimming|weight\s+watchers|calorie\w*"
    r"|ozempic|wegovy|mounjaro|semaglutide|tirzepatide|injections?|jabs?|surgery|advice|programme|program|plan)\b",
    re.IGNORECASE,
)
# Foods and drinks that contain gluten unless labelled otherwise (Coeliac UK's lists): beer, lager, ale and stout are
# brewed from barley; "gluten-free bread" and the like are excluded below.
_GLUTEN_FOOD = re.compile(
    r"\b(?:beers?|lagers?|ales?|stouts?|bread|toast|sandwich(?:es)?|pasta|spaghetti|noodles|pizzas?|cakes?|biscuits?"
    r"|cookies|crackers|pastr(?:y|ies)|pies?|croissants?|bagels?|wraps?|couscous|semolina|barley|rye|wheat)\b",
    re.IGNORECASE,
)
_GLUTEN_FREE_BEFORE = re.compile(r"\b(?:gluten[- ]?free|gf|free[- ]from)\s*$", re.IGNORECASE)
# Sentence ends: a full stop only before a space or the end, so "8.5 kg" stays one sentence.
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)|[;\n]")


def _unintended_loss_in(sentence: str) -> bool:
    """Whether one sentence tells of a weight loss that is neither negated nor said to be meant."""
    if _INTENDED.search(sentence):
        return False
    for found in _LOSS.finditer(sentence):
        before = sentence[: found.start()].split()[-_NEGATION_WORDS_BEFORE:]
        if not _NEGATION.search(" ".join(before)):
            return True
    return False


def tells_of_weight_loss(text: str) -> bool:
    """Whether a free text tells of losing weight without meaning to (English phrases; see the module docstring)."""
    return any(_unintended_loss_in(sentence) for sentence in _SENTENCE_END.split(text))


def names_gluten_food(text: str) -> bool:
    """Whether a free text names a food or drink with gluten, not negated just before, nor marked gluten-free."""
    for found in _GLUTEN_FOOD.finditer(text):
        before = text[: found.start()]
        words = before.split()[-_NEGATION_WORDS_BEFORE:]
        if _GLUTEN_FREE_BEFORE.search(before) or _NEGATION.search(" ".join(words)):
            continue
        return True
    return False


def _texts(a: Facts, questions: tuple[str, ...]) -> list[str]:
    return [value for qid in questions if isinstance(value := a.get(qid), str) and value.strip()]


def gluten_food_in_own_words(a: Facts, on: dt.date) -> DerivedValue:
    """The patient's own words name a food or drink with gluten (False without any words: they named nothing)."""
    return any(names_gluten_food(text) for text in _texts(a, FOOD_WORDS_QUESTIONS))


def weight_loss_in_own_words(a: Facts, on: dt.date) -> DerivedValue:
    """The main worry tells of an unintended weight loss (False without any words: they told of none)."""
    return any(tells_of_weight_loss(text) for text in _texts(a, OWN_WORDS_QUESTIONS))
