"""Deadlines and where each stage stands: when things are due, and why, in words.

Pure functions of a :class:`Procedure`, a case's facts and a :class:`WorkingCalendar`.
Each procedure is made once into a plan to count from; each stage's deadlines are kept
by the days they count from; explanations are written when first read.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Mapping
from typing import Any

from escalate.procedures.calendar import WorkingCalendar, format_day
from escalate.procedures.model import (
    Anchor,
    ChecklistItem,
    Procedure,
    Region,
    Role,
    Stage,
    Timescale,
    Unit,
)
from escalate.procedures.vocabulary import (
    CaseFacts,
    CaseStatus,
    Deadline,
    StageDeadlines,
    StageStatus,
)


def deadline_for(
    t: Timescale,
    calendar: WorkingCalendar,
    *,
    arose: dt.date,
    stage_started: dt.date | None,
    stage_number: int,
) -> tuple[dt.date | None, str]:
    """The due date of one timescale and how it was worked out, in words."""
    if t.anchor is Anchor.CONCERN_AROSE:
        anchor_day, anchor_words = arose, f"the concern arose on {format_day(arose)}"
    elif stage_started is None:
        return None, (
            f"{_amount(t)} counted from the day stage {stage_number} begins, not yet known"
        )
    else:
        anchor_day = stage_started
        anchor_words = f"stage {stage_number} began on {format_day(stage_started)}"

    if t.unit is Unit.WORKING_DAYS:
        due = calendar.add_working_days(anchor_day, t.amount)
        words = f"{_amount(t)} after {anchor_words} = {format_day(due)}"
        counted = anchor_day + dt.timedelta(days=1)
        holidays = [
            f"{format_day(day)} {why}"
            for day, why in calendar.non_working_days(counted, due)
            if why != "weekend"
        ]
        notes = [f"not counting {'; '.join(holidays)}"] if holidays else []
        notes += [
            f"{format_day(day)} is {why}"
            for day, why in calendar.worked_bank_holidays_between(counted, due)
        ]
        if notes:
            words += f" ({'; '.join(notes)})"
        return due, words

    day_n = anchor_day + dt.timedelta(days=t.amount - 1)
    words = f"day {t.amount} (day 1 = {anchor_words}) = {format_day(day_n)}"
    due = day_n
    if t.roll_forward and not calendar.is_working_day(day_n):
        due = calendar.on_or_after(day_n)
        words += f", rolled to {format_day(due)}: {_skipped(calendar, day_n, due)}"
    worked = calendar.why_working(due) if t.roll_forward else None
    if worked:
        words += f" ({format_day(due)} is {worked})"
    return due, words


def _skipped(calendar: WorkingCalendar, first: dt.date, until: dt.date) -> str:
    """Why the days from ``first`` up to (not including) ``until`` do not count.

    'weekend' when that is the only reason; otherwise each run of days with its reason:
    'Fri 25 Dec 2026 bank holiday (Christmas Day); Sat 26 Dec 2026 to Sun 27 Dec 2026
    weekend; ...'.
    """
    days = calendar.non_working_days(first, until - dt.timedelta(days=1))
    runs: list[tuple[dt.date, dt.date, str]] = []
    for day, why in days:
        if runs and runs[-1][2] == why and runs[-1][1] == day - dt.timedelta(days=1):
            runs[-1] = (runs[-1][0], day, why)
        else:
            runs.append((day, day, why))
    if len(runs) == 1:
        return runs[0][2]
    return "; ".join(
        f"{format_day(a)}{f' to {format_day(b)}' if b != a else ''} {why}" for a, b, why in runs
    )


def _amount(t: Timescale) -> str:
    if t.unit is Unit.WORKING_DAYS:
        return f"{t.amount} working day{'s' if t.amount != 1 else ''}"
    return f"day {t.amount}"


def stage_deadlines(
    procedure: Procedure,
    calendar: WorkingCalendar,
    *,
    arose: dt.date,
    stage_started: Mapping[int, dt.date] | None = None,
) -> list[StageDeadlines]:
    """Every stage's start-by, conclude-by and other deadlines.

    Stage 1 begins the day the concern arose unless told otherwise. A deadline counted
    from a stage's own start is unknown (None) until that stage has begun.

    Each deadline's explanation is worked out when it is first read (a deadline's
    ``explanation`` is the same text either way): most callers want only the dates.
    """
    started = {1: arose, **stage_started} if stage_started else {1: arose}
    return [_kept(stage, calendar, arose, started) for stage in _plan(procedure).stages]


def _kept(
    stage: _StagePlan, calendar: WorkingCalendar, arose: dt.date, started: Mapping[int, dt.date]
) -> StageDeadlines:
    """One stage's deadlines, worked out once for the days they count from and kept."""
    kind = stage.kind
    if kind is _NONE:
        return stage.unknown
    if kind is _AROSE:
        key: tuple[object, ...] = (calendar.memo_key, stage, arose)
        begun = None
    else:
        begun = started.get(stage.number)
        if begun is None and kind is _START:
            return stage.unknown
        key = (
            (calendar.memo_key, stage, begun)
            if kind is _START
            else (calendar.memo_key, stage, arose, begun)
        )
    found = _KEPT.get(key)
    if found is None:
        if len(_KEPT) >= _KEPT_MOST:  # here, where every caller adds: never past the limit
            _KEPT.clear()
        found = _KEPT[key] = stage.deadlines(calendar, arose, begun)
    return found


