"""Giving and taking away roles: the only code (besides the demo data) that changes who
holds which role in an agency or a partnership.

Each change checks :mod:`escalate.partnerships.administration`, changes the role and
appends to the record of role changes (:class:`~escalate.partnerships.models.RoleGrant`)
in one transaction, and logs ``role.granted`` / ``role.revoked`` to the
``escalate.security`` logger once it is committed.

A person's line manager also gives access to cases (those the person raised, owns or is
challenged in), so changing it is checked here too and logged as
``line_manager.changed``. It is not in the record of role changes: that record is of
roles held in an agency or a partnership (its place is what scopes who sees it, and
what counts as a role held elsewhere), and a line manager is a person, not a place.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from escalate import clock
from escalate.accounts.models import User
from escalate.errors import NotAllowed
from escalate.partnerships import administration
from escalate.partnerships.models import (
    AGENCY_ROLE_CHOICES,
    Agency,
    Membership,
    Partnership,
    PartnershipRole,
    PartnershipRoleKind,
    RoleChange,
    RoleGrant,
)

security_log = logging.getLogger("escalate.security")

HeldRole = Membership | PartnershipRole


def _label(person: User | None) -> str:
    if person is None:
        return ""
    return f"{person.full_name} ({person.email})" if person.full_name else person.email


def _role_label(held: HeldRole) -> str:
    if isinstance(held, Membership):
        return dict(AGENCY_ROLE_CHOICES).get(held.role, held.role)
    return dict(PartnershipRoleKind.choices).get(held.role, held.role)


def _record(actor: User, held: HeldRole, change: RoleChange) -> RoleGrant:
    place: Agency | Partnership = held.agency if isinstance(held, Membership) else held.partnership
    is_agency = isinstance(place, Agency)
    entry = RoleGrant.objects.create(
        at=clock.now(),
        actor=actor,
        actor_label=_label(actor),
        person=held.person,
        person_label=_label(held.person),
        change=change,
        role=held.role,
        role_label=_role_label(held),
        agency=place if isinstance(place, Agency) else None,
        partnership=place if isinstance(place, Partnership) else None,
        place_label=str(place),
    )
    event = "role.granted" if change == RoleChange.GRANTED else "role.revoked"
    where = f"agency={place.pk}" if is_agency else f"partnership={place.pk}"
    line = (
        f"{event} actor={actor.pk} actor_email={actor.email} person={held.person.pk} "
        f"role={held.role} {where}"
    )
    transaction.on_commit(lambda: security_log.info(line))
    return entry


def _refuse(actor: Any, reason: str, what: str) -> NotAllowed:
    security_log.warning(
        "role.refused actor=%s actor_email=%s what=%s",
        getattr(actor, "pk", None),
        getattr(actor, "email", ""),
        what,
    )
    return NotAllowed(reason)


def grant_role(
    actor: User,
    person: User,
    role: str,
    *,
    agency: Agency | None = None,
    partnership: Partnership | None = None,
) -> HeldRole:
    """Give ``person`` the role ``role`` in ``agency`` or ``partnership`` (one of them)."""
    if (agency is None) == (partnership is None):
        raise ValueError("Give a role in an agency or in a partnership.")
    held: HeldRole
    if agency is not None:
        held = Membership(person=person, agency=agency, role=role)
    else:
        held = PartnershipRole(person=person, partnership=partnership, role=role)
    return save_role(actor, held)


def save_role(actor: User, held: HeldRole) -> HeldRole:
    """Save a new or changed role (as the administration site's forms make them). A
    change to an existing role is recorded as the old role taken away and the new one
    given."""
    model = type(held)
    with transaction.atomic():
        before = model.objects.select_for_update().filter(pk=held.pk).first() if held.pk else None
        if before is not None and _same(before, held):
            held.save()
            return held
        if before is not None:
            reason = administration.why_not_revoke(actor, before)
            if reason:
                raise _refuse(actor, reason, "revoke")
        place = held.agency if isinstance(held, Membership) else held.partnership
        reason = administration.why_not_grant(actor, place, held.role, held.person)
        if reason:
            raise _refuse(actor, reason, "grant")
        held.save()
        if before is not None:
            _record(actor, before, RoleChange.REVOKED)
        _record(actor, held, RoleChange.GRANTED)
    return held


def revoke_role(actor: User, held: HeldRole) -> None:
    """Take away a role someone holds."""
    with transaction.atomic():
        current = type(held).objects.select_for_update().filter(pk=held.pk).first()
        if current is None:
            return  # already gone
        reason = administration.why_not_revoke(actor, current)
        if reason:
            raise _refuse(actor, reason, "revoke")
        _record(actor, current, RoleChange.REVOKED)
        current.delete()


def _same(before: HeldRole, after: HeldRole) -> bool:
    if isinstance(before, Membership) and isinstance(after, Membership):
        place_same = before.agency_id == after.agency_id
    elif isinstance(before, PartnershipRole) and isinstance(after, PartnershipRole):
        place_same = before.partnership_id == after.partnership_id
    else:
        return False
    return place_same and before.person_id == after.person_id and before.role == after.role


# ---------------------------------------------------------------- line managers


def check_line_manager(actor: User, person: User, manager: User | None) -> None:
    """Refuse (:class:`NotAllowed`) making ``manager`` (None: nobody) ``person``'s line
    manager unless the administration rules allow it."""
    if not administration.may_set_line_manager(actor, person, manager):
        raise _refuse(
            actor,
            "You can only choose as line manager someone with a manager's role in an "
            "agency this person works in and you administer, and never yourself.",
            "line_manager",
        )


def line_manager_changed(actor: User, person: User) -> None:
    """Log that ``person``'s line manager is now ``person.line_manager`` (once the
    change is committed)."""
    line = (
        f"line_manager.changed actor={actor.pk} actor_email={actor.email} "
        f"person={person.pk} manager={person.line_manager_id or 'none'}"
    )
    transaction.on_commit(lambda: security_log.info(line))
