"""Planning the demo's cases: what happens to each case, and on which day, worked out
before anything is made (:mod:`escalate.partnerships.demo_cases` then makes it happen
through the case services, with the clock at each step's day).

Pure: a procedure, its working calendar, today and a seed give the same plan every
time. Deadlines come from the procedure engine, so a case planned "due soon" is due
soon by the same reckoning the application uses.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from escalate.procedures import engine
from escalate.procedures.calendar import WorkingCalendar
from escalate.procedures.model import Procedure

OPEN, RESOLVED, WITHDRAWN = "open", "resolved", "withdrawn"
ON_TIME, DUE_SOON, OVERDUE = "on_time", "due_soon", "overdue"
#: As the dashboard counts it (escalate.cases.selectors.DUE_SOON_DAYS).
DUE_SOON_DAYS = 3
#: The oldest case is raised this many days ago: about a year of cases.
OLDEST_DAYS = 360


@dataclass(frozen=True)
class Scenario:
    """What is to become of one case."""

    reach: int  # the stage it ends at (or is at now)
    outcome: str = RESOLVED
    urgency: str = ""  # open cases: ON_TIME, DUE_SOON or OVERDUE by the current stage
    start: int = 1  # a later start: someone at immediate risk
    expedite: tuple[int, int] | None = None  # (from stage, to stage)
    late: frozenset[int] = frozenset()  # stages concluded after their deadline
    extras: frozenset[str] = frozenset()
    window: tuple[int, int] = (20, OLDEST_DAYS)  # raised between these many days ago
    tour: str = ""  # the README tour step this case is opened at
    this_year: bool = False  # raised this calendar year (a stable reference)
    owner_pick: int = -1  # which of a stage's owner roles (-1: chosen at random)
    mixed: bool = False  # one of the mix (not a case the demo must have)


@dataclass(frozen=True)
class Step:
    """One thing someone does on a case, on a day."""

    on: dt.date
    kind: str
    stage: int = 0
    item: str = ""  # a checklist key, a contact kind
    to_stage: int = 0
    owner_pick: int = 0
    agrees: bool = False
    due_on: dt.date | None = None
    done_on: dt.date | None = None
    text: int = 0  # which of the words to use


@dataclass(frozen=True)
class Plan:
    scenario: Scenario
    arose: dt.date
    raised: dt.date
    steps: tuple[Step, ...]
    raising_side: int  # 0: the council, 1: the NHS trust
    other: int  # -1: the other staffed agency, else an index into the rest
    person: int
    words: int


@dataclass
class _Draft:
    """A plan being made: steps in the order they are thought of, sorted at the end."""

    steps: list[tuple[dt.date, int, Step]] = field(default_factory=list)

    def add(self, step: Step) -> None:
        self.steps.append((step.on, len(self.steps), step))

    def ordered(self) -> tuple[Step, ...]:
        return tuple(s for _, _, s in sorted(self.steps, key=lambda x: (x[0], x[1])))


def _rng(seed: str) -> random.Random:
    """Made-up data from a seed, the same every time: not for anything secret."""
    return random.Random(seed)  # noqa: S311


def _day_between(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=rng.randint(0, max(0, (last - first).days)))


def _days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def _path(procedure: Procedure, s: Scenario) -> list[int]:
    stages, n = [], s.start
    while n <= s.reach:
        stages.append(n)
        n = s.expedite[1] if s.expedite and n == s.expedite[0] else n + 1
    return stages


def _end(rng: random.Random, start: dt.date, due: dt.date | None, late: bool) -> dt.date:
    """When a stage concludes: within its deadline, or after it when ``late``."""
    if due is None:
        return start + _days(rng.randint(1, 12))
    if late:
        return max(start, due) + _days(rng.randint(1, 8))
    return _day_between(rng, start, due) if due >= start else start


def plan_case(
    procedure: Procedure,
    calendar: WorkingCalendar,
    today: dt.date,
    scenario: Scenario,
    seed: str,
) -> Plan:
    """The case's steps, with the raise date chosen so that every step is on or before
    today and an open case's current stage is as urgent as the scenario says."""
    rng = _rng(seed)
    raising_side = 0 if scenario.tour or rng.random() < 0.6 else 1  # the tour: the council
    other = -1 if rng.random() < 0.5 else rng.randrange(100)  # -1: the staffed agency
    if not scenario.mixed and {"respond", "ack"} & scenario.extras:
        other = -1  # the other professional has an account, to reply
    if "bounce" in scenario.extras:
        other = 0
    person, words = rng.randrange(1000), rng.randrange(1000)
    lo, hi = scenario.window
    # Closed cases: more of them recent, so this year's report has numbers to show.
    first = lo if scenario.outcome == OPEN else lo + int((hi - lo) * rng.random() ** 1.4)
    lag_choice = rng.choice((0, 0, 0, 1, 1, 2, 3))
    lags = range(0, 12) if scenario.this_year else (lag_choice,)
    wanted = scenario
    shifts = [*range(first, OLDEST_DAYS + 1), *range(first - 1, -1, -1)]
    if scenario.this_year:  # as near the window as this year allows
        shifts = [d for d in shifts if (today - _days(d)).year == today.year]
    for relaxed in (False, True):
        for shift in shifts:
            raised = today - _days(shift)
            for lag in lags:
                steps = _try(
                    procedure, calendar, today, wanted, seed, raised, lag, other == -1, relaxed
                )
                if steps is not None:
                    return Plan(
                        wanted,
                        raised - _days(lag),
                        raised,
                        steps,
                        raising_side,
                        other,
                        person,
                        words,
                    )
        # Nothing fits (the first days of January, say): any urgency, stages squeezed.
        wanted = replace(scenario, urgency="", late=frozenset())
    raise ValueError(f"no dates fit the demo case {seed!r}")  # pragma: no cover


