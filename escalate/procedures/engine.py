"""The procedure engine: deadlines, stage status, legal moves and notifications owed.

Everything here is a pure function of a :class:`Procedure`, a case's facts and a
:class:`WorkingCalendar`. The application stores cases; the engine decides.

This module checks moves and applies them (raising a case, escalating, resolving, ...)
and is where callers import the engine from. Its parts live in
:mod:`~escalate.procedures.vocabulary` (facts, statuses, deadlines, moves, notices,
refusals), :mod:`~escalate.procedures.deadlines` (due dates and stage status) and
:mod:`~escalate.procedures.moves` (what may happen next). What its notices say happened
are keys of :mod:`~escalate.procedures.events` ("case.escalated").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from escalate.procedures import events, routes, skips
from escalate.procedures.calendar import OutsideCalendar, covers, format_day
from escalate.procedures.deadlines import (
    act_by,
    deadline_for,
    outstanding,
    stage_deadlines,
    stage_statuses,
)
from escalate.procedures.model import (
    AGENCY_ROLES,
    Procedure,
    Protects,
    Recipient,
    Role,
)
from escalate.procedures.moves import next_moves
from escalate.procedures.owed import decision_notices, dedupe, moving_notices, start_notices
from escalate.procedures.skips import role_name, role_words
from escalate.procedures.vocabulary import (
    ALLOWED_WHEN_CLOSED,
    Action,
    CaseFacts,
    CaseStatus,
    Deadline,
    Move,
    Notice,
    Outcome,
    RefusalCode,
    Refused,
    StageDeadlines,
    StageStatus,
)

__all__ = [
    "AGENCY_ROLES",
    "ALLOWED_WHEN_CLOSED",
    "Action",
    "CaseFacts",
    "CaseStatus",
    "Deadline",
    "Move",
    "Notice",
    "Outcome",
    "RefusalCode",
    "Refused",
    "StageDeadlines",
    "StageStatus",
    "act_by",
    "apply",
    "check",
    "check_owner",
    "deadline_for",
    "next_moves",
    "outstanding",
    "raise_case",
    "stage_deadlines",
    "stage_statuses",
]


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
    Action.GIVE_NOTICE: "give notice of escalation",
    Action.RECORD_CONSULTATION: "record a consultation before skipping stages",
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

    Codes (:class:`RefusalCode`): ``CLOSED`` (the case is resolved or withdrawn),
    ``WRONG_STAGE`` (not possible at this stage of this procedure), ``FORBIDDEN``
    (possible, but not by this role) and ``INVALID`` (something missing or wrong in what
    was asked).
    """
    here = facts.current_stage
    last = len(procedure.stages)
    stage = procedure.stage(here)
    if action is Action.RAISE:
        raise Refused(
            "This case has already been raised. Record, escalate or resolve it instead.",
            code=RefusalCode.WRONG_STAGE,
        )
    if facts.status is not CaseStatus.OPEN and action not in ALLOWED_WHEN_CLOSED:
        raise Refused(
            f"This case has been {facts.status.value}, so you cannot {_VERBS[action]}. "
            "You can still add a note or a correction.",
            code=RefusalCode.CLOSED,
        )

    # What this stage of this procedure allows at all.
    if action is Action.ESCALATE:
        if here >= last:
            raise Refused(
                f"Stage {here} is the final stage of {procedure.name}, so it cannot be "
                "escalated any further. Record the outcome or recommendation and resolve it.",
                code=RefusalCode.WRONG_STAGE,
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
                code=RefusalCode.WRONG_STAGE,
            )
        if to_stage is not None and to_stage <= here:
            raise Refused(
                f"The case is at stage {here}; escalating moves it on to stage {here + 1}, "
                f"not to stage {to_stage}.",
                code=RefusalCode.WRONG_STAGE,
            )
    if action is Action.EXPEDITE:
        if not procedure.expedite.allowed:
            raise Refused(
                f"{procedure.name} does not allow skipping stages, even when someone is at "
                f"immediate risk.{_prompt(procedure)}",
                code=RefusalCode.WRONG_STAGE,
            )
        if here >= last:
            raise Refused(
                f"Stage {here} is the final stage of {procedure.name}; there is no later "
                "stage to expedite the case to. Record the outcome and resolve it.",
                code=RefusalCode.WRONG_STAGE,
            )
        if here + 1 == last:
            raise Refused(
                f"There is no stage to skip: stage {last} is next, so escalate the case to it.",
                code=RefusalCode.WRONG_STAGE,
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
                code=RefusalCode.WRONG_STAGE,
            )
        skips.check_reach(procedure, to_stage)
        skips.check_skipper(procedure, role)
    if action is Action.REFER_TO_PANEL:
        if stage.panel is None:
            raise Refused(
                f"Stage {here} ({stage.title}) of {procedure.name} has no panel to refer to.",
                code=RefusalCode.WRONG_STAGE,
            )
        if here in facts.panel_referred:
            raise Refused(
                f"This case has already been referred to the {stage.panel.name}.",
                code=RefusalCode.INVALID,
            )
    if action in skips.CONDITION_ACTIONS:
        skips.check_condition_move(procedure, facts, action)
    routes.check_ladder(procedure, facts, action)
    if action is Action.TICK and not stage.checklist:
        raise Refused(
            f"Stage {here} ({stage.title}) has no required actions to tick off.",
            code=RefusalCode.WRONG_STAGE,
        )

    allowed = _roles_for(procedure, facts, action, to_stage)
    if not allowed:  # pragma: no cover - every case above is refused already
        raise Refused(f"You cannot {_VERBS[action]} at stage {here}.", code=RefusalCode.WRONG_STAGE)
    if role not in allowed:
        raise Refused(
            f"{role_words(procedure, role, start=True)} cannot {_VERBS[action]} at stage "
            f"{here} ({stage.title}) of {procedure.name}. At this stage that is for: "
            + "; ".join(role_name(procedure, r) for r in allowed)
            + ".",
            code=RefusalCode.FORBIDDEN,
        )
    if action is Action.EXPEDITE and to_stage is not None:
        skips.check_consulted(procedure, facts.consulted, to_stage)
    if action is Action.ESCALATE:
        skips.check_notice(procedure, facts)

    # What the request itself must say.
    if action is Action.TICK:
        keys = [c.key for c in stage.checklist]
        if not item:
            raise Refused(
                f"Say which required action to tick off: {', '.join(keys)}.",
                code=RefusalCode.INVALID,
            )
        if item not in keys:
            raise Refused(
                f"Stage {here} has no required action called {item!r}; "
                f"its required actions are: {', '.join(keys)}.",
                code=RefusalCode.INVALID,
            )
    if action in (Action.EXPEDITE, Action.WITHDRAW) and not reason.strip():
        why = (
            "why someone is at immediate risk"
            if action is Action.EXPEDITE
            else "why the challenge is being withdrawn"
        )
        raise Refused(
            f"Give a reason to {action.value} this case: say {why}.", code=RefusalCode.INVALID
        )


