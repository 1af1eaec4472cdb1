"""Clinicians' coded feedback counted for the rules editors: by reason per differential, per version, old feedback too."""

from __future__ import annotations

from triage.domain.governance.feedback_counts import FeedbackCount, summary, tally


def test_a_tally_counts_each_reason_and_the_uncoded_disagreements_of_old_feedback() -> None:
    counts = [
        FeedbackCount("ibs", "2026.1", True, None, 4),
        FeedbackCount("ibs", "2026.1", False, "already_done", 1),
        FeedbackCount("ibs", "2026.2", False, None, 2),  # before reason codes
        FeedbackCount("ibs", "2026.2", False, "retired_code", 1),
    ]
    every = tally(counts)["ibs"]
    assert (every.total, every.disagree, every.by_column) == (8, 4, {"agree": 4, "already_done": 1, "uncoded": 3})
    assert tally(counts, "2026.1")["ibs"].total == 5 and "ibs" not in tally(counts, "2025.9")
    assert summary(tally(counts), "ibs") == "4 agree; Already done or already known 1, Disagreed (no reason code) 3"
    assert summary(tally(counts[:1]), "ibs") == "4 agree; none disagree" and summary(tally(counts), "gerd") == ""