def _try(
    procedure: Procedure,
    calendar: WorkingCalendar,
    today: dt.date,
    s: Scenario,
    seed: str,
    raised: dt.date,
    lag: int,
    other_staffed: bool,
    squeeze: bool,
) -> tuple[Step, ...] | None:
    """The steps of the case raised on ``raised``, or ``None`` if they do not fit.
    ``squeeze``: stages that would end after today end today instead."""
    rng = _rng(seed + "/dates")
    arose = raised - _days(lag)
    draft = _Draft()
    draft.add(Step(raised, "raise", stage=s.start, owner_pick=_pick(rng, s)))
    path = _path(procedure, s)
    started = {s.start: arose if s.start == 1 else raised}
    policy_at = rng.choice(path)
    t, end = raised, raised
    for index, number in enumerate(path):
        facts = engine.CaseFacts(arose=arose, stage_started=dict(started), current_stage=number)
        deadline = engine.act_by(procedure, calendar, facts, number)
        due = deadline.due if deadline is not None else None
        final = number == s.reach
        if final and s.outcome == OPEN:
            if due is not None and not _urgent_enough(s.urgency, due, today, rng):
                return None
            until = today
        else:
            end = _end(rng, t, due, number in s.late)
            end = min(end, today) if squeeze else end
            until = end
        if until > today:
            return None
        _activity(draft, rng, procedure, s, number, t, until, index == 0 and other_staffed)
        if number == policy_at and ({"policy", "policy_answered"} & s.extras):
            flagged = _day_between(rng, t, until)
            draft.add(Step(flagged, "policy", stage=number, text=rng.randrange(100)))
            if "policy_answered" in s.extras:
                answered = flagged + _days(rng.randint(1, 15))
                if answered <= today:
                    draft.add(Step(answered, "policy_response", text=rng.randrange(100)))
        if final:
            _conclude(draft, rng, procedure, s, number, t, until, today, other_staffed)
            break
        nxt = path[index + 1]
        kind = "expedite" if nxt > number + 1 else "escalate"
        draft.add(Step(end, kind, stage=number, to_stage=nxt, owner_pick=_pick(rng, s)))
        started[nxt] = end
        t = end
    return draft.ordered()


def _pick(rng: random.Random, s: Scenario) -> int:
    return s.owner_pick if s.owner_pick >= 0 else rng.randrange(2)


def _urgent_enough(urgency: str, due: dt.date, today: dt.date, rng: random.Random) -> bool:
    left = (due - today).days
    if urgency == OVERDUE:
        return left < 0
    if urgency == DUE_SOON:
        return 0 <= left <= DUE_SOON_DAYS
    if urgency == ON_TIME:
        return left > DUE_SOON_DAYS
    return True


