"""Facts read from the patient's own words: a weight loss (weight_loss_in_own_words), read sentence by sentence, not
when negated just before and not when the sentence says it was meant; a food with gluten (gluten_food_in_own_words)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from triage.domain.engine.evaluate import evaluate, load_ruleset
from triage.domain.questionnaire.derived import DERIVED_BY_ID, facts_for_rules
from triage.domain.questionnaire.derived_text import (
    gluten_food_in_own_words,
    names_gluten_food,
    tells_of_weight_loss,
    weight_loss_in_own_words,
)

ON = dt.date(2026, 12, 8)

TOLD = [
    "The only good news is I've lost 8 kilos in three months; the stress must be burning it off.",
    "I have lost weight and I am tired all the time",
    "Losing weight, loose stools",
    "Weight loss of 6kg since June.",
    "In the recent months I've lost 5 kg",
    "Dropped two stone since the summer",
    "I've lost about 8.5 kg",  # the decimal point does not end the sentence
    "My weight keeps dropping",
    "I am getting thinner and thinner",
    "LOST 10 LBS",
]
NOT_TOLD = [
    "No weight loss.",
    "I haven't lost weight",
    "I have not been losing weight",
    "I’ve not lost weight",  # a typographic apostrophe
    "Bloating, no weight loss, no blood",
    "I lost weight on a diet",
    "Trying to lose weight but my tummy hurts",
    "I want to lose weight",
    "I lost 10 kg with Mounjaro injections",
    "Help with weight loss advice",
    "I lost my appetite",
    "Weight gain and bloating",
    "Pérdida de peso",  # only English is read
    "",
]


@pytest.mark.parametrize("text", TOLD)
def test_a_loss_told_in_own_words_is_read(text: str) -> None:
    assert tells_of_weight_loss(text)


@pytest.mark.parametrize("text", NOT_TOLD)
def test_a_negated_meant_or_other_loss_is_not(text: str) -> None:
    assert not tells_of_weight_loss(text)


def test_each_sentence_is_read_on_its_own() -> None:
    # A diet in one sentence does not explain away a loss told in another, nor a "no" in the sentence before.
    assert tells_of_weight_loss("I tried a low-FODMAP diet last year. Since May I have lost 7 kg without trying.")
    assert tells_of_weight_loss("No blood. I have lost weight.")
    # A purpose told only in the next sentence is not read: the fact errs towards asking about the loss at the visit.
    assert tells_of_weight_loss("I have lost weight. It was on purpose.")


def test_the_fact_is_no_without_a_text_and_reads_only_the_main_worry() -> None:
    fact = DERIVED_BY_ID["weight_loss_in_own_words"]
    assert fact.type == "boolean" and fact.reads == ("main_concern",)
    assert weight_loss_in_own_words({}, ON) is False  # no words tell of no loss: never a blank to ask about
    assert weight_loss_in_own_words({"main_concern": "   "}, ON) is False
    assert weight_loss_in_own_words({"main_concern": "Bloating"}, ON) is False
    assert weight_loss_in_own_words({"main_concern": "Bloating. Lost 5 kg."}, ON) is True
    assert facts_for_rules({"main_concern": "lost 5 kg"}, ON)["weight_loss_in_own_words"] is True


@given(st.text(max_size=400))
def test_any_text_gives_a_yes_or_no_without_error(text: str) -> None:
    assert tells_of_weight_loss(text) in (True, False)
    assert weight_loss_in_own_words({"main_concern": text}, ON) in (True, False)


@given(st.sampled_from(["No", "I haven't", "We didn't see any", "Never any"]), st.sampled_from(["weight loss", "lost weight"]))
def test_a_negation_just_before_the_phrase_always_wins(negation: str, phrase: str) -> None:
    assert not tells_of_weight_loss(f"{negation} {phrase}.")


def _base() -> dict[str, object]:
    return {"date_of_birth": "1974-04-04", "sex_at_birth": "male", "symptoms": ["diarrhoea"], "warning_signs": ["none"]}


def test_a_loss_told_but_not_ticked_raises_the_weight_flag_and_the_conflict_caveat() -> None:
    ruleset = load_ruleset()
    told = evaluate(ruleset, _base() | {"main_concern": "I've lost a stone and don't know why."}, on=ON)
    assert "rf_weight_loss" in {f.id for f in told.red_flags}
    assert "cav_conflict_weight" in {c.id for c in told.caveats}
    because = next(f for f in told.red_flags if f.id == "rf_weight_loss").because
    assert "weight_loss_in_own_words" in {m.question for m in because}  # traced to the fact read from the words
    quiet = evaluate(ruleset, _base() | {"main_concern": "Diarrhoea, but no weight loss."}, on=ON)
    assert "rf_weight_loss" not in {f.id for f in quiet.red_flags}
    assert "cav_conflict_weight" not in {c.id for c in quiet.caveats}


def test_a_ticked_loss_is_weighed_on_its_recorded_amount_not_on_the_words() -> None:
    ruleset = load_ruleset()
    small = _base() | {"warning_signs": ["unintended_weight_loss"], "weight_lost_kg": 0.5, "weight_kg": 80.0}
    result = evaluate(ruleset, small | {"main_concern": "I have lost some weight."}, on=ON)
    assert "rf_weight_loss" not in {f.id for f in result.red_flags}


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("I occasionally give in to a beer.", True),
        ("Toast for breakfast", True),
        ("Whole wheat", True),
        ("Lager", True),
        ("Gluten-free bread only", False),
        ("GF pasta", False),
        ("I don't eat bread", False),
        ("No bread, no pasta", False),
        ("Gluten gives me cramps", False),  # naming gluten itself says what upsets, not that it is eaten
        ("Aleppo pepper", False),
    ],
)
def test_a_food_with_gluten_is_named_unless_negated_or_gluten_free(text: str, named: bool) -> None:
    assert names_gluten_food(text) is named


def test_the_gluten_food_fact_reads_the_worry_the_other_trigger_and_the_other_diet() -> None:
    assert gluten_food_in_own_words({}, ON) is False
    assert gluten_food_in_own_words({"triggers_other": "Beer"}, ON) is True
    assert gluten_food_in_own_words({"diets_tried_other": "Gluten-free"}, ON) is False
    assert gluten_food_in_own_words({"main_concern": "Cramps", "triggers_other": "Onions"}, ON) is False


def test_strictly_gluten_free_while_naming_beer_is_a_diet_conflict() -> None:
    ruleset = load_ruleset()
    answers = _base() | {"gluten_status": "gluten_free", "triggers": ["other"], "triggers_other": "Beer"}
    assert "cav_conflict_gluten" in {c.id for c in evaluate(ruleset, answers, on=ON).caveats}
    eats = answers | {"gluten_status": "regular"}  # eating gluten anyway: nothing disagrees
    assert "cav_conflict_gluten" not in {c.id for c in evaluate(ruleset, eats, on=ON).caveats}


def test_a_blank_main_worry_is_not_a_question_to_ask_at_the_visit() -> None:
    result = evaluate(load_ruleset(), _base(), on=ON)
    assert "main_concern" not in {m.question for m in result.missing}