def _prompt(procedure: Procedure) -> str:
    """The procedure's words on immediate risk, after a sentence (none: nothing)."""
    return f" {procedure.expedite.prompt}" if procedure.expedite.prompt else ""


def _require_known_days(*days: tuple[dt.date, str]) -> None:
    """Deadlines cannot be worked out past the years whose bank holidays are known: a
    day outside them is refused in plain words, not counted without bank holidays."""
    for day, what in days:
        if not covers(day):
            raise Refused(f"{OutsideCalendar(day).message} Check {what}.", code=RefusalCode.INVALID)


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
        owners = [role_name(procedure, r) for r in stage.owners]
        who = (
            role_words(procedure, stage.owners[0])
            if len(owners) == 1
            else "one of: " + "; ".join(owners)
        )
        raise Refused(
            f"The owner of stage {number} ({stage.title}) must be {who}, "
            f"not {role_words(procedure, role)}.",
            code=RefusalCode.INVALID,
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
    consulted: frozenset[Role] = frozenset(),
    kinds: frozenset[str] = frozenset(),
    person: Protects | None = None,
) -> Outcome:
    """Open a case at stage 1, or at a later stage when the procedure allows expediting
    (``consulted``: whom the person raising it consulted first, where a skip needs it;
    ``kinds``: the kinds of case they said apply, and ``person``: whom it is about, for
    the procedure's routes)."""
    if role not in AGENCY_ROLES:
        raise Refused(
            f"{role_words(procedure, role, start=True)} cannot raise a challenge: challenges "
            "are raised by someone working in a member agency ("
            + "; ".join(role_name(procedure, r) for r in Role if r in AGENCY_ROLES)
            + ").",
            code=RefusalCode.FORBIDDEN,
        )
    if arose > on:
        raise Refused(
            f"The concern cannot have arisen on {format_day(arose)}, after the day it is "
            f"raised ({format_day(on)}). Check the date the concern arose.",
            code=RefusalCode.INVALID,
        )
    _require_known_days((arose, "the date the concern arose"), (on, "the day it is raised"))
    last = len(procedure.stages)
    if not 1 <= start_stage <= last:
        raise Refused(
            f"{procedure.name} has stages 1 to {last}; there is no stage {start_stage}.",
            code=RefusalCode.INVALID,
        )
    routes.check_kinds(procedure, kinds, person)
    routes.check_start(procedure, CaseFacts(arose=arose, kinds=kinds), start_stage)
    if start_stage > 1:
        if not procedure.expedite.allowed:
            raise Refused(
                f"{procedure.name} always starts at stage 1, even when someone is at "
                f"immediate risk.{_prompt(procedure)}",
                code=RefusalCode.WRONG_STAGE,
            )
        skips.check_reach(procedure, start_stage, raising=True)
        skips.check_skipper(procedure, role)
        if not immediate_risk:
            raise Refused(
                f"A case can start at stage {start_stage} only when someone is at immediate "
                "risk. Otherwise start at stage 1.",
                code=RefusalCode.INVALID,
            )
        if not reason.strip():
            raise Refused(
                f"Give the reason to start at stage {start_stage}: say why someone is at "
                "immediate risk.",
                code=RefusalCode.INVALID,
            )
        skips.check_consulted(procedure, consulted, start_stage, raising=True)
    # Stage 1 begins the day the disagreement arose; an expedited case begins its
    # first stage on the day it is raised.
    started = {1: arose} if start_stage == 1 else {start_stage: on}
    facts = CaseFacts(
        arose=arose,
        stage_started=started,
        current_stage=start_stage,
        immediate_risk=immediate_risk,
        kinds=kinds,
        person=person,
    )
    event = events.notice_of(Action.RAISE if start_stage == 1 else Action.EXPEDITE)
    notices = [
        Notice(
            Recipient.OTHER_PROFESSIONAL, event, start_stage, "the challenge is raised with them"
        )
    ]
    if start_stage == 1:
        notices += start_notices(procedure.stage(1), event, 1)
    else:
        # Starting late is a decision taken at stage 1, like expediting from it: whoever
        # moving the case from stage 1 to here would tell is told now.
        notices.append(Notice(Recipient.STAGE_OWNER, event, start_stage, "they own this stage"))
        notices += moving_notices(procedure, 1, start_stage, event)
        notices += decision_notices(procedure, procedure.stage(1), event, start_stage)
    if immediate_risk:
        notices += skips.at_risk_notices(procedure, event, start_stage)
    notices += routes.raise_notices(procedure, kinds, event, start_stage)
    return Outcome(facts, dedupe(notices))


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
    _require_known_days((on, "the day of the move"))
    here = facts.current_stage
    stage = procedure.stage(here)
    notices: list[Notice] = []

    if action in _DATED:
        began = facts.stage_started.get(here, facts.arose)
        if on < began:
            raise Refused(
                f"You cannot {_VERBS[action]} on {format_day(on)}: stage {here} began on "
                f"{format_day(began)}. Check the date.",
                code=RefusalCode.INVALID,
            )

    if action is Action.RECORD:
        return Outcome(facts, ())
    if action in skips.CONDITION_ACTIONS:
        return skips.apply_condition_move(procedure, facts, action)
    if action is Action.TICK:
        done = dict(facts.checklist_done)
        done[here] = done.get(here, frozenset()) | {item or ""}
        return Outcome(replace(facts, checklist_done=done), ())
    event = events.notice_of(action)

    if action in (Action.ESCALATE, Action.EXPEDITE):
        target = to_stage or here + 1
        notices.append(Notice(Recipient.STAGE_OWNER, event, target, "they now own the case"))
        notices += moving_notices(procedure, here, target, event)
        if action is Action.EXPEDITE and not facts.immediate_risk:
            notices += skips.at_risk_notices(procedure, event, target)
        facts = replace(
            facts,
            current_stage=target,
            stage_started={**facts.stage_started, target: on},
            stage_concluded={**facts.stage_concluded, here: on},
            immediate_risk=facts.immediate_risk or action is Action.EXPEDITE,
            consulted=frozenset(),
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

    notices += decision_notices(procedure, stage, event, facts.current_stage)
    return Outcome(facts, dedupe(notices))
