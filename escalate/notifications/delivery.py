"""Delivering the outboxes: claiming rows, sending them, trying again with backoff.

A send that fails is tried again with backoff (doubling from
``NOTIFICATION_RETRY_SECONDS``, at most an hour apart) until
``NOTIFICATION_GIVE_UP_HOURS`` (72 by default) have passed since the email was queued,
or since an administrator asked for it to be tried again. Only then is it marked
failed, and the partnership's administrators and business unit are told (in Escalate
and by email, see :mod:`.failures`); a failed notice of a failure never spawns another.

Safe to run on several machines at once: a worker claims a row with a conditional
UPDATE (``status = pending`` and not already claimed) before sending it, so no email
goes twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.db.models import F, Model, Q, QuerySet

from escalate import clock
from escalate.errors import Conflict
from escalate.notifications import emails
from escalate.notifications.failures import (
    tell_of_failed_account_email,
    tell_of_failed_notification,
)
from escalate.notifications.models import (
    AccountEmail,
    AccountEmailAttempt,
    AttemptOutcome,
    DeliveryAttempt,
    DeliveryChoice,
    Notification,
    NotificationStatus,
)
from escalate.procedures import events

logger = logging.getLogger("escalate.notifications.services")

#: A claim older than this is taken to be from a worker that died mid-send.
CLAIM_LEASE = dt.timedelta(minutes=10)
#: The longest wait between two tries (unless the first wait is set longer than this).
MAX_BACKOFF = dt.timedelta(hours=1)

_ADDRESS = re.compile(r"[^\s<>\"'@,;:()]+@[^\s<>\"'@,;:()]+")


def retry_base() -> dt.timedelta:
    return dt.timedelta(seconds=int(getattr(settings, "NOTIFICATION_RETRY_SECONDS", 60)))


def give_up_after() -> dt.timedelta:
    """How long failed sends are tried again before the email is marked failed."""
    return dt.timedelta(hours=int(getattr(settings, "NOTIFICATION_GIVE_UP_HOURS", 72)))


def backoff(attempts: int) -> dt.timedelta:
    """How long to wait after the ``attempts``-th failed try: 1, 2, 4, 8... times the
    base, at most an hour (or the base itself, if that is set longer)."""
    base = int(retry_base().total_seconds())
    cap = max(int(MAX_BACKOFF.total_seconds()), base)
    doublings = min(max(attempts - 1, 0), 40)  # whole seconds: never overflows
    return dt.timedelta(seconds=min(base * 2**doublings, cap))


def describe_error(exc: BaseException) -> str:
    """An error for the record, without personal data: its kind and the mail server's
    words with any email address taken out."""
    words = _ADDRESS.sub("[address]", str(exc)).strip()
    text = f"{type(exc).__name__}: {words}" if words else type(exc).__name__
    return text[:500]


# ---------------------------------------------------------------- which rows to send


def held_for_digest() -> Q:
    """Rows waiting for their recipient's daily digest: not the notices the procedure
    requires, which are sent at once (see :mod:`escalate.procedures.events`)."""
    return (
        Q(recipient__notification_preference__delivery=DeliveryChoice.DIGEST)
        & ~Q(event__in=events.SENT_AT_ONCE)
        & Q(invitation__isnull=True)
    )


def _unclaimed(now: dt.datetime) -> Q:
    return Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_LEASE)


def _due(now: dt.datetime) -> Q:
    return (
        Q(status=NotificationStatus.PENDING)
        & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        & _unclaimed(now)
    )


def deliverable(now: dt.datetime | None = None) -> QuerySet[Notification]:
    """Pending case notifications due a try now and not held for a digest."""
    now = now or clock.now()
    return Notification.objects.filter(_due(now)).exclude(
        pk__in=Notification.objects.filter(held_for_digest()).values("pk")
    )


def account_emails_deliverable(now: dt.datetime | None = None) -> QuerySet[AccountEmail]:
    """Pending account emails due a try now."""
    return AccountEmail.objects.filter(_due(now or clock.now()))


def claim_rows(candidates: QuerySet[Any], limit: int, now: dt.datetime) -> list[int]:
    """Claim up to ``limit`` rows: only rows still pending and unclaimed are taken, in
    one conditional UPDATE, so two workers never claim the same row."""
    model = candidates.model
    token = uuid.uuid4().hex
    with transaction.atomic():
        chosen = candidates.order_by("created_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            chosen = chosen.select_for_update(skip_locked=True, of=("self",))
        ids = list(chosen.values_list("pk", flat=True)[:limit])
        if not ids:
            return []
        model.objects.filter(pk__in=ids, status=NotificationStatus.PENDING).filter(
            _unclaimed(now)
        ).update(claimed_at=now, claimed_by=token)
    return list(model.objects.filter(pk__in=ids, claimed_by=token).values_list("pk", flat=True))


# ---------------------------------------------------------------- delivering


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0

    def __str__(self) -> str:
        return f"{self.sent} sent, {self.retrying} to try again, {self.failed} failed"


@dataclass(frozen=True)
class _Outbox:
    """One kind of outbox: its rows, their attempts, and how to send and give up."""

    rows: type[Model]
    attempts: type[Model]
    #: The attempt's foreign key to its row.
    link: str
    due: Callable[[dt.datetime], QuerySet[Any]]
    related: tuple[str, ...]
    build: Callable[[Any], EmailMessage]
    #: Tell people that a row has been marked failed (in the same transaction).
    tell: Callable[[Any, dt.datetime], None]
    name: Callable[[Any], str]


def deliver_pending(*, batch: int = 50, drain: bool = True) -> DeliveryReport:
    """Send what is due now: account emails (password resets) first, then the case
    notifications. With ``drain``, keep going until nothing is due (rows that failed
    wait for their next try, so this ends)."""
    report = DeliveryReport()
    mail = get_connection(fail_silently=False)
    try:
        for outbox in (_ACCOUNT_OUTBOX, _CASE_OUTBOX):
            _drain(outbox, mail, report, batch=batch, drain=drain)
    finally:
        try:
            mail.close()
        except Exception:  # noqa: BLE001 - closing a broken connection must not hide results
            logger.warning("Could not close the mail connection cleanly")
    return report


def _drain(outbox: _Outbox, mail: Any, report: DeliveryReport, *, batch: int, drain: bool) -> None:
    while True:
        now = clock.now()
        ids = claim_rows(outbox.due(now), batch, now)
        if not ids:
            return
        rows = outbox.rows.objects.filter(pk__in=ids).select_related(*outbox.related)  # type: ignore[attr-defined]
        for row in rows:
            _deliver_one(outbox, row, mail, report)
        if not drain:
            return


def _invitation_link(row: Notification) -> str:
    from escalate.cases.services import new_invitation_token

    if row.invitation is None:
        return ""
    try:
        return emails.invitation_url(new_invitation_token(row.invitation))
    except Conflict:
        return ""  # already used: the case link is enough


def _deliver_one(outbox: _Outbox, row: Any, mail: Any, report: DeliveryReport) -> None:
    token = row.claimed_by
    try:
        message = outbox.build(row)
        message.connection = mail
        message.send()
    except emails.NoLongerOwed as exc:
        _record_failure(outbox, row, token, exc, report, final=True)
        return
    except Exception as exc:  # noqa: BLE001 - any failure is recorded and retried
        _record_failure(outbox, row, token, exc, report)
        return
    now = clock.now()
    with transaction.atomic():
        outbox.rows.objects.filter(pk=row.pk, claimed_by=token).update(  # type: ignore[attr-defined]
            status=NotificationStatus.SENT,
            sent_at=now,
            attempts=F("attempts") + 1,
            last_error="",
            next_attempt_at=None,
            claimed_at=None,
            claimed_by="",
        )
        outbox.attempts.objects.create(  # type: ignore[attr-defined]
            **{outbox.link: row}, at=now, outcome=AttemptOutcome.SENT
        )
    report.sent += 1


def gives_up_at(row: Notification | AccountEmail) -> dt.datetime:
    """When a failing email is marked failed: the give-up time after it was queued, or
    after an administrator last asked for it to be tried again."""
    retried: QuerySet[AccountEmailAttempt] | QuerySet[DeliveryAttempt]
    if isinstance(row, AccountEmail):
        retried = AccountEmailAttempt.objects.filter(account_email=row)
    else:
        retried = DeliveryAttempt.objects.filter(notification=row)
    last_retry = (
        retried.filter(outcome=AttemptOutcome.RETRIED)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    start = max(row.created_at, last_retry) if last_retry else row.created_at
    return start + give_up_after()


def _record_failure(
    outbox: _Outbox,
    row: Any,
    token: str,
    exc: BaseException,
    report: DeliveryReport,
    *,
    final: bool = False,
) -> None:
    """Record a failed try. It is tried again later, at the give-up time at the latest;
    a try failing at or after that time marks it failed and tells the administrators.
    ``final``: no longer owed (say the account was switched off), so failed at once and
    nobody told."""
    now = clock.now()
    error = describe_error(exc)
    attempts = row.attempts + 1
    deadline = gives_up_at(row)
    gave_up = final or now >= deadline
    with transaction.atomic():
        written = outbox.rows.objects.filter(pk=row.pk, claimed_by=token).update(  # type: ignore[attr-defined]
            status=NotificationStatus.FAILED if gave_up else NotificationStatus.PENDING,
            attempts=attempts,
            last_error=error,
            next_attempt_at=None if gave_up else min(now + backoff(attempts), deadline),
            claimed_at=None,
            claimed_by="",
        )
        outbox.attempts.objects.create(  # type: ignore[attr-defined]
            **{outbox.link: row}, at=now, outcome=AttemptOutcome.FAILED, error=error
        )
        if gave_up and written and not final:
            outbox.tell(row, now)
    if gave_up:
        logger.warning("%s marked failed after %s tries: %s", outbox.name(row), attempts, error)
        report.failed += 1
    else:
        logger.warning("%s failed, try %s: %s", outbox.name(row), attempts, error)
        report.retrying += 1


_CASE_OUTBOX = _Outbox(
    rows=Notification,
    attempts=DeliveryAttempt,
    link="notification",
    due=deliverable,
    related=("case", "case__partnership", "invitation"),
    build=lambda row: emails.build(row, invitation_link=_invitation_link(row)),
    tell=tell_of_failed_notification,
    name=lambda row: f"Notification {row.pk} (case {row.case_id})",
)
_ACCOUNT_OUTBOX = _Outbox(
    rows=AccountEmail,
    attempts=AccountEmailAttempt,
    link="account_email",
    due=account_emails_deliverable,
    related=("person", "partnership"),
    build=emails.build_account_email,
    tell=tell_of_failed_account_email,
    name=lambda row: f"Account email {row.pk} ({row.kind})",
)