def _activity(
    draft: _Draft,
    rng: random.Random,
    procedure: Procedure,
    s: Scenario,
    number: int,
    first: dt.date,
    last: dt.date,
    other_staffed: bool,
) -> None:
    """What happens while a stage runs: the other professional's reply (first stage),
    required actions ticked off, contacts, meetings and notes, a panel referral."""
    extras = s.extras
    concluded = not (number == s.reach and s.outcome == OPEN)
    if other_staffed and ({"ack", "respond"} & extras):
        # Responding acknowledges too: a separate acknowledgement only without a reply.
        replied = _day_between(rng, first, min(last, first + _days(2)))
        if "respond" in extras:
            draft.add(Step(replied, "respond", agrees="agrees" in extras, text=rng.randrange(99)))
        else:
            draft.add(Step(replied, "acknowledge"))
    closed_mix = s.mixed and s.outcome != OPEN
    if "no_ticks" not in extras or number != s.reach:
        # Some of the required actions ticked off. Each tick is a change, which takes a
        # while to make: fewer in the mix's closed cases, which are seldom opened.
        items = [c.key for c in procedure.stage(number).checklist]
        ticks = (0, 0, 0, 0, 0, 0, 1) if closed_mix else (0, 0, 0, 1, 1, 2)
        for item in rng.sample(items, k=min(len(items), rng.choice(ticks))):
            draft.add(Step(_day_between(rng, first, last), "tick", stage=number, item=item))
    kinds = [k for k in ("contact", "meeting", "note") if k in extras]
    if "chronology" in extras and rng.random() < (0.35 if closed_mix else 0.7):
        kinds.append(rng.choice(("contact", "meeting", "note")))
    for kind in kinds:
        draft.add(Step(_day_between(rng, first, last), "record", item=kind, text=rng.randrange(99)))
    if "panel" in extras and procedure.stage(number).panel is not None:
        draft.add(Step(_day_between(rng, first, last), "panel", text=rng.randrange(99)))
    if "action_open" in extras and not concluded:
        agreed = _day_between(rng, first, last)
        due = agreed + _days(rng.randint(2, 20))
        draft.add(Step(agreed, "action", due_on=due, text=rng.randrange(99)))


def _conclude(
    draft: _Draft,
    rng: random.Random,
    procedure: Procedure,
    s: Scenario,
    number: int,
    first: dt.date,
    end: dt.date,
    today: dt.date,
    other_staffed: bool,
) -> None:
    """The last stage: its form (such as a referral to the board), the outcome, and what
    is recorded afterwards."""
    stage = procedure.stage(number)
    if "referral" in s.extras and stage.form is not None:
        draft.add(Step(_day_between(rng, first, end), "referral"))
    if s.outcome == OPEN:
        return
    if s.outcome == WITHDRAWN:
        draft.add(Step(end, "withdraw", text=rng.randrange(99)))
    else:
        due = end + _days(rng.randint(3, 40)) if {"actions", "action_done"} & s.extras else None
        draft.add(Step(end, "resolve", due_on=due, text=rng.randrange(99)))
        # One action for each agency with an account (the second a week later); most
        # that fell due a while ago were done, on time or soon after.
        for i in range(2 if other_staffed and due is not None else 1 if due else 0):
            assert due is not None
            due_i = due + _days(7 * i)
            long_ago = due_i + _days(10) < today
            if rng.random() < (1 if "action_done" in s.extras else 0.8 if long_ago else 0.15):
                done = _day_between(rng, end + _days(1), due_i + _days(3))
                if done <= today:
                    draft.add(Step(done, "complete_action", item=str(i), text=rng.randrange(99)))
    if "debrief" in s.extras:
        offered = end + _days(rng.randint(0, 6))
        held = offered + _days(rng.randint(2, 14))
        if held <= today:  # recorded once it was held
            draft.add(Step(held, "debrief", due_on=offered, done_on=held))
        elif offered <= today:
            draft.add(Step(offered, "debrief", due_on=offered))
    if "learning" in s.extras:
        learned = end + _days(rng.randint(1, 12))
        if learned <= today:
            draft.add(Step(learned, "learning", text=rng.randrange(99)))


# ---------------------------------------------------------------- the mix of cases


def _weights(final: int) -> list[int]:
    return [38, 26, 16, 12, 8][:final]


def scenarios(procedure: Procedure, count: int, seed: str) -> list[Scenario]:
    """The tour's cases first (their references are the first of the year), then a case
    of every kind the demo must show, then a mix to make ``count`` in all."""
    rng = _rng(seed)
    final = len(procedure.stages)
    chosen = [*_tour(procedure), *_coverage(procedure)]
    while len(chosen) < count:
        chosen.append(_random(rng, procedure, final))
    return chosen


def _has(procedure: Procedure, what: str) -> int | None:
    """The first stage with a panel or a form."""
    for stage in procedure.stages:
        if (stage.panel if what == "panel" else stage.form) is not None:
            return stage.number
    return None


def _tour(procedure: Procedure) -> list[Scenario]:
    final = len(procedure.stages)
    extras_final = {"policy", "chronology", "no_ticks"}
    return [
        Scenario(
            1,
            OPEN,
            urgency=DUE_SOON,
            extras=frozenset({"respond", "contact", "no_ticks"}),
            window=(0, 30),
            tour="3",
            this_year=True,
        ),
        Scenario(
            2,
            OPEN,
            urgency=DUE_SOON,
            extras=frozenset({"respond", "chronology", "no_ticks"}),
            window=(2, 30),
            tour="4",
            this_year=True,
            owner_pick=0,
        ),
        Scenario(
            final,
            OPEN,
            urgency=ON_TIME,
            extras=frozenset(extras_final | ({"panel"} if _has(procedure, "panel") else set())),
            window=(8, 30),
            tour="6",
            this_year=True,
            owner_pick=0,
        ),
    ]


