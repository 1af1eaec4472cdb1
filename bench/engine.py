"""Benchmark of the rules engine: ruleset load+compile, per-intake evaluation, and bulk re-evaluation.

Prints figures, never asserts. Targets on the reference 2-core machine: validating and compiling a
ruleset at most 50 ms; deciding which rules fire from answers within 3x of the floor measured in the
same run (hand-written look-ups of every distinct comparison over the same facts: one dict look-up and
one equality test each, the least any evaluator of these rules must do), timed interleaved intake by
intake; the fully explained result at most 1 ms at p99, printed at p50/p95/p99 beside its floor (deciding
which rules fire plus building the same result objects from its stored JSON, Result.from_dict), by wall
clock and by the process's CPU time (time.process_time, which leaves out waiting for a core).
The synthetic intakes answer each shown question at random with plausible values, which makes
them busier than real intakes (about 40 rules fire each, several times more than usual).
Run: .venv/bin/python bench/engine.py
"""

from __future__ import annotations

import datetime as dt
import functools
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

from triage.domain.engine.evaluate import (  # noqa: E402
    Result,
    Ruleset,
    evaluate,
    fired_rules,
    load_ruleset,
    load_ruleset_from_documents,
    read_ruleset_documents,
)
from triage.domain.engine.gap_pass import build_gap_pass  # noqa: E402
from triage.domain.engine.nodes import Compare  # noqa: E402
from triage.domain.engine.plan import compile_plan  # noqa: E402
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


def summary(values: list[float], unit: str) -> str:
    """Median and p99 of sorted values."""
    return f"median {statistics.median(values):8.1f} {unit}   p99 {values[int(len(values) * 0.99)]:8.1f} {unit}"


def explained(
    name: str, action: Callable[[Any], Any], floor: Callable[[Any], Any], inputs: list[Any], floor_inputs: list[Any]
) -> None:
    """Print an action's p50/p95/p99 beside its floor's, timed interleaved, by wall clock and by CPU time: the
    wall-clock p99 of a busy machine is mostly time this process waited for a core, which CPU time leaves out."""
    for clock, label in ((time.perf_counter, "wall"), (time.process_time, "CPU ")):
        gc.collect()
        timed = interleaved_us({"action": action, "floor": floor}, {"action": inputs, "floor": floor_inputs}, clock)
        ratio = statistics.median(timed["action"]) / statistics.median(timed["floor"])
        print(f"{name:<28}{label} {percentiles(timed['action'])}   floor {percentiles(timed['floor'])}   {ratio:4.2f}x")


def percentiles(values: list[float]) -> str:
    """p50, p95 and p99 of sorted microsecond values."""
    return " ".join(f"p{p} {values[min(len(values) - 1, len(values) * p // 100)]:7.1f}" for p in (50, 95, 99)) + " us"


def bench_load() -> Ruleset:
    """Print load+compile figures and return the ruleset."""
    directory = resource_dir("rules")
    documents = read_ruleset_documents(directory)
    first = timings_ms(lambda: load_ruleset_from_documents(documents), 1)[0]
    compiles, loads, reads = [], [], []
    for _ in range(20):  # interleaved, so a busy moment of the machine hits all three alike
        compiles += timings_ms(lambda: load_ruleset_from_documents(documents), 1)
        loads += timings_ms(load_ruleset, 1)
        reads += timings_ms(lambda: read_ruleset_documents(directory), 1)
    ruleset = load_ruleset()
    print(
        f"ruleset {ruleset.version}: {len(ruleset.rules)} rules, {len(ruleset.plan.nodes)} condition nodes "
        f"({len(ruleset.plan.slot_nodes)} distinct), {len(ruleset.plan.facts)} facts read, "
        f"{len(ruleset.derived)} derived facts computed"
    )
    print(
        f"validate + compile from parsed documents (as from the database): first {first:6.1f} ms   "
        f"median {statistics.median(compiles):6.1f} ms (target <= 50 ms)"
    )
    print(
        f"  from the YAML files: median {statistics.median(loads):6.1f} ms, "
        f"of which reading the YAML: median {statistics.median(reads):6.1f} ms"
    )
    kinds = {fact_id: fact.kind for fact_id, fact in ruleset.facts.items()}
    conditions = [(rule.id, rule.when) for rule in ruleset.rules]
    plans, every_node = [], []
    for _ in range(5):  # a fresh plan each time, so its every-node function is built, not taken from its cache
        plans += timings_ms(lambda: compile_plan(conditions, kinds), 1)
        fresh = compile_plan(conditions, kinds)
        every_node += timings_ms(functools.partial(fresh.run, {}), 1)
    gaps = timings_ms(lambda: build_gap_pass(ruleset.plan), 5)
    print(
        "  of which compiling the plan (numbering, distinct nodes, the function deciding which rules fire): "
        f"median {statistics.median(plans):6.1f} ms"
    )
    print(
        f"  built on a plan's first explained evaluation, once per process: the every-node function, median "
        f"{statistics.median(every_node):6.1f} ms"
    )
    print(f"  built on a plan's first blank, once per process: the gap pass, median {statistics.median(gaps):6.1f} ms")
    return ruleset


