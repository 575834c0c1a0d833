"""Who may see what of a partnership (not of a case): the one place that decides.

Rules about cases are in :mod:`escalate.cases.permissions`, which builds on these;
who may administer what is in :mod:`escalate.partnerships.administration`.

- Anyone working in a partnership (a role in one of its member agencies, or a role in
  the partnership itself) sees its directory and its procedure page; administrators
  (staff) see the procedure page too.
- The business unit, the independent chair and statutory partners see their
  partnership's statistics (which never identify the person at risk).
- The independent chair and statutory partners respond to policy issues flagged on
  any case of their partnership.
- The record of roles given and taken away in a partnership is seen by its business
  unit and administrators, and by superusers.
- A partnership's procedure is written (drafts started, saved, previewed and
  published) by those who administer the partnership
  (:func:`escalate.partnerships.administration.may_administer_partnership`) and by
  its business unit (:func:`may_author_procedure`). Published and superseded versions
  are seen by whoever sees the procedure; drafts only by those who write it
  (:func:`sees_version`).
- A challenge is raised from an agency the person holds an agency role in, within a
  partnership that agency belongs to. Nobody else may raise.

Anonymous or inactive people see nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import CharField, Prefetch, Q, QuerySet, Value

from escalate.partnerships.models import (
    Agency,
    Membership,
    Partnership,
    PartnershipRole,
    PartnershipRoleKind,
)
from escalate.procedures.model import PARTNERSHIP_ROLES, POLICY_RESPONDERS, Role

if TYPE_CHECKING:
    from escalate.accounts.models import User
    from escalate.partnerships.models import ProcedureVersion


def is_active_person(user: Any) -> bool:
    """Signed in with an account that is switched on."""
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and getattr(user, "is_active", False)
    )


def policy_responder_partnerships(user: User | Any) -> QuerySet[Partnership]:
    """The partnerships whose policy issues ``user`` responds to."""
    if not is_active_person(user):
        return Partnership.objects.none()
    return Partnership.objects.filter(
        people__person=user, people__role__in=[r.value for r in POLICY_RESPONDERS]
    ).distinct()


def sees_statistics(user: User | Any, partnership: Partnership) -> bool:
    """The business unit, chair and statutory partners see their partnership's figures."""
    return statistics_partnerships(user).filter(pk=partnership.pk).exists()


def statistics_partnerships(user: User | Any) -> QuerySet[Partnership]:
    """The partnerships whose figures ``user`` sees (as :func:`sees_statistics`)."""
    if not is_active_person(user):
        return Partnership.objects.none()
    return Partnership.objects.filter(
        people__person=user, people__role__in=[r.value for r in PARTNERSHIP_ROLES]
    ).distinct()


def sees_procedure(user: User | Any, partnership: Partnership) -> bool:
    """A partnership's procedure page: anyone working in it, and administrators."""
    return sees_directory(user, partnership) or bool(
        is_active_person(user) and getattr(user, "is_staff", False)
    )


def sees_directory(user: User | Any, partnership: Partnership) -> bool:
    """Anyone working in the partnership (an agency of it, or a partnership role)."""
    if not is_active_person(user):
        return False
    return (
        Membership.objects.filter(person=user, agency__partnerships=partnership).exists()
        or PartnershipRole.objects.filter(person=user, partnership=partnership).exists()
    )


@dataclass(frozen=True)
class Holdings:
    """What one person holds that bears on some cases: agency roles by agency, roles in
    partnerships (business unit, chair, statutory partner) by partnership, and which of
    some people they line-manage."""

    agency: dict[int, set[Role]] = field(default_factory=dict)
    partnership: dict[int, set[Role]] = field(default_factory=dict)
    reports: set[int] = field(default_factory=set)


def holdings(
    user: User | Any,
    *,
    agencies: Iterable[int],
    partnerships: Iterable[int],
    people: Iterable[int | None],
) -> Holdings:
    """``user``'s roles in ``agencies`` and ``partnerships``, and which of ``people``
    they line-manage, in one query (nothing for someone anonymous or inactive)."""
    held = Holdings()
    if not is_active_person(user):
        return held

    def kind(name: str) -> Value:
        return Value(name, output_field=CharField())

    rows = (
        Membership.objects.filter(person=user, agency_id__in=list(agencies))
        .order_by()
        .values_list(kind("agency"), "agency_id", "role")
        .union(
            PartnershipRole.objects.filter(
                person=user,
                partnership_id__in=list(partnerships),
                role__in=[r.value for r in PARTNERSHIP_ROLES],
            )
            .order_by()
            .values_list(kind("partnership"), "partnership_id", "role"),
            user.reports.filter(pk__in=[p for p in people if p is not None])
            .order_by()
            .values_list(kind("report"), "pk", kind("")),
            all=True,
        )
    )
    for what, pk, role in rows:
        if what == "report":
            held.reports.add(pk)
        else:
            (held.agency if what == "agency" else held.partnership).setdefault(pk, set()).add(
                Role(role)
            )
    return held