def _coverage(procedure: Procedure) -> list[Scenario]:
    """At least one case of every kind: resolved at every stage, withdrawn, open and on
    time, due soon and overdue, expedited and started late (where the procedure allows
    it), referred to the panel, with the referral form, and so on."""
    final = len(procedure.stages)
    old = (60, 300)
    rich = frozenset({"actions", "action_done", "debrief", "learning", "meeting", "respond"})
    out = [Scenario(n, RESOLVED, extras=rich, window=old) for n in range(1, final + 1)]
    out += [
        Scenario(1, WITHDRAWN, extras=frozenset({"learning", "contact", "note"}), window=old),
        Scenario(2, WITHDRAWN, extras=frozenset({"debrief", "learning"}), window=old),
        Scenario(1, OPEN, urgency=OVERDUE, window=(5, 60), extras=frozenset({"bounce"})),
        Scenario(2, OPEN, urgency=OVERDUE, window=(0, 60), extras=frozenset({"action_open"})),
        Scenario(2, OPEN, urgency=ON_TIME, window=(0, 30), extras=frozenset({"respond"})),
        Scenario(3, OPEN, urgency=DUE_SOON, window=(0, 40), extras=frozenset({"policy"})),
        Scenario(
            3, RESOLVED, late=frozenset({2}), extras=frozenset({"policy_answered"}), window=old
        ),
        Scenario(2, RESOLVED, extras=frozenset({"actions"}), window=(20, 40)),
    ]
    out += [Scenario(n, OPEN, urgency=OVERDUE, window=(0, 90)) for n in range(4, final)]
    if procedure.expedite.allowed and final >= 3:
        out += [
            Scenario(final, RESOLVED, expedite=(1, 3), extras=frozenset({"debrief"}), window=old),
            Scenario(3, OPEN, expedite=(1, 3), window=(0, 30)),
            Scenario(3, OPEN, start=3, urgency=ON_TIME, window=(0, 20)),
            Scenario(final, RESOLVED, start=2, extras=frozenset({"learning"}), window=old),
        ]
    panel = _has(procedure, "panel")
    if panel is not None:
        out += [
            Scenario(panel, RESOLVED, extras=frozenset({"panel", "actions"}), window=old),
            Scenario(final, RESOLVED, extras=frozenset({"panel", "learning"}), window=old),
        ]
    form = _has(procedure, "referral")
    if form is not None:
        out += [
            Scenario(form, RESOLVED, extras=frozenset({"referral", "actions"}), window=old),
            Scenario(form, OPEN, extras=frozenset({"referral"}), window=(0, 30)),
        ]
    return out


def _random(rng: random.Random, procedure: Procedure, final: int) -> Scenario:
    roll = rng.random()
    outcome = OPEN if roll < 0.14 else WITHDRAWN if roll < 0.22 else RESOLVED
    reach = rng.choices(range(1, final + 1), weights=_weights(final))[0]
    start, expedite = 1, None
    if procedure.expedite.allowed and final >= 3:
        if rng.random() < 0.06:
            start = rng.randint(2, final - 1)
            reach = max(reach, start)
        elif reach >= 3 and rng.random() < 0.2:
            expedite = (1, rng.randint(3, reach))
    late = frozenset(n for n in range(1, final + 1) if rng.random() < 0.18)
    extras = {"chronology"} if rng.random() < 0.7 else set()
    extras |= _maybe(rng, [("ack", 0.7), ("respond", 0.55), ("agrees", 0.4)])
    extras |= _maybe(rng, [("policy", 0.08), ("policy_answered", 0.06), ("panel", 0.5)])
    if outcome != OPEN:
        extras |= _maybe(rng, [("actions", 0.3), ("action_done", 0.2), ("learning", 0.35)])
        if reach >= 2:
            extras |= _maybe(rng, [("debrief", 0.4)])
        if reach == final:
            extras |= _maybe(rng, [("referral", 0.9)])
        window = (15, OLDEST_DAYS)
    else:
        extras |= _maybe(rng, [("action_open", 0.25), ("referral", 0.5)])
        window = (0, 45) if rng.random() < 0.85 else (45, 200)
    urgency = rng.choice((ON_TIME, DUE_SOON, OVERDUE)) if outcome == OPEN else ""
    return Scenario(
        reach,
        outcome,
        urgency=urgency,
        start=start,
        expedite=expedite,
        late=late,
        extras=frozenset(extras),
        window=window,
        mixed=True,
    )


def _maybe(rng: random.Random, chances: Sequence[tuple[str, float]]) -> set[str]:
    return {name for name, p in chances if rng.random() < p}
