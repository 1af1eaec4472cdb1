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
    @property
    def answers_too_few(self) -> bool: ...


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


TOO_FEW_WORDS = (
    "TOO FEW ANSWERS for a reliable suggestion: the patient answered fewer of the questions the rules read than the"
    " ruleset's minimum. Read what follows as incomplete and take the history at the visit."
)


def _differential(d: DifferentialResult) -> list[str]:
    tie = " (tied)" if d.tied else ""
    lines = _wrap(f"{d.rank_label}. {d.name}{tie}: {_LEVEL_WORDS.get(d.level, d.level)} (score {d.score})", "  ")
    if d.held_back:
        lines += _wrap(
            "Held back: listed after the conditions not held back because an alarm feature above stands;"
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
        if flag.under:
            continue  # shown under the flag that leads its group
        lines += _wrap(f"[{_URGENCY_WORDS.get(flag.urgency, flag.urgency)}] {flag.title}", "  ")
        lines += _wrap(f"Action: {flag.action}", "     ")
        lines += _wrap(f"Why: {flag.explanation}", "     ")
        if flag.because:
            lines.append("     Because the patient answered:")
            lines += _answers(flag.because, "       ")
        lines += _wrap(f"Source: {flag.source} [rule {flag.id}]", "     ")
        for other in flag.also:
            lines += _wrap(f"also: {other.title} ({other.urgency.value}) [rule {other.id}]", "     ")
    return lines + [""]


def _tests(investigations: list[Investigation]) -> list[str]:
    lines: list[str] = []
    for inv in investigations:
        lines += _wrap(f"* {inv.test}", "  ")
        for why in inv.why:
            lines += _wrap(f"why: {why}", "      ")
        if inv.because:
            lines.append("      For this patient:")
            lines += _answers(inv.because, "        ")
        lines += _wrap(f"[rules {', '.join(inv.rules)}]", "      ")
    return lines


def _missing(missing: MissingQuestion) -> list[str]:
    unsure = ' (answered "not sure")' if missing.unsure else ""
    return _wrap(f"? {missing.label}{unsure} [{missing.question}; rules {', '.join(missing.rules)}]", "  ")


def render_text(result: Readable) -> str:
    """The whole result as plain text, most important first."""
    lines = [
        "TRIAGE SUMMARY - decision support for the clinician, not a diagnosis",
        f"Ruleset {result.ruleset_version} (sha256 {result.ruleset_sha256[:12]}), evaluated on {result.evaluated_on}",
        "",
    ]
    if result.answers_too_few:
        lines += [*_wrap(TOO_FEW_WORDS, ""), ""]
    lines += _red_flags(result)
    lines.append("CONDITIONS TO CONSIDER (highest level, then score, first; '=' marks a tie)")
    if not result.differentials:
        lines.append("  No rule pointed to any of the conditions the ruleset weighs up.")
    for d in result.differentials:
        lines += _differential(d)
    suggested = [i for i in result.investigations if not i.deferred]
    deferred = [i for i in result.investigations if i.deferred]
    lines += ["", "TESTS TO CONSIDER"]
    if not suggested:
        lines.append("  None suggested by the rules.")
    lines += _tests(suggested)
    if deferred:
        lines += ["", "TESTS DEFERRED UNTIL THE EMERGENCY IS DEALT WITH (elective)", *_tests(deferred)]
    lines += ["", "CAVEATS ABOUT TESTS (medicines and diet that change results)"]
    if not result.caveats:
        lines.append("  None.")
    for caveat in result.caveats:
        lines += _wrap(f"! {caveat.title}: {caveat.explanation}", "  ")
        if caveat.because:
            lines.append("      Because the patient answered:")
            lines += _answers(caveat.because, "        ")
        lines += _wrap(f"Source: {caveat.source} [rule {caveat.id}]", "      ")
    lines += ["", 'ASK ABOUT THIS AT THE VISIT (left unanswered or answered "not sure", and it would change a rule\'s outcome)']
    if not result.missing:
        lines.append("  Nothing.")
    for missing in result.missing:
        lines += _missing(missing)
    lines += ["", "NOTE", *_wrap(result.note, "  ")]
    return "\n".join(lines) + "\n"
