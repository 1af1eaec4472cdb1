"""The scales every layer shares, each defined once: red-flag urgency and a differential's level of suspicion."""

from __future__ import annotations

from enum import StrEnum


class Urgency(StrEnum):
    """How soon a red flag must be acted on, most urgent first; NONE is an intake without red flags."""

    EMERGENCY = "emergency"
    URGENT = "urgent"
    SOON = "soon"
    NONE = "none"

    @property
    def rank(self) -> int:
        """0 for the most urgent tier; sorting by rank puts emergencies first."""
        return _URGENCY_RANKS[self]

    @property
    def label(self) -> str:
        """The word staff read on the worklist and the summary."""
        return "No red flags" if self is Urgency.NONE else self.value.capitalize()

    @classmethod
    def flag_tiers(cls) -> tuple[Urgency, ...]:
        """The tiers a red-flag rule may carry (every tier but NONE)."""
        return (cls.EMERGENCY, cls.URGENT, cls.SOON)

    @classmethod
    def rank_of(cls, value: str) -> int:
        """The rank of a stored value; an unknown value sorts after every known tier."""
        try:
            return cls(value).rank
        except ValueError:
            return len(cls)


class Level(StrEnum):
    """A differential's level of suspicion, highest first."""

    HIGH = "high"
    MODERATE = "moderate"
    LOW = "low"
    MINIMAL = "minimal"

    @property
    def rank(self) -> int:
        """0 for the highest level."""
        return _LEVEL_RANKS[self]

    @property
    def label(self) -> str:
        """The word clinicians read."""
        return self.value.capitalize()

    @property
    def suggested(self) -> bool:
        """Whether the rules suggest the differential at all (low or above; minimal is below every threshold)."""
        return self is not Level.MINIMAL

    @classmethod
    def reached(cls, score: int, low: int, moderate: int, high: int) -> Level:
        """The level a score reaches against a differential's three thresholds."""
        if score >= high:
            return cls.HIGH
        if score >= moderate:
            return cls.MODERATE
        return cls.LOW if score >= low else cls.MINIMAL


# Ranks by declaration order, worked out once (listing an enum's members on every comparison is slow).
_URGENCY_RANKS = {tier: i for i, tier in enumerate(Urgency)}
_LEVEL_RANKS = {level: i for i, level in enumerate(Level)}
