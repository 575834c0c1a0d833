"""Deadline reminders: the sweep that owes each reminder due today, once.

What is chased: each current stage's act-by (from its stage record, as always); every
other deadline stored for a case (:mod:`escalate.cases.deadlines`: a stage's start-by,
the definition's extra deadlines such as Cheshire East's chair's recommendation), not
yet met, that someone is still working towards; and agreed actions.

A reminder is claimed by inserting its key into a table with a unique constraint,
insert-or-skip, in the same transaction as its outbox rows, so however many sweeps run,
on however many machines, each goes out once. Keys: ``stage:CASE:STAGE:KIND:DATE:WEEK``
(an act-by), ``deadline:ID:KIND:DATE:WEEK`` (a stored deadline: one key however many
people hold the role it names), ``action:ID:KIND:DATE``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.conf import settings
from django.db import transaction
from django.db.models import CharField, Exists, F, OuterRef, QuerySet, Value
from django.db.models.functions import Cast, Concat

from escalate import clock
from escalate.cases.deadlines import Holder, RoleAsk, open_deadlines, role_holders, role_words
from escalate.cases.models import AgreedAction, CaseStatus, StageRecord
from escalate.cases.models.deadlines import ACT_BY, CaseDeadline
from escalate.notifications.models import (
    REMINDER_EVENTS,
    Notification,
    RecipientKind,
    Reminder,
    ReminderKind,
)
from escalate.notifications.outbox import add
from escalate.procedures.calendar import WorkingCalendar, format_day
from escalate.procedures.model import Role

#: Stage records (or deadlines, or actions) looked at per query by the reminder sweep.
SWEEP_CHUNK = 2000

M = TypeVar("M", StageRecord, CaseDeadline)


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
    """The region's working days: bank holidays, extra days off and bank holidays worked
    (:func:`escalate.cases.facts.calendar_for_region`)."""
    from escalate.cases import facts

    return facts.calendar_for_region(region)


def sweep_reminders(today: dt.date | None = None) -> SweepReport:
    """Send each reminder due today that has not been sent, once.

    Reminders go out on the region's working days: one working day before a deadline
    (a stage's act-by, or any other stored deadline not met yet), on the day, the first
    working day after it passes and every five working days while it stays passed; the
    owner's line manager once it has passed by the grace period; an agreed action's owner
    once its due date arrives. Each names the deadline and says how it was worked out.

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


#: Who a role-named deadline's reminder is addressed to, as the outbox records it.
_ROLE_RECIPIENTS: dict[Role, str] = {
    Role.SAFEGUARDING_LEAD: RecipientKind.SAFEGUARDING_LEADS,
    Role.SENIOR_MANAGER: RecipientKind.SENIOR_MANAGERS,
    Role.BOARD_REPRESENTATIVE: RecipientKind.BOARD_REPRESENTATIVES,
    Role.BUSINESS_UNIT: RecipientKind.BUSINESS_UNIT,
    Role.INDEPENDENT_CHAIR: RecipientKind.INDEPENDENT_CHAIR,
    Role.STATUTORY_PARTNER: RecipientKind.STATUTORY_PARTNERS,
}

#: Which reminders are owed of one kind of deadline: (rows, kind, working week late).
_Asks = list[tuple[QuerySet[Any], str, int]]


def _pages(rows: QuerySet[Any], fields: tuple[str, ...]) -> Iterator[list[tuple[Any, ...]]]:
    """A query's rows a chunk at a time, by primary key (no long-open cursor)."""
    last = 0
    while True:
        chunk = list(rows.filter(pk__gt=last).order_by("pk").values_list(*fields)[:SWEEP_CHUNK])
        if not chunk:
            return
        last = chunk[-1][0]
        yield chunk


def _objects(rows: QuerySet[M], *related: str) -> Iterator[list[M]]:
    """A query's objects (with ``related``) a chunk at a time, by primary key."""
    rows = rows.select_related(*related).order_by("pk")
    last = 0
    while chunk := list(rows.filter(pk__gt=last)[:SWEEP_CHUNK]):
        last = chunk[-1].pk
        yield chunk


def _deadline_key_prefix() -> Concat:
    """``deadline:ID:``, the start of each reminder key of a stored deadline."""
    pk = Cast(OuterRef("pk"), output_field=CharField())
    return Concat(Value("deadline:"), pk, Value(":"), output_field=CharField())


def _unsent(
    rows: QuerySet[Any], kind: str, week: int, stage: str, due: str, key: str | Concat
) -> QuerySet[Any]:
    """Those of ``rows`` not yet reminded of ``kind`` (for ``week``) on their date: no
    reminder whose key starts with ``key`` (indexed by case, stage, kind and date)."""
    sent = Reminder.objects.filter(
        case_id=OuterRef("case_id"),
        stage=OuterRef(stage),
        kind=kind,
        due_on=OuterRef(due),
        week=week,
        key__startswith=key,
    )
    return rows.exclude(Exists(sent))


def _late_by(days: int) -> str:
    return f"{days} working day{'s' if days != 1 else ''} late"


class _RegionSweep:
    def __init__(self, region: str, calendar: WorkingCalendar, today: dt.date, grace: int) -> None:
        self.region = region
        self.calendar = calendar
        self.today = today
        self.grace = grace
        self.horizon = calendar.add_working_days(today, 1)

    def asks(self, rows: QuerySet[Any], due: str) -> tuple[_Asks, dict[dt.date, int]]:
        """The rows owed each kind of reminder today, by their due date ``due``, and how
        many working days late each passed date is."""
        today = self.today
        passed = sorted(
            set(
                rows.filter(**{f"{due}__lt": today})
                .order_by()
                .values_list(due, flat=True)
                .distinct()
            )
        )
        late = {day: self.calendar.working_days_between(day, today) for day in passed}
        weeks: dict[int, list[dt.date]] = {}
        for day, n in late.items():
            if n >= 1:
                weeks.setdefault((n - 1) // 5, []).append(day)
        asks: _Asks = [
            (
                rows.filter(**{f"{due}__gt": today, f"{due}__lte": self.horizon}),
                ReminderKind.DUE_SOON,
                0,
            ),
            (rows.filter(**{due: today}), ReminderKind.DUE_TODAY, 0),
            *[
                (rows.filter(**{f"{due}__in": days}), ReminderKind.OVERDUE, week)
                for week, days in sorted(weeks.items())
            ],
        ]
        manager_days = [day for day, n in late.items() if n >= self.grace]
        if manager_days:
            asks.append((rows.filter(**{f"{due}__in": manager_days}), ReminderKind.MANAGER, 0))
        return asks, late

    def current_stages(self) -> QuerySet[StageRecord]:
        return StageRecord.objects.filter(
            case__status=CaseStatus.OPEN,
            case__partnership__region=self.region,
            number=F("case__current_stage"),
            concluded_on__isnull=True,
            act_by__isnull=False,
        )

    def stored_deadlines(self) -> QuerySet[CaseDeadline]:
        """Stored deadlines to chase: all but act-bys (chased from the stage records)."""
        return open_deadlines().filter(case__partnership__region=self.region).exclude(key=ACT_BY)

    def all_due(self) -> Iterator[list[_Due]]:
        asks, late = self.asks(self.current_stages(), "act_by")
        for rows, kind, week in asks:
            unsent = _unsent(rows, kind, week, "number", "act_by", "stage:")
            for stages in _objects(unsent, "case__partnership", "owner__line_manager"):
                found = [self._for_stage(kind, week, late, record) for record in stages]
                yield [d for d in found if d is not None]
        asks, late = self.asks(self.stored_deadlines(), "due")
        for rows, kind, week in asks:
            unsent = _unsent(rows, kind, week, "stage", "due", _deadline_key_prefix())
            for chunk in _objects(unsent, "case__partnership", "owner_stage__owner__line_manager"):
                yield self._for_deadlines(kind, week, late, chunk)
        actions = AgreedAction.objects.filter(
            case__status__in=(CaseStatus.OPEN, CaseStatus.RESOLVED),
            case__partnership__region=self.region,
            done_on__isnull=True,
            due_on__lte=self.today,
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
        self, kind: str, week: int, late: dict[dt.date, int], record: StageRecord
    ) -> _Due | None:
        case_id, number, act_by, owner = record.case_id, record.number, record.act_by, record.owner
        assert act_by is not None
        manager = owner.line_manager
        business_unit_email = record.case.partnership.business_unit_email
        day = format_day(act_by)
        key = f"stage:{case_id}:{number}:{kind}:{act_by.isoformat()}:{week}"
        days_late = late.get(act_by, 0)
        if kind == ReminderKind.MANAGER:
            why = (
                f"stage {number} should have been resolved or escalated by {day}, and is "
                f"{days_late} working days late"
            )
            if manager is not None and manager.is_active and manager.email:
                email, user_id, recipient = manager.email, manager.pk, "owner_line_manager"
                why = f"{why}; its owner reports to you"
            else:
                email, user_id, recipient = business_unit_email, None, "business_unit"
                why = (
                    f"{why}; no line manager is recorded for its owner, so the business "
                    "unit is told"
                )
        else:
            if not owner.is_active:
                return None
            email, user_id, recipient = owner.email, owner.pk, RecipientKind.STAGE_OWNER
            texts: dict[str, str] = {
                ReminderKind.DUE_SOON: (
                    f"you own stage {number}, which must be resolved or escalated by {day}, "
                    "one working day away"
                ),
                ReminderKind.DUE_TODAY: (
                    f"you own stage {number}, which must be resolved or escalated today"
                ),
            }
            why = texts.get(
                kind,
                f"you own stage {number}, which should have been resolved or escalated by "
                f"{day}: it is {_late_by(days_late)}",
            )
        return _Due(
            key, case_id, number, None, kind, act_by, week, email.lower(), user_id, recipient, why
        )

    def _for_deadlines(
        self, kind: str, week: int, late: dict[dt.date, int], chunk: list[CaseDeadline]
    ) -> list[_Due]:
        """The reminders owed of ``kind`` for a chunk of stored deadlines: one key each,
        an email to each person it is for."""
        holders = role_holders(
            RoleAsk(
                r.case_id,
                r.case.partnership_id,
                r.case.raising_agency_id,
                r.case.other_agency_id,
                r.role,
            )
            for r in chunk
            if r.role
        )
        due: list[_Due] = []
        for r in chunk:
            key, people = f"deadline:{r.pk}:{kind}:{r.due.isoformat()}:{week}", []
            if r.role:
                people = holders.get((r.case_id, r.role), [])
            how = f"How it was worked out: {r.explanation}"
            due += [
                _Due(
                    key, r.case_id, r.stage, None, kind, r.due, week, e.lower(), u, k, f"{w}. {how}"
                )
                for e, u, k, w in self._deadline_to(kind, late.get(r.due, 0), r, people)
            ]
        return due

    def _deadline_to(
        self, kind: str, days_late: int, r: CaseDeadline, people: list[Holder]
    ) -> list[tuple[str, int | None, str, str]]:
        """(email, user id, recipient kind, why) of everyone one reminder goes to."""
        name, day, role = r.name, format_day(r.due), r.owner_role
        unit = (r.case.partnership.business_unit_email, None, RecipientKind.BUSINESS_UNIT)
        record = r.owner_stage
        owner = record.owner if record is not None else None
        manager = owner.line_manager if owner is not None else None
        if kind == ReminderKind.MANAGER:
            what = f"{name} was due by {day} and is {_late_by(days_late)}"
            if record is not None:
                if manager is not None and manager.is_active and manager.email:
                    why = f"{what}; the owner of stage {record.number} reports to you"
                    return [(manager.email, manager.pk, "owner_line_manager", why)]
                why = (
                    f"{what}; no line manager is recorded for the owner of stage "
                    f"{record.number}, so the business unit is told"
                )
                return [(*unit, why)]
            assert role is not None
            managers = {
                h.manager_id: h.manager_email
                for h in people
                if h.manager_id and h.manager_active and h.manager_email
            }
            if managers:
                why = f"{what}; it is for the {role.label.lower()}, who reports to you"
                return [(e, m, "owner_line_manager", why) for m, e in sorted(managers.items())]
            why = (
                f"{what}; no line manager is recorded for the {role.label.lower()}, so the "
                "business unit is told"
            )
            return [(*unit, why)]
        timing: dict[str, str] = {
            ReminderKind.DUE_SOON: f"{name} is due by {day}, one working day away",
            ReminderKind.DUE_TODAY: f"{name} is due today, {day}",
        }
        when = timing.get(kind, f"{name} was due by {day}: it is {_late_by(days_late)}")
        if record is not None:
            if owner is None or not owner.is_active:
                return []
            why = f"you own stage {record.number}: {when}"
            return [(owner.email, owner.pk, RecipientKind.STAGE_OWNER, why)]
        assert role is not None
        told: list[tuple[str, int | None, str, str]] = [
            (h.email, h.user_id, _ROLE_RECIPIENTS.get(role, RecipientKind.PERSON), role_words(role))
            for h in people
        ]
        if role is Role.BUSINESS_UNIT:
            told.append((*unit, "you are the business unit for this case's partnership"))
        if not told:
            why = (
                f"no {role.label.lower()} is registered for this case, so the business unit "
                f"is told instead: {when}"
            )
            return [(*unit, why)]
        return [(e, u, k, f"{because}: {when}") for e, u, k, because in told]

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
    won (one for each person a key is for), in one transaction: a reminder is either
    claimed and owed, or neither."""
    if not due:
        return
    due = sorted(due, key=lambda d: d.key)  # one order everywhere: no deadlocks
    now = clock.now()
    claims = {d.key: d for d in due}  # one key, however many people it goes to
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
                for d in claims.values()
            ],
            ignore_conflicts=True,
        )
        won = set(
            Reminder.objects.filter(key__in=list(claims), claim=claim).values_list("key", flat=True)
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
