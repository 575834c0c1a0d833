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
        words = f"{_amount(t)} after {anchor_words} = {format_day(due)}"
        holidays = [
            f"{format_day(day)} {why}"
            for day, why in calendar.non_working_days(anchor_day + dt.timedelta(days=1), due)
            if why != "weekend"
        ]
        if holidays:
            words += f" (not counting {'; '.join(holidays)})"
        return due, words

    day_n = anchor_day + dt.timedelta(days=t.amount - 1)
    words = f"day {t.amount} (day 1 = {anchor_words}) = {format_day(day_n)}"
    if t.roll_forward and not calendar.is_working_day(day_n):
        due = calendar.on_or_after(day_n)
        return due, f"{words}, rolled to {format_day(due)}: {_skipped(calendar, day_n, due)}"
    return day_n, words


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
                        # The escalating side decides: this stage's roles, or an agency
                        # role of the later stage (a senior manager told directly).
                        _union(stage.roles, tuple(r for r in later.roles if r in AGENCY_ROLES)),
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


#: How each action reads in a refusal: "A practitioner cannot <verb> ...".
_VERBS: dict[Action, str] = {
    Action.RAISE: "raise a challenge",
    Action.RECORD: "add a note",
    Action.TICK: "tick off required actions",
    Action.RESOLVE: "record the disagreement as resolved",
    Action.ESCALATE: "escalate the case",
    Action.EXPEDITE: "expedite the case",
    Action.REFER_TO_PANEL: "refer the case to a panel",
    Action.WITHDRAW: "withdraw the challenge",
}


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
    """Raise :class:`Refused` unless ``role`` may do ``action`` now.

    Codes: ``closed`` (the case is resolved or withdrawn), ``wrong_stage`` (not possible
    at this stage of this procedure), ``forbidden`` (possible, but not by this role) and
    ``invalid`` (something missing or wrong in what was asked).
    """
    here = facts.current_stage
    last = len(procedure.stages)
    stage = procedure.stage(here)
    if action is Action.RAISE:
        raise Refused(
            "This case has already been raised. Record, escalate or resolve it instead.",
            code="wrong_stage",
        )
    if facts.status is not CaseStatus.OPEN and action not in ALLOWED_WHEN_CLOSED:
        raise Refused(
            f"This case has been {facts.status.value}, so you cannot {_VERBS[action]}. "
            "You can still add a note or a correction.",
            code="closed",
        )

    # What this stage of this procedure allows at all.
    if action is Action.ESCALATE:
        if here >= last:
            raise Refused(
                f"Stage {here} is the final stage of {procedure.name}, so it cannot be "
                "escalated any further. Record the outcome or recommendation and resolve it.",
                code="wrong_stage",
            )
        if to_stage is not None and to_stage > here + 1:
            raise Refused(
                f"Going from stage {here} straight to stage {to_stage} would skip "
                + (f"stage {here + 1}. " if to_stage == here + 2 else "stages. ")
                + (
                    "If someone is at immediate risk, expedite the case instead and give "
                    "the reason."
                    if procedure.expedite.allowed
                    else f"{procedure.name} does not allow skipping stages: escalate to "
                    f"stage {here + 1}."
                ),
                code="wrong_stage",
            )
        if to_stage is not None and to_stage <= here:
            raise Refused(
                f"The case is at stage {here}; escalating moves it on to stage {here + 1}, "
                f"not to stage {to_stage}.",
                code="wrong_stage",
            )
    if action is Action.EXPEDITE:
        if not procedure.expedite.allowed:
            raise Refused(
                f"{procedure.name} does not allow skipping stages, even when someone is at "
                f"immediate risk. {procedure.expedite.prompt}",
                code="wrong_stage",
            )
        if here >= last:
            raise Refused(
                f"Stage {here} is the final stage of {procedure.name}; there is no later "
                "stage to expedite the case to. Record the outcome and resolve it.",
                code="wrong_stage",
            )
        if here + 1 == last:
            raise Refused(
                f"There is no stage to skip: stage {last} is next, so escalate the case to it.",
                code="wrong_stage",
            )
        if to_stage is None or not here + 1 < to_stage <= last:
            raise Refused(
                "Choose the stage to expedite the case to: "
                + (
                    f"stage {here + 2}"
                    if here + 2 == last
                    else f"a stage from {here + 2} to {last}"
                )
                + (
                    f" (stage {here + 1} is next anyway: escalate to it instead)."
                    if to_stage == here + 1
                    else "."
                ),
                code="wrong_stage",
            )
    if action is Action.REFER_TO_PANEL:
        if stage.panel is None:
            raise Refused(
                f"Stage {here} ({stage.title}) of {procedure.name} has no panel to refer to.",
                code="wrong_stage",
            )
        if here in facts.panel_referred:
            raise Refused(
                f"This case has already been referred to the {stage.panel.name}.",
                code="invalid",
            )
    if action is Action.TICK and not stage.checklist:
        raise Refused(
            f"Stage {here} ({stage.title}) has no required actions to tick off.",
            code="wrong_stage",
        )

    allowed = _roles_for(procedure, facts, action, to_stage)
    if not allowed:  # pragma: no cover - every case above is refused already
        raise Refused(f"You cannot {_VERBS[action]} at stage {here}.", code="wrong_stage")
    if role not in allowed:
        raise Refused(
            f"{_a(role.label)} {role.label.lower()} cannot {_VERBS[action]} at stage {here} "
            f"({stage.title}) of {procedure.name}. At this stage that is for: "
            + "; ".join(r.label.lower() for r in allowed)
            + ".",
            code="forbidden",
        )

    # What the request itself must say.
    if action is Action.TICK:
        keys = [c.key for c in stage.checklist]
        if not item:
            raise Refused(
                f"Say which required action to tick off: {', '.join(keys)}.", code="invalid"
            )
        if item not in keys:
            raise Refused(
                f"Stage {here} has no required action called {item!r}; "
                f"its required actions are: {', '.join(keys)}.",
                code="invalid",
            )
    if action in (Action.EXPEDITE, Action.WITHDRAW) and not reason.strip():
        why = (
            "why someone is at immediate risk"
            if action is Action.EXPEDITE
            else "why the challenge is being withdrawn"
        )
        raise Refused(f"Give a reason to {action.value} this case: say {why}.", code="invalid")


