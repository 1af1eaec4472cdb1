"""Benchmark of the rules engine: ruleset load+compile, per-intake evaluation, and bulk re-evaluation.

Prints figures, never asserts. Targets on the reference 2-core machine: load and compile at most
50 ms; deciding which rules fire at most 50 us per intake (median); the fully explained result at
most 1 ms; 100 000 intakes re-evaluated in memory (fast path) in at most 5 s.
The synthetic intakes answer each shown question at random with plausible values, which makes
them busier than real intakes (about 40 rules fire each, several times more than usual).
Run: .venv/bin/python bench/engine.py
"""

from __future__ import annotations

import datetime as dt
import gc
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from triage.domain.engine.evaluate import Ruleset, evaluate, fired_rules, load_ruleset  # noqa: E402
from triage.domain.engine.ruleset import read_ruleset_documents  # noqa: E402
from triage.domain.questionnaire.derived import facts_for_rules  # noqa: E402
from triage.domain.questionnaire.synthetic import random_intake  # noqa: E402
from triage.paths import resource_dir  # noqa: E402

ON = dt.date(2026, 11, 1)
INTAKES = 10_000
BULK = 100_000


def timings_ms(action: Callable[[], Any], repeat: int) -> list[float]:
    """Wall-clock milliseconds of each of `repeat` runs."""
    results = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        results.append((time.perf_counter() - start) * 1000)
    return results


def per_intake_us(action: Callable[[dict[str, Any]], Any], intakes: list[dict[str, Any]]) -> list[float]:
    """Wall-clock microseconds of the action on each intake, sorted."""
    results = []
    for answers in intakes:
        start = time.perf_counter()
        action(answers)
        results.append((time.perf_counter() - start) * 1e6)
    return sorted(results)


def summary(values: list[float], unit: str) -> str:
    """Median and p99 of sorted values."""
    return f"median {statistics.median(values):8.1f} {unit}   p99 {values[int(len(values) * 0.99)]:8.1f} {unit}"


def bench_load() -> Ruleset:
    """Print load+compile figures and return the ruleset."""
    directory = resource_dir("rules")
    first = timings_ms(load_ruleset, 1)[0]
    loads = timings_ms(load_ruleset, 20)
    reads = timings_ms(lambda: read_ruleset_documents(directory), 20)
    ruleset = load_ruleset()
    print(
        f"ruleset {ruleset.version}: {len(ruleset.rules)} rules, {len(ruleset.plan.nodes)} condition nodes "
        f"({len(ruleset.plan.slot_nodes)} distinct), {len(ruleset.plan.facts)} facts read"
    )
    print(
        f"load + validate + compile: first {first:6.1f} ms   median {statistics.median(loads):6.1f} ms   "
        f"best {min(loads):6.1f} ms"
    )
    print(f"  of which reading the YAML files: median {statistics.median(reads):6.1f} ms")
    return ruleset


def main() -> None:
    """Run every measurement and print the figures."""
    ruleset = bench_load()
    rng = random.Random(20261101)
    intakes = [random_intake(ruleset.questionnaire, rng, ON) for _ in range(INTAKES)]
    fired = [len(fired_rules(ruleset, answers, ON)) for answers in intakes[:1000]]
    print(
        f"{INTAKES} synthetic intakes, {statistics.mean(len(a) for a in intakes):.0f} answers and "
        f"{statistics.mean(fired):.0f} fired rules on average"
    )
    gc.collect()
    facts = per_intake_us(lambda answers: facts_for_rules(answers, ON), intakes)
    print(f"derived facts only (facts_for_rules):   {summary(facts, 'us')}")
    fast = per_intake_us(lambda answers: fired_rules(ruleset, answers, ON), intakes)
    print(f"which rules fire (fired_rules):         {summary(fast, 'us')}")
    full = per_intake_us(lambda answers: evaluate(ruleset, answers, on=ON), intakes)
    print(f"full explained result (evaluate):       {summary(full, 'us')}")
    gc.collect()
    start = time.perf_counter()
    for i in range(BULK):
        fired_rules(ruleset, intakes[i % INTAKES], ON)
    bulk = time.perf_counter() - start
    print(f"re-evaluate {BULK} intakes in memory (which rules fire): {bulk:.2f} s ({bulk / BULK * 1e6:.1f} us each)")
    sparse = [random_intake(ruleset.questionnaire, rng, ON, answer_rate=0.3) for _ in range(2000)]
    sparse_us = per_intake_us(lambda answers: evaluate(ruleset, answers, on=ON), sparse)
    print(f"sparse intakes (30% answered), evaluate: {summary(sparse_us, 'us')}")


if __name__ == "__main__":
    main()
