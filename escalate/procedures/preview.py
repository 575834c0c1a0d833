"""Previews of a procedure before it is published: who each move tells, and a case's
deadlines.

:func:`who_is_told` asks the engine itself: it makes each move of the procedure (raise,
resolve, escalate, expedite, panel referral, withdrawal, at every stage) on a case
standing where the move is made, and reads who the engine's notices go to, so the
preview says exactly what the engine will do. :func:`deadline_rows` works out a case's
deadlines with the engine's deadline functions. Pure Python: nothing here imports
Django.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from escalate.procedures import engine
from escalate.procedures.calendar import OutsideCalendar, WorkingCalendar, covers, format_day
from escalate.procedures.engine import Action, CaseFacts, Notice, Outcome, Refused
from escalate.procedures.model import AGENCY_ROLES, Procedure, Recipient, Role
from escalate.procedures.naming import RoleNames
from escalate.procedures.words import recipient_words as named_recipient_words

#: The day the preview's moves are made on: a Wednesday, far from bank holidays.
_DAY = dt.date(2026, 1, 14)
_REASON = "Someone is at immediate risk."

#: "Policy issue flagged" may happen at any stage: its :attr:`MoveTold.stage` is this.
ANY_STAGE = 0


@dataclass(frozen=True)
class MoveTold:
    """Who one move tells. ``stage`` is the stage the move is made at (the stage a case
    is raised at, for raising; :data:`ANY_STAGE` for a policy issue)."""

    stage: int
    #: "Stage 1 starts", "Stage 1 resolved", "Stage 1 escalated to stage 2", "Stage 1
    #: expedited to stage 3", "Raised at stage 3 (someone at immediate risk)", "Panel
    #: referral", "Policy issue flagged", "Withdrawn".
    move: str
    #: Who is told, in words, in the order the engine tells them.
    told: tuple[str, ...]


def who_is_told(procedure: Procedure) -> list[MoveTold]:
    """Who every move of ``procedure`` tells, stage by stage, as the engine decides; a
    policy issue last. Raising is listed as it may be made: plainly, with someone at
    immediate risk (where the procedure tells someone more of that) and as each kind
    of case its routes name (where the route tells someone). So is giving notice
    before escalating, where a stage needs it. A move the procedure does not allow
    (skipping stages where it may not, raising at a stage it cannot start at) is not
    listed."""
    last = len(procedure.stages)
    rows: list[MoveTold] = []
    for stage in procedure.stages:
        n = stage.number
        rows += _raising_rows(procedure, n)
        moves: list[tuple[str, Action, int | None]] = [
            (f"Stage {n} resolved", Action.RESOLVE, None)
        ]
        if n < last:
            if stage.notice_before_escalation:
                moves.append(
                    (f"Notice given that stage {n} will be escalated", Action.GIVE_NOTICE, None)
                )
            moves.append((f"Stage {n} escalated to stage {n + 1}", Action.ESCALATE, n + 1))
            if procedure.expedite.allowed:
                moves += [
                    (f"Stage {n} expedited to stage {m}", Action.EXPEDITE, m)
                    for m in range(n + 2, last + 1)
                ]
        if stage.panel is not None:
            moves.append(("Panel referral", Action.REFER_TO_PANEL, None))
        moves.append(("Withdrawn", Action.WITHDRAW, None))
        facts = _standing_at(procedure, n)
        for words, action, to_stage in moves:
            outcome = _move(procedure, _before(facts, action), action, to_stage)
            if outcome is not None:
                rows.append(MoveTold(n, words, _words(outcome.notices, procedure.role_names)))
    rows.append(
        MoveTold(
            ANY_STAGE,
            "Policy issue flagged",
            _told(policy_issue_told(procedure), procedure.role_names),
        )
    )
    return rows


def _raising_rows(procedure: Procedure, number: int) -> list[MoveTold]:
    """Raising a case at stage ``number``: plainly (at a later stage: always with
    someone at immediate risk); and, where that tells someone more, at stage 1 with
    someone at immediate risk and as each kind of case the procedure's routes name."""
    raised = _raise_at(procedure, number)
    if raised is None:
        return []
    start = (
        "Stage 1 starts" if number == 1 else f"Raised at stage {number} (someone at immediate risk)"
    )
    plain = _words(raised.notices, procedure.role_names)
    rows = [MoveTold(number, start, plain)]
    variants: list[tuple[str, Outcome | None]] = []
    if number == 1 and procedure.expedite.notify:
        at_risk = _raise_at(procedure, 1, immediate_risk=True)
        variants.append(("Stage 1 starts (someone at immediate risk)", at_risk))
    for route in procedure.routes:
        if route.notify:
            routed = _raise_at(procedure, number, kinds=frozenset({route.when}))
            variants.append((f"{start}, as “{route.label}”", routed))
    for words, outcome in variants:
        if outcome is not None and set(_words(outcome.notices, procedure.role_names)) != set(plain):
            rows.append(MoveTold(number, words, _words(outcome.notices, procedure.role_names)))
    return rows