def leaf_floor(ruleset: Ruleset, distinct: bool = True) -> Callable[[dict[str, Any]], list[bool]]:
    """The floor: each comparison of the ruleset as one look-up and one equality test, written by hand.

    distinct=True: each distinct comparison once (the least any evaluator must do); False: every comparison as the
    rules write it, shared ones repeated (what hand-written rules, one function each, would look up).
    """
    nodes = ruleset.plan.slot_nodes if distinct else ruleset.plan.nodes
    leaves = [(node.fact, node.value) for node in nodes if isinstance(node, Compare)]

    def look_up(facts: dict[str, Any]) -> list[bool]:
        get = facts.get
        return [get(fact) == value for fact, value in leaves]

    return look_up


def interleaved_us(
    actions: dict[str, Callable[[Any], Any]], inputs: dict[str, list[Any]], clock: Callable[[], float] = time.perf_counter
) -> dict[str, list[float]]:
    """Microseconds of each action on each intake (by the clock given), the actions taken in turn per intake (order rotating)."""
    names = list(actions)
    results: dict[str, list[float]] = {name: [] for name in names}
    for i in range(len(next(iter(inputs.values())))):
        for name in names[i % len(names) :] + names[: i % len(names)]:
            argument = inputs[name][i]
            start = clock()
            actions[name](argument)
            results[name].append((clock() - start) * 1e6)
    return {name: sorted(values) for name, values in results.items()}


def floor_of_explained(ruleset: Ruleset, intakes: list[dict[str, Any]]) -> Callable[[dict[str, Any]], Any]:
    """The explained result's floor: which rules fire, plus the result's objects built from its stored JSON."""
    stored = {id(answers): evaluate(ruleset, answers, on=ON).to_dict() for answers in intakes}

    def floor(answers: dict[str, Any]) -> Any:
        return fired_rules(ruleset, answers, ON), Result.from_dict(stored[id(answers)])

    return floor


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
    evaluate(ruleset, random_intake(ruleset.questionnaire, rng, ON, answer_rate=0.3), on=ON)  # builds the gap pass
    facts = [ruleset.facts_of(answers, ON) for answers in intakes]
    floor, every_leaf = leaf_floor(ruleset), leaf_floor(ruleset, distinct=False)
    gc.collect()
    timed = interleaved_us(
        {
            "floor": floor,
            "every leaf": every_leaf,
            "from facts": ruleset.plan.fired,
            "from answers": lambda answers: fired_rules(ruleset, answers, ON),
            "derived facts": lambda answers: ruleset.facts_of(answers, ON),
        },
        {"floor": facts, "every leaf": facts, "from facts": facts, "from answers": intakes, "derived facts": intakes},
    )
    base, leaves = statistics.median(timed["floor"]), statistics.median(timed["every leaf"])
    print(f"floor (hand-written look-ups of the {len(floor(facts[0]))} distinct comparisons): {summary(timed['floor'], 'us')}")
    print(f"  the same for every comparison as written ({len(every_leaf(facts[0]))}):  {summary(timed['every leaf'], 'us')}")
    for name in ("derived facts", "from facts", "from answers"):
        median = statistics.median(timed[name])
        print(
            f"which rules fire, {name:<14} {summary(timed[name], 'us')}   {median / base:5.2f}x the floor "
            f"({median / leaves:4.2f}x every comparison)"
        )
    print("  (target: from answers within 3x)")
    print("full explained result (evaluate), floor: deciding which rules fire + Result.from_dict of the same result")
    explained(
        "  full intakes, evaluate:",
        lambda answers: evaluate(ruleset, answers, on=ON),
        floor_of_explained(ruleset, intakes),
        intakes,
        intakes,
    )
    sparse = [random_intake(ruleset.questionnaire, rng, ON, answer_rate=0.3) for _ in range(2000)]
    explained(
        "  sparse (30% answered):",
        lambda answers: evaluate(ruleset, answers, on=ON),
        floor_of_explained(ruleset, sparse),
        sparse,
        sparse,
    )
    print("  (target: the full explained result under 1000 us at p99)")
    gc.collect()
    start = time.perf_counter()
    for i in range(BULK):
        fired_rules(ruleset, intakes[i % INTAKES], ON)
    bulk = time.perf_counter() - start
    print(f"re-evaluate {BULK} intakes in memory (which rules fire): {bulk:.2f} s ({bulk / BULK * 1e6:.1f} us each)")


if __name__ == "__main__":
    main()
