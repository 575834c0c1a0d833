"""Who may see which cases, as queries: the rules of :mod:`escalate.cases.permissions`
(which re-exports :func:`visible_cases`) in the two forms the database can serve from
its indexes.

Each way of seeing a case is one *branch*: a condition on the case's own columns (the
person raised it, is its other professional, manages one of its agencies...), or on one
of its stage records (owns it, is its counterpart...). Then:

- :func:`visible_case_ids` is every case any branch lets the person see: one ``UNION``
  of small id queries, each served by an index (the raiser's, the agency's, the
  partnership's, the stage owner's...), for listing what the person can see;
  compiled once per process (:mod:`escalate.cases.compiled`) and run with each
  person's values (:func:`visible_ids_sql`);
- :func:`visible_q` asks the same of the rows already at hand (a person's agreed
  actions, the deadlines naming a role they hold): an ``OR`` of the branches on each
  row, the stage records' as ``EXISTS``, for filtering a few rows without working out
  everything the person can see.

One ``OR`` across ``LEFT JOIN`` s (the form this replaces) can use none of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower
from django.db.models.lookups import Exact

from escalate.cases import compiled
from escalate.cases.models import Case, StageRecord
from escalate.partnerships.models import Membership, PartnershipRole
from escalate.partnerships.permissions import is_active_person
from escalate.procedures.model import MANAGERS, PARTNERSHIP_ROLES, Role

if TYPE_CHECKING:
    from escalate.accounts.models import User

#: Gate columns on Case, by role (as :data:`escalate.cases.permissions.GATES`).
GATES: dict[Role, str] = {
    Role.BOARD_REPRESENTATIVE: "board_representative_from",
    Role.BUSINESS_UNIT: "business_unit_from",
    Role.INDEPENDENT_CHAIR: "independent_chair_from",
    Role.STATUTORY_PARTNER: "statutory_partner_from",
}


def same_address(column: str, user: User | Any) -> Q:
    """``column`` holds ``user``'s email address, in any case (both sides lowered by the
    database, so an index on the lowered column serves it)."""
    return Q(Exact(Lower(column), Lower(Value(user.email))))


def case_branches(user: User | Any, to: str = "", *, joined: bool = False) -> list[Q]:
    """The branches on a case's own columns; ``to``: the path from the rows filtered to
    the case (``"case__"``), empty for cases themselves. ``joined`` (for listing cases
    themselves): the branches of a role held in the case's agency or partnership, from
    a stage on, as joins from the person's roles, so the database starts from them (a
    few rows; none for most people) rather than reading every case to test its gate."""
    memberships = Membership.objects.filter(person_id=user.pk).order_by()
    mine = memberships.values("agency_id")
    managed = memberships.filter(role__in=[r.value for r in MANAGERS]).values("agency_id")
    represented = memberships.filter(role=Role.BOARD_REPRESENTATIVE.value).values("agency_id")
    reports = _reports(user)

    def q(**conditions: Any) -> Q:
        return Q(**{f"{to}{name}": value for name, value in conditions.items()})

    board_gate = F(f"{to}{GATES[Role.BOARD_REPRESENTATIVE]}")
    branches = [
        q(raised_by_id=user.pk),
        q(other_professional_id=user.pk),
        q(other_professional__isnull=True, other_agency__in=mine)
        & same_address(f"{to}other_professional_email", user),
        q(raised_by__in=reports),
        q(other_professional__in=reports),
        q(raising_agency__in=managed),
        q(other_agency__in=managed),
    ]
    if joined and not to:
        board = Role.BOARD_REPRESENTATIVE.value
        for side in ("raising_agency", "other_agency"):
            branches.append(
                Q(
                    **{f"{side}__memberships__person_id": user.pk},
                    **{f"{side}__memberships__role": board},
                    current_stage__gte=board_gate,
                )
            )
        for role in PARTNERSHIP_ROLES:
            branches.append(
                Q(
                    partnership__people__person_id=user.pk,
                    partnership__people__role=role.value,
                    current_stage__gte=F(GATES[role]),
                )
            )
        return branches
    branches += [
        q(raising_agency__in=represented, current_stage__gte=board_gate),
        q(other_agency__in=represented, current_stage__gte=board_gate),
    ]
    for role in PARTNERSHIP_ROLES:
        held = PartnershipRole.objects.filter(person_id=user.pk, role=role.value).order_by()
        branches.append(
            q(partnership__in=held.values("partnership_id"), current_stage__gte=F(to + GATES[role]))
        )
    return branches


def stage_branches(user: User | Any) -> list[Q]:
    """The branches on a stage record of the case."""
    mine = Membership.objects.filter(person_id=user.pk).order_by().values("agency_id")
    return [
        Q(owner_id=user.pk),
        Q(counterpart_id=user.pk),
        Q(counterpart__isnull=True, case__other_agency__in=mine)
        & same_address("counterpart_email", user),
        Q(owner__in=_reports(user)),
    ]


def _reports(user: User | Any) -> QuerySet[Any]:
    """The ids of the people ``user`` line manages."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(line_manager_id=user.pk).order_by().values("pk")


def visible_case_ids(user: User | Any, *, raised_at: bool = False) -> QuerySet[Any]:
    """The ids of every case ``user`` may see: one ``UNION`` of indexed queries. With
    ``raised_at``, each case once as its id and when it was raised, which the indexes
    hold too, so a list newest first reads no case's own row to sort them."""
    case_columns = ("pk", "raised_at") if raised_at else ("pk",)
    stage_columns = ("case_id", "case__raised_at") if raised_at else ("case_id",)
    if not is_active_person(user):
        nothing: QuerySet[Any] = Case.objects.none().values(*case_columns)
        return nothing
    parts: list[QuerySet[Any]] = [
        Case.objects.filter(b).order_by().values(*case_columns)
        for b in case_branches(user, joined=True)
    ]
    parts += [
        StageRecord.objects.filter(b).order_by().values(*stage_columns)
        for b in stage_branches(user)
    ]
    first, *rest = parts
    return first.union(*rest, all=not raised_at)


def visible_ids_sql(user: User | Any) -> RawSQL:
    """:func:`visible_case_ids` for an active ``user`` as SQL compiled once per process,
    with ``user``'s values (for ``pk__in=`` and ``case_id__in=``)."""
    kept = compiled.compile_once("visible_case_ids", lambda: visible_case_ids(compiled.standin()))
    return kept.subquery(compiled.values_for(user))


def visible_cases(user: User | Any) -> QuerySet[Case]:
    """Every case ``user`` may see (agrees with :func:`permissions.can_view`)."""
    if not is_active_person(user):
        return Case.objects.none()
    return Case.objects.filter(pk__in=visible_ids_sql(user))


def visible_q(user: User | Any, to: str = "") -> Q:
    """Whether ``user`` may see the case of each row filtered (``to``: the foreign key
    to the case, ``"case__"``; empty for cases), for filtering rows already narrowed
    down."""
    if not is_active_person(user):
        return Q(pk__in=[])
    q = Q()
    for branch in case_branches(user, to):
        q |= branch
    case = OuterRef(f"{to.removesuffix('__')}_id" if to else "pk")
    for branch in stage_branches(user):
        q |= Q(Exists(StageRecord.objects.filter(branch, case=case)))
    return q