def _a(label: str) -> str:
    return "An" if label[:1].lower() in "aeiou" else "A"


def _roles_for(
    procedure: Procedure, facts: CaseFacts, action: Action, to_stage: int | None
) -> tuple[Role, ...]:
    for move in next_moves(procedure, facts):
        if move.action is action and (to_stage is None or move.to_stage in (None, to_stage)):
            return move.roles
    return ()


def check_owner(procedure: Procedure, number: int, role: Role) -> None:
    """Raise :class:`Refused` unless ``role`` may be the one accountable owner of a stage."""
    stage = procedure.stage(number)
    if role not in stage.owners:
        owners = [r.label.lower() for r in stage.owners]
        who = (
            f"{_a(owners[0]).lower()} {owners[0]}"
            if len(owners) == 1
            else "one of: " + "; ".join(owners)
        )
        raise Refused(
            f"The owner of stage {number} ({stage.title}) must be {who}, "
            f"not {_a(role.label).lower()} {role.label.lower()}.",
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
        raise Refused(
            f"{_a(role.label)} {role.label.lower()} cannot raise a challenge: challenges are "
            "raised by someone working in a member agency ("
            + "; ".join(r.label.lower() for r in Role if r in AGENCY_ROLES)
            + ").",
            code="forbidden",
        )
    if arose > on:
        raise Refused(
            f"The concern cannot have arisen on {format_day(arose)}, after the day it is "
            f"raised ({format_day(on)}). Check the date the concern arose.",
            code="invalid",
        )
    last = len(procedure.stages)
    if not 1 <= start_stage <= last:
        raise Refused(
            f"{procedure.name} has stages 1 to {last}; there is no stage {start_stage}.",
            code="invalid",
        )
    if start_stage > 1:
        if not procedure.expedite.allowed:
            raise Refused(
                f"{procedure.name} always starts at stage 1, even when someone is at "
                f"immediate risk. {procedure.expedite.prompt}",
                code="wrong_stage",
            )
        if not immediate_risk:
            raise Refused(
                f"A case can start at stage {start_stage} only when someone is at immediate "
                "risk. Otherwise start at stage 1.",
                code="invalid",
            )
        if not reason.strip():
            raise Refused(
                f"Give the reason to start at stage {start_stage}: say why someone is at "
                "immediate risk.",
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
    stage = procedure.stage(start_stage)
    event = "case.raised" if start_stage == 1 else "case.expedited"
    notices = [
        Notice(
            Recipient.OTHER_PROFESSIONAL, event, start_stage, "the challenge is raised with them"
        )
    ]
    if start_stage > 1:
        notices.append(Notice(Recipient.STAGE_OWNER, event, start_stage, "they own this stage"))
    notices += _start_notices(stage, event)
    if start_stage > 1:  # starting late is a decision, like expediting
        notices += [
            Notice(r, event, start_stage, "told of every decision at every stage")
            for r in procedure.on_every_decision
        ]
    return Outcome(facts, _dedupe(notices))


#: Moves that conclude the current stage on the day given.
_DATED: frozenset[Action] = frozenset(
    {Action.ESCALATE, Action.EXPEDITE, Action.RESOLVE, Action.WITHDRAW}
)


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

    if action in _DATED:
        began = facts.stage_started.get(here, facts.arose)
        if on < began:
            raise Refused(
                f"You cannot {_VERBS[action]} on {format_day(on)}: stage {here} began on "
                f"{format_day(began)}. Check the date.",
                code="invalid",
            )

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
        # Expediting passes through the stages it skips: whoever they would have told
        # is told now (Warrington: the partnership manager when a case reaches step 4).
        for passed in procedure.stages[here - 1 : target - 1]:
            if passed.number > here:
                notices += _start_notices(passed, event)
            if passed.on_unresolved:
                notices += [
                    Notice(r, event, target, f"stage {passed.number}: {passed.on_unresolved.text}")
                    for r in passed.on_unresolved.notify
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
            Notice(r, event, here, f"referred to the {stage.panel.name}")
            for r in stage.panel.notify
        ]
        facts = replace(facts, panel_referred=facts.panel_referred | {here})
    elif action is Action.WITHDRAW:
        notices += [
            Notice(Recipient.STAGE_OWNER, event, here, "the case they own was withdrawn"),
            Notice(
                Recipient.OTHER_PROFESSIONAL, event, here, "the challenge to them was withdrawn"
            ),
            Notice(
                Recipient.RAISING_PRACTITIONER,
                event,
                here,
                "the challenge they raised was withdrawn",
            ),
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
