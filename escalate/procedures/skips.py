"""The conditions some procedures put on a move, beyond who acts at a stage: who may
skip stages, how far, after consulting whom (``[expedite] skip_roles``, ``skip_up_to``,
``skip_needs_consultation``); the notice an agency gives the other organisation before
it escalates (a stage's ``notice_before_escalation``); and who is told the moment a case
is marked as at immediate risk (``expedite.notify``).

:mod:`~escalate.procedures.engine` asks these when it checks and applies a move. Pure
Python: nothing here imports Django.
"""

from __future__ import annotations

from dataclasses import replace

from escalate.procedures import events
from escalate.procedures.base import listed
from escalate.procedures.model import Procedure, Recipient, Role
from escalate.procedures.vocabulary import (
    Action,
    CaseFacts,
    Move,
    Notice,
    Outcome,
    RefusalCode,
    Refused,
)
from escalate.procedures.words import article, mid_sentence

#: Why those named in ``expedite.notify`` are told.
_AT_RISK_WHY = "someone is at immediate risk: the procedure says to tell them at once"


def role_name(procedure: Procedure, role: Role) -> str:
    """A role as this procedure names it, mid-sentence: "head of service" (an initialism
    such as "LADO", or a name in capitals such as "Designated Officer", kept as it is)."""
    return mid_sentence(procedure.role_label(role))


def role_words(procedure: Procedure, role: Role, *, start: bool = False) -> str:
    """A role as this procedure names it, with its article: "a head of service" (at the
    ``start`` of a sentence: "A head of service")."""
    label = role_name(procedure, role)
    a = article(label)
    return f"{a if start else a.lower()} {label}"


def skippers(procedure: Procedure) -> tuple[Role, ...]:
    """Who the procedure lets skip stages, where it names them (empty: not limited)."""
    return procedure.expedite.skip_roles


def reachable(procedure: Procedure, to_stage: int) -> bool:
    """Whether a skip may reach ``to_stage`` (``skip_up_to``)."""
    up_to = procedure.expedite.skip_up_to
    return up_to is None or to_stage <= up_to


def check_reach(procedure: Procedure, to_stage: int | None, *, raising: bool = False) -> None:
    """Refuse a skip beyond ``skip_up_to`` (``SKIP_TOO_FAR``)."""
    up_to = procedure.expedite.skip_up_to
    if to_stage is None or up_to is None or to_stage <= up_to:
        return
    how = "start a case at" if raising else "expedite a case to"
    raise Refused(
        f"{procedure.name} lets you skip stages only as far as stage {up_to}, even when "
        f"someone is at immediate risk; you cannot {how} stage {to_stage}. "
        + (f"Start at a stage up to {up_to}." if raising else f"Choose a stage up to {up_to}."),
        code=RefusalCode.SKIP_TOO_FAR,
    )


def check_skipper(procedure: Procedure, role: Role) -> None:
    """Refuse a skip by a role ``skip_roles`` does not name (``SKIP_ROLE``)."""
    allowed = skippers(procedure)
    if not allowed or role in allowed:
        return
    named = listed([role_words(procedure, r) for r in allowed], "or")
    raise Refused(
        f"In {procedure.name} only {named} may skip stages, even when someone is at "
        f"immediate risk; {role_words(procedure, role)} cannot. Ask one of them to do it.",
        code=RefusalCode.SKIP_ROLE,
    )


def check_consulted(
    procedure: Procedure, consulted: frozenset[Role], to_stage: int, *, raising: bool = False
) -> None:
    """Refuse a skip before the consultation the procedure needs is recorded
    (``NEEDS_CONSULTATION``)."""
    needed = procedure.expedite.skip_needs_consultation
    if needed is None or needed in consulted:
        return
    who = role_words(procedure, needed)
    how = (
        "say who you consulted when you raise the case"
        if raising
        else "record the consultation on the case first"
    )
    raise Refused(
        f"{procedure.name} lets you skip to stage {to_stage} only after consulting {who}: {how}.",
        code=RefusalCode.NEEDS_CONSULTATION,
    )


