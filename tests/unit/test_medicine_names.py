"""An NSAID named in the patient's own medicine list counts as taking NSAIDs; other painkillers and skin gels do not."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from triage.domain.questionnaire.derived import DERIVED_BY_ID
from triage.domain.questionnaire.medicine_names import NSAID_NAMES, nsaid_named

ON = dt.date(2026, 12, 1)


@pytest.mark.parametrize(
    "name", ["Celecoxib", "Naproxen 250mg", "NUROFEN", "ibuprofen (Brufen)", "Aspirin 75 mg", "Co-codamol and Ibuprofen"]
)
def test_an_nsaid_by_generic_or_brand_name_in_any_case_is_found(name: str) -> None:
    assert nsaid_named([[name, "", ""]]) is True


@pytest.mark.parametrize("name", ["Paracetamol", "Co-codamol 30/500", "Tramadol", "Voltarol Emulgel", "Ibuprofen gel"])
def test_other_painkillers_and_nsaids_put_on_the_skin_are_not(name: str) -> None:
    assert nsaid_named([[name, "", ""]]) is False


def test_an_unanswered_list_says_nothing() -> None:
    assert nsaid_named(None) is None and nsaid_named([]) is False


@given(st.lists(st.lists(st.text(max_size=30), min_size=0, max_size=3), max_size=5))
def test_any_table_gives_a_yes_or_no_and_never_an_error(rows: list[list[str]]) -> None:
    assert nsaid_named(rows) in (True, False)  # type: ignore[arg-type]


def test_every_listed_name_is_one_lower_case_word() -> None:
    assert all(name.isalpha() and name.islower() for name in NSAID_NAMES)


def test_takes_nsaid_is_yes_when_the_list_names_one_though_the_tick_list_does_not() -> None:
    takes = DERIVED_BY_ID["takes_nsaid"].compute
    listed = [["Celecoxib", "", "now and then"]]
    assert takes({"acid_medicines": ["ppi"], "current_medicines": listed}, ON) == "yes"
    assert takes({"acid_medicines": ["ppi"], "current_medicines": [["Paracetamol", "", ""]]}, ON) == "no"
    assert takes({"acid_medicines": ["nsaid"]}, ON) == "yes"
    assert takes({"acid_medicines": ["not_sure"]}, ON) == "not_sure"
    assert takes({"current_medicines": listed}, ON) == "yes"  # the tick list not answered: the list still tells
    assert takes({}, ON) is None