def act_by(
    procedure: Procedure, calendar: WorkingCalendar, facts: CaseFacts, number: int
) -> Deadline | None:
    """When the owner of a stage must have resolved or escalated it.

    The stage's own conclude-by; failing that, the next stage's start-by (Cheshire East
    step 1 has no end of its own, but step 2 must start by day 3).
    """
    arose, stage_started = facts.arose, facts.stage_started
    if _countable(calendar, arose, stage_started):
        # Only the two stages needed: no other's deadline can be refused.
        stages = _plan(procedure).stages
        here = stages[number - 1]
        started = {1: arose, **stage_started} if stage_started else {1: arose}
        if here.conclude_by is not None:
            conclude_by = _kept(here, calendar, arose, started).conclude_by
            if conclude_by is not None and conclude_by.due:
                return conclude_by
        if number >= len(stages) or stages[number].start_by is None:
            return None
        start_by = _kept(stages[number], calendar, arose, started).start_by
    else:
        all_deadlines = stage_deadlines(
            procedure, calendar, arose=arose, stage_started=stage_started
        )
        here_all = all_deadlines[number - 1]
        if here_all.conclude_by and here_all.conclude_by.due:
            return here_all.conclude_by
        if number >= len(all_deadlines):
            return None
        start_by = all_deadlines[number].start_by
    if start_by is None or not start_by.due:
        return None
    return _explained(
        "act_by",
        f"Resolve or escalate to stage {number + 1} by",
        start_by.due,
        None,
        (_act_by_words, number, start_by),
    )


def _countable(
    calendar: WorkingCalendar, arose: dt.date, stage_started: Mapping[int, dt.date]
) -> bool:
    """Whether every deadline counted from the case's days is sure to fall within the
    years the calendar knows: then none can be refused."""
    low, high = calendar.countable_days
    if not low <= arose < high:
        return False
    for day in stage_started.values():  # noqa: SIM110 - quicker than all() here
        if day is None or not low <= day < high:
            return False
    return True


def _act_by_words(number: int, start_by: Deadline) -> str:
    return f"stage {number + 1} must start by then: {start_by.explanation}"


def stage_statuses(
    procedure: Procedure, calendar: WorkingCalendar, facts: CaseFacts, today: dt.date
) -> dict[int, StageStatus]:
    """Each stage's status on ``today``, read from the case's dated facts.

    ``today`` may be in the past: a stage that began after it is not reached yet, and
    one concluded after it was still in progress (or overdue) then.
    """
    result: dict[int, StageStatus] = {}
    for stage in procedure.stages:
        n = stage.number
        started = facts.stage_started.get(n)
        concluded = facts.stage_concluded.get(n)
        if n > facts.current_stage or (started is not None and started > today):
            result[n] = StageStatus.NOT_REACHED
        elif started is None and n < facts.current_stage:
            # Jumped over: skipped from the day a later stage began.
            moved_on = min((d for m, d in facts.stage_started.items() if m > n), default=None)
            skipped = moved_on is None or moved_on <= today
            result[n] = StageStatus.SKIPPED if skipped else StageStatus.NOT_REACHED
        elif concluded is not None and concluded <= today:
            result[n] = StageStatus.CONCLUDED
        elif concluded is None and (n < facts.current_stage or facts.status is not CaseStatus.OPEN):
            result[n] = StageStatus.CONCLUDED  # concluded, date not recorded
        else:
            due = act_by(procedure, calendar, facts, n)
            overdue = due is not None and due.due is not None and today > due.due
            result[n] = StageStatus.OVERDUE if overdue else StageStatus.IN_PROGRESS
    return result


