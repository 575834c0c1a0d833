"""Who may administer what: the one place that decides. Deny by default.

The administration site (``/admin/``), the role services and the sessions module all
ask this module; nothing else decides what an administrator may administer.

Rules:

- **Superusers** (active) administer everything. They are made on the command line
  (``escalate createsuperuser``), never in the administration site.
- A **partnership administrator** is an active member of staff holding the
  *administrator* partnership role (the role alone, without staff status, gives no
  administration powers). They administer:

  - the partnerships they are administrator of (*administered partnerships*);
  - the agencies that belong to at least one partnership and **only** to
    administered partnerships (*administered agencies*). An agency shared with a
    partnership the person does not administer is *visible* (they see it and its
    roles) but not administered: a role in an agency gives access to every case
    involving that agency, whichever partnership the case belongs to, so a role in a
    shared agency is given or taken away only by a superuser (or by someone who
    administers every partnership the agency belongs to);
  - the people whose every role lies in administered agencies and partnerships, and
    people with no role anywhere (so they can be given one) who are *unattached*: not
    staff, no record of a role outside the administrator's partnerships and agencies
    (a leaver elsewhere is not theirs), and not named on any case of a partnership
    they do not administer (as raiser, other professional, stage owner or
    counterpart, by account or by email address, or on an invitation). People with no
    role are not listed: the list of people, and the search for whom to give a role,
    shows them only when searched for by their full email address. But their page
    (and its history) opens by its address (``/admin/accounts/user/<id>/change/``) to
    every partnership administrator, and a form naming them by id (to give them a
    role) is accepted: nothing records which partnership an account with no role
    belongs to, and an administrator who has just added someone is taken to that
    page. So walking ids shows a partnership administrator the name, email address,
    job title and phone number of every unattached account with no role. Anyone else
    with no role, however they are asked for (list, search, page, history, choices),
    is answered as if they did not exist.

- Nobody but a superuser changes a **privileged** account: a superuser, a member of
  staff (anyone who may use the administration site) or anyone holding the
  administrator role. So a partnership administrator never edits, resets, switches
  off or signs out another administrator, and never changes anything about their own
  account or roles (their own account is view-only to them).
- Only superusers give or take away the **administrator** role, staff status, groups
  and permissions. Nobody changes superuser status in the administration site: it is
  shown to superusers, read-only.
- Only superusers change a person's **email address** (password reset emails go to it,
  so whoever changes it could take over the account). A partnership administrator
  sees it, read-only.
- A person's **line manager** sees the cases that person raised, owns or is challenged
  in, whichever partnership they belong to. So a partnership administrator chooses as
  line manager only someone active who holds a manager's role (line manager,
  safeguarding lead, senior manager or director) in an agency the person also has a
  role in and that the administrator administers; never themselves, never a
  superuser. Someone with no role in an administered agency, or who is named on a
  case of a partnership the administrator does not administer, has their line manager
  set by a superuser only (an administrator of the person may still take it away).
  Every change of line manager is logged (``line_manager.changed``); it is not in the
  record of role changes.
- Passwords of other people change only by a reset email the person opens
  themselves; the administration site's password form is for superusers only.
- Days off (:class:`~escalate.partnerships.models.NonWorkingDay`) apply to every
  partnership in a region, so only superusers change them.
- The record of roles given and taken away is seen by the partnership's business unit
  and administrators, and by superusers
  (:func:`escalate.partnerships.permissions.sees_role_history`).

Django's model permissions (the *Administrators* group) still apply on top: a person
needs both the permission and the scope.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from django.apps import apps
from django.db.models import Model, Q, QuerySet
from django.db.models.functions import Lower

from escalate.accounts.models import User
from escalate.partnerships.models import (
    Agency,
    Membership,
    Partnership,
    PartnershipRole,
    PartnershipRoleKind,
    RoleGrant,
)
from escalate.partnerships.permissions import is_active_person
from escalate.procedures.model import MANAGERS

ADMINISTRATOR = PartnershipRoleKind.ADMINISTRATOR.value

_M = TypeVar("_M", bound=Model)


def is_superuser(actor: Any) -> bool:
    return is_active_person(actor) and bool(getattr(actor, "is_superuser", False))


def administers_anything(actor: Any) -> bool:
    """A superuser, or the administrator of at least one partnership."""
    return is_superuser(actor) or bool(_partnership_ids(actor))


# ---------------------------------------------------------------- partnerships
# The scopes are worked out as lists of ids (a few at most), so the querysets built on
# them stay shallow.


@dataclass(frozen=True)
class Scope:
    """What a partnership administrator administers, as ids."""

    partnerships: list[int]
    visible_agencies: list[int]
    agencies: list[int]  # administered: in no partnership but theirs


def scope_of(actor: Any) -> Scope:
    """The actor's scope, worked out afresh (three small queries)."""
    if not is_active_person(actor):
        return Scope([], [], [])
    if actor.is_superuser:
        return Scope(
            list(Partnership.objects.values_list("pk", flat=True)),
            list(Agency.objects.values_list("pk", flat=True)),
            list(Agency.objects.values_list("pk", flat=True)),
        )
    partnerships = _partnership_ids(actor)
    if not partnerships:
        return Scope([], [], [])
    through = Agency.partnerships.through.objects
    visible = sorted(
        set(through.filter(partnership_id__in=partnerships).values_list("agency_id", flat=True))
    )
    shared = set(
        through.filter(agency_id__in=visible)
        .exclude(partnership_id__in=partnerships)
        .values_list("agency_id", flat=True)
    )
    return Scope(partnerships, visible, [pk for pk in visible if pk not in shared])


