"""The outcome of evaluating one intake, the one result model: written to JSON by to_dict and read back by from_dict."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from triage.domain.engine.ranking import first_ranked, needs_ranks, with_ranks
from triage.domain.engine.result_items import Caveat, DifferentialResult, Investigation, MissingQuestion, RedFlag
from triage.domain.engine.result_text import render_text
from triage.domain.errors import TriageError
from triage.domain.scales import Urgency

# The red-flag tiers, most urgent first, under the name the rules pages import (triage/web/rules/views.py).
URGENCY_ORDER: tuple[Urgency, ...] = Urgency.flag_tiers()
# The stored JSON's layout version. to_dict does not write it (the stored rows, and the golden files, must stay
# byte-identical), so rows without a "format" key are read as this version; from_dict refuses any other.
RESULT_FORMAT = 1


class ResultFormatError(TriageError):
    """A stored result could not be read back (it is not in the shape to_dict writes)."""


def _section(data: Mapping[str, Any], key: str) -> list[Any]:
    """One list of a stored result; an absent section is empty (rows written by hand, e.g. in tests, leave some out)."""
    value = data.get(key, [])
    if not isinstance(value, list):
        raise TypeError(f"'{key}' is not a list")
    return value


def _flag(data: Mapping[str, Any], key: str) -> bool:
    """A stored true/false; absent (older rows) is false."""
    value = data.get(key, False)
    if not isinstance(value, bool):
        raise TypeError(f"'{key}' is not true or false")
    return value


def _derived_version(stamp: Mapping[str, Any]) -> int | None:
    """The stored derived facts' version; absent (rows stored before it was recorded) is None."""
    value = stamp.get("derived_facts")
    if value is not None and (value.__class__ is not int or value < 1):
        raise TypeError(f"the ruleset's 'derived_facts' is not a version number but {value!r}")
    return value


@dataclass(frozen=True)
class Result:
    """Everything the rules concluded for one intake, pinned to the ruleset version and hash."""

    ruleset_version: str
    ruleset_sha256: str
    evaluated_on: str
    red_flags: tuple[RedFlag, ...]
    differentials: tuple[DifferentialResult, ...]
    investigations: tuple[Investigation, ...]
    caveats: tuple[Caveat, ...]
    missing: tuple[MissingQuestion, ...]
    note: str
    fired_rules: tuple[str, ...]
    # Fewer of the questions the rules read were answered than the ruleset's min_answered_questions.
    answers_too_few: bool = False
    # The derived facts' version that computed what the rules read (None: stored before the version was recorded).
    derived_facts_version: int | None = None

    @property
    def top_differential(self) -> str | None:
        """The id of the first differential in the stored order, unless it is held back by a red flag (see ranked_first)."""
        if not self.differentials or self.differentials[0].held_back:
            return None
        return self.differentials[0].id

    @property
    def ranked_first(self) -> tuple[str, ...]:
        """Every differential ranked first: one, or several when tied (none when the first is held back)."""
        return first_ranked(self.differentials)

    @property
    def grouped_red_flags(self) -> tuple[RedFlag, ...]:
        """The red flags as presented: each group's leading flag (its `also` names the others) and ungrouped flags."""
        return tuple(flag for flag in self.red_flags if flag.leads)

    @property
    def suggested_investigations(self) -> tuple[Investigation, ...]:
        """The tests suggested now (the deferred elective ones left out)."""
        return tuple(i for i in self.investigations if not i.deferred)

    @property
    def deferred_investigations(self) -> tuple[Investigation, ...]:
        """Elective tests held over until the emergency red flag is dealt with."""
        return tuple(i for i in self.investigations if i.deferred)

    @property
    def top_urgency(self) -> str | None:
        """The most urgent red flag's urgency (emergency, urgent, soon) as stored in a column, or None."""
        return self.red_flags[0].urgency.value if self.red_flags else None

    @property
    def ruleset_stamp(self) -> dict[str, Any]:
        """What made this result: the ruleset's version and hash, and the derived facts' version when recorded."""
        stamp: dict[str, Any] = {"version": self.ruleset_version, "hash": self.ruleset_sha256}
        # Left out when unknown, so that a result stored before the version was recorded reads back byte-identical.
        if self.derived_facts_version is not None:
            stamp["derived_facts"] = self.derived_facts_version
        return stamp

    def to_dict(self) -> dict[str, Any]:
        """The JSON stored with the intake and printed by `triage rules evaluate --json`."""
        return {
            "ruleset": self.ruleset_stamp,
            "evaluated_on": self.evaluated_on,
            "red_flags": [r.to_dict() for r in self.red_flags],
            "differentials": [d.to_dict() for d in self.differentials],
            "investigations": [i.to_dict() for i in self.investigations],
            "caveats": [c.to_dict() for c in self.caveats],
            "missing": [m.to_dict() for m in self.missing],
            "note": self.note,
            "fired_rules": list(self.fired_rules),
            "answers_too_few": self.answers_too_few,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Result:
        """Read back a stored result, with or without a "format" key; ResultFormatError when it is not in to_dict's shape."""
        if not isinstance(data, Mapping):
            raise ResultFormatError(f"the stored result is not a mapping but {type(data).__name__}")
        if data.get("format", RESULT_FORMAT) != RESULT_FORMAT:
            raise ResultFormatError(
                f"the stored result has format {data.get('format')!r}; this version reads format {RESULT_FORMAT}"
            )
        try:
            differentials = tuple(DifferentialResult.from_dict(d) for d in _section(data, "differentials"))
            return cls(
                ruleset_version=str(data["ruleset"]["version"]),
                ruleset_sha256=str(data["ruleset"]["hash"]),
                evaluated_on=str(data.get("evaluated_on", "")),
                red_flags=tuple(RedFlag.from_dict(r) for r in _section(data, "red_flags")),
                # Rows stored before ranks were written: ranks and ties follow from the stored order and scores.
                differentials=with_ranks(differentials) if needs_ranks(differentials) else differentials,
                investigations=tuple(Investigation.from_dict(i) for i in _section(data, "investigations")),
                caveats=tuple(Caveat.from_dict(c) for c in _section(data, "caveats")),
                missing=tuple(MissingQuestion.from_dict(m) for m in _section(data, "missing")),
                note=str(data.get("note", "")),
                fired_rules=tuple(str(r) for r in _section(data, "fired_rules")),
                answers_too_few=_flag(data, "answers_too_few"),
                derived_facts_version=_derived_version(data["ruleset"]),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise ResultFormatError(f"the stored result is not in the expected shape ({type(error).__name__}: {error})") from None

    def to_text(self) -> str:
        """A plain-text summary a clinician can read without knowing the engine."""
        return render_text(self)
