"""What a new stage record needs, when a case is raised or moves on: its owner, the
counterpart opposite them and its deadlines."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from escalate.cases import deadlines
from escalate.cases.facts import calendar_for
from escalate.cases.models import NAME_MAX, Case
from escalate.cases.services.validation import Form
from escalate.procedures import engine
from escalate.procedures.model import PARTNERSHIP_ROLES, Procedure, Role
from escalate.procedures.words import article

if TYPE_CHECKING:
    from escalate.accounts.models import User
    from escalate.partnerships.models import Agency, Partnership


@dataclass(frozen=True)
class Owner:
    """Who owns a stage, and in which role."""

    user: User
    role: Role


@dataclass(frozen=True)
class Counterpart:
    """The named person in the other agency opposite a stage's owner (blank: none)."""

    name: str = ""
    email: str = ""
    user: User | None = None


def deadline_fields(
    procedure: Procedure, case: Case, facts: engine.CaseFacts, number: int
) -> dict[str, Any]:
    """start_by, conclude_by and act_by of one stage, and how each was worked out
    (counted from what has happened on the case so far: its acknowledgement, its
    discussions, its stages' escalations, the dates owners set)."""
    calendar = calendar_for(case.partnership)
    events = deadlines.case_events(case)
    stages = engine.stage_deadlines(
        procedure, calendar, arose=facts.arose, stage_started=facts.stage_started, events=events
    )
    here = stages[number - 1]
    act = engine.act_by(procedure, calendar, facts, number, events)
    explained: dict[str, Any] = {
        "start_by": here.start_by.as_json() if here.start_by else None,
        "conclude_by": here.conclude_by.as_json() if here.conclude_by else None,
        "act_by": act.as_json() if act else None,
        "other": [d.as_json() for d in here.other],
    }
    return {
        "start_by": here.start_by.due if here.start_by else None,
        "conclude_by": here.conclude_by.due if here.conclude_by else None,
        "act_by": act.due if act else None,
        "deadlines": explained,
    }


def check_owner(
    form: Form,
    case_partnership: Partnership,
    raising_agency: Agency,
    procedure: Procedure,
    number: int,
    owner: User | None,
    owner_role: Role | str | None,
) -> Owner | None:
    """The new stage owner must hold one of the stage's owner roles: an agency role in
    the raising agency, or a partnership role in the partnership."""
    from escalate.partnerships.models import Membership, PartnershipRole

    stage = procedure.stage(number)
    if owner is None:
        form.add("owner", f"Choose who owns stage {number} ({stage.title}).")
        return None
    if not owner.is_active:
        form.add("owner", f"{owner} can no longer sign in, so cannot own stage {number}.")
        return None
    held = {
        Role(r)
        for r in Membership.objects.filter(person=owner, agency=raising_agency).values_list(
            "role", flat=True
        )
    } | {
        Role(r)
        for r in PartnershipRole.objects.filter(
            person=owner, partnership=case_partnership
        ).values_list("role", flat=True)
        if r in {p.value for p in Role}
    }
    where = {
        role: (case_partnership.name if role in PARTNERSHIP_ROLES else raising_agency.name)
        for role in stage.owners
    }
    if owner_role:
        try:
            role = Role(owner_role)
        except ValueError:
            form.add("owner_role", f"{owner_role!r} is not a role.")
            return None
        try:
            engine.check_owner(procedure, number, role)
        except engine.Refused as refused:
            form.add("owner_role", refused.reason)
            return None
        if role not in held:
            form.add(
                "owner",
                f"{owner} is not {article(role.label)} {role.label.lower()} in {where[role]}.",
            )
            return None
        return Owner(owner, role)
    for role in stage.owners:
        if role in held:
            return Owner(owner, role)
    wanted = " or ".join(
        f"{article(r.label).lower()} {r.label.lower()} in {where[r]}" for r in stage.owners
    )
    form.add(
        "owner", f"The owner of stage {number} ({stage.title}) must be {wanted}; {owner} is not."
    )
    return None


def counterpart(
    form: Form,
    other_agency: Agency,
    owner_role: Role | None,
    name: str,
    email: str,
) -> Counterpart:
    """The named person in the other agency opposite the stage owner.

    When none is given, the other agency's only holder of the owner's role is taken (the
    opposite manager); otherwise it stays blank and the other agency's safeguarding
    address is told instead.
    """
    from escalate.accounts.models import User
    from escalate.partnerships.models import Membership

    name = form.text(
        "counterpart_name", name, label="the counterpart's name", limit=NAME_MAX, required=False
    )
    address = form.email(
        "counterpart_email", email, label="the counterpart's email address", required=False
    )
    if address and not name:
        form.add("counterpart_name", "Enter the counterpart's name as well as their email address.")
    if name and not address:
        form.add("counterpart_email", "Enter the counterpart's email address.")
    if name and address:
        user = User.objects.filter(
            email__iexact=address, is_active=True, memberships__agency=other_agency
        ).first()
        return Counterpart(name, address, user)
    if owner_role is not None and owner_role not in PARTNERSHIP_ROLES:
        opposite = list(
            Membership.objects.filter(
                agency=other_agency, role=owner_role.value, person__is_active=True
            ).select_related("person")[:2]
        )
        if len(opposite) == 1:
            person = opposite[0].person
            return Counterpart(person.full_name, person.email, person)
    return Counterpart()
