"""A plain-text rendering of a Result that a clinician can read without knowing the engine."""

from __future__ import annotations

import textwrap
from typing import Protocol

from triage.domain.engine.result_items import (
    Caveat,
    DifferentialResult,
    Finding,
    Investigation,
    MatchedAnswer,
    MissingQuestion,
    RedFlag,
)
from triage.domain.scales import Level, Urgency

WIDTH = 100
# Words of this text summary only; the tiers themselves are triage.domain.scales.
_URGENCY_WORDS: dict[Urgency, str] = {
    Urgency.EMERGENCY: "EMERGENCY - same-day emergency assessment",
    Urgency.URGENT: "URGENT - prompt specialist review or urgent investigation",
    Urgency.SOON: "FLAG - lowers the threshold for investigation",
}
_LEVEL_WORDS: dict[Level, str] = {
    Level.HIGH: "high suspicion",
    Level.MODERATE: "moderate suspicion",
    Level.LOW: "low suspicion",
    Level.MINIMAL: "below the low-suspicion threshold",
}


class Readable(Protocol):
    """What the summary reads of a Result (declared here so this module need not import result.py, which uses it)."""

    @property
    def ruleset_version(self) -> str: ...
    @property
    def ruleset_sha256(self) -> str: ...
    @property
    def evaluated_on(self) -> str: ...
    @property
    def red_flags(self) -> tuple[RedFlag, ...]: ...
    @property
    def differentials(self) -> tuple[DifferentialResult, ...]: ...
    @property
    def investigations(self) -> tuple[Investigation, ...]: ...
    @property
    def caveats(self) -> tuple[Caveat, ...]: ...
    @property
    def missing(self) -> tuple[MissingQuestion, ...]: ...
    @property
    def note(self) -> str: ...


def _wrap(text: str, indent: str) -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=indent + "  ") or [indent]


def _answers(answers: tuple[MatchedAnswer, ...], indent: str) -> list[str]:
    lines: list[str] = []
    for a in answers:
        lines += _wrap(f'{a.label} -> "{a.answer}"', indent)
    return lines


def _finding(finding: Finding, sign: str, indent: str) -> list[str]:
    lines = _wrap(f"{sign} {finding.title} ({finding.weight:+d}): {finding.explanation}", indent)
    if finding.answers:
        lines.append(f"{indent}    Patient's answers:")
        lines += _answers(finding.answers, indent + "      ")
    lines += _wrap(f"Source: {finding.source} [rule {finding.rule}]", indent + "    ")
    return lines


def _differential(rank: int, d: DifferentialResult) -> list[str]:
    lines = _wrap(f"{rank}. {d.name}: {_LEVEL_WORDS.get(d.level, d.level)} (score {d.score})", "  ")
    if d.held_back:
        lines += _wrap(
            "Ranked after the other conditions because an alarm feature above stands:"
            " it must not be taken as the explanation until that is dealt with.",
            "     ",
        )
    lines += _wrap(d.description, "     ")
    if d.findings_for:
        lines.append("     Findings for:")
        for f in d.findings_for:
            lines += _finding(f, "+", "       ")
    if d.findings_against:
        lines.append("     Findings against:")
        for f in d.findings_against:
            lines += _finding(f, "-", "       ")
    return lines


def _red_flags(result: Readable) -> list[str]:
    if not result.red_flags:
        return ["ALARM FEATURES", "  None of the alarm features the rules look for was reported.", ""]
    lines = ["ALARM FEATURES (most urgent first; these come before any ranking below)"]
    for flag in result.red_flags:
        lines += _wrap(f"[{_URGENCY_WORDS.get(flag.urgency, flag.urgency)}] {flag.title}", "  ")
        lines += _wrap(f"Action: {flag.action}", "     ")
        lines += _wrap(f"Why: {flag.explanation}", "     ")
        if flag.because:
            lines.append("     Because the patient answered:")
            lines += _answers(flag.because, "       ")
        lines += _wrap(f"Source: {flag.source} [rule {flag.id}]", "     ")
    return lines + [""]


def render_text(result: Readable) -> str:
    """The whole result as plain text, most important first."""
    lines = [
        "TRIAGE SUMMARY - decision support for the clinician, not a diagnosis",
        f"Ruleset {result.ruleset_version} (sha256 {result.ruleset_sha256[:12]}), evaluated on {result.evaluated_on}",
        "",
    ]
    lines += _red_flags(result)
    lines.append("CONDITIONS TO CONSIDER (highest score first)")
    if not result.differentials:
        lines.append("  No rule pointed to any of the conditions the ruleset weighs up.")
    for rank, d in enumerate(result.differentials, start=1):
        lines += _differential(rank, d)
    lines += ["", "TESTS TO CONSIDER"]
    if not result.investigations:
        lines.append("  None suggested by the rules.")
    for inv in result.investigations:
        lines += _wrap(f"* {inv.test}", "  ")
        for why in inv.why:
            lines += _wrap(f"why: {why}", "      ")
        lines += _wrap(f"[rules {', '.join(inv.rules)}]", "      ")
    lines += ["", "CAVEATS ABOUT TESTS (medicines and diet that change results)"]
    if not result.caveats:
        lines.append("  None.")
    for caveat in result.caveats:
        lines += _wrap(f"! {caveat.title}: {caveat.explanation}", "  ")
        if caveat.because:
            lines.append("      Because the patient answered:")
            lines += _answers(caveat.because, "        ")
        lines += _wrap(f"Source: {caveat.source} [rule {caveat.id}]", "      ")
    lines += ["", "ASK ABOUT THIS AT THE VISIT (left unanswered, and it would change a rule's outcome)"]
    if not result.missing:
        lines.append("  Nothing.")
    for missing in result.missing:
        lines += _wrap(f"? {missing.label} [{missing.question}; rules {', '.join(missing.rules)}]", "  ")
    lines += ["", "NOTE", *_wrap(result.note, "  ")]
    return "\n".join(lines) + "\n"
