"""A person's own stored deadlines: which are theirs (of stages they own, or naming a
role they hold in the case), on cases they may see, soonest first, in a constant number
of queries however many there are (their SQL compiled once per process,
:mod:`escalate.cases.compiled`); read by the dashboard
(:mod:`escalate.cases.dashboard`) and :func:`escalate.cases.deadlines.deadlines_owned_by`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet

from escalate import clock
from escalate.cases import compiled
from escalate.cases.deadlines import (
    DeadlineRow,
    calendars_for,
    open_deadlines,
    role_words,
    status,
)
from escalate.cases.models import Case, CaseDeadline
from escalate.cases.visibility import GATES, visible_q
from escalate.partnerships.models import Membership, PartnershipRole
from escalate.partnerships.permissions import is_active_person
from escalate.procedures.model import MANAGERS

if TYPE_CHECKING:
    from escalate.accounts.models import User


def owned(user: User | Any) -> Q:
    """Which stored deadlines are ``user``'s (met or not, on cases they may see or not):
    those of stages they own, and those naming a role they hold in the case (in its
    partnership, or in either of its agencies). The same query for everyone but for
    ``user``'s id."""
    if not is_active_person(user):
        return Q(pk__in=[])
    in_partnership = PartnershipRole.objects.filter(
        person_id=user.pk, role=OuterRef("role"), partnership_id=OuterRef("case__partnership_id")
    )
    in_agency = Membership.objects.filter(person_id=user.pk, role=OuterRef("role")).filter(
        Q(agency_id=OuterRef("case__raising_agency_id"))
        | Q(agency_id=OuterRef("case__other_agency_id"))
    )
    return Q(owner_stage__owner_id=user.pk) | Q(Exists(in_partnership)) | Q(Exists(in_agency))


def _seen_by_holding() -> Q:
    """Whether the role a deadline names lets whoever holds it, where :func:`owned`
    asks, see the case too (:func:`~escalate.cases.visibility.case_branches`): a
    manager's role in either of the case's agencies always does; a board
    representative's role in either, or a partnership role in its partnership, from the
    stage the case's gate for that role names (:data:`~escalate.cases.visibility.GATES`).
    Any other role (a practitioner's) never does by itself."""
    q = Q(role__in=sorted(r.value for r in MANAGERS))
    for role, gate in GATES.items():
        q |= Q(role=role.value, case__current_stage__gte=F(f"case__{gate}"))
    return q


_MANAGER_ROLES = frozenset(r.value for r in MANAGERS)


def settled_by_holding(roles: Iterable[str]) -> bool:
    """Whether someone holding only ``roles`` (the roles of all their memberships and
    partnership roles) sees the case of every deadline naming one of them by holding
    it: true of managers' roles alone (:func:`_seen_by_holding`), so the test of each
    case in :func:`owned_deadline_ids` finds nothing more for them and is left out of
    their query (planning it, as the separate part it was then, had cost PostgreSQL
    5-13 ms a dashboard)."""
    return all(role in _MANAGER_ROLES for role in roles)


def roles_held(user: User | Any) -> set[str]:
    """Every role ``user`` holds, in an agency or a partnership (one query)."""
    return set(
        Membership.objects.filter(person_id=user.pk)
        .order_by()
        .values_list("role", flat=True)
        .union(PartnershipRole.objects.filter(person_id=user.pk).order_by().values_list("role"))
    )


def owned_deadline_ids(user: User | Any, *, managers_only: bool = False) -> QuerySet[Any]:
    """The ids of the deadlines not met yet that are ``user``'s (:func:`owned`), on
    cases they may see: a stage's owner always may; someone holding the role a deadline
    names, when that role lets them (:func:`_seen_by_holding`) or else when the case
    passes :func:`~escalate.cases.visibility.visible_q`'s test, asked of that one case
    (a subquery run for each row the role did not settle, which PostgreSQL cannot turn
    into a join: as a join it read all 100,000 cases' rows to test a practitioner's
    208 candidates, 74-95 ms). What someone sees is never worked out whole (the ids of
    the 15,400 cases one agency's line manager sees at 100,000 had been read to keep 9
    of their deadlines: 12-58 ms). Two parts, sharing no row. ``managers_only``: for
    someone whose roles :func:`settled_by_holding` (the test of the case, which finds
    nothing more for them, left out)."""
    own = owned(user)
    stage_owners = Q(owner_stage__owner_id=user.pk)
    # Only the roles they hold: each read from the index of deadlines by role.
    held = (
        Membership.objects.filter(person_id=user.pk)
        .order_by()
        .values("role")
        .union(PartnershipRole.objects.filter(person_id=user.pk).order_by().values("role"))
    )
    by_role = (
        CaseDeadline.objects.filter(own & ~stage_owners, met_on__isnull=True)
        .exclude(role="")
        .filter(role__in=held)
        .order_by()
    )
    seen = _seen_by_holding()
    if not managers_only:
        seen |= Q(Exists(Case.objects.filter(visible_q(user), pk=OuterRef("case_id"))))
    return (
        CaseDeadline.objects.filter(stage_owners, met_on__isnull=True)
        .order_by()
        .values("pk")
        .union(by_role.filter(seen).values("pk"), all=True)
    )


def owned_deadlines(user: User | Any, *, managers_only: bool = False) -> QuerySet[CaseDeadline]:
    """The deadlines not met yet that are ``user``'s (:func:`owned_deadline_ids`, with
    ``managers_only`` as there), soonest first."""
    if not is_active_person(user):
        return CaseDeadline.objects.none()
    kept = compiled.compile_once(
        ("owned_deadline_ids", managers_only),
        lambda: owned_deadline_ids(compiled.standin(), managers_only=managers_only),
    )
    ids = kept.subquery(compiled.values_for(user))
    return (
        open_deadlines()
        .filter(pk__in=ids)
        .select_related("case", "case__partnership", "owner_stage")
        .only(
            *(f.name for f in CaseDeadline._meta.concrete_fields),
            "case__reference",
            "case__partnership__region",
            "owner_stage__number",
            "owner_stage__owner_id",
        )
        .order_by("due", "case__reference", "stage", "key")
    )


def owned_rows(
    user: User | Any, found: Iterable[CaseDeadline], today: dt.date | None = None
) -> list[DeadlineRow]:
    """``found`` (some of :func:`owned_deadlines`) as ``user`` is shown them: each with
    its status and why it is theirs (one query per table of working days)."""
    found = list(found)
    today = today or clock.today()
    calendars = calendars_for({d.case.partnership.region for d in found}) if found else {}
    rows = []
    for d in found:
        record = d.owner_stage
        if record is not None and record.owner_id == user.pk:
            because = f"you own stage {record.number}"
        elif d.owner_role is not None:
            because = role_words(d.owner_role)
        else:  # pragma: no cover - the query asks for one or the other
            continue
        rows.append(
            DeadlineRow(d, status(d, today, calendars[d.case.partnership.region]), None, because)
        )
    return rows
