"""Reading notifications: a person's own list, newest first."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet

from escalate.cases import compiled
from escalate.govuk.text import page_number
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


def _state(status: str, event: str, invitation_id: int | None, digest: bool) -> str:
    if status == NotificationStatus.SENT:
        return "Emailed"
    if status == NotificationStatus.FAILED:
        return "Email could not be sent"
    if digest and events.may_wait_for_digest(event) and invitation_id is None:
        return "In your next daily digest"
    return "Email on its way"


#: What a person's list shows of each notification, in this order.
_LISTED = ("case__reference", "event", "stage", "why", "created_at", "status", "invitation_id")


def _listed(person: User, limit: int) -> QuerySet[Any]:
    return _newest_addressed_to(person, limit).values_list(*_LISTED)[:limit]


def notifications_for(person: User, *, limit: int = PAGE) -> list[Item]:
    """A person's notifications, newest first. The query's SQL is the same for everyone
    (only whose they are differs): compiled once per process (:mod:`escalate.cases.
    compiled`), run with the person's id and address."""
    digest = delivery_of(person) == DeliveryChoice.DIGEST
    if not person.is_authenticated or not person.is_active:
        return []
    kept = compiled.compile_once(
        ("notifications_for", limit), lambda: _listed(compiled.standin(), limit)
    )
    values = {compiled.PERSON: person.pk, compiled.EMAIL: person.email.lower()}
    return _items(kept.rows(values), digest)


def _items(rows: Iterable[tuple[Any, ...]], digest: bool) -> list[Item]:
    """Rows of :data:`_LISTED` as their recipient sees them."""
    return [
        Item(reference, happened(event, stage), why, at, _state(status, event, invitation, digest))
        for reference, event, stage, why, at, status, invitation in rows
    ]


@dataclass(frozen=True)
class ItemsPage:
    """One page of a person's notifications, newest first: which page of how many."""

    items: list[Item]
    number: int
    last: int
    total: int


def notifications_page(person: User, asked: object = None) -> ItemsPage:
    """Page ``asked`` (the ``page`` parameter as it came: none or not a number, the
    first; past the last, the last) of :func:`notifications_for`, :data:`PAGE` to a
    page, in three queries: how many there are, how the person gets emails, and the
    page's. A later page reads its rows and those before it from each index; the first
    is the kept query."""
    if not person.is_authenticated or not person.is_active:
        return ItemsPage([], 1, 1, 0)
    total = Notification.objects.filter(
        Q(recipient=person) | Q(recipient__isnull=True, email=person.email.lower())
    ).count()
    last = max(1, -(-total // PAGE))
    number = min(page_number(asked) or 1, last)
    if number == 1:
        return ItemsPage(notifications_for(person), 1, last, total)
    digest = delivery_of(person) == DeliveryChoice.DIGEST
    upto = number * PAGE
    rows = _newest_addressed_to(person, upto).values_list(*_LISTED)[upto - PAGE : upto]
    return ItemsPage(_items(rows, digest), number, last, total)


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