def _partnership_ids(actor: Any) -> list[int]:
    if not is_active_person(actor):
        return []
    if actor.is_superuser:
        return list(Partnership.objects.values_list("pk", flat=True))
    if not getattr(actor, "is_staff", False):
        return []  # the administrator role counts only for staff (who may use /admin/)
    return list(
        PartnershipRole.objects.filter(person=actor, role=ADMINISTRATOR).values_list(
            "partnership_id", flat=True
        )
    )


def administered_partnerships(actor: Any) -> QuerySet[Partnership]:
    if is_superuser(actor):
        return Partnership.objects.all()
    return Partnership.objects.filter(pk__in=_partnership_ids(actor))


def may_administer_partnership(actor: Any, partnership: Partnership) -> bool:
    if partnership is None or partnership.pk is None:
        return False
    return is_superuser(actor) or partnership.pk in _partnership_ids(actor)


# ---------------------------------------------------------------- agencies


def _visible_agency_ids(actor: Any) -> list[int]:
    return scope_of(actor).visible_agencies


def _administered_agency_ids(actor: Any) -> list[int]:
    return scope_of(actor).agencies


def visible_agencies(actor: Any) -> QuerySet[Agency]:
    """Agencies the actor sees in the administration site: every member agency of the
    partnerships they administer (shared ones included)."""
    if is_superuser(actor):
        return Agency.objects.all()
    return Agency.objects.filter(pk__in=_visible_agency_ids(actor))


def administered_agencies(actor: Any) -> QuerySet[Agency]:
    """Agencies the actor may change and give roles in: those belonging to at least one
    partnership and only to partnerships the actor administers."""
    if is_superuser(actor):
        return Agency.objects.all()
    return Agency.objects.filter(pk__in=_administered_agency_ids(actor))


def may_administer_agency(actor: Any, agency: Agency) -> bool:
    if agency is None or agency.pk is None:
        return False
    return is_superuser(actor) or agency.pk in _administered_agency_ids(actor)


# ---------------------------------------------------------------- people


def _privileged() -> Q:
    """Accounts only a superuser may change: superusers, staff and administrators."""
    return (
        Q(is_superuser=True)
        | Q(is_staff=True)
        | Q(pk__in=PartnershipRole.objects.filter(role=ADMINISTRATOR).values("person_id"))
    )


def privileged_people() -> QuerySet[User]:
    return User.objects.filter(_privileged())


def is_privileged(person: User) -> bool:
    if person.is_superuser or person.is_staff:
        return True
    if person.pk is None:
        return False
    return PartnershipRole.objects.filter(person=person, role=ADMINISTRATOR).exists()


def _has_a_role() -> Q:
    return Q(pk__in=Membership.objects.values("person_id")) | Q(
        pk__in=PartnershipRole.objects.values("person_id")
    )


def roleless_people(queryset: QuerySet[User]) -> QuerySet[User]:
    """Those of ``queryset`` with no role anywhere."""
    return queryset.exclude(_has_a_role())


def _named_on_cases_outside(partnerships: list[int]) -> Q:
    """People named on a case of a partnership other than ``partnerships``: as raiser,
    other professional, stage owner or counterpart (by account or by address), or on
    an invitation."""
    # The cases app sits above this one: its models are looked up, not imported.
    Case = apps.get_model("cases", "Case")
    StageRecord = apps.get_model("cases", "StageRecord")
    Invitation = apps.get_model("cases", "Invitation")

    cases = Case.objects.exclude(partnership_id__in=partnerships)
    stages = StageRecord.objects.exclude(case__partnership_id__in=partnerships)
    invitations = Invitation.objects.exclude(case__partnership_id__in=partnerships)

    def addresses(queryset: QuerySet[_M], field: str) -> QuerySet[Any]:
        return queryset.exclude(**{field: ""}).annotate(address=Lower(field)).values("address")

    # (Every subquery leaves out nulls: NOT IN a list holding a null matches nothing.)
    return (
        Q(pk__in=cases.values("raised_by_id"))
        | Q(pk__in=cases.filter(other_professional__isnull=False).values("other_professional_id"))
        | Q(pk__in=stages.values("owner_id"))
        | Q(pk__in=stages.filter(counterpart__isnull=False).values("counterpart_id"))
        | Q(pk__in=invitations.filter(accepted_by__isnull=False).values("accepted_by_id"))
        | Q(email__in=addresses(cases, "other_professional_email"))
        | Q(email__in=addresses(stages, "counterpart_email"))
        | Q(email__in=addresses(invitations, "email"))
    )


