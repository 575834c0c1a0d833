"""A person's own stored deadlines: which are theirs (of stages they own, or naming a
role they hold in the case), on cases they may see, soonest first, in a constant number
of queries however many there are; read by the dashboard
(:mod:`escalate.cases.dashboard`) and :func:`escalate.cases.deadlines.deadlines_owned_by`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet

from escalate import clock
from escalate.cases import permissions
from escalate.cases.deadlines import (
    DeadlineRow,
    calendars_for,
    open_deadlines,
    role_words,
    status,
)
from escalate.cases.models import CaseDeadline
from escalate.partnerships.models import Membership, PartnershipRole
from escalate.partnerships.permissions import is_active_person

if TYPE_CHECKING:
    from escalate.accounts.models import User


def owned(user: User | Any) -> Q:
    """Which stored deadlines are ``user``'s (met or not, on cases they may see or not):
    those of stages they own, and those naming a role they hold in the case (two
    queries, for the roles they hold)."""
    if not is_active_person(user):
        return Q(pk__in=[])
    q = Q(owner_stage__owner=user)
    for partnership_id, role in PartnershipRole.objects.filter(person=user).values_list(
        "partnership_id", "role"
    ):
        q |= Q(role=role, case__partnership_id=partnership_id)
    for agency_id, role in Membership.objects.filter(person=user).values_list("agency_id", "role"):
        q |= Q(role=role) & (
            Q(case__raising_agency_id=agency_id) | Q(case__other_agency_id=agency_id)
        )
    return q


def owned_deadlines(user: User | Any, own: Q | None = None) -> QuerySet[CaseDeadline]:
    """The deadlines not met yet that are ``user``'s (``own``: :func:`owned`), soonest
    first, on cases they may see: a stage's owner always may; someone holding the role
    a deadline names, as :func:`permissions.visible_q` says."""
    if not is_active_person(user):
        return CaseDeadline.objects.none()
    own = owned(user) if own is None else own
    stage_owners = Q(owner_stage__owner=user)
    ids = (
        CaseDeadline.objects.filter(stage_owners, met_on__isnull=True)
        .order_by()
        .values("pk")
        .union(
            CaseDeadline.objects.filter(own & ~stage_owners, met_on__isnull=True)
            .filter(permissions.visible_q(user, "case__"))
            .order_by()
            .values("pk"),
            all=True,
        )
    )
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
