"""Deadlines and where each stage stands: when things are due, and why, in words.

Pure functions of a :class:`Procedure`, a case's facts and a :class:`WorkingCalendar`
(and, for timescales counted from events of the case or set by a stage's owner, its
:class:`CaseEvents`). Each procedure is made once into a plan to count from
(:mod:`escalate.procedures.deadlines_plan`); each stage's deadlines are kept by the
days they count from; explanations are written when first read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from escalate.procedures.calendar import WorkingCalendar, format_day
from escalate.procedures.deadlines_plan import (
    AROSE,
    EVENTS,
    NO_EVENTS,
    NONE,
    START,
    CaseEvents,
    Rule,
    StagePlan,
    explained,
    plan,
    stage_deadlines_of,
)
from escalate.procedures.model import (
    Anchor,
    ChecklistItem,
    Procedure,
    Timescale,
    Unit,
)
from escalate.procedures.timescales import in_words
from escalate.procedures.vocabulary import (
    CaseFacts,
    CaseStatus,
    Deadline,
    StageDeadlines,
    StageStatus,
)

__all__ = [
    "CaseEvents",
    "act_by",
    "act_by_is_soft",
    "deadline_for",
    "forget_kept",
    "outstanding",
    "stage_deadlines",
    "stage_statuses",
]


def deadline_for(
    t: Timescale,
    calendar: WorkingCalendar,
    *,
    arose: dt.date,
    stage_started: dt.date | None,
    stage_number: int,
    events: CaseEvents = NO_EVENTS,
    key: str = "",
) -> tuple[dt.date | None, str]:
    """The due date of one timescale and how it was worked out, in words.

    ``events``: when the case's events happened and the dates stage owners set (``key``
    names the deadline an owner's date is for)."""
    n = stage_number
    if t.unit is Unit.SET_BY_OWNER:
        return _set_by_owner(t, events.set_by_owner.get((n, key)), n)
    anchor_day, anchor_words = _anchor(t, arose, stage_started, n, events)
    if anchor_day is None:
        return None, anchor_words
    due, words = _counted(t, calendar, anchor_day, anchor_words)
    if t.owner_may_shorten:
        shorter = events.set_by_owner.get((n, key))
        if shorter is not None and shorter < due:
            due = shorter
            words = (
                f"{format_day(shorter)}, set by stage {n}'s owner to protect the person "
                f"(sooner than {words})"
            )
    return due, f"where possible, {words}" if t.where_possible else words


def _set_by_owner(t: Timescale, day: dt.date | None, n: int) -> tuple[dt.date | None, str]:
    if day is None:
        return None, f"not yet due: stage {n}'s owner sets this timescale for the case"
    words = f"set by stage {n}'s owner for the case: {format_day(day)}"
    return day, f"where possible, {words}" if t.where_possible else words


def _anchor(
    t: Timescale,
    arose: dt.date,
    stage_started: dt.date | None,
    n: int,
    events: CaseEvents,
) -> tuple[dt.date | None, str]:
    """The day ``t`` counts from and how it reads; or None and why it is not yet due."""
    anchor = t.anchor
    if anchor is Anchor.CONCERN_AROSE:
        return arose, f"the concern arose on {format_day(arose)}"
    if anchor is Anchor.STAGE_STARTED:
        if stage_started is None:
            return None, f"{_waiting(t)} counted from the day stage {n} begins, not yet known"
        return stage_started, f"stage {n} began on {format_day(stage_started)}"
    if anchor is Anchor.PREVIOUS_STAGE_ESCALATED:
        day = events.escalated.get(n - 1) or stage_started
        if day is None:
            return None, f"not yet due: {_waiting(t)} counted from when stage {n - 1} is escalated"
        return day, f"stage {n - 1} was escalated on {format_day(day)}"
    if anchor is Anchor.OTHER_PROFESSIONAL_ACKNOWLEDGED:
        day = events.acknowledged
        if day is None:
            return None, (
                f"not yet due: {_waiting(t)} counted from when the other professional "
                "acknowledges the challenge"
            )
        return day, f"the other professional acknowledged the challenge on {format_day(day)}"
    day = events.first_discussion.get(n) if stage_started is not None else None
    if day is None:
        return None, (
            f"not yet due: {_waiting(t)} counted from the first discussion at stage {n} (the "
            "first meeting or contact recorded there)"
        )
    return day, f"the first discussion at stage {n} was on {format_day(day)}"


