"""Printing bench/questionnaire.py's figures as a table: every version side by side, then medians and targets."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def _row(key: str, data: Mapping[str, Any]) -> str:
    cells = [f"{key:<18}"]
    for version in data["versions"]:
        f = data["versions"][version]["personas"][key]
        cells.append(
            f"{f['questions']:>4} {f['pages']:>3} {f['words']:>5} {f['closed']:>4} {f['free_text']:>3} {f['minutes']:>5.1f}"
        )
    return " | ".join(cells)


def print_table(data: Mapping[str, Any]) -> None:
    """The figures as a side-by-side table, then the medians and the targets."""
    model = data["model"]
    print(
        f"Model: reading {model['words_per_minute']} words/min + {model['closed_answer_s']} s per closed answer"
        f" + {model['free_text_answer_s']} s per free-text answer (a table row counts as one)"
        f" + {model['page_load_s']} s per page; {model['grid']}; an answer from the invitation is"
        f" {model['from_invitation']}"
    )
    versions = list(data["versions"])
    head = " | ".join([f"{'':<18}", *(f"{v:^30}" for v in versions)])
    sub = " | ".join(
        [f"{'persona':<18}", *([f"{'qs':>4} {'pg':>3} {'words':>5} {'clsd':>4} {'txt':>3} {'min':>5}"] * len(versions))]
    )
    print(head, sub, "-" * len(sub), sep="\n")
    for key in data["personas"]:
        print(_row(key, data))
    print()
    fourteen = data["fourteen_symptom_persona"]
    for version, figures in data["versions"].items():
        median, claim = figures["median_persona"], figures["estimated_minutes"]
        print(f"{version}: median persona {median} ({data['personas'][median]}); median of all: "
              f"{figures['median_minutes']} min, {figures['median_questions']} questions; claim {claim or 'none'}")  # fmt: skip
        print(f"  median persona:     {_row(median, data)}")
        print(f"  14-symptom persona: {_row(fourteen, data)}")
        for key in (median, fourteen):
            by_step = sorted(figures["personas"][key]["words_by_step"].items(), key=lambda item: -item[1])
            f = figures["personas"][key]
            split = (
                f["words"] / model["words_per_minute"],
                f["closed"] * model["closed_answer_s"] / 60,
                f["free_text"] * model["free_text_answer_s"] / 60,
                f["pages"] * model["page_load_s"] / 60,
            )
            print(f"  {key}: reading {split[0]:.1f} min, closed answers {split[1]:.1f}, free text {split[2]:.1f},"
                  f" page loads {split[3]:.1f}")  # fmt: skip
            print("    words by page: " + ", ".join(f"{step} {words}" for step, words in by_step))
    print()
    by_kind: dict[str, list[str]] = {}
    for key, details in data["invitations"].items():
        by_kind.setdefault(" and ".join(details) or "nothing", []).append(key)
    print("Invitations hold: " + "; ".join(f"{kind}: {', '.join(keys)}" for kind, keys in by_kind.items()))
    bare = data["versions"][data["current"]]["without_invitation_details"]
    print(f"{data['current']} if no invitation held a detail: median persona {bare['median_persona']}"
          f" {bare['median_persona_minutes']} min; 14-symptom persona {bare['fourteen_symptom_minutes']} min")  # fmt: skip
    print()
    for entry in data["versions"][data["current"]]["targets"]:
        mark = "met" if entry["met"] else "MISSED"
        print(f"{data['current']} target {entry['target']}: {entry['value']} (needs {entry['limit']}): {mark}")