def outstanding(procedure: Procedure, facts: CaseFacts, number: int) -> list[ChecklistItem]:
    done = facts.checklist_done.get(number, frozenset())
    return [c for c in procedure.stage(number).checklist if c.key not in done]


# ---------------------------------------------------------------- counting fast


class _Explained(Deadline):
    """A :class:`Deadline` whose explanation is worked out when first read.

    It compares equal to (and hashes, prints, pickles and copies as) the plain
    :class:`Deadline` with the same fields. ``_how`` is a function and its arguments
    giving the explanation.
    """

    def __getattr__(self, name: str) -> str:
        # Called only for attributes not found: the explanation before its first read.
        if name != "explanation":
            raise AttributeError(name)
        how = self.__dict__["_how"]
        text: str = how[0](*how[1:])
        self.__dict__["explanation"] = text
        return text

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Deadline):
            return NotImplemented
        return _fields(self) == _fields(other)

    __hash__ = Deadline.__hash__

    def __repr__(self) -> str:
        return "Deadline" + Deadline.__repr__(self).removeprefix(type(self).__qualname__)

    def __reduce__(self) -> tuple[type[Deadline], tuple[Any, ...]]:
        return (Deadline, _fields(self))


def _fields(d: Deadline) -> tuple[Any, ...]:
    return (d.key, d.label, d.due, d.explanation, d.role)


_new = object.__new__


def _explained(
    key: str, label: str, due: dt.date, role: Role | None, how: tuple[Any, ...]
) -> Deadline:
    """A :class:`Deadline` whose explanation is ``how[0](*how[1:])``, when first read."""
    made: Deadline = _new(_Explained)
    made.__dict__.update(key=key, label=label, due=due, role=role, _how=how)
    return made


def _rule_words(
    t: Timescale,
    calendar: WorkingCalendar,
    arose: dt.date,
    stage_started: dt.date | None,
    stage_number: int,
) -> str:
    return deadline_for(
        t, calendar, arose=arose, stage_started=stage_started, stage_number=stage_number
    )[1]


class _Rule:
    """One deadline of one stage, ready to count."""

    __slots__ = (
        "from_arose",
        "key",
        "label",
        "number",
        "role",
        "roll",
        "span",
        "timescale",
        "unknown",
        "working_days",
    )

    def __init__(self, key: str, label: str, t: Timescale, role: Role | None, number: int) -> None:
        self.key, self.label, self.timescale, self.role, self.number = key, label, t, role, number
        self.from_arose = t.anchor is Anchor.CONCERN_AROSE
        self.working_days = t.unit is Unit.WORKING_DAYS
        self.span = dt.timedelta(days=t.amount - 1) if not self.working_days else None
        self.roll = t.roll_forward
        #: The deadline while the stage it counts from has not begun.
        self.unknown = (
            None
            if self.from_arose
            else Deadline(
                key,
                label,
                None,
                f"{_amount(t)} counted from the day stage {number} begins, not yet known",
                role,
            )
        )

    def deadline(
        self, calendar: WorkingCalendar, arose: dt.date, started: dt.date | None
    ) -> Deadline:
        """As :func:`deadline_for`, with the explanation worked out when first read."""
        if self.from_arose:
            anchor = arose
        elif started is None:
            assert self.unknown is not None
            return self.unknown
        else:
            anchor = started
        span = self.span
        if span is None:
            due = calendar.add_working_days(anchor, self.timescale.amount)
        elif self.roll:
            due = calendar.on_or_after(anchor + span)
        else:
            due = anchor + span
        made: Deadline = _new(_Explained)
        fields = made.__dict__  # quicker than update(), for the most made
        fields["key"] = self.key
        fields["label"] = self.label
        fields["due"] = due
        fields["role"] = self.role
        fields["_how"] = (_rule_words, self.timescale, calendar, arose, started, self.number)
        return made


_NONE, _AROSE, _START, _BOTH = "none", "arose", "start", "both"