def _raise_at(
    procedure: Procedure,
    number: int,
    *,
    immediate_risk: bool = False,
    kinds: frozenset[str] = frozenset(),
) -> Outcome | None:
    """A case raised at stage ``number`` (beyond stage 1: someone at immediate risk),
    of the ``kinds`` given, by the first agency role the engine lets; ``None`` if it
    cannot start there."""
    extra: dict[str, Any] = _accepted(engine.raise_case, kinds=kinds) if kinds else {}
    if number == 1:
        if immediate_risk:
            extra.update(immediate_risk=True)
    elif procedure.expedite.allowed:
        extra.update(
            _accepted(
                engine.raise_case,
                start_stage=number,
                immediate_risk=True,
                reason=_REASON,
                consulted=frozenset(Role),
            )
        )
    else:
        return None

    def make(role: Role) -> Outcome:
        return engine.raise_case(procedure, role, arose=_DAY, on=_DAY, **extra)

    return _first(make, _AGENCY_FIRST)


def policy_issue_told(procedure: Procedure) -> tuple[Recipient, ...]:
    """Who flagging a policy issue tells: whom the procedure sends policy issues to,
    then the business unit, which keeps the partnership's list of them. (Where nobody
    holds the independent chair's role, the statutory partners are told instead: the
    application knows that, the definition does not.)"""
    told = tuple(procedure.policy_issues.notify)
    return told if Recipient.BUSINESS_UNIT in told else (*told, Recipient.BUSINESS_UNIT)


#: Who tries a move first: those who raise challenges, then the rest.
_AGENCY_FIRST: tuple[Role, ...] = tuple(r for r in Role if r in AGENCY_ROLES)


def _first(make: Callable[[Role], Outcome], roles: tuple[Role, ...]) -> Outcome | None:
    """The outcome for the first role the engine lets make the move; ``None`` if it lets
    nobody (the move is not possible in this procedure)."""
    for role in roles:
        try:
            return make(role)
        except Refused:
            continue
    return None


def _accepted(function: Callable[..., Any], **wanted: Any) -> dict[str, Any]:
    """The keyword arguments ``function`` takes, of those wanted (the engine grows new
    preconditions, such as a consultation before a skip; the preview meets them all)."""
    taken = inspect.signature(function).parameters
    return {k: v for k, v in wanted.items() if k in taken}


def _standing_at(procedure: Procedure, number: int) -> CaseFacts:
    """A case open at stage ``number``, every earlier stage escalated on the same day,
    with whatever a move may need first already recorded (consultations, notices)."""
    facts = CaseFacts(
        arose=_DAY,
        stage_started={n: _DAY for n in range(1, number + 1)},
        current_stage=number,
        stage_concluded={n: _DAY for n in range(1, number)},
    )
    ready: dict[str, Any] = {
        "consulted": frozenset(Role),
        "notice_given": frozenset(range(1, len(procedure.stages) + 1)),
    }
    known = {f.name for f in dataclasses.fields(CaseFacts)}
    return dataclasses.replace(facts, **{k: v for k, v in ready.items() if k in known})


def _before(facts: CaseFacts, action: Action) -> CaseFacts:
    """The case as it stands before ``action``: before notice is given, none has been."""
    if action is not Action.GIVE_NOTICE:
        return facts
    return dataclasses.replace(facts, notice_given=facts.notice_given - {facts.current_stage})


def _move(
    procedure: Procedure, facts: CaseFacts, action: Action, to_stage: int | None
) -> Outcome | None:
    allowed = [
        m.roles
        for m in engine.next_moves(procedure, facts)
        if m.action is action and (to_stage is None or m.to_stage == to_stage)
    ]
    roles = tuple(dict.fromkeys(r for group in allowed for r in group)) or tuple(Role)
    reason = _REASON if action in (Action.EXPEDITE, Action.WITHDRAW) else ""
    return _first(
        lambda role: engine.apply(
            procedure, facts, action, role, on=_DAY, to_stage=to_stage, reason=reason
        ),
        roles,
    )


