"""Reading rules YAML: safe by construction, and any input at all only ever ends in a RulesetError."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from triage.domain.engine.evaluate import RulesetError, load_ruleset, load_ruleset_from_documents
from triage.domain.engine.yaml_source import parse_yaml
from triage.domain.errors import ProblemList
from triage.paths import resource_dir

FAST = settings(max_examples=120, derandomize=True, deadline=2000, suppress_health_check=[HealthCheck.too_slow])


def parse(text: str) -> tuple[Any, list[str]]:
    problems = ProblemList("f.yaml")
    return parse_yaml(text, problems), [str(p) for p in problems.items]


def test_yes_no_on_off_are_words_and_numbers_are_numbers() -> None:
    data, problems = parse("on: yes\nno: off\nn: 3\nx: 2.5\nt: true\nq: '7'\nd: 2026-01-02\nempty:\n")
    assert problems == []
    assert data == {"on": "yes", "no": "off", "n": 3, "x": 2.5, "t": True, "q": "7", "d": "2026-01-02", "empty": None}


def test_line_numbers_are_recorded() -> None:
    data, _ = parse("a: 1\nrules:\n  - id: x\n    when:\n      question: q\n")
    assert data.key_lines["rules"] == 2
    assert data["rules"].item_lines == [3]
    assert data["rules"][0]["when"].line == 5


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("a: &x [1, 2]\nb: *x\n", "aliases"),
        ("a: !!python/object:os.system ls\n", "tags"),
        ("a: !custom 1\n", "tags"),
        ("a: 1\na: 2\n", "appears twice"),
        ("[1]: x\n", "plain word"),
        ("a: 1\n---\nb: 2\n", "not valid YAML"),
        ("a: [1\n", "not valid YAML"),
        ("\x00", "not valid YAML"),
        ("a: \ud800\n", "not valid text"),
        ("[" * 70 + "]" * 70, "nested more than"),
        ("[" * 5000 + "]" * 5000, "nested"),
        ("- " * 3000 + "x", "nested"),
    ],
)
def test_unsafe_or_broken_yaml_is_refused_with_a_reason(text: str, words: str) -> None:
    data, problems = parse(text)
    assert data is None and len(problems) == 1 and words in problems[0]


def test_an_alias_bomb_is_refused_before_expansion() -> None:
    bomb = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n' + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(20)
    )
    data, problems = parse(bomb)
    assert data is None and "aliases" in problems[0]


@FAST
@given(st.text(max_size=300))
def test_any_text_parses_or_records_a_problem(text: str) -> None:
    data, problems = parse(text)
    # A document that is only a null scalar ("NULL", "~") or only comments is empty, not a problem.
    empty = text.strip() == "" or text.lstrip().startswith(("#", "---", "...", "%")) or _plain_null(text)
    assert data is not None or problems or empty


def _plain_null(text: str) -> bool:
    try:
        return yaml.safe_load(text) is None
    except yaml.YAMLError:
        return False


YAMLISH = st.text(alphabet="[]{}:-,?&*!|>#'\" \n\tabqyo019.", max_size=200)


@FAST
@given(YAMLISH)
def test_yaml_like_text_parses_or_records_a_problem(text: str) -> None:
    data, problems = parse(text)
    assert all(p.startswith("f.yaml") for p in problems)
    assert data is None or isinstance(data, (dict, list, str, int, float, bool))
    assert not (data is not None and problems)


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=30,
)
RULE_KEYS = st.sampled_from(
    ["id", "title", "kind", "when", "question", "all", "any", "not", "equals", "gte", "param", "weight", "rules", "topic"]
)


@FAST
@given(
    st.dictionaries(
        st.sampled_from(["ruleset.yaml", "a.yaml", "b.yaml"]),
        JSONISH | st.dictionaries(RULE_KEYS, JSONISH, max_size=6),
        max_size=3,
    )
)
def test_random_documents_only_ever_raise_ruleset_error(documents: dict[str, Any]) -> None:
    with pytest.raises(RulesetError):
        load_ruleset_from_documents(documents)


def test_deeply_nested_documents_are_refused_without_recursion_errors() -> None:
    deep: Any = {"question": "age_years", "answered": True}
    for _ in range(5000):
        deep = {"not": deep}
    documents = {"ruleset.yaml": {"version": "x"}, "a.yaml": {"topic": "t", "rules": [{"id": "r", "when": deep}]}}
    with pytest.raises(RulesetError) as caught:
        load_ruleset_from_documents(documents)
    assert "nested more than" in str(caught.value)


def test_documents_must_be_plain_json_like_data() -> None:
    with pytest.raises(RulesetError) as caught:
        load_ruleset_from_documents({"ruleset.yaml": {"version": {1, 2}}, 5: {}})  # type: ignore[dict-item]
    text = str(caught.value)
    assert "type set" in text and "file name" in text
    assert json.dumps(caught.value.problems[0].message)


@settings(max_examples=40, derandomize=True, deadline=3000, suppress_health_check=[HealthCheck.too_slow])
@given(YAMLISH | st.text(max_size=200))
def test_a_random_rule_file_next_to_the_real_ones_only_raises_ruleset_error(text: str) -> None:
    directory = Path(tempfile.mkdtemp())
    try:
        shutil.copy(resource_dir("rules") / "ruleset.yaml", directory / "ruleset.yaml")
        shutil.copy(resource_dir("rules") / "caveats.yaml", directory / "caveats.yaml")
        (directory / "random.yaml").write_text(text, encoding="utf-8", errors="surrogatepass")
        with pytest.raises(RulesetError) as caught:
            load_ruleset(directory)
        assert all(p.file in ("random.yaml", "ruleset.yaml") for p in caught.value.problems)
    finally:
        shutil.rmtree(directory)
