"""Who a move tells, by the procedure's rules: those told when a stage begins, when a
stage is left unresolved, of every decision at a stage or at every stage; each
recipient once. The engine (:mod:`~escalate.procedures.engine`) adds these to the
notices of each move. Pure Python: nothing here imports Django.
"""

from __future__ import annotations

from escalate.procedures.model import Procedure, Recipient, Stage
from escalate.procedures.vocabulary import Notice


def moving_notices(procedure: Procedure, here: int, target: int, event: str) -> list[Notice]:
    """Who moving a case on from stage ``here`` to stage ``target`` tells (besides the new
    owner): each stage left unresolved says whom to tell, and each stage begun whom it
    tells. Expediting (or starting late) passes through the stages it skips, so whoever
    they would have told is told now (Warrington: the partnership manager when a case
    reaches step 4). Every notice is about the stage the case is now at."""
    notices: list[Notice] = []
    for passed in procedure.stages[here - 1 : target - 1]:
        if passed.number > here:
            notices += start_notices(passed, event, target)
        if passed.on_unresolved:
            notices += [
                Notice(r, event, target, f"stage {passed.number}: {passed.on_unresolved.text}")
                for r in passed.on_unresolved.notify
            ]
    return notices + start_notices(procedure.stage(target), event, target)


def decision_notices(procedure: Procedure, stage: Stage, event: str, at: int) -> list[Notice]:
    """Who is told of a decision made at ``stage``: those told of every decision at it,
    and those told of every decision at every stage."""
    return [
        Notice(r, event, at, f"told of every decision at stage {stage.number} ({stage.title})")
        for r in stage.on_every_decision
    ] + [
        Notice(r, event, at, "told of every decision at every stage")
        for r in procedure.on_every_decision
    ]


def start_notices(stage: Stage, event: str, at: int) -> list[Notice]:
    return [
        Notice(r, event, at, f"stage {stage.number} ({stage.title}) has begun")
        for r in stage.notify_on_start
    ]


def dedupe(notices: list[Notice]) -> tuple[Notice, ...]:
    seen: set[Recipient] = set()
    result = []
    for n in notices:
        if n.recipient not in seen:
            seen.add(n.recipient)
            result.append(n)
    return tuple(result)
