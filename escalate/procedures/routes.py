"""Routes that depend on the case: whom it is about (a joint procedure's stage may be
heard by one forum for an adult and another for a child: ``forum_for``) and what kind of
case it is (``[[routes]]``: a looked-after child, a matter already before a child
protection conference) where such a case goes to a named officer, told when it is
raised, instead of up the stages (``instead_of_ladder``) or as well.

:mod:`~escalate.procedures.engine` asks these when it raises a case and checks a move;
:mod:`~escalate.procedures.moves` when it lists what may happen next. Pure Python:
nothing here imports Django.
"""

from __future__ import annotations

from collections.abc import Iterable

from escalate.procedures.base import listed
from escalate.procedures.model import Procedure, Protects, Route
from escalate.procedures.vocabulary import Action, CaseFacts, Notice, RefusalCode, Refused
from escalate.procedures.words import the

#: Whom a case is about, by the case's subject type ("a family" is a child's case).
PERSON_GROUPS: dict[str, Protects] = {
    "adult": Protects.ADULTS,
    "child": Protects.CHILDREN,
    "family": Protects.CHILDREN,
}

#: The moves up the stages that a route "instead of the ladder" stops.
LADDER_MOVES = frozenset({Action.ESCALATE, Action.EXPEDITE})


def person_group(subject_type: str) -> Protects | None:
    """Adults or children, for a case about ``subject_type`` (None: not known)."""
    return PERSON_GROUPS.get(subject_type)


def forum(procedure: Procedure, number: int, person: Protects | None) -> str | None:
    """The forum that hears stage ``number`` for a case about ``person`` (None: the
    stage names no forum of its own, or whom the case is about is not known)."""
    chosen = procedure.stage(number).forum_for
    if chosen is None or person is None:
        return None
    return chosen.adults if person is Protects.ADULTS else chosen.children


def routes_for(procedure: Procedure, kinds: Iterable[str]) -> list[Route]:
    """The procedure's routes for the kinds of case given, in the procedure's order."""
    given = set(kinds)
    return [r for r in procedure.routes if r.when in given]


def diverted(procedure: Procedure, facts: CaseFacts) -> Route | None:
    """The route that takes this case off the stages, if any."""
    return next((r for r in routes_for(procedure, facts.kinds) if r.instead_of_ladder), None)


def check_kinds(procedure: Procedure, kinds: Iterable[str], person: Protects | None) -> None:
    """Refuse kinds of case the procedure does not list, and kinds for someone else
    (a looked-after child's route for a case about an adult) (``INVALID``)."""
    known = {r.when: r for r in procedure.routes}
    unknown = [k for k in kinds if k not in known]
    if unknown:
        raise Refused(
            f"{procedure.name} lists no such kind of case ({listed(sorted(unknown))}): "
            "choose from the list.",
            code=RefusalCode.INVALID,
        )
    for route in routes_for(procedure, kinds):
        group = route.applies_to
        if group is not None and person is not None and group is not person:
            whom = "an adult" if person is Protects.ADULTS else "a child or a family"
            raise Refused(
                f"“{route.label}” is for cases about {group.value}; this case is about "
                f"{whom}. Untick it, or check who is at risk.",
                code=RefusalCode.INVALID,
            )


def check_ladder(procedure: Procedure, facts: CaseFacts, action: Action) -> None:
    """Refuse moving up the stages a case that goes elsewhere instead (``ROUTED``)."""
    route = diverted(procedure, facts)
    if route is None or action not in LADDER_MOVES:
        return
    raise Refused(
        f"{route.label}: {procedure.name} sends such a case to {the(route.go_to)} instead "
        "of up the stages."
        + (f" {route.how}" if route.how else "")
        + " Record what they decide, then resolve or withdraw the case here.",
        code=RefusalCode.ROUTED,
    )


def check_start(procedure: Procedure, facts: CaseFacts, start_stage: int) -> None:
    """Refuse raising at a later stage a case that goes elsewhere instead."""
    if start_stage > 1:
        check_ladder(procedure, facts, Action.EXPEDITE)


def raise_notices(procedure: Procedure, kinds: Iterable[str], event: str, at: int) -> list[Notice]:
    """Who the routes of the kinds of case given tell when the case is raised."""
    return [
        Notice(recipient, event, at, f"{route.label}: the procedure sends it to {the(route.go_to)}")
        for route in routes_for(procedure, kinds)
        for recipient in route.notify
    ]