class _StagePlan:
    __slots__ = ("conclude_by", "kind", "number", "other", "start_by", "title", "unknown")

    def __init__(self, stage: Stage) -> None:
        n = self.number = stage.number
        self.title = stage.title
        self.start_by = (
            _Rule("start_by", "Start by", stage.start_by, None, n) if stage.start_by else None
        )
        self.conclude_by = (
            _Rule("conclude_by", "Conclude by", stage.conclude_by, None, n)
            if stage.conclude_by
            else None
        )
        self.other = tuple(
            _Rule(d.key, d.label, d.timescale, d.role, n) for d in stage.other_deadlines
        )
        rules = [r for r in (self.start_by, self.conclude_by, *self.other) if r is not None]
        from_arose = any(r.from_arose for r in rules)
        from_start = not all(r.from_arose for r in rules)
        #: What its deadlines count from: nothing (it has none), only the concern
        #: arising, only the stage's start, or both.
        self.kind = (
            (_BOTH if from_start else _AROSE) if from_arose else (_START if rules else _NONE)
        )
        #: The stage's deadlines whatever the case when it has none; while it has not
        #: begun when they all count from its start. (Unused otherwise.)
        self.unknown = (
            self.deadlines(_NO_CALENDAR, dt.date.min, None)
            if self.kind in (_NONE, _START)
            else StageDeadlines(self.number, self.title, None, None)
        )

    def deadlines(
        self, calendar: WorkingCalendar, arose: dt.date, started: dt.date | None
    ) -> StageDeadlines:
        start_by, conclude_by = self.start_by, self.conclude_by
        return _stage_deadlines(
            self.number,
            self.title,
            start_by.deadline(calendar, arose, started) if start_by else None,
            conclude_by.deadline(calendar, arose, started) if conclude_by else None,
            tuple([r.deadline(calendar, arose, started) for r in self.other]),
        )


def _stage_deadlines(
    number: int,
    title: str,
    start_by: Deadline | None,
    conclude_by: Deadline | None,
    other: tuple[Deadline, ...],
) -> StageDeadlines:
    """``StageDeadlines(number, title, start_by, conclude_by, other)``, made quicker by
    filling in its fields directly (its ``__init__`` sets each through
    ``object.__setattr__``, as it is frozen), while it is a plain frozen dataclass that
    does nothing else on making (checked once, below; else made as usual)."""
    if not _PLAIN_STAGE_DEADLINES:
        return StageDeadlines(number, title, start_by, conclude_by, other)
    made: StageDeadlines = _new(StageDeadlines)
    made.__dict__.update(
        number=number, title=title, start_by=start_by, conclude_by=conclude_by, other=other
    )
    return made


_PLAIN_STAGE_DEADLINES = (
    list(getattr(StageDeadlines, "__dataclass_fields__", {}))
    == ["number", "title", "start_by", "conclude_by", "other"]
    and not hasattr(StageDeadlines, "__post_init__")
    and "__slots__" not in vars(StageDeadlines)
)


class _Plan:
    """A procedure's deadlines, stage by stage, ready to count."""

    __slots__ = ("stages",)

    def __init__(self, procedure: Procedure) -> None:
        self.stages = [_StagePlan(stage) for stage in procedure.stages]


#: Each stage's deadlines by the calendar's counting tables
#: (:attr:`WorkingCalendar.memo_key`), the stage's plan and the days they count from.
#: Worked out once and kept, for they are the same for every case with those days:
#: cases raised on the same day share them. Emptied when full (and a plan no longer
#: kept is never asked for again).
_KEPT: dict[tuple[object, ...], StageDeadlines] = {}
_KEPT_MOST = 20_000


def forget_kept() -> None:
    """Forget every stage's deadlines kept (for benchmarks that time working them out)."""
    _KEPT.clear()


#: Never asked about a day: for deadlines not yet known.
_NO_CALENDAR = WorkingCalendar(Region.ENGLAND_AND_WALES)

#: Each procedure's plan by the procedure's id, with the procedure (kept, so that its id
#: is not reused while here). Procedures are few and long-lived (the library's, and
#: those kept with cases, parsed once each by the application).
_PLANS: dict[int, tuple[Procedure, _Plan]] = {}
_PLANS_KEPT = 256
_PLANS_LOCK = threading.Lock()


def _plan(procedure: Procedure) -> _Plan:
    found = _PLANS.get(id(procedure))
    if found is not None and found[0] is procedure:
        return found[1]
    plan = _Plan(procedure)
    with _PLANS_LOCK:
        while len(_PLANS) >= _PLANS_KEPT:
            del _PLANS[next(iter(_PLANS))]  # the oldest
        _PLANS[id(procedure)] = (procedure, plan)
    return plan