def recipient_words(
    recipient: Recipient, stage: int | None = None, names: RoleNames | None = None
) -> str:
    """Who a recipient is, in words (:func:`escalate.procedures.words.recipient_words`:
    by the procedure's ``names`` for the roles); the stage's owner by the stage they
    own."""
    if recipient is Recipient.STAGE_OWNER and stage:
        return f"the owner of stage {stage}"
    return named_recipient_words(recipient, names)


def _words(notices: tuple[Notice, ...], names: RoleNames) -> tuple[str, ...]:
    return tuple(dict.fromkeys(recipient_words(n.recipient, n.stage, names) for n in notices))


def _told(recipients: tuple[Recipient, ...], names: RoleNames) -> tuple[str, ...]:
    return tuple(dict.fromkeys(recipient_words(r, names=names) for r in recipients))


# ---------------------------------------------------------------- deadlines


class PreviewDates(ValueError):
    """Dates a deadline preview cannot use, each problem in plain words."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class DeadlineRow:
    """One deadline of a case: "Start by", due Wed 14 Jan 2026, and how it was worked
    out."""

    label: str
    due: dt.date | None
    #: The due date as pages show it ("Wed 14 Jan 2026"), or "not yet known".
    due_words: str
    explanation: str


@dataclass(frozen=True)
class StageDeadlineRows:
    """A stage's deadlines; none means no fixed timescale."""

    number: int
    title: str
    rows: tuple[DeadlineRow, ...]


def stage_started_problems(
    procedure: Procedure, arose: dt.date, stage_started: Mapping[int, dt.date]
) -> list[str]:
    """What is wrong with a case's dates, in plain words (empty when nothing is): days
    outside the known years, stages the procedure does not have, a stage starting
    before the concern arose or before the stage before it."""
    problems: list[str] = []
    last = len(procedure.stages)
    for day, what in [(arose, "the day the concern arose"), *_named(stage_started)]:
        if not covers(day):
            problems.append(f"{OutsideCalendar(day).message} Check {what}.")
    for number, day in sorted(stage_started.items()):
        if not 1 <= number <= last:
            problems.append(f"{procedure.name} has stages 1 to {last}, not {number}.")
        elif day < arose:
            problems.append(
                f"Stage {number} cannot start on {format_day(day)}, before the concern arose "
                f"on {format_day(arose)}."
            )
    ordered = sorted((n, d) for n, d in stage_started.items() if 1 <= n <= last)
    for (a, a_day), (b, b_day) in zip(ordered, ordered[1:], strict=False):
        if b_day < a_day:
            problems.append(
                f"Stage {b} cannot start on {format_day(b_day)}, before stage {a} started on "
                f"{format_day(a_day)}."
            )
    return problems


def _named(stage_started: Mapping[int, dt.date]) -> list[tuple[dt.date, str]]:
    return [(day, f"the day stage {n} started") for n, day in sorted(stage_started.items())]


def deadline_rows(
    procedure: Procedure,
    arose: dt.date,
    stage_started: Mapping[int, dt.date] | None = None,
    calendar: WorkingCalendar | None = None,
) -> list[StageDeadlineRows]:
    """Every stage's deadlines for a concern that arose on ``arose``, each stage begun on
    the day given (stage 1: the day the concern arose unless given), worked out by the
    engine with the region's bank holidays (or ``calendar``: a partnership's own).
    :class:`PreviewDates` for dates it cannot use."""
    started = dict(stage_started or {})
    problems = stage_started_problems(procedure, arose, started)
    if problems:
        raise PreviewDates(problems)
    calendar = calendar or WorkingCalendar.for_region(procedure.region)
    try:
        stages = engine.stage_deadlines(procedure, calendar, arose=arose, stage_started=started)
    except OutsideCalendar as exc:  # a deadline past the last year known
        raise PreviewDates([exc.message]) from None
    return [
        StageDeadlineRows(
            s.number,
            s.title,
            tuple(
                DeadlineRow(
                    d.label,
                    d.due,
                    format_day(d.due) if d.due else "not yet known",
                    d.explanation,
                )
                for d in s.all
            ),
        )
        for s in stages
    ]