def _waiting(t: Timescale) -> str:
    """``t`` in words before "counted from ...": "10 working days, or a shorter timescale
    the stage's owner sets to protect the person," (the comma closing the aside)."""
    words = in_words(t)
    return f"{words}," if t.owner_may_shorten else words


def _counted(
    t: Timescale, calendar: WorkingCalendar, anchor_day: dt.date, anchor_words: str
) -> tuple[dt.date, str]:
    """The due date counted from ``anchor_day`` in ``t``'s unit, and how, in words."""
    if t.unit is Unit.IMMEDIATELY:
        return anchor_day, f"immediately: {anchor_words}"
    if t.unit is Unit.SAME_WORKING_DAY:
        due = calendar.on_or_after(anchor_day)
        words = f"{in_words(_plain(t))}: {anchor_words}"
        if due != anchor_day:
            words += f", so {format_day(due)}: {_skipped(calendar, anchor_day, due)}"
        return due, words
    if t.unit is Unit.WORKING_DAYS:
        due = calendar.add_working_days(anchor_day, t.amount)
        words = f"{in_words(_plain(t))} after {anchor_words} = {format_day(due)}"
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
    words = f"{in_words(_plain(t))} (day 1 = {anchor_words}) = {format_day(day_n)}"
    due = day_n
    if t.roll_forward and not calendar.is_working_day(day_n):
        due = calendar.on_or_after(day_n)
        words += f", rolled to {format_day(due)}: {_skipped(calendar, day_n, due)}"
    worked = calendar.why_working(due) if t.roll_forward else None
    if worked:
        words += f" ({format_day(due)} is {worked})"
    return due, words


def _plain(t: Timescale) -> Timescale:
    """``t`` as counted, without the words for what may soften or shorten it."""
    if not (t.where_possible or t.owner_may_shorten):
        return t
    return t.model_copy(update={"where_possible": False, "owner_may_shorten": False})


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


def stage_deadlines(
    procedure: Procedure,
    calendar: WorkingCalendar,
    *,
    arose: dt.date,
    stage_started: Mapping[int, dt.date] | None = None,
    events: CaseEvents = NO_EVENTS,
) -> list[StageDeadlines]:
    """Every stage's start-by, conclude-by and other deadlines.

    Stage 1 begins the day the concern arose unless told otherwise. A deadline counted
    from a stage's own start is unknown (None) until that stage has begun; one counted
    from an event of the case (``events``) until it has happened.

    Each deadline's explanation is worked out when it is first read (a deadline's
    ``explanation`` is the same text either way): most callers want only the dates.
    """
    started = {1: arose, **stage_started} if stage_started else {1: arose}
    return [_kept(stage, calendar, arose, started, events) for stage in plan(procedure).stages]


def _kept(
    stage: StagePlan,
    calendar: WorkingCalendar,
    arose: dt.date,
    started: Mapping[int, dt.date],
    events: CaseEvents = NO_EVENTS,
) -> StageDeadlines:
    """One stage's deadlines, worked out once for the days they count from and kept."""
    kind = stage.kind
    if kind is NONE:
        return stage.unknown
    if kind is EVENTS:
        return _afresh(stage, calendar, arose, started.get(stage.number), events)
    if kind is AROSE:
        key: tuple[object, ...] = (calendar.memo_key, stage, arose)
        begun = None
    else:
        begun = started.get(stage.number)
        if begun is None and kind is START:
            return stage.unknown
        key = (
            (calendar.memo_key, stage, begun)
            if kind is START
            else (calendar.memo_key, stage, arose, begun)
        )
    found = _KEPT.get(key)
    if found is None:
        if len(_KEPT) >= _KEPT_MOST:  # here, where every caller adds: never past the limit
            _KEPT.clear()
        found = _KEPT[key] = stage.deadlines(calendar, arose, begun)
    return found


