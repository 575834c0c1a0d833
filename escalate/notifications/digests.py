"""Daily digests, and how a person chooses to get their emails.

A daily digest is claimed by inserting (person, day), so it goes once a day.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet

from escalate import clock
from escalate.errors import NotAllowed
from escalate.notifications import emails
from escalate.notifications.delivery import claim_rows, describe_error, held_for_digest
from escalate.notifications.models import (
    AttemptOutcome,
    DeliveryAttempt,
    DeliveryChoice,
    Digest,
    Notification,
    NotificationPreference,
    NotificationStatus,
)

if TYPE_CHECKING:
    from escalate.accounts.models import User


logger = logging.getLogger("escalate.notifications.services")

# ---------------------------------------------------------------- digests


def digest_hour() -> int:
    return int(getattr(settings, "DIGEST_HOUR", 7))


def send_digests(today: dt.date | None = None) -> int:
    """Send each person who chose a daily digest one email of what is waiting for them,
    at most once a day. Returns how many digests were sent."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    now = clock.now()
    today = today or clock.today()
    if today == timezone.localdate(now) and timezone.localtime(now).hour < digest_hour():
        return 0
    waiting = Notification.objects.filter(
        held_for_digest(), status=NotificationStatus.PENDING, created_at__lte=now
    )
    people = get_user_model().objects.filter(pk__in=waiting.values("recipient_id"), is_active=True)
    sent = 0
    for person in people.order_by("pk"):
        try:
            with transaction.atomic():
                digest = Digest.objects.create(person=person, day=today, created_at=now)
        except IntegrityError:
            continue  # already sent today (perhaps by another machine)
        if _send_digest(person, digest, waiting.filter(recipient=person), now):
            sent += 1
    return sent


def _send_digest(
    person: User, digest: Digest, waiting: QuerySet[Notification], now: dt.datetime
) -> bool:
    ids = claim_rows(waiting, 500, now)
    rows = list(
        Notification.objects.filter(pk__in=ids).select_related("case").order_by("created_at", "id")
    )
    if not rows:
        return False
    token = rows[0].claimed_by
    try:
        emails.build_digest(person, rows, digest.day).send()
    except Exception as exc:  # noqa: BLE001 - recorded; the rows wait for tomorrow
        error = describe_error(exc)
        with transaction.atomic():
            Notification.objects.filter(pk__in=ids, claimed_by=token).update(
                claimed_at=None, claimed_by="", last_error=error
            )
            DeliveryAttempt.objects.bulk_create(
                [
                    DeliveryAttempt(
                        notification=r, at=now, outcome=AttemptOutcome.FAILED, error=error
                    )
                    for r in rows
                ]
            )
            Digest.objects.filter(pk=digest.pk).update(error=error, items=len(rows))
        logger.warning("Daily digest %s failed: %s", digest.pk, error)
        return False
    with transaction.atomic():
        Notification.objects.filter(pk__in=ids, claimed_by=token).update(
            status=NotificationStatus.SENT,
            sent_at=now,
            attempts=F("attempts") + 1,
            claimed_at=None,
            claimed_by="",
            next_attempt_at=None,
        )
        DeliveryAttempt.objects.bulk_create(
            [DeliveryAttempt(notification=r, at=now, outcome=AttemptOutcome.SENT) for r in rows]
        )
        Digest.objects.filter(pk=digest.pk).update(sent_at=now, items=len(rows))
    return True


# ---------------------------------------------------------------- preferences


def set_preference(actor: User, delivery: str) -> NotificationPreference:
    """A person chooses an email each time or a daily digest, for themselves only."""
    from escalate.errors import Invalid

    if not actor.is_active:
        raise NotAllowed("Your account is not active.")
    if delivery not in DeliveryChoice.values:
        raise Invalid({"delivery": "Select how you want to get emails"})
    preference, _ = NotificationPreference.objects.update_or_create(
        person=actor, defaults={"delivery": delivery}
    )
    return preference
