"""Reads about partnerships, agencies and who holds which role. Nothing here changes data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Prefetch, Q, QuerySet
from django.db.models.fields.json import KT

from escalate.partnerships import permissions, versions
from escalate.partnerships.models import (
    Agency,
    Membership,
    Partnership,
    PartnershipRole,
    ProcedureVersion,
    RoleGrant,
)
from escalate.procedures.model import Role

if TYPE_CHECKING:
    from escalate.accounts.models import User

# The people a practitioner looks for in another agency: "the equivalent manager in the
# other agency" at the middle stages of every procedure.
DIRECTORY_ROLES = (Role.SAFEGUARDING_LEAD.value, Role.BOARD_REPRESENTATIVE.value)


def memberships_of(person: User) -> QuerySet[Membership]:
    """The person's agency roles, agency by agency."""
    return Membership.objects.filter(person=person).select_related("agency")


def partnership_roles_of(person: User) -> QuerySet[PartnershipRole]:
    """The person's roles in partnerships themselves (business unit, chair, ...)."""
    return PartnershipRole.objects.filter(person=person).select_related("partnership")


def agencies_of(person: User) -> QuerySet[Agency]:
    """The agencies the person holds any role in."""
    return Agency.objects.filter(memberships__person=person).distinct()


def partnerships_of(person: User) -> QuerySet[Partnership]:
    """Partnerships the person belongs to: through a role in a member agency or a role in
    the partnership itself. Each way is a subquery of its own (an ``OR`` across the two
    joins had read everyone's memberships: 3 ms a dashboard at the bench's 6,300)."""
    through_agency = Agency.partnerships.through.objects.filter(
        agency_id__in=Membership.objects.filter(person=person).values("agency_id")
    ).values("partnership_id")
    in_partnership = PartnershipRole.objects.filter(person=person).values("partnership_id")
    return Partnership.objects.filter(Q(pk__in=through_agency) | Q(pk__in=in_partnership))


def procedure_names(partnerships: Iterable[Partnership], on_date: dt.date) -> dict[int, str]:
    """The name of each partnership's procedure on ``on_date``, by partnership id: the
    version :func:`~escalate.partnerships.versions.in_force` finds (the live version
    with the latest effective date on or before the day; before every version's day,
    the earliest), read for all of them in one query, whose name is read from its
    snapshot by the database. A partnership that must first have its library
    definition stored (see :func:`~escalate.partnerships.versions.version_in_force`:
    once for each new library definition) is asked of ``in_force`` on its own."""
    asked = {p.pk: p for p in partnerships if p.pk is not None}
    live: dict[int, list[ProcedureVersion]] = {pk: [] for pk in asked}
    found = (
        ProcedureVersion.objects.filter(partnership_id__in=list(asked), status__in=versions.LIVE)
        .defer(*versions.LARGE)
        .annotate(procedure_name=KT("snapshot__name"))
        .order_by("partnership_id", *versions.IN_FORCE_ORDER)
    )
    for version in found:
        live[version.partnership_id].append(version)
    names: dict[int, str] = {}
    for pk, partnership in asked.items():
        ordered = live[pk]  # the latest effective date first: the earliest is last
        if not versions.stores_nothing_first(partnership, ordered[0] if ordered else None):
            names[pk] = versions.in_force(partnership, on_date).procedure.name
            continue
        dated = (v for v in ordered if v.effective_from and v.effective_from <= on_date)
        names[pk] = next(dated, ordered[-1]).procedure_name  # type: ignore[attr-defined]
    return names


@dataclass(frozen=True)
class ProcedureRow:
    """One of a person's partnerships' procedures, as the home page lists them: the
    procedure the partnership follows on the day, and whether the person writes it (so
    is shown its versions)."""

    partnership: Partnership
    procedure_name: str
    may_author: bool


def procedure_rows(
    person: User, partnerships: list[Partnership], on_date: dt.date
) -> list[ProcedureRow]:
    """The rows for ``partnerships``, in a few queries however many there are."""
    names = procedure_names(partnerships, on_date)
    authoring = permissions.authoring_partnership_ids(person, partnerships)
    return [ProcedureRow(p, names[p.pk], p.pk in authoring) for p in partnerships]


def people_in_role(agency: Agency, role: str) -> QuerySet[User]:
    """Active people holding ``role`` in ``agency``."""
    from escalate.accounts.models import User

    return User.objects.filter(
        is_active=True, memberships__agency=agency, memberships__role=role
    ).distinct()


@dataclass
class DirectoryAgency:
    agency: Agency
    is_own: bool
    safeguarding_leads: list[User] = field(default_factory=list)
    board_representatives: list[User] = field(default_factory=list)


@dataclass
class DirectoryPartnership:
    partnership: Partnership
    agencies: list[DirectoryAgency]


def directory_for(person: User) -> list[DirectoryPartnership]:
    """Per partnership the person belongs to, every member agency with its safeguarding
    leads and board representatives: who to contact in the other agency."""
    own_agency_ids = set(agencies_of(person).values_list("id", flat=True))
    contacts = Membership.objects.filter(
        role__in=DIRECTORY_ROLES, person__is_active=True
    ).select_related("person")
    partnerships = partnerships_of(person).prefetch_related(
        Prefetch(
            "agencies",
            queryset=Agency.objects.order_by("name").prefetch_related(
                Prefetch("memberships", queryset=contacts, to_attr="directory_contacts")
            ),
        )
    )
    result = []
    for partnership in partnerships:
        entries = []
        for agency in partnership.agencies.all():
            entry = DirectoryAgency(agency=agency, is_own=agency.id in own_agency_ids)
            for membership in sorted(
                agency.directory_contacts,  # type: ignore[attr-defined]
                key=lambda m: m.person.full_name.lower(),
            ):
                if membership.role == Role.SAFEGUARDING_LEAD.value:
                    entry.safeguarding_leads.append(membership.person)
                else:
                    entry.board_representatives.append(membership.person)
            entries.append(entry)
        result.append(DirectoryPartnership(partnership=partnership, agencies=entries))
    return result


def role_history(partnership: Partnership) -> QuerySet[RoleGrant]:
    """Roles given and taken away in ``partnership`` and its member agencies, newest
    first. (An agency's record shows in every partnership it belongs to now.)"""
    return RoleGrant.objects.filter(
        Q(partnership=partnership)
        | Q(
            agency__in=Agency.partnerships.through.objects.filter(partnership=partnership).values(
                "agency_id"
            )
        )
    ).order_by("-at", "-id")