def roles_held(user: User | Any, *, agencies: Iterable[int] = ()) -> set[Role]:
    """Agency roles ``user`` holds in any of ``agencies``."""
    return {
        Role(r)
        for r in Membership.objects.filter(person=user, agency_id__in=list(agencies)).values_list(
            "role", flat=True
        )
    }


def raising_choices(user: User | Any) -> list[tuple[Agency, Partnership]]:
    """Where ``user`` may raise a challenge from: each (agency, partnership) pair where
    they hold an agency role in a member agency. Nobody else may raise."""
    if not is_active_person(user):
        return []
    pairs: list[tuple[Agency, Partnership]] = []
    seen: set[tuple[int, int]] = set()
    memberships = (
        _raising_through(user)
        .distinct()
        .select_related("agency")
        .prefetch_related(
            Prefetch("agency__partnerships", queryset=Partnership.objects.order_by("name"))
        )
    )
    for membership in memberships.order_by("agency__name"):
        for partnership in membership.agency.partnerships.all():
            key = (membership.agency.pk, partnership.pk)
            if key not in seen:
                seen.add(key)
                pairs.append((membership.agency, partnership))
    return pairs


def may_raise(user: User | Any) -> bool:
    """Whether ``user`` may raise a challenge from anywhere: whether
    :func:`raising_choices` has any, in one query that reads none of them."""
    if not is_active_person(user):
        return False
    return _raising_through(user).exists()


def _raising_through(user: User | Any) -> QuerySet[Membership]:
    """The rule of who may raise, as the memberships it allows: an agency role in an
    agency that belongs to a partnership (:func:`raising_choices`, :func:`may_raise`)."""
    return Membership.objects.filter(person=user, agency__partnerships__isnull=False)


#: Partnership roles that see the record of roles given and taken away.
ROLE_HISTORY_ROLES = frozenset({Role.BUSINESS_UNIT.value, PartnershipRoleKind.ADMINISTRATOR.value})


def sees_role_history(user: User | Any, partnership: Partnership) -> bool:
    """The record of roles given and taken away in a partnership: its business unit and
    administrators, and superusers."""
    if not is_active_person(user):
        return False
    if user.is_superuser:
        return True
    return PartnershipRole.objects.filter(
        person=user, partnership=partnership, role__in=ROLE_HISTORY_ROLES
    ).exists()


# ---------------------------------------------------------------- writing the procedure


def may_author_procedure(user: User | Any, partnership: Partnership | None) -> bool:
    """Who writes a partnership's procedure: whoever administers the partnership, and
    the people holding its business unit role. Nobody else (deny by default)."""
    if partnership is None or partnership.pk is None:
        return False
    return partnership.pk in authoring_partnership_ids(user, [partnership])


def authoring_partnership_ids(
    user: User | Any, partnerships: Iterable[Partnership | None]
) -> set[int]:
    """Which of ``partnerships`` ``user`` writes the procedure of (the rule of
    :func:`may_author_procedure`, which asks this), in one query however many there are
    (one more for a member of staff, to find what they administer; none for a
    superuser, who administers every partnership)."""
    wanted = {p.pk for p in partnerships if p is not None and p.pk is not None}
    if not wanted or not is_active_person(user):
        return set()
    # (administration builds on this module, so it is asked only here, when needed.)
    from escalate.partnerships import administration

    if administration.is_superuser(user):
        return wanted
    business_unit = PartnershipRole.objects.filter(person=user, role=Role.BUSINESS_UNIT.value)
    writers = Q(pk__in=administration.administered_partnerships(user).values("pk")) | Q(
        pk__in=business_unit.values("partnership_id")
    )
    return set(Partnership.objects.filter(writers, pk__in=wanted).values_list("pk", flat=True))


def sees_version(user: User | Any, version: ProcedureVersion) -> bool:
    """One version of a partnership's procedure: a draft only to those who write the
    procedure; a published or superseded one to whoever sees the procedure."""
    partnership = version.partnership
    if version.is_draft:
        return may_author_procedure(user, partnership)
    return sees_procedure(user, partnership) or may_author_procedure(user, partnership)
