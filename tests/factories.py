"""Test data: people, partnerships, agencies and cases, as plain functions.

``world(procedure_key)`` builds a partnership running that procedure, a raising agency
and an other agency with one person in every agency role each, and one person in every
partnership role, so any stage of any procedure has someone to own it.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from typing import Any

from escalate.accounts.models import User
from escalate.cases import services
from escalate.cases.models import Case, SubjectType
from escalate.partnerships.models import (
    Agency,
    Membership,
    Partnership,
    PartnershipKind,
    PartnershipRole,
    Sector,
)
from escalate.procedures import library
from escalate.procedures.model import Procedure, Protects, Role

_numbers = itertools.count(1)

AGENCY_ROLES = [
    Role.PRACTITIONER,
    Role.LINE_MANAGER,
    Role.SAFEGUARDING_LEAD,
    Role.SENIOR_MANAGER,
    Role.DIRECTOR,
    Role.BOARD_REPRESENTATIVE,
]
PARTNERSHIP_ROLES = [Role.BUSINESS_UNIT, Role.INDEPENDENT_CHAIR, Role.STATUTORY_PARTNER]


def _prefix(n: int) -> str:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return "T" + letters[(n // 26) % 26] + letters[n % 26]


def user(name: str | None = None, *, email: str | None = None, **extra: Any) -> User:
    n = next(_numbers)
    name = name or f"Person {n}"
    email = email or f"{name.lower().replace(' ', '.')}.{n}@example.org"
    return User.objects.create_user(email=email, full_name=name, **extra)


def partnership(procedure_key: str = "cheshire-east-sab", **extra: Any) -> Partnership:
    n = next(_numbers)
    procedure = library.get(procedure_key)
    kind = {
        Protects.ADULTS: PartnershipKind.ADULTS,
        Protects.CHILDREN: PartnershipKind.CHILDREN,
        Protects.BOTH: PartnershipKind.COMBINED,
    }[procedure.protects]
    defaults: dict[str, Any] = {
        "name": f"{procedure.partnership} {n}",
        "slug": f"p-{n}",
        "reference_prefix": _prefix(n),
        "kind": kind,
        "procedure_key": procedure_key,
        "region": procedure.region.value,
        "business_unit_email": f"business.unit.{n}@example.org",
    }
    defaults.update(extra)
    return Partnership.objects.create(**defaults)


def agency(
    name: str | None = None, *partnerships: Partnership, sector: str = Sector.OTHER, **extra: Any
) -> Agency:
    n = next(_numbers)
    created = Agency.objects.create(name=name or f"Agency {n}", sector=sector, **extra)
    created.partnerships.add(*partnerships)
    return created


def member(person: User, agency: Agency, role: Role | str) -> Membership:
    return Membership.objects.create(person=person, agency=agency, role=Role(role).value)


def partnership_role(person: User, partnership: Partnership, role: Role | str) -> PartnershipRole:
    value = role.value if isinstance(role, Role) else role
    return PartnershipRole.objects.create(person=person, partnership=partnership, role=value)


@dataclass
class World:
    """A partnership with two agencies and someone in every role."""

    partnership: Partnership
    raising: Agency
    other: Agency
    raising_people: dict[Role, User] = field(default_factory=dict)
    other_people: dict[Role, User] = field(default_factory=dict)
    partnership_people: dict[Role, User] = field(default_factory=dict)
    administrator: User | None = None

    @property
    def procedure(self) -> Procedure:
        return library.get(self.partnership.procedure_key)

    @property
    def raiser(self) -> User:
        return self.raising_people[Role.PRACTITIONER]

    @property
    def other_professional(self) -> User:
        return self.other_people[Role.PRACTITIONER]

    def person(self, role: Role, *, side: str = "raising") -> User:
        if role in PARTNERSHIP_ROLES:
            return self.partnership_people[role]
        return (self.raising_people if side == "raising" else self.other_people)[role]

    def one_of_each(self) -> list[User]:
        """Someone in each way of seeing cases: the raiser, the other professional, a
        manager, a safeguarding lead, a board representative of the other agency, each
        partnership role, and someone with no role at all."""
        return [
            self.raiser,
            self.other_professional,
            self.person(Role.LINE_MANAGER),
            self.person(Role.SAFEGUARDING_LEAD),
            self.person(Role.BOARD_REPRESENTATIVE, side="other"),
            self.person(Role.BUSINESS_UNIT),
            self.person(Role.INDEPENDENT_CHAIR),
            self.person(Role.STATUTORY_PARTNER),
            user("Nobody"),
        ]

    def owner_for(self, number: int) -> User:
        """Someone who may own stage ``number`` (its first owner role)."""
        return self.person(self.procedure.stage(number).owners[0])


def world(procedure_key: str = "cheshire-east-sab", *, label: str = "") -> World:
    p = partnership(procedure_key)
    tag = label or p.reference_prefix
    raising = agency(f"Raising agency {tag}", p, sector=Sector.LA_ADULTS)
    other = agency(
        f"Other agency {tag}",
        p,
        sector=Sector.NHS_TRUST,
        safeguarding_email=f"sg.{tag}@example.org",
    )
    w = World(p, raising, other)
    for side, agency_, people in (("r", raising, w.raising_people), ("o", other, w.other_people)):
        for role in AGENCY_ROLES:
            person = user(f"{side.upper()} {role.label} {tag}")
            member(person, agency_, role)
            people[role] = person
        manager = people[Role.LINE_MANAGER]
        for role in (Role.PRACTITIONER,):
            people[role].line_manager = manager
            people[role].save(update_fields=["line_manager"])
    for role in PARTNERSHIP_ROLES:
        person = user(f"{role.label} {tag}")
        partnership_role(person, p, role)
        w.partnership_people[role] = person
    w.administrator = user(f"Administrator {tag}")
    partnership_role(w.administrator, p, "administrator")
    return w


def case_details(w: World, **overrides: Any) -> dict[str, Any]:
    """Everything raise_case needs, valid for the world's procedure."""
    procedure = w.procedure
    subject = {
        Protects.ADULTS: SubjectType.ADULT,
        Protects.CHILDREN: SubjectType.CHILD,
        Protects.BOTH: SubjectType.ADULT,
    }[procedure.protects]
    details: dict[str, Any] = {
        "partnership": w.partnership,
        "raising_agency": w.raising,
        "other_agency": w.other,
        "other_professional_name": w.other_professional.full_name,
        "other_professional_email": w.other_professional.email,
        "subject_type": subject,
        "person_name": "Alex Example",
        "person_knows": True,
        "person_views": "Wants to stay at home.",
        "person_record_id": "AS-1234",
        "categories": [procedure.categories[0].key] if procedure.categories else [],
        "disagreement": "Whether the care package meets the person's needs.",
        "outcome_sought": "A joint review of the care plan.",
        "concern_arose_on": dt.date(2026, 12, 23),
    }
    details.update(overrides)
    return details


def raise_case(w: World, actor: User | None = None, **overrides: Any) -> Case:
    return services.raise_case(actor or w.raiser, **case_details(w, **overrides))


def escalate_to(w: World, case: Case, number: int, **kwargs: Any) -> Case:
    """Escalate stage by stage until the case is at stage ``number``; each move is made
    by the current stage's owner, naming the first owner role of the next stage."""
    while case.current_stage < number:
        actor = case.stages.get(number=case.current_stage).owner
        nxt = case.current_stage + 1
        case = services.escalate(
            actor,
            case,
            owner=w.owner_for(nxt),
            summary=f"Stage {case.current_stage} did not resolve it.",
            expected_version=case.version,
            **kwargs,
        )
    return case
