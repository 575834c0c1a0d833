"""Delivering the outboxes, deadline reminders, daily digests and preferences.

The case services write outbox rows (:class:`escalate.cases.models.Notification`) in
the same transaction as the change they tell of; the password-reset form writes an
:class:`~escalate.notifications.models.AccountEmail` row. This module sends both, later,
so a mail server that is down never blocks or undoes a change, and no request waits on
it.

A send that fails is tried again with backoff (doubling from
``NOTIFICATION_RETRY_SECONDS``, at most an hour apart) until
``NOTIFICATION_GIVE_UP_HOURS`` (72 by default) have passed since the email was queued,
or since an administrator asked for it to be tried again. Only then is it marked
failed, and the partnership's administrators and business unit are told (in Escalate
and by email); a failed notice of a failure never spawns another.

Safe to run on several machines at once:

* a worker claims a row with a conditional UPDATE (``status = pending`` and not
  already claimed) before sending it, so no email goes twice;
* a reminder is claimed by inserting its key (case, stage, kind, date) into a table
  with a unique constraint, insert-or-skip, in the same transaction as its outbox row;
* a daily digest is claimed by inserting (person, day), likewise.

Dates come from :mod:`escalate.clock`.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, F, Model, OuterRef, Q, QuerySet

from escalate import clock
from escalate.cases.errors import Conflict, NotAllowed
from escalate.cases.models import (
    AgreedAction,
    CaseStatus,
    Notification,
    NotificationStatus,
    RecipientKind,
    StageRecord,
)
from escalate.notifications import emails
from escalate.notifications.models import (
    DELIVERY_FAILED_EVENT,
    MANDATORY_EVENTS,
    REMINDER_EVENTS,
    AccountEmail,
    AccountEmailAttempt,
    AccountEmailKind,
    AttemptOutcome,
    DeliveryAttempt,
    DeliveryChoice,
    Digest,
    NotificationPreference,
    Reminder,
    ReminderKind,
)
from escalate.notifications.selectors import administered_partnerships
from escalate.procedures.calendar import WorkingCalendar, format_day

if TYPE_CHECKING:
    from escalate.accounts.models import User
    from escalate.partnerships.models import Partnership

logger = logging.getLogger(__name__)

#: A claim older than this is taken to be from a worker that died mid-send.
CLAIM_LEASE = dt.timedelta(minutes=10)
#: The longest wait between two tries (unless the first wait is set longer than this).
MAX_BACKOFF = dt.timedelta(hours=1)
#: Stage records (or actions) looked at per query by the reminder sweep.
SWEEP_CHUNK = 2000

_ADDRESS = re.compile(r"[^\s<>\"'@,;:()]+@[^\s<>\"'@,;:()]+")


def retry_base() -> dt.timedelta:
    return dt.timedelta(seconds=int(getattr(settings, "NOTIFICATION_RETRY_SECONDS", 60)))


def give_up_after() -> dt.timedelta:
    """How long failed sends are tried again before the email is marked failed."""
    return dt.timedelta(hours=int(getattr(settings, "NOTIFICATION_GIVE_UP_HOURS", 72)))


def grace_working_days() -> int:
    return int(getattr(settings, "REMINDER_GRACE_WORKING_DAYS", 2))


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


def _held_for_digest() -> Q:
    """Rows waiting for their recipient's daily digest."""
    return (
        Q(recipient__notification_preference__delivery=DeliveryChoice.DIGEST)
        & ~Q(event__in=MANDATORY_EVENTS)
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
        pk__in=Notification.objects.filter(_held_for_digest()).values("pk")
    )


def account_emails_deliverable(now: dt.datetime | None = None) -> QuerySet[AccountEmail]:
    """Pending account emails due a try now."""
    return AccountEmail.objects.filter(_due(now or clock.now()))


def _claim(candidates: QuerySet[Any], limit: int, now: dt.datetime) -> list[int]:
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
        ids = _claim(outbox.due(now), batch, now)
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


def _tell_of_failed_notification(row: Notification, now: dt.datetime) -> None:
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
    Notification.objects.bulk_create(notices)


