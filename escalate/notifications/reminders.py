"""Deadline reminders: the sweep that owes each reminder due today, once.

A reminder is claimed by inserting its key (case, stage, kind, date) into a table with
a unique constraint, insert-or-skip, in the same transaction as its outbox row, so
however many sweeps run, on however many machines, each goes out once.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, QuerySet

from escalate import clock
from escalate.cases.models import AgreedAction, CaseStatus, StageRecord
from escalate.notifications.models import (
    REMINDER_EVENTS,
    Notification,
    RecipientKind,
    Reminder,
    ReminderKind,
)
from escalate.notifications.outbox import add
from escalate.procedures.calendar import WorkingCalendar, format_day

if TYPE_CHECKING:
    pass


logger = logging.getLogger("escalate.notifications.services")

#: Stage records (or actions) looked at per query by the reminder sweep.
SWEEP_CHUNK = 2000


def grace_working_days() -> int:
    return int(getattr(settings, "REMINDER_GRACE_WORKING_DAYS", 2))


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
        add(rows, batch_size=500)
    for d in due:
        if d.key in won:
            report.counts[d.kind] = report.counts.get(d.kind, 0) + 1