def check_notice(procedure: Procedure, facts: CaseFacts) -> None:
    """Refuse to escalate a stage whose notice of escalation is not recorded yet
    (``NEEDS_NOTICE``)."""
    here = facts.current_stage
    stage = procedure.stage(here)
    if not stage.notice_before_escalation or here in facts.notice_given:
        return
    raise Refused(
        f"{procedure.name} says the other organisation must be told that you intend to "
        f"escalate before stage {here} ({stage.title}) is escalated. Give notice of "
        "escalation on the case first; then escalate.",
        code=RefusalCode.NEEDS_NOTICE,
    )


def at_risk_notices(procedure: Procedure, event: str, at: int) -> list[Notice]:
    """Who the procedure tells the moment a case is marked as at immediate risk."""
    return [
        Notice(
            r, event, at, "someone is at immediate risk: the procedure says to tell them at once"
        )
        for r in procedure.expedite.notify
    ]


# ---------------------------------------------------------------- the moves that meet them

#: The moves that meet a procedure's conditions rather than decide anything.
CONDITION_ACTIONS: frozenset[Action] = frozenset({Action.GIVE_NOTICE, Action.RECORD_CONSULTATION})


def condition_moves(procedure: Procedure, facts: CaseFacts, moves: list[Move]) -> list[Move]:
    """The moves that meet the conditions of the moves offered (``moves``): giving notice
    before escalating, by whoever may escalate; recording the consultation before a
    skip, by whoever may skip."""
    stage = procedure.stage(facts.current_stage)
    found: list[Move] = []
    escalating = [m for m in moves if m.action is Action.ESCALATE]
    if escalating and stage.notice_before_escalation and stage.number not in facts.notice_given:
        found.append(
            Move(
                Action.GIVE_NOTICE,
                escalating[0].roles,
                label="Give notice that you intend to escalate",
            )
        )
    needed = procedure.expedite.skip_needs_consultation
    skipping = [m for m in moves if m.action is Action.EXPEDITE]
    if skipping and needed is not None and needed not in facts.consulted:
        found.append(
            Move(
                Action.RECORD_CONSULTATION,
                skipping[0].roles,
                label=f"Record your consultation with {role_words(procedure, needed)}",
            )
        )
    return found


def check_condition_move(procedure: Procedure, facts: CaseFacts, action: Action) -> None:
    """Refuse giving notice, or recording a consultation, where the stage does not need
    it or it is done already."""
    here = facts.current_stage
    stage = procedure.stage(here)
    if action is Action.GIVE_NOTICE:
        if not stage.notice_before_escalation or here == len(procedure.stages):
            raise Refused(
                f"Stage {here} ({stage.title}) of {procedure.name} needs no notice before it "
                "is escalated.",
                code=RefusalCode.WRONG_STAGE,
            )
        if here in facts.notice_given:
            raise Refused(
                f"Notice that you intend to escalate stage {here} has already been given.",
                code=RefusalCode.REFUSED,
            )
    if action is Action.RECORD_CONSULTATION:
        needed = procedure.expedite.skip_needs_consultation
        can_skip = (
            procedure.expedite.allowed
            and here + 2 <= len(procedure.stages)
            and reachable(procedure, here + 2)
        )
        if needed is None or not can_skip:
            raise Refused(
                f"No consultation needs recording: {procedure.name} does not ask for one "
                f"before skipping stages from stage {here}.",
                code=RefusalCode.WRONG_STAGE,
            )
        if needed in facts.consulted:
            raise Refused(
                f"Your consultation with {role_words(procedure, needed)} at stage {here} has "
                "already been recorded.",
                code=RefusalCode.REFUSED,
            )


def apply_condition_move(procedure: Procedure, facts: CaseFacts, action: Action) -> Outcome:
    """The facts once notice is given or the consultation recorded, and who is told."""
    here = facts.current_stage
    if action is Action.GIVE_NOTICE:
        event = events.notice_of(action)
        why = "the agency that raised the challenge intends to escalate it"
        return Outcome(
            replace(facts, notice_given=facts.notice_given | {here}),
            (
                Notice(Recipient.OTHER_PROFESSIONAL, event, here, why),
                Notice(Recipient.COUNTERPART, event, here, why),
            ),
        )
    needed = procedure.expedite.skip_needs_consultation
    assert needed is not None
    return Outcome(replace(facts, consulted=facts.consulted | {needed}), ())