def _tell_of_failed_account_email(row: AccountEmail, now: dt.datetime) -> None:
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
        owed = [(p.pk, p.email) for p in _administrators(partnership)]
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


_CASE_OUTBOX = _Outbox(
    rows=Notification,
    attempts=DeliveryAttempt,
    link="notification",
    due=deliverable,
    related=("case", "case__partnership", "invitation"),
    build=lambda row: emails.build(row, invitation_link=_invitation_link(row)),
    tell=_tell_of_failed_notification,
    name=lambda row: f"Notification {row.pk} (case {row.case_id})",
)
_ACCOUNT_OUTBOX = _Outbox(
    rows=AccountEmail,
    attempts=AccountEmailAttempt,
    link="account_email",
    due=account_emails_deliverable,
    related=("person", "partnership"),
    build=emails.build_account_email,
    tell=_tell_of_failed_account_email,
    name=lambda row: f"Account email {row.pk} ({row.kind})",
)


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


def _retry(rows: QuerySet[Any], attempts: type[Model], link: str) -> int:
    now = clock.now()
    with transaction.atomic():
        ids = list(rows.values_list("pk", flat=True))
        count = rows.model.objects.filter(pk__in=ids, status=NotificationStatus.FAILED).update(
            status=NotificationStatus.PENDING,
            attempts=0,
            next_attempt_at=None,
            claimed_at=None,
            claimed_by="",
        )
        attempts.objects.bulk_create(  # type: ignore[attr-defined]
            [attempts(**{link: pk}, at=now, outcome=AttemptOutcome.RETRIED) for pk in ids]
        )
    return count


# ---------------------------------------------------------------- reminders


@dataclass(frozen=True)
class _Due:
    key: str
    case_id: int
    stage: int | None
    action_id: int | None
    kind: str
    due_on: dt.date
    week: int
    email: str
    user_id: int | None
    recipient_kind: str
    why: str


@dataclass
class SweepReport:
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def __str__(self) -> str:
        if not self.counts:
            return "no reminders due"
        return ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in sorted(self.counts.items()))


def calendar_for_region(region: str) -> WorkingCalendar:
    from escalate.partnerships.models import NonWorkingDay

    extra = NonWorkingDay.objects.filter(region=region).values_list("date", flat=True)
    return WorkingCalendar.for_region(region, extra)


def sweep_reminders(today: dt.date | None = None) -> SweepReport:
    """Send each reminder due today that has not been sent, once.

    Reminders go out on the region's working days: one working day before a stage's
    act-by deadline, on the day, the first working day after it passes and every five
    working days while it stays passed; the owner's line manager once it has passed by
    the grace period; an agreed action's owner once its due date arrives.

    Every question is a query for "due and not yet sent" (deadlines and reminders are
    indexed), read a chunk at a time: a sweep that finds everything sent reads nothing.
    """
    from escalate.partnerships.models import Partnership

    today = today or clock.today()
    claim = uuid.uuid4().hex
    report = SweepReport()
    regions = Partnership.objects.values_list("region", flat=True).distinct().order_by("region")
    for region in list(regions):
        calendar = calendar_for_region(region)
        if not calendar.is_working_day(today):
            continue
        sweep = _RegionSweep(region, calendar, today, grace_working_days())
        for chunk in sweep.all_due():
            _claim_and_write(chunk, claim, today, report)
    return report


_STAGE_FIELDS = (
    "pk",
    "case_id",
    "number",
    "act_by",
    "owner_id",
    "owner__email",
    "owner__is_active",
    "owner__line_manager_id",
    "owner__line_manager__email",
    "owner__line_manager__is_active",
    "case__partnership__business_unit_email",
)
_ACTION_FIELDS = (
    "pk",
    "case_id",
    "stage",
    "due_on",
    "owner_id",
    "owner__email",
    "owner__is_active",
    "recorded_by_id",
    "recorded_by__email",
    "recorded_by__is_active",
)


