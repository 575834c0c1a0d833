"""Deadlines and where each stage stands: when things are due, and why, in words.

Pure functions of a :class:`Procedure`, a case's facts and a :class:`WorkingCalendar`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from escalate.procedures.calendar import WorkingCalendar, format_day
from escalate.procedures.model import (
    Anchor,
    ChecklistItem,
    Procedure,
    Role,
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
    """
    started = {1: arose, **(stage_started or {})}
    result = []
    for stage in procedure.stages:

        def make(key: str, label: str, t: Timescale, role: Role | None = None) -> Deadline:
            due, why = deadline_for(
                t,
                calendar,
                arose=arose,
                stage_started=started.get(stage.number),  # noqa: B023
                stage_number=stage.number,  # noqa: B023
            )
            return Deadline(key, label, due, why, role)

        result.append(
            StageDeadlines(
                number=stage.number,
                title=stage.title,
                start_by=make("start_by", "Start by", stage.start_by) if stage.start_by else None,
                conclude_by=(
                    make("conclude_by", "Conclude by", stage.conclude_by)
                    if stage.conclude_by
                    else None
                ),
                other=tuple(
                    make(d.key, d.label, d.timescale, d.role) for d in stage.other_deadlines
                ),
            )
        )
    return result


def act_by(
    procedure: Procedure, calendar: WorkingCalendar, facts: CaseFacts, number: int
) -> Deadline | None:
    """When the owner of a stage must have resolved or escalated it.

    The stage's own conclude-by; failing that, the next stage's start-by (Cheshire East
    step 1 has no end of its own, but step 2 must start by day 3).
    """
    all_deadlines = stage_deadlines(
        procedure, calendar, arose=facts.arose, stage_started=facts.stage_started
    )
    here = all_deadlines[number - 1]
    if here.conclude_by and here.conclude_by.due:
        return here.conclude_by
    if number < len(all_deadlines):
        nxt = all_deadlines[number]
        if nxt.start_by and nxt.start_by.due:
            return Deadline(
                "act_by",
                f"Resolve or escalate to stage {number + 1} by",
                nxt.start_by.due,
                f"stage {number + 1} must start by then: {nxt.start_by.explanation}",
            )
    return None


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
