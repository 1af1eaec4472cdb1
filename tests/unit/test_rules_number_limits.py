"""Number limits and the one error type of the rules parser: hostile numbers, hostile YAML and an overgrown ruleset.

Every number in a ruleset is finite, within ±1,000,000 and has at most 6 decimal places; whatever the input, the
parser either loads the ruleset or raises RulesetError naming file, line and rule (never ValueError, OverflowError,
RecursionError or anything else); a ruleset of more than 50,000 entries is refused before it is compiled.
"""

from __future__ import annotations

import copy
import math
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from triage.domain.engine.ruleset import load_ruleset, load_ruleset_from_documents
from triage.domain.engine.yaml_source import MAX_RULESET_NODES
from triage.domain.errors import RulesetError
from triage.paths import resource_dir

DOCUMENTS = load_ruleset().documents
RULES_DIR = resource_dir("rules")
HUGE = 10**4999  # 5,000 digits: str() of it raises in Python 3.11
LONG = 10**4000  # 4,001 digits: still printable, so hypothesis can show a failing example
HOSTILE_NUMBERS = st.one_of(
    st.sampled_from(
        [HUGE, -HUGE, LONG, -LONG, 10**400, math.inf, -math.inf, math.nan, 1e308, -1e308, 1e-300, 5e-324, 2**63, -(2**63)]
    ),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
)
HOSTILE_VALUES = st.one_of(
    HOSTILE_NUMBERS,
    st.none(),
    st.booleans(),
    st.text(max_size=30),
    st.sampled_from(["Infinity", "-Infinity", "NaN", "1e400", "9" * 5000, "0x10", "1_000", ".inf", "\u202e", "{param: x}"]),
    st.lists(HOSTILE_NUMBERS, max_size=3),
    st.dictionaries(st.sampled_from(["param", "question", "gte", "n", "of", "all"]), HOSTILE_NUMBERS, max_size=2),
)
HOSTILE_YAML_NUMBERS = [
    "1e400",
    "-1e400",
    "9" * 5000,
    "9" * 29,
    ".inf",
    "-.inf",
    ".nan",
    "Infinity",
    "NaN",
    "0.0000001",
    "1000001",
    "[1e400, 2]",
    "{param: 1e400}",
]


def _paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*path, index))
    return found


PATHS = [p for p in _paths(DOCUMENTS) if len(p) >= 2]


def _at(path: tuple[Any, ...]) -> Any:
    node: Any = DOCUMENTS
    for step in path:
        node = node[step]
    return node


NUMBER_PATHS = [p for p in PATHS if isinstance(_at(p), (int, float)) and not isinstance(_at(p), bool)]


def _load_or_refuse(documents: Any) -> RulesetError | None:
    """Load the documents; a RulesetError is returned, anything else escapes and fails the test."""
    try:
        load_ruleset_from_documents(documents)
    except RulesetError as error:
        return error
    return None


CHANGES = st.one_of(st.tuples(st.sampled_from(NUMBER_PATHS), HOSTILE_NUMBERS), st.tuples(st.sampled_from(PATHS), HOSTILE_VALUES))


@settings(max_examples=400, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(CHANGES, min_size=1, max_size=3))
def test_hostile_values_anywhere_give_only_a_ruleset_error(changes: list[tuple[tuple[Any, ...], Any]]) -> None:
    documents = copy.deepcopy(DOCUMENTS)
    for path, value in changes:
        try:
            documents = _replace_in(documents, path, value)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change removed this place
    error = _load_or_refuse(documents)
    for problem in error.problems if error else []:
        assert problem.file and problem.message  # every problem names its file


