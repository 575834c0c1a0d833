"""What may happen next in a case, and which roles may do it."""

from __future__ import annotations

from escalate.procedures import routes
from escalate.procedures.model import AGENCY_ROLES, Procedure, Role
from escalate.procedures.skips import condition_moves, reachable, skippers
from escalate.procedures.vocabulary import Action, CaseFacts, CaseStatus, Move


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
        Move(Action.RESOLVE, stage.resolvers, label=f"Record that stage {stage.number} resolved it")
    )
    # A case that goes elsewhere instead of up the stages (``[[routes]]``) is never moved on.
    if stage.number < len(procedure.stages) and routes.diverted(procedure, facts) is None:
        nxt = procedure.stage(stage.number + 1)
        moves.append(
            Move(
                Action.ESCALATE,
                stage.escalators,
                to_stage=nxt.number,
                label=f"Escalate to stage {nxt.number}: {nxt.title}",
            )
        )
        if procedure.expedite.allowed:
            for later in procedure.stages[stage.number + 1 :]:
                if not reachable(procedure, later.number):
                    break
                moves.append(
                    Move(
                        Action.EXPEDITE,
                        # The escalating side decides: whoever may escalate this stage, or
                        # an agency role of the later stage (a senior manager told
                        # directly); only the roles the procedure names, where it does.
                        skippers(procedure)
                        or _union(
                            stage.escalators, tuple(r for r in later.roles if r in AGENCY_ROLES)
                        ),
                        to_stage=later.number,
                        needs_reason=True,
                        label=f"Expedite to stage {later.number}: {later.title}",
                    )
                )
    moves += condition_moves(procedure, facts, moves)
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


def _union(*groups: tuple[Role, ...]) -> tuple[Role, ...]:
    result: list[Role] = []
    for group in groups:
        result += [r for r in group if r not in result]
    return tuple(result)
