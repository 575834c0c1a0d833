"""Reading notifications: a person's own list, newest first."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet

from escalate.notifications.emails import happened
from escalate.notifications.models import (
    DeliveryChoice,
    Notification,
    NotificationPreference,
    NotificationStatus,
)
from escalate.procedures import events

if TYPE_CHECKING:
    from escalate.accounts.models import User

#: How many a page shows.
PAGE = 50


@dataclass(frozen=True)
class Item:
    """One notification as its recipient sees it: never the person at risk's details."""

    reference: str
    happened: str
    why: str
    at: dt.datetime
    state: str


def _addressed_to(person: User) -> QuerySet[Notification]:
    """Sent to them, or to their address before they had an account here."""
    if not person.is_authenticated or not person.is_active:
        return Notification.objects.none()
    return Notification.objects.filter(
        Q(recipient=person) | Q(recipient__isnull=True, email=person.email.lower())
    )


def _state(n: Notification, digest: bool) -> str:
    if n.status == NotificationStatus.SENT:
        return "Emailed"
    if n.status == NotificationStatus.FAILED:
        return "Email could not be sent"
    if digest and events.may_wait_for_digest(n.event) and n.invitation_id is None:
        return "In your next daily digest"
    return "Email on its way"


def notifications_for(person: User, *, limit: int = PAGE) -> list[Item]:
    """A person's notifications, newest first."""
    digest = delivery_of(person) == DeliveryChoice.DIGEST
    rows = (
        _addressed_to(person)
        .select_related("case")
        .only("case__reference", "event", "stage", "why", "created_at", "status", "invitation_id")
        .order_by("-created_at", "-id")[:limit]
    )
    return [
        Item(n.case.reference, happened(n.event, n.stage), n.why, n.created_at, _state(n, digest))
        for n in rows
    ]


def recent_for(person: User, count: int = 5) -> list[Item]:
    return notifications_for(person, limit=count)


def administered_partnerships(person: User) -> QuerySet[Any]:
    """The ids of the partnerships ``person`` administers, as
    :mod:`escalate.partnerships.administration` (the one place for that rule) decides."""
    from escalate.partnerships import administration

    return administration.administered_partnerships(person).values("pk")


def delivery_of(person: User) -> str:
    if not person.is_authenticated:
        return DeliveryChoice.IMMEDIATE
    found = (
        NotificationPreference.objects.filter(person=person)
        .values_list("delivery", flat=True)
        .first()
    )
    return found or DeliveryChoice.IMMEDIATE
