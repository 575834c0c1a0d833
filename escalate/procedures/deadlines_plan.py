"""Counting deadlines fast: each procedure made once into a plan of its stages' rules,
and deadlines whose explanation is worked out when first read. Used by
:mod:`escalate.procedures.deadlines`. Pure Python: nothing here imports Django.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from escalate.procedures.calendar import WorkingCalendar
from escalate.procedures.model import Anchor, Procedure, Region, Role, Stage, Timescale, Unit
from escalate.procedures.timescales import in_words
from escalate.procedures.vocabulary import Deadline, StageDeadlines


@dataclass(frozen=True)
class CaseEvents:
    """When the events a timescale may count from happened on a case, and the dates
    stage owners set (:class:`~escalate.procedures.timescales.Anchor`, ``set_by_owner``,
    ``owner_may_shorten``). Unknown events: deadlines counted from them are not yet due.
    """

    #: The day the other professional acknowledged the challenge.
    acknowledged: dt.date | None = None
    #: The day of the first meeting or contact recorded at each stage, by number.
    first_discussion: Mapping[int, dt.date] = field(default_factory=dict)
    #: The day each stage was escalated, by number (else: the next stage's start).
    escalated: Mapping[int, dt.date] = field(default_factory=dict)
    #: Dates stage owners set, by (stage number, deadline key).
    set_by_owner: Mapping[tuple[int, str], dt.date] = field(default_factory=dict)


NO_EVENTS = CaseEvents()


class Explained(Deadline):
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


def explained(
    key: str, label: str, due: dt.date, role: Role | None, how: tuple[Any, ...]
) -> Deadline:
    """A :class:`Deadline` whose explanation is ``how[0](*how[1:])``, when first read."""
    made: Deadline = _new(Explained)
    made.__dict__.update(key=key, label=label, due=due, role=role, _how=how)
    return made


def _rule_words(
    t: Timescale,
    calendar: WorkingCalendar,
    arose: dt.date,
    stage_started: dt.date | None,
    stage_number: int,
) -> str:
    from escalate.procedures.deadlines import deadline_for  # it uses this module

    return deadline_for(
        t, calendar, arose=arose, stage_started=stage_started, stage_number=stage_number
    )[1]


def counted_simply(t: Timescale) -> bool:
    """Counted from the concern arising or the stage starting, in working or calendar
    days, with no date an owner sets: the same for every case with those days."""
    return (
        t.anchor in (Anchor.CONCERN_AROSE, Anchor.STAGE_STARTED)
        and t.unit in (Unit.WORKING_DAYS, Unit.CALENDAR_DAYS)
        and not t.owner_may_shorten
    )


def soft_label(label: str, t: Timescale) -> str:
    """ "Where possible, conclude by" for a target the document softens."""
    return f"Where possible, {label[:1].lower()}{label[1:]}" if t.where_possible else label


class Rule:
    """One deadline of one stage, ready to count."""

    __slots__ = (
        "from_arose",
        "key",
        "label",
        "number",
        "role",
        "roll",
        "simple",
        "span",
        "timescale",
        "unknown",
        "working_days",
    )

    def __init__(self, key: str, label: str, t: Timescale, role: Role | None, number: int) -> None:
        label = soft_label(label, t)
        self.key, self.label, self.timescale, self.role, self.number = key, label, t, role, number
        self.simple = counted_simply(t)
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
                f"{in_words(t)} counted from the day stage {number} begins, not yet known",
                role,
            )
        )

    def deadline(
        self, calendar: WorkingCalendar, arose: dt.date, started: dt.date | None
    ) -> Deadline:
        """As :func:`~escalate.procedures.deadlines.deadline_for`, with the explanation
        worked out when first read (for a rule :func:`counted_simply`)."""
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
        made: Deadline = _new(Explained)
        fields = made.__dict__  # quicker than update(), for the most made
        fields["key"] = self.key
        fields["label"] = self.label
        fields["due"] = due
        fields["role"] = self.role
        fields["_how"] = (_rule_words, self.timescale, calendar, arose, started, self.number)
        return made


NONE, AROSE, START, BOTH, EVENTS = "none", "arose", "start", "both", "events"


class StagePlan:
    __slots__ = ("conclude_by", "kind", "number", "other", "start_by", "title", "unknown")

    def __init__(self, stage: Stage) -> None:
        n = self.number = stage.number
        self.title = stage.title
        self.start_by = (
            Rule("start_by", "Start by", stage.start_by, None, n) if stage.start_by else None
        )
        self.conclude_by = (
            Rule("conclude_by", "Conclude by", stage.conclude_by, None, n)
            if stage.conclude_by
            else None
        )
        self.other = tuple(
            Rule(d.key, d.label, d.timescale, d.role, n) for d in stage.other_deadlines
        )
        rules = self.rules
        from_arose = any(r.from_arose for r in rules)
        from_start = not all(r.from_arose for r in rules)
        #: What its deadlines count from: nothing (it has none), only the concern
        #: arising, only the stage's start, both, or events of the case (and dates its
        #: owner sets), counted afresh each time.
        self.kind = (
            EVENTS
            if not all(r.simple for r in rules)
            else (BOTH if from_start else AROSE)
            if from_arose
            else (START if rules else NONE)
        )
        #: The stage's deadlines whatever the case when it has none; while it has not
        #: begun when they all count from its start. (Unused otherwise.)
        self.unknown = (
            self.deadlines(NO_CALENDAR, dt.date.min, None)
            if self.kind in (NONE, START)
            else StageDeadlines(self.number, self.title, None, None)
        )

    @property
    def rules(self) -> list[Rule]:
        return [r for r in (self.start_by, self.conclude_by, *self.other) if r is not None]

    def deadlines(
        self, calendar: WorkingCalendar, arose: dt.date, started: dt.date | None
    ) -> StageDeadlines:
        start_by, conclude_by = self.start_by, self.conclude_by
        return stage_deadlines_of(
            self.number,
            self.title,
            start_by.deadline(calendar, arose, started) if start_by else None,
            conclude_by.deadline(calendar, arose, started) if conclude_by else None,
            tuple([r.deadline(calendar, arose, started) for r in self.other]),
        )


def stage_deadlines_of(
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


class Plan:
    """A procedure's deadlines, stage by stage, ready to count."""

    __slots__ = ("stages",)

    def __init__(self, procedure: Procedure) -> None:
        self.stages = [StagePlan(stage) for stage in procedure.stages]


#: Never asked about a day: for deadlines not yet known.
NO_CALENDAR = WorkingCalendar(Region.ENGLAND_AND_WALES)

#: Each procedure's plan by the procedure's id, with the procedure (kept, so that its id
#: is not reused while here). Procedures are few and long-lived (the library's, and
#: those kept with cases, parsed once each by the application).
_PLANS: dict[int, tuple[Procedure, Plan]] = {}
_PLANS_KEPT = 256
_PLANS_LOCK = threading.Lock()


def plan(procedure: Procedure) -> Plan:
    found = _PLANS.get(id(procedure))
    if found is not None and found[0] is procedure:
        return found[1]
    made = Plan(procedure)
    with _PLANS_LOCK:
        while len(_PLANS) >= _PLANS_KEPT:
            del _PLANS[next(iter(_PLANS))]  # the oldest
        _PLANS[id(procedure)] = (procedure, made)
    return made
