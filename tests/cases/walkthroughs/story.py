"""Moving a case along its procedure through the service layer, and who each move told.

Who is told is written as (recipient kind, who) pairs, as in ``test_walkthroughs``:
"R:role" is the raising agency's person in that role, "O:role" the other agency's,
"P:role" the partnership's, "BU mailbox" the business unit's address. Each move is made
by the current stage's owner unless ``by`` names someone else the same way.
"""

from __future__ import annotations

import datetime as dt

import factories
from test_walkthroughs import BU, OP, RP, told

from escalate.accounts.models import User
from escalate.cases import services
from escalate.cases.models import Case, Event
from escalate.procedures.model import Role

__all__ = [
    "BU",
    "OP",
    "RP",
    "Told",
    "at_stage",
    "escalate",
    "expedite",
    "flag_policy_issue",
    "person",
    "resolve",
    "start",
    "told_by_last_move",
    "withdraw",
]

Told = set[tuple[str, str]]
AROSE = dt.date(2026, 12, 23)
REASON = "The adult could come to serious harm tonight."


def person(w: factories.World, who: str) -> User:
    """The world's person called "R:senior_manager", "O:practitioner" or "P:independent_chair"."""
    side, role = who.split(":")
    if side == "P":
        return w.partnership_people[Role(role)]
    return w.person(Role(role), side="raising" if side == "R" else "other")


def owner(case: Case) -> User:
    return case.stages.get(number=case.current_stage).owner


def told_by_last_move(w: factories.World, case: Case) -> Told:
    """Who the case's latest change told."""
    latest = Event.objects.filter(case=case).exclude(action="case.viewed").order_by("-id").first()
    assert latest is not None
    return told(w, latest)


def start(w: factories.World, stage: int = 1) -> Case:
    """Raise the challenge, at ``stage`` (someone at immediate risk) if it is not 1, owned
    there by someone in the stage's first owner role."""
    if stage == 1:
        return factories.raise_case(w)
    return factories.raise_case(
        w,
        start_stage=stage,
        immediate_risk=True,
        referral_made=True,
        referral_made_on=AROSE,
        expedite_reason=REASON,
        owner=w.owner_for(stage),
    )


def at_stage(w: factories.World, number: int) -> Case:
    """A case raised at stage 1 and escalated stage by stage to ``number``."""
    return factories.escalate_to(w, start(w), number)


def escalate(w: factories.World, case: Case, *, by: str | None = None) -> Case:
    nxt = case.current_stage + 1
    return services.escalate(
        person(w, by) if by else owner(case),
        case,
        owner=w.owner_for(nxt),
        summary=f"Stage {case.current_stage} could not agree.",
        expected_version=case.version,
    )


def expedite(w: factories.World, case: Case, to: int, *, by: str | None = None) -> Case:
    return services.expedite(
        person(w, by) if by else owner(case),
        case,
        to_stage=to,
        reason=REASON,
        owner=w.owner_for(to),
        expected_version=case.version,
    )


def resolve(w: factories.World, case: Case, *, by: str | None = None) -> Case:
    return services.resolve(
        person(w, by) if by else owner(case),
        case,
        outcome="Agreed: a joint review of the care plan.",
        expected_version=case.version,
    )


def withdraw(w: factories.World, case: Case, *, by: str | None = None) -> Case:
    return services.withdraw(
        person(w, by) if by else owner(case),
        case,
        reason="The other agency has changed its decision.",
        expected_version=case.version,
    )


def flag_policy_issue(w: factories.World, case: Case, *, by: str = "R:practitioner") -> Case:
    services.flag_policy_issue(
        person(w, by),
        case,
        text="There is no shared out-of-hours contact list.",
        expected_version=case.version,
    )
    case.refresh_from_db()
    return case