def _pages(rows: QuerySet[Any], fields: tuple[str, ...]) -> Iterator[list[tuple[Any, ...]]]:
    """A query's rows a chunk at a time, by primary key (no long-open cursor)."""
    last = 0
    while True:
        chunk = list(rows.filter(pk__gt=last).order_by("pk").values_list(*fields)[:SWEEP_CHUNK])
        if not chunk:
            return
        last = chunk[-1][0]
        yield chunk


class _RegionSweep:
    def __init__(self, region: str, calendar: WorkingCalendar, today: dt.date, grace: int) -> None:
        self.region = region
        self.calendar = calendar
        self.today = today
        self.grace = grace
        self.horizon = calendar.add_working_days(today, 1)

    def current_stages(self) -> QuerySet[StageRecord]:
        return StageRecord.objects.filter(
            case__status=CaseStatus.OPEN,
            case__partnership__region=self.region,
            number=F("case__current_stage"),
            concluded_on__isnull=True,
            act_by__isnull=False,
        )

    def _unsent(self, rows: QuerySet[StageRecord], kind: str, week: int) -> QuerySet[StageRecord]:
        return rows.exclude(
            Exists(
                Reminder.objects.filter(
                    case_id=OuterRef("case_id"),
                    stage=OuterRef("number"),
                    kind=kind,
                    due_on=OuterRef("act_by"),
                    week=week,
                )
            )
        )

    def all_due(self) -> Iterator[list[_Due]]:
        today = self.today
        stages = self.current_stages()
        passed = sorted(
            set(stages.filter(act_by__lt=today).values_list("act_by", flat=True).distinct())
        )
        late = {day: self.calendar.working_days_between(day, today) for day in passed}
        weeks: dict[int, list[dt.date]] = {}
        for day, n in late.items():
            if n >= 1:
                weeks.setdefault((n - 1) // 5, []).append(day)
        asks: list[tuple[QuerySet[StageRecord], str, int]] = [
            (stages.filter(act_by__gt=today, act_by__lte=self.horizon), ReminderKind.DUE_SOON, 0),
            (stages.filter(act_by=today), ReminderKind.DUE_TODAY, 0),
            *[
                (stages.filter(act_by__in=days), ReminderKind.OVERDUE, week)
                for week, days in sorted(weeks.items())
            ],
        ]
        manager_days = [day for day, n in late.items() if n >= self.grace]
        if manager_days:
            asks.append((stages.filter(act_by__in=manager_days), ReminderKind.MANAGER, 0))
        for rows, kind, week in asks:
            for chunk in _pages(self._unsent(rows, kind, week), _STAGE_FIELDS):
                found = [self._for_stage(kind, week, late, *row[1:]) for row in chunk]
                yield [d for d in found if d is not None]
        actions = AgreedAction.objects.filter(
            case__status__in=(CaseStatus.OPEN, CaseStatus.RESOLVED),
            case__partnership__region=self.region,
            done_on__isnull=True,
            due_on__lte=today,
        ).exclude(
            Exists(
                Reminder.objects.filter(
                    action_id=OuterRef("pk"),
                    kind=ReminderKind.ACTION_DUE,
                    due_on=OuterRef("due_on"),
                )
            )
        )
        for chunk in _pages(actions, _ACTION_FIELDS):
            yield [d for row in chunk if (d := self._for_action(*row)) is not None]

    def _for_stage(
        self,
        kind: str,
        week: int,
        late: dict[dt.date, int],
        case_id: int,
        number: int,
        act_by: dt.date,
        owner_id: int,
        owner_email: str,
        owner_active: bool,
        manager_id: int | None,
        manager_email: str | None,
        manager_active: bool | None,
        business_unit_email: str,
    ) -> _Due | None:
        day = format_day(act_by)
        key = f"stage:{case_id}:{number}:{kind}:{act_by.isoformat()}:{week}"
        days_late = late.get(act_by, 0)
        if kind == ReminderKind.MANAGER:
            why = (
                f"stage {number} should have been resolved or escalated by {day}, and is "
                f"{days_late} working days late"
            )
            if manager_id and manager_active and manager_email:
                email, user_id, recipient = manager_email, manager_id, "owner_line_manager"
                why = f"{why}; its owner reports to you"
            else:
                email, user_id, recipient = business_unit_email, None, "business_unit"
                why = (
                    f"{why}; no line manager is recorded for its owner, so the business "
                    "unit is told"
                )
        else:
            if not owner_active:
                return None
            email, user_id, recipient = owner_email, owner_id, RecipientKind.STAGE_OWNER
            why = {
                ReminderKind.DUE_SOON: (
                    f"you own stage {number}, which must be resolved or escalated by {day}, "
                    "one working day away"
                ),
                ReminderKind.DUE_TODAY: (
                    f"you own stage {number}, which must be resolved or escalated today"
                ),
            }.get(
                kind,
                f"you own stage {number}, which should have been resolved or escalated by "
                f"{day}: it is {days_late} working day{'s' if days_late != 1 else ''} late",
            )
        return _Due(
            key,
            case_id,
            number,
            None,
            kind,
            act_by,
            week,
            email.lower(),
            user_id,
            recipient,
            why,
        )

    def _for_action(
        self,
        pk: int,
        case_id: int,
        stage: int,
        due_on: dt.date,
        owner_id: int | None,
        owner_email: str | None,
        owner_active: bool | None,
        recorder_id: int,
        recorder_email: str,
        recorder_active: bool,
    ) -> _Due | None:
        why = f"an action agreed at stage {stage} is due on {format_day(due_on)}"
        if owner_id and owner_active and owner_email:
            email, user_id = owner_email, owner_id
        elif recorder_active:
            email, user_id = recorder_email, recorder_id
            why = f"{why}; you recorded it and its owner has no account here"
        else:
            return None
        return _Due(
            f"action:{pk}:{ReminderKind.ACTION_DUE}:{due_on.isoformat()}",
            case_id,
            stage,
            pk,
            ReminderKind.ACTION_DUE,
            due_on,
            0,
            email.lower(),
            user_id,
            RecipientKind.PERSON,
            why,
        )


def _claim_and_write(due: list[_Due], claim: str, today: dt.date, report: SweepReport) -> None:
    """Insert-or-skip each reminder's key, then write outbox rows for the keys this sweep
    won, in one transaction: a reminder is either claimed and owed, or neither."""
    if not due:
        return
    due = sorted(due, key=lambda d: d.key)  # one order everywhere: no deadlocks
    now = clock.now()
    with transaction.atomic():
        Reminder.objects.bulk_create(
            [
                Reminder(
                    key=d.key,
                    case_id=d.case_id,
                    stage=d.stage,
                    action_id=d.action_id,
                    kind=d.kind,
                    due_on=d.due_on,
                    week=d.week,
                    sent_on=today,
                    claim=claim,
                )
                for d in due
            ],
            ignore_conflicts=True,
        )
        won = set(
            Reminder.objects.filter(key__in=[d.key for d in due], claim=claim).values_list(
                "key", flat=True
            )
        )
        rows = [
            Notification(
                case_id=d.case_id,
                recipient_id=d.user_id,
                email=d.email,
                recipient_kind=d.recipient_kind,
                event=REMINDER_EVENTS[d.kind],
                stage=d.stage,
                due_on=d.due_on,
                why=d.why[:1000],
                created_at=now,
            )
            for d in due
            if d.key in won
        ]
        Notification.objects.bulk_create(rows, batch_size=500)
    for d in due:
        if d.key in won:
            report.counts[d.kind] = report.counts.get(d.kind, 0) + 1


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
        _held_for_digest(), status=NotificationStatus.PENDING, created_at__lte=now
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
    ids = _claim(waiting, 500, now)
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
    from escalate.cases.errors import Invalid

    if not actor.is_active:
        raise NotAllowed("Your account is not active.")
    if delivery not in DeliveryChoice.values:
        raise Invalid({"delivery": "Select how you want to get emails"})
    preference, _ = NotificationPreference.objects.update_or_create(
        person=actor, defaults={"delivery": delivery}
    )
    return preference
