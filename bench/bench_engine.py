"""Benchmark (not a test): the procedure engine's deadlines for a case, per seed procedure.

    .venv/bin/python bench/bench_engine.py [--cases 2000] [--rounds 7] [--profile KEY]

For each procedure in ``escalate/procedures/library/`` it makes ``--cases`` cases (fixed
random seed): the concern arising on a day from 2025 to 2030, at a random stage, each
stage begun up to 8 days after the one before, in a calendar of the procedure's region
with a few extra days off and two worked bank holidays. A case's deadlines are every
stage's deadlines (:func:`stage_deadlines`, every due date read) and the current
stage's act-by (:func:`act_by`). It times, per case:

- deadlines: the due dates only, explanations never read (the dashboard, the sweep);
- full: the same and every explanation read, as the case page shows them;

each *warm* (what the engine keeps between calls, as in a running server: the
calendar's years and each stage's deadlines by the days they count from) and *cold*
(nothing kept but the calendar's years: every case worked out afresh).

Machines here are shared and noisy, so each figure is the best of ``--rounds`` rounds of
CPU time (``time.process_time``), each round timing, one after another, a trivial loop
over the same cases (one attribute read and a sum per case) and every path; ``x base``
is a path's cases per second over the trivial loop's, in the same round, comparable
between machines. The target is 100,000 cases a second, deadlines, warm and cold.

``--profile KEY`` runs cProfile over the cold paths of one procedure instead.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import pstats
import random
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from escalate.procedures import engine, library  # noqa: E402
from escalate.procedures.calendar import WorkingCalendar  # noqa: E402
from escalate.procedures.deadlines import forget_kept  # noqa: E402
from escalate.procedures.model import Procedure  # noqa: E402

TARGET = 100_000


def make_cases(procedure: Procedure, n: int, rng: random.Random) -> list[engine.CaseFacts]:
    first = dt.date(2025, 1, 1).toordinal()
    last = dt.date(2030, 12, 31).toordinal()
    cases = []
    for _ in range(n):
        arose = dt.date.fromordinal(rng.randint(first, last))
        current = rng.randint(1, len(procedure.stages))
        started = {1: arose}
        concluded = {}
        day = arose
        for number in range(2, current + 1):
            day += dt.timedelta(days=rng.randint(0, 8))
            started[number] = day
            concluded[number - 1] = day
        cases.append(
            engine.CaseFacts(
                arose=arose,
                stage_started=started,
                current_stage=current,
                stage_concluded=concluded,
            )
        )
    return cases


def calendar_for(procedure: Procedure) -> WorkingCalendar:
    extra = [dt.date(y, 12, 24) for y in range(2025, 2032)]
    worked = [dt.date(2027, 8, 30), dt.date(2029, 8, 27)]  # summer bank holidays
    return WorkingCalendar.for_region(procedure.region, extra, worked)


def deadlines_only(
    procedure: Procedure, calendar: WorkingCalendar, cases: Sequence[engine.CaseFacts]
) -> int:
    found = 0
    for facts in cases:
        for stage in engine.stage_deadlines(
            procedure, calendar, arose=facts.arose, stage_started=facts.stage_started
        ):
            for d in (stage.start_by, stage.conclude_by, *stage.other):
                if d is not None and d.due is not None:
                    found += 1
        act = engine.act_by(procedure, calendar, facts, facts.current_stage)
        if act is not None and act.due is not None:
            found += 1
    return found


def full(procedure: Procedure, calendar: WorkingCalendar, cases: Sequence[engine.CaseFacts]) -> int:
    size = 0
    for facts in cases:
        for stage in engine.stage_deadlines(
            procedure, calendar, arose=facts.arose, stage_started=facts.stage_started
        ):
            for d in (stage.start_by, stage.conclude_by, *stage.other):
                if d is not None:
                    size += len(d.explanation)
        act = engine.act_by(procedure, calendar, facts, facts.current_stage)
        if act is not None:
            size += len(act.explanation)
    return size


def baseline(
    procedure: Procedure, calendar: WorkingCalendar, cases: Sequence[engine.CaseFacts]
) -> int:
    total = 0
    for facts in cases:
        total += facts.current_stage
    return total


Run = Callable[[Procedure, WorkingCalendar, Sequence[engine.CaseFacts]], int]
PATHS: dict[str, tuple[Run, bool]] = {
    "deadlines warm": (deadlines_only, False),
    "deadlines cold": (deadlines_only, True),
    "full warm": (full, False),
    "full cold": (full, True),
}
#: The order of a round: each warm run after a run of the same path that kept what it
#: worked out.
ORDER = ("full cold", "full warm", "deadlines cold", "deadlines warm")
#: Passes of the trivial loop over the cases in one timing, so that it takes long enough
#: to time.
BASE_PASSES = 50


def baseline_passes(
    procedure: Procedure, calendar: WorkingCalendar, cases: Sequence[engine.CaseFacts]
) -> int:
    total = 0
    for _ in range(BASE_PASSES):
        total += baseline(procedure, calendar, cases)
    return total


def seconds(
    run: Run,
    procedure: Procedure,
    calendar: WorkingCalendar,
    cases: Sequence[engine.CaseFacts],
    cold: bool,
) -> float:
    """CPU seconds for one run over every case; cold: with nothing kept from before."""
    if cold:
        forget_kept()
    began = time.process_time()
    run(procedure, calendar, cases)
    return time.process_time() - began


def measure(procedure: Procedure, n: int, seed: int, rounds: int) -> dict[str, float]:
    """Best cases per second of each path and of the trivial loop ("base")."""
    calendar = calendar_for(procedure)
    cases = make_cases(procedure, n, random.Random(seed))  # noqa: S311 - made-up data
    full(procedure, calendar, cases)  # the calendar's years, and a first run of each path
    best = {name: float("inf") for name in ("base", *PATHS)}
    for _ in range(rounds):
        spent = seconds(baseline_passes, procedure, calendar, cases, False) / BASE_PASSES
        best["base"] = min(best["base"], spent)
        for name in ORDER:
            run, cold = PATHS[name]
            best[name] = min(best[name], seconds(run, procedure, calendar, cases, cold))
    return {name: len(cases) / max(spent, 1e-9) for name, spent in best.items()}


def profile(key: str, n: int) -> None:
    procedure = library.get(key)
    calendar = calendar_for(procedure)
    cases = make_cases(procedure, n, random.Random(2026))  # noqa: S311 - made-up data
    full(procedure, calendar, cases)
    for run in (deadlines_only, full):
        print(f"== {run.__name__}, cold")
        forget_kept()
        profiler = cProfile.Profile()
        profiler.runcall(run, procedure, calendar, cases)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(15)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--profile", metavar="KEY")
    args = parser.parse_args()
    if args.profile:
        profile(args.profile, args.cases)
        return 0
    print(f"Cases a second (x base: over the trivial loop's), best of {args.rounds} rounds")
    print(f"{'procedure':<24}" + "".join(f"{name:>24}" for name in PATHS) + f"{'base':>14}")
    short = []
    for key, procedure in library.load_library().items():
        rate = measure(procedure, args.cases, args.seed, args.rounds)
        cells = [f"{rate[name]:>10,.0f} x{rate[name] / rate['base']:.5f}" for name in PATHS]
        print(f"{key:<24}" + "".join(f"{c:>24}" for c in cells) + f"{rate['base']:>14,.0f}")
        short += [f"{key} {name}" for name in PATHS if "deadlines" in name and rate[name] < TARGET]
    print(f"Below {TARGET:,} deadlines a second: {', '.join(short) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
