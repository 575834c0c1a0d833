"""Emails that could not be sent: telling the administrators and business unit, and an
administrator asking for them to be tried again."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, TypeVar

from django.db import transaction
from django.db.models import Model, Q, QuerySet

from escalate import clock
from escalate.errors import NotAllowed
from escalate.notifications import emails
from escalate.notifications.models import (
    DELIVERY_FAILED_EVENT,
    AccountEmail,
    AccountEmailAttempt,
    AccountEmailKind,
    AttemptOutcome,
    DeliveryAttempt,
    Notification,
    NotificationStatus,
    RecipientKind,
)
from escalate.notifications.outbox import add
from escalate.notifications.selectors import administered_partnerships

if TYPE_CHECKING:
    from escalate.accounts.models import User
    from escalate.partnerships.models import Partnership


logger = logging.getLogger("escalate.notifications.services")


def _administrators(partnership: Partnership) -> QuerySet[User]:
    from django.contrib.auth import get_user_model

    from escalate.partnerships.models import PartnershipRoleKind

    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            partnership_roles__partnership=partnership,
            partnership_roles__role=PartnershipRoleKind.ADMINISTRATOR,
        )
        .distinct()
        .order_by("pk")
    )


def _to_whom(recipient_kind: str) -> str:
    """Who an email was for, by role (never by name): "the stage owner"."""
    if recipient_kind in (RecipientKind.PERSON, RecipientKind.ALL_INVOLVED):
        return "someone involved in the case"
    try:
        return f"the {RecipientKind(recipient_kind).label.lower()}"
    except ValueError:
        return "someone involved in the case"


def tell_of_failed_notification(row: Notification, now: dt.datetime) -> None:
    """The partnership's administrators (in Escalate and by email) and its business unit
    (by email) are told that an email about a case could not be sent: once per case and
    address while an earlier notice is still on its way."""
    if row.event == DELIVERY_FAILED_EVENT:
        return  # a notice that could not be sent is listed for administrators, no more
    case = row.case
    partnership = case.partnership
    to_whom = _to_whom(row.recipient_kind)
    what = emails.happened(row.event, row.stage).rstrip(".")
    told = (
        f'an email to {to_whom} saying "{what}" could not be sent, though Escalate '
        f"tried for {emails.hours_tried()}"
    )
    owed: list[tuple[int | None, str, str, str]] = [
        (
            person.pk,
            person.email,
            RecipientKind.PERSON,
            f"{told}; you are an administrator of {partnership.name}",
        )
        for person in _administrators(partnership)
    ]
    owed.append(
        (
            None,
            partnership.business_unit_email,
            RecipientKind.BUSINESS_UNIT,
            f"{told}; you are the business unit of {partnership.name}",
        )
    )
    seen = set(
        Notification.objects.filter(
            case=case, event=DELIVERY_FAILED_EVENT, status=NotificationStatus.PENDING
        ).values_list("email", flat=True)
    )
    notices = []
    for user_id, address, kind, why in owed:
        address = (address or "").strip().lower()
        if not address or address in seen:
            continue
        seen.add(address)
        notices.append(
            Notification(
                case=case,
                recipient_id=user_id,
                email=address,
                recipient_kind=kind,
                event=DELIVERY_FAILED_EVENT,
                why=why[:1000],
                created_at=now,
            )
        )
    add(notices)


def tell_of_failed_account_email(row: AccountEmail, now: dt.datetime) -> None:
    """The administrators and business unit of each partnership the person belongs to
    are emailed that an email about someone's account could not be sent (not whose)."""
    from escalate.partnerships.models import Partnership

    if row.kind == AccountEmailKind.DELIVERY_FAILED or row.person_id is None:
        return
    partnerships = (
        Partnership.objects.filter(
            Q(agencies__memberships__person_id=row.person_id) | Q(people__person_id=row.person_id)
        )
        .distinct()
        .order_by("pk")
    )
    notices = []
    for partnership in partnerships:
        seen = set(
            AccountEmail.objects.filter(
                kind=AccountEmailKind.DELIVERY_FAILED,
                partnership=partnership,
                status=NotificationStatus.PENDING,
            ).values_list("email", flat=True)
        )
        owed: list[tuple[int | None, str]] = [(p.pk, p.email) for p in _administrators(partnership)]
        owed.append((None, partnership.business_unit_email))
        for person_id, address in owed:
            address = (address or "").strip().lower()
            if not address or address in seen:
                continue
            seen.add(address)
            notices.append(
                AccountEmail(
                    kind=AccountEmailKind.DELIVERY_FAILED,
                    person_id=person_id,
                    partnership=partnership,
                    email=address,
                    created_at=now,
                )
            )
    AccountEmail.objects.bulk_create(notices)


# ---------------------------------------------------------------- trying again


def _may_administer(actor: User) -> None:
    if not (actor.is_active and actor.is_staff):
        raise NotAllowed("Only administrators can retry notifications.")


def retry(actor: User, notifications: Iterable[Notification]) -> int:
    """An administrator asks for failed notifications about their partnerships' cases
    to be tried again now; the tries start afresh (for the full give-up time)."""
    _may_administer(actor)
    rows = Notification.objects.filter(
        pk__in=[n.pk for n in notifications], status=NotificationStatus.FAILED
    )
    if not actor.is_superuser:
        rows = rows.filter(case__partnership_id__in=administered_partnerships(actor))
    return _retry(rows, DeliveryAttempt, "notification_id")


def retry_account_emails(actor: User, account_emails: Iterable[AccountEmail]) -> int:
    """Likewise for failed account emails of people in their partnerships."""
    _may_administer(actor)
    rows = AccountEmail.objects.filter(
        pk__in=[e.pk for e in account_emails], status=NotificationStatus.FAILED
    )
    if not actor.is_superuser:
        rows = rows.filter(account_emails_seen_by(actor))
    return _retry(rows.distinct(), AccountEmailAttempt, "account_email_id")


def account_emails_seen_by(actor: User) -> Q:
    """Account emails an administrator may see: about people in (or notices for) the
    partnerships they administer."""
    administered = administered_partnerships(actor)
    return (
        Q(partnership_id__in=administered)
        | Q(person__memberships__agency__partnerships__in=administered)
        | Q(person__partnership_roles__partnership_id__in=administered)
    )


_Failed = TypeVar("_Failed", bound=Model)


def _retry(rows: QuerySet[_Failed], attempts: type[Model], link: str) -> int:
    now = clock.now()
    with transaction.atomic():
        ids = list(rows.values_list("pk", flat=True))
        count = rows.model._default_manager.filter(
            pk__in=ids, status=NotificationStatus.FAILED
        ).update(
            status=NotificationStatus.PENDING,
            attempts=0,
            next_attempt_at=None,
            claimed_at=None,
            claimed_by="",
        )
        attempts._default_manager.bulk_create(
            [attempts(**{link: pk}, at=now, outcome=AttemptOutcome.RETRIED) for pk in ids]
        )
    return count
