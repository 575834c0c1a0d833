"""The procedure engine: deadlines, stage status, legal moves and notifications owed.

Everything here is a pure function of a :class:`Procedure`, a case's facts and a
:class:`WorkingCalendar`. The application stores cases; the engine decides.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum

from escalate.procedures.calendar import WorkingCalendar, format_day
from escalate.procedures.model import (
    Anchor,
    ChecklistItem,
    Procedure,
    Recipient,
    Role,
    Stage,
    Timescale,
    Unit,
)

AGENCY_ROLES: frozenset[Role] = frozenset(
    {
        Role.PRACTITIONER,
        Role.LINE_MANAGER,
        Role.SAFEGUARDING_LEAD,
        Role.SENIOR_MANAGER,
        Role.DIRECTOR,
        Role.BOARD_REPRESENTATIVE,
    }
)


class Refused(Exception):
    """A move the procedure does not allow, with the reason in plain English."""

    def __init__(self, reason: str, *, code: str = "refused") -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


class CaseStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"
    WITHDRAWN = "withdrawn"


class StageStatus(StrEnum):
    NOT_REACHED = "not_reached"
    IN_PROGRESS = "in_progress"
    OVERDUE = "overdue"
    CONCLUDED = "concluded"
    SKIPPED = "skipped"


class Action(StrEnum):
    RAISE = "raise"
    RECORD = "record"
    TICK = "tick"
    RESOLVE = "resolve"
    ESCALATE = "escalate"
    EXPEDITE = "expedite"
    REFER_TO_PANEL = "refer_to_panel"
    WITHDRAW = "withdraw"


#: Moves still open once a case is closed: notes, corrections and check-backs.
ALLOWED_WHEN_CLOSED: frozenset[Action] = frozenset({Action.RECORD})


@dataclass(frozen=True)
class CaseFacts:
    """What the engine needs to know about a case. Immutable: moves return new facts."""

    arose: dt.date
    stage_started: Mapping[int, dt.date] = field(default_factory=dict)
    current_stage: int = 1
    status: CaseStatus = CaseStatus.OPEN
    immediate_risk: bool = False
    stage_concluded: Mapping[int, dt.date] = field(default_factory=dict)
    checklist_done: Mapping[int, frozenset[str]] = field(default_factory=dict)
    panel_referred: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Deadline:
    key: str
    label: str
    due: dt.date | None
    explanation: str
    role: Role | None = None

    def as_json(self) -> dict[str, str | None]:
        return {
            "key": self.key,
            "label": self.label,
            "due": self.due.isoformat() if self.due else None,
            "explanation": self.explanation,
        }


@dataclass(frozen=True)
class StageDeadlines:
    number: int
    title: str
    start_by: Deadline | None
    conclude_by: Deadline | None
    other: tuple[Deadline, ...] = ()

    @property
    def all(self) -> tuple[Deadline, ...]:
        return tuple(d for d in (self.start_by, self.conclude_by) if d) + self.other


@dataclass(frozen=True)
class Notice:
    """A notification the procedure says is owed."""

    recipient: Recipient
    event: str
    stage: int
    why: str


@dataclass(frozen=True)
class Move:
    """Something that may happen next, and who may do it."""

    action: Action
    roles: tuple[Role, ...]
    to_stage: int | None = None
    needs_reason: bool = False
    label: str = ""


@dataclass(frozen=True)
class Outcome:
    facts: CaseFacts
    notices: tuple[Notice, ...]


# ---------------------------------------------------------------- deadlines


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
        return due, f"{_amount(t)} after {anchor_words} = {format_day(due)}"

    day_n = anchor_day + dt.timedelta(days=t.amount - 1)
    words = f"day {t.amount} (day 1 = {anchor_words}) = {format_day(day_n)}"
    why_not = calendar.why_not_working(day_n)
    if t.roll_forward and why_not:
        due = calendar.on_or_after(day_n)
        return due, f"{words}, rolled to {format_day(due)}: {why_not}"
    return day_n, words


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
    result: dict[int, StageStatus] = {}
    for stage in procedure.stages:
        n = stage.number
        if n > facts.current_stage:
            result[n] = StageStatus.NOT_REACHED
        elif n < facts.current_stage:
            result[n] = (
                StageStatus.CONCLUDED if n in facts.stage_started else StageStatus.SKIPPED
            )
        elif facts.status is not CaseStatus.OPEN:
            result[n] = StageStatus.CONCLUDED
        else:
            due = act_by(procedure, calendar, facts, n)
            overdue = due is not None and due.due is not None and today > due.due
            result[n] = StageStatus.OVERDUE if overdue else StageStatus.IN_PROGRESS
    return result


def outstanding(procedure: Procedure, facts: CaseFacts, number: int) -> list[ChecklistItem]:
    done = facts.checklist_done.get(number, frozenset())
    return [c for c in procedure.stage(number).checklist if c.key not in done]


# ---------------------------------------------------------------- moves


def next_moves(procedure: Procedure, facts: CaseFacts) -> list[Move]:
    """What may happen next, and by which roles."""
    if facts.status is not CaseStatus.OPEN:
        return [Move(Action.RECORD, tuple(Role), label="Add a note or correction")]
    stage = procedure.stage(facts.current_stage)
    moves = [
        Move(Action.RECORD, tuple(Role), label="Record a contact, meeting or note"),
    ]
    if stage.checklist:
        moves.append(Move(Action.TICK, stage.roles, label="Tick a required action"))
    moves.append(
        Move(Action.RESOLVE, stage.roles, label=f"Record that stage {stage.number} resolved it")
    )
    if stage.number < len(procedure.stages):
        nxt = procedure.stage(stage.number + 1)
        moves.append(
            Move(
                Action.ESCALATE,
                stage.roles,
                to_stage=nxt.number,
                label=f"Escalate to stage {nxt.number}: {nxt.title}",
            )
        )
        if procedure.expedite.allowed:
            for later in procedure.stages[stage.number + 1 :]:
                moves.append(
                    Move(
                        Action.EXPEDITE,
                        _union(stage.roles, later.roles),
                        to_stage=later.number,
                        needs_reason=True,
                        label=f"Expedite to stage {later.number}: {later.title}",
                    )
                )
    if stage.panel and stage.number not in facts.panel_referred:
        moves.append(
            Move(Action.REFER_TO_PANEL, stage.roles, label=f"Refer to the {stage.panel.name}")
        )
    moves.append(
        Move(
            Action.WITHDRAW,
            _union((Role.PRACTITIONER,), stage.roles),
            needs_reason=True,
            label="Withdraw the challenge",
        )
    )
    return moves


def check(
    procedure: Procedure,
    facts: CaseFacts,
    action: Action,
    role: Role,
    *,
    to_stage: int | None = None,
    reason: str = "",
    item: str | None = None,
) -> None:
    """Raise :class:`Refused` unless ``role`` may do ``action`` now."""
    if action is Action.RAISE:
        raise Refused("A case is raised once, with raise_case.", code="wrong_stage")
    if facts.status is not CaseStatus.OPEN and action not in ALLOWED_WHEN_CLOSED:
        raise Refused(
            f"This case is {facts.status.value}; nothing more can be done at any stage. "
            "You can still add a note or a correction.",
            code="closed",
        )
    if action is Action.ESCALATE and to_stage is not None and to_stage > facts.current_stage + 1:
        raise Refused(
            f"Going from stage {facts.current_stage} straight to stage {to_stage} skips a stage. "
            + (
                "Expedite it instead, giving the reason someone is at immediate risk."
                if procedure.expedite.allowed
                else f"{procedure.name} does not allow skipping stages."
            ),
            code="wrong_stage",
        )
    if action is Action.ESCALATE and facts.current_stage >= len(procedure.stages):
        raise Refused(
            f"Stage {facts.current_stage} is the final stage of {procedure.name}; it cannot be "
            "escalated further. Record the outcome or recommendation and resolve it.",
            code="wrong_stage",
        )
    if action is Action.EXPEDITE:
        if not procedure.expedite.allowed:
            raise Refused(
                f"{procedure.name} does not allow skipping stages, even for immediate risk. "
                f"{procedure.expedite.prompt}",
                code="wrong_stage",
            )
        if to_stage is None or not facts.current_stage < to_stage <= len(procedure.stages):
            raise Refused(
                f"Choose a later stage to expedite to (stage {facts.current_stage + 1} to "
                f"{len(procedure.stages)}).",
                code="wrong_stage",
            )
    if action is Action.REFER_TO_PANEL:
        stage = procedure.stage(facts.current_stage)
        if stage.panel is None:
            raise Refused(
                f"Stage {stage.number} of {procedure.name} has no panel to refer to.",
                code="wrong_stage",
            )
        if stage.number in facts.panel_referred:
            raise Refused(f"This case was already referred to the {stage.panel.name}.")
    if action is Action.TICK:
        keys = {c.key for c in procedure.stage(facts.current_stage).checklist}
        if item not in keys:
            raise Refused(
                f"Stage {facts.current_stage} has no required action {item!r}.",
                code="invalid",
            )
    needs_reason = action in (Action.EXPEDITE, Action.WITHDRAW)
    if needs_reason and not reason.strip():
        raise Refused(f"Give a reason to {action.value} this case.", code="invalid")

    allowed = _roles_for(procedure, facts, action, to_stage)
    if role not in allowed:
        raise Refused(
            f"A {role.label.lower()} cannot {action.value.replace('_', ' ')} at stage "
            f"{facts.current_stage} of {procedure.name}; that is for: "
            + ", ".join(r.label.lower() for r in allowed)
            + ".",
            code="forbidden",
        )


def _roles_for(
    procedure: Procedure, facts: CaseFacts, action: Action, to_stage: int | None
) -> tuple[Role, ...]:
    for move in next_moves(procedure, facts):
        if move.action is action and (to_stage is None or move.to_stage in (None, to_stage)):
            return move.roles
    return ()


def check_owner(procedure: Procedure, number: int, role: Role) -> None:
    stage = procedure.stage(number)
    if role not in stage.owners:
        raise Refused(
            f"Stage {number} ({stage.title}) must be owned by a "
            + " or ".join(r.label.lower() for r in stage.owners)
            + f", not a {role.label.lower()}.",
            code="invalid",
        )


# ---------------------------------------------------------------- transitions


def raise_case(
    procedure: Procedure,
    role: Role,
    *,
    arose: dt.date,
    on: dt.date,
    start_stage: int = 1,
    immediate_risk: bool = False,
    reason: str = "",
) -> Outcome:
    """Open a case at stage 1, or at a later stage when the procedure allows expediting."""
    if role not in AGENCY_ROLES:
        raise Refused("Only someone working in a member agency can raise a challenge.")
    if arose > on:
        raise Refused("The date the concern arose cannot be in the future.", code="invalid")
    if not 1 <= start_stage <= len(procedure.stages):
        raise Refused(f"{procedure.name} has no stage {start_stage}.", code="invalid")
    if start_stage > 1:
        if not procedure.expedite.allowed:
            raise Refused(
                f"{procedure.name} always starts at stage 1. {procedure.expedite.prompt}",
                code="wrong_stage",
            )
        if not immediate_risk or not reason.strip():
            raise Refused(
                f"Starting at stage {start_stage} is only for someone at immediate risk: "
                "say so and give the reason.",
                code="invalid",
            )
    # Stage 1 begins the day the disagreement arose; an expedited case begins its
    # first stage on the day it is raised.
    started = {1: arose} if start_stage == 1 else {start_stage: on}
    facts = CaseFacts(
        arose=arose,
        stage_started=started,
        current_stage=start_stage,
        immediate_risk=immediate_risk,
    )
    notices = [
        Notice(Recipient.OTHER_PROFESSIONAL, "case.raised", start_stage, "the challenge is raised with them")
    ]
    if start_stage > 1:
        stage = procedure.stage(start_stage)
        notices.append(Notice(Recipient.STAGE_OWNER, "case.expedited", start_stage, "they own this stage"))
        notices += _start_notices(stage, "case.expedited")
    return Outcome(facts, _dedupe(notices))


def apply(
    procedure: Procedure,
    facts: CaseFacts,
    action: Action,
    role: Role,
    *,
    on: dt.date,
    to_stage: int | None = None,
    reason: str = "",
    item: str | None = None,
) -> Outcome:
    """Check the move, then return the case's new facts and the notifications owed."""
    check(procedure, facts, action, role, to_stage=to_stage, reason=reason, item=item)
    here = facts.current_stage
    stage = procedure.stage(here)
    event = f"case.{action.value}"
    notices: list[Notice] = []

    if action is Action.RECORD:
        return Outcome(facts, ())
    if action is Action.TICK:
        done = dict(facts.checklist_done)
        done[here] = done.get(here, frozenset()) | {item or ""}
        return Outcome(replace(facts, checklist_done=done), ())

    if action in (Action.ESCALATE, Action.EXPEDITE):
        target = to_stage or here + 1
        new_stage = procedure.stage(target)
        notices.append(Notice(Recipient.STAGE_OWNER, event, target, "they now own the case"))
        if stage.on_unresolved:
            notices += [
                Notice(r, event, target, f"stage {here}: {stage.on_unresolved.text}")
                for r in stage.on_unresolved.notify
            ]
        notices += _start_notices(new_stage, event)
        facts = replace(
            facts,
            current_stage=target,
            stage_started={**facts.stage_started, target: on},
            stage_concluded={**facts.stage_concluded, here: on},
            immediate_risk=facts.immediate_risk or action is Action.EXPEDITE,
        )
    elif action is Action.RESOLVE:
        for duty in stage.on_resolved:
            notices += [Notice(r, event, here, duty.text) for r in duty.recipients]
        facts = replace(
            facts,
            status=CaseStatus.RESOLVED,
            stage_concluded={**facts.stage_concluded, here: on},
        )
    elif action is Action.REFER_TO_PANEL:
        assert stage.panel is not None
        notices += [
            Notice(r, event, here, f"referred to the {stage.panel.name}") for r in stage.panel.notify
        ]
        facts = replace(facts, panel_referred=facts.panel_referred | {here})
    elif action is Action.WITHDRAW:
        notices += [
            Notice(Recipient.STAGE_OWNER, event, here, "the case they own was withdrawn"),
            Notice(Recipient.OTHER_PROFESSIONAL, event, here, "the challenge to them was withdrawn"),
        ]
        facts = replace(
            facts,
            status=CaseStatus.WITHDRAWN,
            stage_concluded={**facts.stage_concluded, here: on},
        )

    notices += [
        Notice(r, event, facts.current_stage, "told of every decision at every stage")
        for r in procedure.on_every_decision
    ]
    return Outcome(facts, _dedupe(notices))


def _start_notices(stage: Stage, event: str) -> list[Notice]:
    return [
        Notice(r, event, stage.number, f"stage {stage.number} ({stage.title}) has begun")
        for r in stage.notify_on_start
    ]


def _dedupe(notices: list[Notice]) -> tuple[Notice, ...]:
    seen: set[Recipient] = set()
    result = []
    for n in notices:
        if n.recipient not in seen:
            seen.add(n.recipient)
            result.append(n)
    return tuple(result)


def _union(*groups: tuple[Role, ...]) -> tuple[Role, ...]:
    result: list[Role] = []
    for group in groups:
        result += [r for r in group if r not in result]
    return tuple(result)