def _roleless_and_new(partnerships: list[int], agencies: list[int]) -> Q:
    """People with no role anywhere who are unattached: they have never held a role
    outside these partnerships and agencies (as far as the record of role changes goes)
    and are named on no case of another partnership."""
    history_elsewhere = (
        RoleGrant.objects.filter(person__isnull=False)
        .exclude(agency_id__in=agencies)
        .exclude(partnership_id__in=partnerships)
        .values("person_id")
    )
    return ~_has_a_role() & ~Q(pk__in=history_elsewhere) & ~_named_on_cases_outside(partnerships)


def visible_people(actor: Any) -> QuerySet[User]:
    """People the actor sees in the administration site: everyone with a role in their
    partnerships or their member agencies, unattached people with no role (listed only
    when searched for by full email address; their page opens by id), and themselves.
    Never a superuser (unless the actor is one)."""
    if not is_active_person(actor):
        return User.objects.none()
    if actor.is_superuser:
        return User.objects.all()
    return _visible_people(actor, scope_of(actor))


def _visible_people(actor: Any, scope: Scope) -> QuerySet[User]:
    if not scope.partnerships:
        return User.objects.filter(pk=actor.pk)
    working_here = Q(
        pk__in=Membership.objects.filter(agency_id__in=scope.visible_agencies).values("person_id")
    ) | Q(
        pk__in=PartnershipRole.objects.filter(partnership_id__in=scope.partnerships).values(
            "person_id"
        )
    )
    new = _roleless_and_new(scope.partnerships, scope.agencies) & Q(is_staff=False)
    return User.objects.filter(working_here | new | Q(pk=actor.pk)).exclude(is_superuser=True)


def administrable_people(actor: Any) -> QuerySet[User]:
    """People whose account the actor may change (details, email, switching off,
    sending a password reset, ending sessions): for a partnership administrator, people
    whose every role lies within what they administer, or who have no role yet; never
    a privileged account and never themselves."""
    if not is_active_person(actor):
        return User.objects.none()
    if actor.is_superuser:
        return User.objects.all()
    scope = scope_of(actor)
    if not scope.partnerships:
        return User.objects.none()
    roles_outside = Q(
        pk__in=Membership.objects.exclude(agency_id__in=scope.agencies).values("person_id")
    ) | Q(
        pk__in=PartnershipRole.objects.exclude(partnership_id__in=scope.partnerships).values(
            "person_id"
        )
    )
    return (
        _visible_people(actor, scope)
        .exclude(pk=actor.pk)
        .exclude(_privileged())
        .exclude(roles_outside)
    )


def may_administer_person(actor: Any, person: User) -> bool:
    """Whether ``actor`` may change ``person``'s account (see :func:`administrable_people`).
    Superusers may administer everyone."""
    if is_superuser(actor):
        return True
    if person is None or person.pk is None:
        return False
    return administrable_people(actor).filter(pk=person.pk).exists()


def may_view_person(actor: Any, person: User) -> bool:
    if person is None or person.pk is None:
        return False
    return visible_people(actor).filter(pk=person.pk).exists()


def grantable_people(actor: Any) -> QuerySet[User]:
    """People the actor may give a role to (in a place they administer): visible people,
    but never a privileged account and never themselves."""
    if not is_active_person(actor):
        return User.objects.none()
    if actor.is_superuser:
        return User.objects.all()
    return visible_people(actor).exclude(pk=actor.pk).exclude(_privileged())


# ---------------------------------------------------------------- line managers


def _manager_roles() -> list[str]:
    # The agency roles that see every case involving their agency (MANAGERS): such a
    # person, made a line manager, sees little they could not see already.
    return sorted(r.value for r in MANAGERS)


