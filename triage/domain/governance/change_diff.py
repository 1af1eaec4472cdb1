"""What a draft changes, in values: "high threshold: 8 → 6", test cases added, removed and changed, words highlighted."""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

ARROW = "→"
SKIPPED = ("when", "author")  # the condition is shown as two sentences; the author is shown in the history
LABELS = {
    "thresholds.low": "low threshold",
    "thresholds.moderate": "moderate threshold",
    "thresholds.high": "high threshold",
    "held_back_by_red_flags": "ranked last while a red flag stands",
    "first": "expects first",
    "red_flags": "expects red flags",
    "no_red_flags": "expects no red flag",
    "in_top": "expects among the first three",
    "not_in_top": "expects not among the first three",
    "caveats": "expects caveats",
    "investigations": "expects tests",
    "top_n": "how many count as the first few",
    "not_first": "expects not first",
    "not_listed": "expects not listed",
    "no_caveats": "expects no caveat",
    "no_investigations": "expects tests not suggested",
    "missing": "expects unanswered",
    "on": "case date",
    "name": "name",
    "description": "description",
    "value": "value",
    "unit": "unit",
    "source": "source",
}


@dataclass(frozen=True)
class CaseChange:
    """One rule test case added, removed or changed between two versions, with its changed values as lines."""

    id: str
    file: str
    change: str  # "added", "removed" or "changed"
    description: str
    lines: tuple[str, ...]


def shown(value: Any, names: Mapping[str, str]) -> str:
    """A value in clinical words: ids replaced by their names, lists joined, nothing shown as 'none'."""
    if value is None or value == "" or value == []:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(shown(v, names) for v in value)
    if isinstance(value, Mapping):
        return "; ".join(f"{k} {shown(v, names)}" for k, v in value.items())
    return names.get(str(value), str(value))


def _flat(item: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in item.items():
        if isinstance(value, Mapping) and key not in ("answers",):
            flat |= _flat(value, f"{prefix}{key}.")
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def value_lines(before: Mapping[str, Any], after: Mapping[str, Any], names: Mapping[str, str] | None = None) -> list[str]:
    """Each changed value as "label: old → new" (nested thresholds named as such; the condition left to the sentences)."""
    names = names or {}
    old, new = _flat(before), _flat(after)
    lines = []
    for key in dict.fromkeys([*old, *new]):
        if key.split(".")[0] in SKIPPED:
            continue
        a, b = old.get(key), new.get(key)
        if (a if a != "" else None) == (b if b != "" else None):
            continue
        label = LABELS.get(key, key.replace("_", " ").replace(".", " "))
        lines.append(f"{label}: {shown(a, names)} {ARROW} {shown(b, names)}")
    return lines


def _answer_lines(before: Mapping[str, Any], after: Mapping[str, Any], labels: Mapping[str, str]) -> list[str]:
    lines = []
    for key in dict.fromkeys([*before, *after]):
        if before.get(key) != after.get(key):
            label = labels.get(key, key)
            lines.append(f"answer “{label}”: {shown(before.get(key), {})} {ARROW} {shown(after.get(key), {})}")
    return lines


def _cases(tests: Mapping[str, Any]) -> dict[str, tuple[str, Mapping[str, Any]]]:
    found: dict[str, tuple[str, Mapping[str, Any]]] = {}
    for file in sorted(tests):
        document = tests[file]
        cases = document.get("cases") if isinstance(document, Mapping) else None
        for case in cases if isinstance(cases, list) else []:
            if isinstance(case, Mapping) and isinstance(case.get("id"), str):
                found.setdefault(case["id"], (file, case))
    return found


def case_changes(
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    names: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
) -> list[CaseChange]:
    """Test cases added, changed (expectations, answers, date, description) and removed, in the newer version's order."""
    names, labels = names or {}, labels or {}
    old_cases, new_cases = _cases(old), _cases(new)
    changes = []
    for case_id, (file, case) in new_cases.items():
        description = str(case.get("description") or "")
        if case_id not in old_cases:
            changes.append(
                CaseChange(case_id, file, "added", description, tuple(value_lines({}, case.get("expect") or {}, names)))
            )
            continue
        before = old_cases[case_id][1]
        lines = value_lines(before.get("expect") or {}, case.get("expect") or {}, names)
        lines += _answer_lines(before.get("answers") or {}, case.get("answers") or {}, labels)
        lines += value_lines({k: before.get(k) for k in ("on", "description")}, {k: case.get(k) for k in ("on", "description")})
        if lines:
            changes.append(CaseChange(case_id, file, "changed", description, tuple(lines)))
    changes += [
        CaseChange(case_id, file, "removed", str(case.get("description") or ""), ())
        for case_id, (file, case) in old_cases.items()
        if case_id not in new_cases
    ]
    return changes


def word_diff(before: str, after: str) -> tuple[list[tuple[str, bool]], list[tuple[str, bool]]]:
    """Both texts as words, each marked when it is not in the other text at that place (for highlighting)."""
    a, b = before.split(), after.split()
    old: list[tuple[str, bool]] = []
    new: list[tuple[str, bool]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        same = tag == "equal"
        old += [(w, not same) for w in a[i1:i2]]
        new += [(w, not same) for w in b[j1:j2]]
    return old, new


def joined(words: Sequence[tuple[str, bool]]) -> list[tuple[str, bool]]:
    """Neighbouring words with the same mark run together, so a template shows few <mark> elements."""
    runs: list[tuple[str, bool]] = []
    for word, marked in words:
        if runs and runs[-1][1] == marked:
            runs[-1] = (f"{runs[-1][0]} {word}", marked)
        else:
            runs.append((word, marked))
    return runs
