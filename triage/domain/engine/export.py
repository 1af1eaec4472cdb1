"""Writing a ruleset back to YAML files that read like the hand-written ones and load to the same hash."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from triage.domain.engine.ruleset import Ruleset

# Field order for exported files, so they read like the hand-written ones (other keys follow, sorted).
_EXPORT_ORDER = [
    "id",
    "version",
    "title",
    "name",
    "note",
    "topic",
    "parameters",
    "differentials",
    "rules",
    "explanation",
    "description",
    "kind",
    "differential",
    "weight",
    "urgency",
    "action",
    "group",
    "priority",
    "test",
    "why",
    "elective",
    "thresholds",
    "low",
    "moderate",
    "high",
    "held_back_by_red_flags",
    "held_back_by",
    "value",
    "unit",
    "when",
    "question",
    "all",
    "any",
    "not",
    "at_least",
    "n",
    "of",
    "equals",
    "one_of",
    "includes",
    "gte",
    "lte",
    "between",
    "answered",
    "unanswered",
    "param",
    "source",
    "author",
    "reviewed",
]
_RANK = {key: i for i, key in enumerate(_EXPORT_ORDER)}


def _readable(data: Any) -> Any:
    if isinstance(data, dict):
        keys = sorted(data, key=lambda k: (_RANK.get(k, len(_RANK)), k))
        return {k: _readable(data[k]) for k in keys}
    if isinstance(data, list):
        return [_readable(item) for item in data]
    return data


def export_ruleset(ruleset: Ruleset, directory: Path) -> list[Path]:
    """Write the ruleset back as YAML files (one per document) that load to the same hash."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, document in ruleset.documents.items():
        path = directory / name
        path.write_text(yaml.safe_dump(_readable(document), sort_keys=False, allow_unicode=True, width=110), encoding="utf-8")
        written.append(path)
    return written