def _replace_in(documents: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    node: Any = documents
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return documents


@pytest.mark.parametrize("number", HOSTILE_YAML_NUMBERS, ids=[n[:12] for n in HOSTILE_YAML_NUMBERS])
def test_a_hostile_number_in_a_rule_file_is_refused_with_file_line_and_rule(tmp_path: Path, number: str) -> None:
    for source in RULES_DIR.glob("*.yaml"):
        (tmp_path / source.name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    target = tmp_path / "celiac.yaml"
    text = target.read_text(encoding="utf-8")
    marker = "{question: weight_loss_percent, gte: {param: weight_loss_alarm_percent}}"
    assert marker in text
    target.write_text(text.replace(marker, f"{{question: weight_loss_percent, gte: {number}}}"), encoding="utf-8")
    with pytest.raises(RulesetError) as raised:
        load_ruleset(tmp_path)
    problems = [p for p in raised.value.problems if p.file == "celiac.yaml"]
    assert problems, raised.value
    assert any(p.line is not None and p.rule == "cd_weight_loss" for p in problems), raised.value


@pytest.mark.parametrize(
    "value",
    [HUGE, 10**400, math.inf, -math.inf, math.nan, 1e-300, 1_000_001, -1_000_001],
    ids=["5000-digits", "400-digits", "inf", "-inf", "nan", "1e-300", "1000001", "-1000001"],
)
def test_a_parameter_value_out_of_range_is_refused(value: Any) -> None:
    documents = copy.deepcopy(DOCUMENTS)
    documents["ruleset.yaml"]["parameters"]["upper_gi_cancer_age"]["value"] = value
    error = _load_or_refuse(documents)
    assert error is not None
    assert any("between -1,000,000 and 1,000,000" in p.message for p in error.problems), error


@pytest.mark.parametrize("value", [1_000_000, -1_000_000, 0.000001, 55, 7.5])
def test_numbers_within_the_limits_are_kept(value: Any) -> None:
    documents = copy.deepcopy(DOCUMENTS)
    documents["ruleset.yaml"]["parameters"]["upper_gi_cancer_age"]["value"] = value
    error = _load_or_refuse(documents)
    assert error is None or not any("between -1,000,000" in p.message for p in error.problems)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.text(max_size=300), st.sampled_from(["ruleset.yaml", "celiac.yaml"]))
def test_any_text_as_a_rule_file_gives_only_a_ruleset_error(tmp_path_factory: Any, text: str, name: str) -> None:
    folder = tmp_path_factory.mktemp("hostile")
    for source in RULES_DIR.glob("*.yaml"):
        (folder / source.name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / name).write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        load_ruleset(folder)
    except RulesetError:
        return


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.integers(min_value=0, max_value=200), st.sampled_from(["[", "{", "- ", "a: "]))
def test_deeply_nested_yaml_gives_only_a_ruleset_error(tmp_path_factory: Any, depth: int, opener: str) -> None:
    folder = tmp_path_factory.mktemp("deep")
    for source in RULES_DIR.glob("*.yaml"):
        (folder / source.name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    closer = {"[": "]", "{": "}"}.get(opener, "")
    body = opener * depth + "1" + closer * depth if closer else "".join(" " * i + opener for i in range(depth)) + "1"
    (folder / "celiac.yaml").write_text(f"topic: x\nrules: {body}\n" if closer else body, encoding="utf-8")
    with pytest.raises(RulesetError):
        load_ruleset(folder)


def _overgrown(nodes: int) -> dict[str, Any]:
    """The default ruleset with its rules copied (fresh ids) until it holds about `nodes` entries."""
    documents = copy.deepcopy(DOCUMENTS)
    rules = [r for name, d in documents.items() if name != "ruleset.yaml" for r in d["rules"]]
    per_rule = max(1, len(_paths({"r": rules})) // len(rules))
    copies = []
    for i in range(nodes // per_rule):
        rule = copy.deepcopy(rules[i % len(rules)])
        rule["id"] = f"grown_{i}"
        copies.append(rule)
    documents["grown.yaml"] = {"topic": "Grown", "rules": copies}
    return documents


def test_a_ruleset_of_210000_entries_is_refused_quickly_naming_the_limit() -> None:
    documents = _overgrown(210_000)
    assert len(_paths(documents)) > 200_000
    started = time.perf_counter()
    error = _load_or_refuse(documents)
    elapsed = time.perf_counter() - started
    assert error is not None
    assert [p.message for p in error.problems] == [
        f"the ruleset has more than {MAX_RULESET_NODES:,} entries (keys, list items and values, all files together);"
        f" the limit is {MAX_RULESET_NODES:,}: split long conditions into simpler rules or remove unused ones"
    ]
    assert elapsed < 1.0, f"refusing took {elapsed:.2f} s"


def test_the_bundled_ruleset_is_well_within_the_entry_limit() -> None:
    assert len(_paths(DOCUMENTS)) * 5 < MAX_RULESET_NODES
