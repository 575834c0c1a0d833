"""The one way into the outboxes: an email owed about a case, or about an account.

Other apps owe emails only through :func:`enqueue` (the case services, in the same
transaction as the change they tell of). Nothing here sends email: the worker
(:mod:`.delivery`) sends it later, so a mail server that is down never blocks or undoes
a change, and no request waits on it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction

from escalate import clock
from escalate.cases.models import SHORT_TEXT_MAX
from escalate.notifications import bulk
from escalate.notifications.models import (
    AccountEmail,
    AccountEmailKind,
    Notification,
    NotificationStatus,
)

if TYPE_CHECKING:
    from escalate.accounts.models import User
    from escalate.cases.models import Case, Event, Invitation


@dataclass(frozen=True)
class Entry:
    """One email owed to one address about a case."""

    email: str
    recipient_kind: str
    event: str
    why: str
    stage: int | None = None
    recipient: User | None = None
    #: Set when the email must carry the invitation link.
    invitation: Invitation | None = None


def enqueue(
    case: Case, entries: Iterable[Entry], *, source_event: Event | None = None
) -> list[Notification]:
    """Write one outbox row per entry, about ``case`` and (if given) the chronology entry
    that owes them. Call it inside the change's transaction."""
    now = clock.now()
    return add(
        [
            Notification(
                case=case,
                source_event=source_event,
                invitation=entry.invitation,
                recipient=entry.recipient,
                email=entry.email,
                recipient_kind=entry.recipient_kind,
                event=entry.event,
                stage=entry.stage,
                why=entry.why[:SHORT_TEXT_MAX],
                created_at=now,
            )
            for entry in entries
        ]
    )


def add(rows: list[Notification], *, batch_size: int | None = None) -> list[Notification]:
    """Write outbox rows already made (for this app: reminders, notices of failures)."""
    return Notification.objects.bulk_create(rows, batch_size=batch_size)


def add_values(
    columns: Sequence[str], rows: Sequence[Sequence[Any]], *, same: dict[str, Any]
) -> None:
    """Write many outbox rows at once, given as values of ``columns`` (field names) and
    what they all share (for the reminder sweep: thousands in one statement)."""
    if rows:
        bulk.insert(Notification, columns, rows, same=same)


# ---------------------------------------------------------------- account emails


def queue_password_reset(person: User, email: str) -> AccountEmail | None:
    """Owe ``person`` an email with a link to choose a new password; the worker sends it.

    Nothing secret is stored: the link's token is made when the email is sent. While
    one is still waiting to go, asking again adds nothing (it will carry a fresh link).
    """
    address = (email or "").strip().lower()
    if not (person.is_active and address):
        return None
    with transaction.atomic():
        waiting = AccountEmail.objects.filter(
            kind=AccountEmailKind.PASSWORD_RESET,
            person=person,
            email=address,
            status=NotificationStatus.PENDING,
        ).exists()
        if waiting:
            return None
        return AccountEmail.objects.create(
            kind=AccountEmailKind.PASSWORD_RESET,
            person=person,
            email=address,
            created_at=clock.now(),
        )
