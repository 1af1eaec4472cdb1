"""What a derived fact is: a named value computed in code from the answers, and the types its computation uses."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from triage.domain.questionnaire.values import Answer

Facts = Mapping[str, Answer]
DerivedValue = int | float | bool | str | None
Compute = Callable[[Facts, dt.date], DerivedValue]


@dataclass(frozen=True)
class DerivedFact:
    """A fact computed in code from the answers, named so rules can use it.

    `reads` lists every question it reads, in either questionnaire version.
    """

    id: str
    type: str  # "number", "boolean" or "single"
    unit: str
    label: str
    compute: Compute
    choices: tuple[str, ...] = ()
    reads: tuple[str, ...] = ()