def _afresh(
    stage: StagePlan,
    calendar: WorkingCalendar,
    arose: dt.date,
    begun: dt.date | None,
    events: CaseEvents,
) -> StageDeadlines:
    """A stage's deadlines counted from the case's events, each explained at once."""

    def made(rule: Rule | None) -> Deadline | None:
        if rule is None:
            return None
        due, words = deadline_for(
            rule.timescale,
            calendar,
            arose=arose,
            stage_started=begun,
            stage_number=stage.number,
            events=events,
            key=rule.key,
        )
        return Deadline(rule.key, rule.label, due, words, rule.role)

    other = tuple(d for d in (made(r) for r in stage.other) if d is not None)
    return stage_deadlines_of(
        stage.number, stage.title, made(stage.start_by), made(stage.conclude_by), other
    )


def act_by(
    procedure: Procedure,
    calendar: WorkingCalendar,
    facts: CaseFacts,
    number: int,
    events: CaseEvents = NO_EVENTS,
) -> Deadline | None:
    """When the owner of a stage must have resolved or escalated it.

    The stage's own conclude-by; failing that, the next stage's start-by (Cheshire East
    step 1 has no end of its own, but step 2 must start by day 3).
    """
    arose, stage_started = facts.arose, facts.stage_started
    if _countable(calendar, arose, stage_started):
        # Only the two stages needed: no other's deadline can be refused.
        stages = plan(procedure).stages
        here = stages[number - 1]
        started = {1: arose, **stage_started} if stage_started else {1: arose}
        if here.conclude_by is not None:
            conclude_by = _kept(here, calendar, arose, started, events).conclude_by
            if conclude_by is not None and conclude_by.due:
                return conclude_by
        if number >= len(stages) or stages[number].start_by is None:
            return None
        start_by = _kept(stages[number], calendar, arose, started, events).start_by
    else:
        all_deadlines = stage_deadlines(
            procedure, calendar, arose=arose, stage_started=stage_started, events=events
        )
        here_all = all_deadlines[number - 1]
        if here_all.conclude_by and here_all.conclude_by.due:
            return here_all.conclude_by
        if number >= len(all_deadlines):
            return None
        start_by = all_deadlines[number].start_by
    if start_by is None or not start_by.due:
        return None
    return explained(
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
    procedure: Procedure,
    calendar: WorkingCalendar,
    facts: CaseFacts,
    today: dt.date,
    events: CaseEvents = NO_EVENTS,
) -> dict[int, StageStatus]:
    """Each stage's status on ``today``, read from the case's dated facts.

    ``today`` may be in the past: a stage that began after it is not reached yet, and
    one concluded after it was still in progress (or overdue) then. A stage whose
    act-by is a "where possible" target (:func:`act_by_is_soft`) is never overdue: once
    the target passes it is still in progress, chased but never shown as missed.
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
            due = act_by(procedure, calendar, facts, n, events)
            overdue = (
                due is not None
                and due.due is not None
                and today > due.due
                and not act_by_is_soft(procedure, n, own=due.key != "act_by")
            )
            result[n] = StageStatus.OVERDUE if overdue else StageStatus.IN_PROGRESS
    return result


def act_by_is_soft(procedure: Procedure, number: int, *, own: bool) -> bool:
    """Whether stage ``number``'s act-by is a "where possible" target: as the deadline it
    stands for is, the stage's own conclude-by (``own``) or else the next stage's
    start-by."""
    if own:
        t = procedure.stage(number).conclude_by
    else:
        t = procedure.stage(number + 1).start_by if number < len(procedure.stages) else None
    return t is not None and t.where_possible


def outstanding(procedure: Procedure, facts: CaseFacts, number: int) -> list[ChecklistItem]:
    done = facts.checklist_done.get(number, frozenset())
    return [c for c in procedure.stage(number).checklist if c.key not in done]


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
