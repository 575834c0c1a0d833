"""Who holds the roles stored deadlines name, for many cases at once (read by the
reminders, :mod:`escalate.notifications.reminders`; re-exported by
:mod:`escalate.cases.deadlines`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from escalate.partnerships.models import Membership, PartnershipRole
from escalate.procedures.model import PARTNERSHIP_ROLES, Role


@dataclass(frozen=True)
class Holder:
    """Someone holding a role a deadline names, with their line manager if any."""

    user_id: int
    email: str
    manager_id: int | None = None
    manager_email: str = ""
    manager_active: bool = False


@dataclass(frozen=True)
class RoleAsk:
    """Whose holders of ``role`` are wanted: those of one case."""

    case_id: int
    partnership_id: int
    raising_agency_id: int
    other_agency_id: int
    role: str


def role_holders(asks: Iterable[RoleAsk]) -> dict[tuple[int, str], list[Holder]]:
    """The active people holding each asked role in each case, by (case id, role): a
    partnership role in the case's partnership, an agency role in its raising or other
    agency. Two queries however many are asked."""
    asks = list(asks)
    by_partnership: dict[tuple[int, str], list[Holder]] = {}
    by_agency: dict[tuple[int, str], list[Holder]] = {}
    person = (
        "person_id",
        "person__email",
        "person__line_manager_id",
        "person__line_manager__email",
        "person__line_manager__is_active",
    )
    p_roles = {a.role for a in asks if Role(a.role) in PARTNERSHIP_ROLES}
    a_roles = {a.role for a in asks if Role(a.role) not in PARTNERSHIP_ROLES}
    if p_roles:
        for pid, role, *who in PartnershipRole.objects.filter(
            partnership_id__in={a.partnership_id for a in asks},
            role__in=p_roles,
            person__is_active=True,
        ).values_list("partnership_id", "role", *person):
            by_partnership.setdefault((pid, role), []).append(_holder(who))
    if a_roles:
        agencies = {a.raising_agency_id for a in asks} | {a.other_agency_id for a in asks}
        for aid, role, *who in Membership.objects.filter(
            agency_id__in=agencies, role__in=a_roles, person__is_active=True
        ).values_list("agency_id", "role", *person):
            by_agency.setdefault((aid, role), []).append(_holder(who))
    result: dict[tuple[int, str], list[Holder]] = {}
    for a in asks:
        if Role(a.role) in PARTNERSHIP_ROLES:
            found = by_partnership.get((a.partnership_id, a.role), [])
        else:
            found = [
                *by_agency.get((a.raising_agency_id, a.role), []),
                *by_agency.get((a.other_agency_id, a.role), []),
            ]
        unique = {h.user_id: h for h in found}
        result[(a.case_id, a.role)] = sorted(unique.values(), key=lambda h: h.user_id)
    return result


def _holder(who: Sequence[Any]) -> Holder:
    user_id, email, manager_id, manager_email, manager_active = who
    return Holder(
        user_id, email.lower(), manager_id, (manager_email or "").lower(), bool(manager_active)
    )
