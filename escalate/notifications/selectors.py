"""Reading notifications: a person's own list, newest first."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

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


def _newest_addressed_to(person: User, limit: int) -> QuerySet[Notification]:
    """The ``limit`` newest sent to them, or to their address before they had an account
    here: each kind read newest first from its own index (``notification_recent``,
    ``notification_recent_email``), ``limit`` at most, however many they were sent."""
    if not person.is_authenticated or not person.is_active:
        return Notification.objects.none()
    newest = ("-created_at", "-id")
    theirs = Notification.objects.filter(recipient=person).order_by(*newest).values("pk")
    before = (
        Notification.objects.filter(recipient__isnull=True, email=person.email.lower())
        .order_by(*newest)
        .values("pk")
    )
    # Each newest few in a subquery of its own: SQLite allows no LIMIT in a UNION's parts.
    ids = (
        Notification.objects.filter(pk__in=theirs[:limit])
        .order_by()
        .values("pk")
        .union(Notification.objects.filter(pk__in=before[:limit]).order_by().values("pk"), all=True)
    )
    return Notification.objects.filter(pk__in=ids).order_by(*newest)


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
        _newest_addressed_to(person, limit)
        .select_related("case")
        .only("case__reference", "event", "stage", "why", "created_at", "status", "invitation_id")[
            :limit
        ]
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