def line_manager_choices(actor: Any, person: User | None) -> QuerySet[User]:
    """Whom ``actor`` may make ``person``'s line manager. A superuser: anyone but the
    person. A partnership administrator of someone they administer: the active people
    holding a manager's role in an agency the person also has a role in and that the
    administrator administers; never the administrator; nobody for someone with no
    role in an administered agency, or named on a case of another partnership."""
    if not is_active_person(actor):
        return User.objects.none()
    if actor.is_superuser:
        if person is None or person.pk is None:
            return User.objects.all()
        return User.objects.exclude(pk=person.pk)
    if person is None or person.pk is None:
        return User.objects.none()
    scope = scope_of(actor)
    if not scope.partnerships or not may_administer_person(actor, person):
        return User.objects.none()
    named_elsewhere = _named_on_cases_outside(scope.partnerships)
    if User.objects.filter(named_elsewhere, pk=person.pk).exists():
        return User.objects.none()
    shared = Membership.objects.filter(person=person, agency_id__in=scope.agencies).values(
        "agency_id"
    )
    managers = Membership.objects.filter(agency_id__in=shared, role__in=_manager_roles())
    return (
        User.objects.filter(pk__in=managers.values("person_id"), is_active=True)
        .exclude(pk=actor.pk)
        .exclude(pk=person.pk)
        .exclude(is_superuser=True)
    )


def may_set_line_manager(actor: Any, person: User, manager: User | None) -> bool:
    """Whether ``actor`` may make ``manager`` the line manager of ``person`` (None:
    take the line manager away, which anyone who administers the person may do)."""
    if manager is None:
        return may_administer_person(actor, person)
    if manager.pk is None:
        return False
    return line_manager_choices(actor, person).filter(pk=manager.pk).exists()


def line_manager_candidates(actor: Any) -> QuerySet[User]:
    """Everyone who could be someone's line manager for ``actor`` (for the search
    behind a line-manager field, which does not know whose it is)."""
    if not is_active_person(actor):
        return User.objects.none()
    if actor.is_superuser:
        return User.objects.all()
    managers = Membership.objects.filter(
        agency_id__in=scope_of(actor).agencies, role__in=_manager_roles()
    )
    return (
        User.objects.filter(pk__in=managers.values("person_id"), is_active=True)
        .exclude(pk=actor.pk)
        .exclude(is_superuser=True)
    )


# ---------------------------------------------------------------- roles


Place = Agency | Partnership


def _agency_role_values() -> set[str]:
    from escalate.partnerships.models import AGENCY_ROLE_CHOICES

    return {value for value, _ in AGENCY_ROLE_CHOICES}


def _why_not(actor: Any, place: Place, role: str, person: User, *, verb: str) -> str | None:
    if not is_active_person(actor):
        return f"You cannot {verb} roles."
    role = getattr(role, "value", role)
    if isinstance(place, Agency):
        if role not in _agency_role_values():
            return "Choose a role people can hold in an agency."
    elif isinstance(place, Partnership):
        if role not in PartnershipRoleKind.values:
            return "Choose a role people can hold in a partnership."
    else:
        return "Choose an agency or a partnership."
    if actor.is_superuser:
        return None
    if person.pk is not None and person.pk == actor.pk:
        return (
            "You cannot change your own roles. Ask another administrator or a superuser to do it."
        )
    if isinstance(place, Partnership):
        if role == ADMINISTRATOR:
            return "Only a superuser can give or take away the administrator role."
        if place.pk is None or not may_administer_partnership(actor, place):
            return f"You can only {verb} roles in partnerships you administer."
    elif place.pk is not None and not may_administer_agency(actor, place):
        return (
            f"You can only {verb} roles in agencies that belong only to partnerships you "
            "administer. Ask a superuser about an agency shared with other partnerships."
        )
    if person.pk is not None and not may_view_person(actor, person):
        return (
            f"You can only {verb} roles of people in the partnerships you administer, or "
            "of people with no role yet."
        )
    if is_privileged(person):
        return "Only a superuser can change the roles of administrators and other staff."
    return None


def why_not_grant(actor: Any, place: Place, role: str, person: User) -> str | None:
    """Why ``actor`` may not give ``person`` the role ``role`` in ``place`` (an agency
    or a partnership), in plain words; None when they may."""
    return _why_not(actor, place, role, person, verb="give")


def may_grant(actor: Any, place: Place, role: str, person: User) -> bool:
    """Whether ``actor`` may give ``person`` the role ``role`` in ``place``."""
    return why_not_grant(actor, place, role, person) is None


def why_not_revoke(actor: Any, held: Membership | PartnershipRole) -> str | None:
    """Why ``actor`` may not take away (or change) a role someone holds; None when they
    may."""
    place: Place = held.agency if isinstance(held, Membership) else held.partnership
    return _why_not(actor, place, held.role, held.person, verb="change")


def may_revoke(actor: Any, held: Membership | PartnershipRole) -> bool:
    return why_not_revoke(actor, held) is None
