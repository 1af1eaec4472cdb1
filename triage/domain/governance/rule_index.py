"""Finding rules: a word search over title, sentence, source and id, facets, and groups by differential with counts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

GENERAL_KNOWLEDGE = "[GK]"
SEARCHED = ("id", "title", "sentence", "source", "explanation")
KIND_NAMES = {
    "differential": "Weighs a differential",
    "red_flag": "Red flag",
    "investigation": "Investigation",
    "caveat": "Caveat",
}
SECTION_NAMES = {"red_flag": "Red flags", "investigation": "Investigations", "caveat": "Caveats"}


@dataclass(frozen=True)
class Filters:
    """What the editor asked for: words, and one value per facet ('' means any)."""

    q: str = ""
    kind: str = ""
    differential: str = ""
    urgency: str = ""
    reviewed: str = ""  # "yes" (signed off as it stands), "no" (awaiting sign-off) or "changed" (since its sign-off)
    general: bool = False  # resting on general knowledge only
    never_fired: bool = False  # fired on no intake in the period counted

    @property
    def active(self) -> bool:
        """Whether anything narrows the list (then the matching groups are shown open)."""
        return bool(self.q.strip() or self.kind or self.differential or self.urgency or self.reviewed) or (
            self.general or self.never_fired
        )


@dataclass
class Group:
    """Rules under one heading (a differential, or red flags, investigations, caveats), with how many match."""

    key: str
    name: str
    total: int
    rules: list[Mapping[str, Any]] = field(default_factory=list)

    @property
    def count(self) -> int:
        """How many of the group's rules match the filters."""
        return len(self.rules)


def is_general_knowledge(item: Mapping[str, Any]) -> bool:
    """Whether a rule rests on general knowledge rather than a cited source (marked [GK] in its source)."""
    source = str(item.get("source") or "")
    return GENERAL_KNOWLEDGE in source or source.lower().startswith("general knowledge")


def review_state(item: Mapping[str, Any]) -> str:
    """A rule's clinical sign-off state: "signed", "changed" or "never" (the file's review date when none is known)."""
    state = item.get("signoff_state")
    if state:
        return str(state)
    return "signed" if item.get("reviewed") else "never"


def _review_matches(item: Mapping[str, Any], wanted: str) -> bool:
    state = review_state(item)
    return wanted == {"signed": "yes", "changed": "changed"}.get(state) or (wanted == "no" and state != "signed")


def matches_words(item: Mapping[str, Any], q: str) -> bool:
    """Whether every word of the search is in the rule's id, title, sentence, source or explanation (any case)."""
    text = " ".join(str(item.get(k) or "") for k in SEARCHED).lower().replace("_", " ")
    return all(word in text for word in q.lower().replace("_", " ").split())


def matches(item: Mapping[str, Any], filters: Filters) -> bool:
    """Whether a rule passes every facet and the word search."""
    checks = (
        not filters.kind or item.get("kind") == filters.kind,
        not filters.differential or item.get("differential") == filters.differential,
        not filters.urgency or item.get("urgency") == filters.urgency,
        not filters.reviewed or _review_matches(item, filters.reviewed),
        not filters.general or is_general_knowledge(item),
        not filters.never_fired or not item.get("fired"),
    )
    return all(checks) and matches_words(item, filters.q)


def group_rules(items: Sequence[Mapping[str, Any]], differentials: Sequence[tuple[str, str]], filters: Filters) -> list[Group]:
    """Groups in display order: one per differential (its weighing rules), then red flags, investigations, caveats."""
    groups = {key: Group(key, name, 0) for key, name in differentials}
    groups |= {kind: Group(kind, name, 0) for kind, name in SECTION_NAMES.items()}
    for item in items:
        key = str(item.get("differential") or "") if item.get("kind") == "differential" else str(item.get("kind"))
        group = groups.get(key)
        if group is None:
            continue
        group.total += 1
        if matches(item, filters):
            group.rules.append(item)
    return list(groups.values())


def facet_counts(items: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, int]]:
    """How many rules carry each facet value (over all rules, so a choice never reads as empty by surprise)."""
    counts: dict[str, dict[str, int]] = {"kind": {}, "urgency": {}, "reviewed": {"yes": 0, "no": 0}}
    for item in items:
        kind = str(item.get("kind"))
        counts["kind"][kind] = counts["kind"].get(kind, 0) + 1
        if item.get("urgency"):
            urgency = str(item["urgency"])
            counts["urgency"][urgency] = counts["urgency"].get(urgency, 0) + 1
        counts["reviewed"]["yes" if review_state(item) == "signed" else "no"] += 1
    counts["special"] = {
        "general": sum(1 for i in items if is_general_knowledge(i)),
        "never_fired": sum(1 for i in items if not i.get("fired")),
    }
    counts["changed"] = {"changed": sum(1 for i in items if review_state(i) == "changed")}
    return counts
