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
from typing import Any, TypeVar

from django.conf import settings
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast, Concat

from escalate import clock
from escalate.cases.deadlines import Holder, RoleAsk, open_deadlines, role_holders, role_words
from escalate.cases.models import AgreedAction, CaseStatus, StageRecord
from escalate.cases.models.deadlines import ACT_BY, CaseDeadline
from escalate.notifications import bulk
from escalate.notifications.models import (
    RecipientKind,
    Reminder,
    ReminderKind,
)
from escalate.notifications.reminder_rows import (
    STAGE_FIELDS,
    Due,
    claim_and_write,
    late_by,
    stage_reminder,
)
from escalate.notifications.reminder_rows import (
    SweepReport as SweepReport,  # services exports it from here
)
from escalate.procedures.calendar import WorkingCalendar, format_day
from escalate.procedures.model import Role

#: Stage records (or deadlines, or actions) looked at per query by the reminder sweep.
SWEEP_CHUNK = 2000

#: Distinct passed act-bys asked about per query (a parameter or two each at most).
DATES_PER_QUERY = 500

M = TypeVar("M", StageRecord, CaseDeadline)


def grace_working_days() -> int:
    return int(getattr(settings, "REMINDER_GRACE_WORKING_DAYS", 2))


# ---------------------------------------------------------------- reminders


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
    with bulk.without_jit():
        for region in list(regions):
            calendar = calendar_for_region(region)
            if not calendar.is_working_day(today):
                continue
            sweep = _RegionSweep(region, calendar, today, grace_working_days())
            for chunk in sweep.all_due():
                claim_and_write(chunk, claim, today, report)
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

#: A stage owed reminders: (its :data:`STAGE_FIELDS`, the owner's kind or None, its week,
#: whether its owner's line manager is owed one too).
_Owed = tuple[tuple[Any, ...], str | None, int, bool]

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


def _weeks(late: dict[dt.date, int]) -> dict[int, list[dt.date]]:
    """The passed days by the working week they are late in (0: 1 to 5 working days)."""
    weeks: dict[int, list[dt.date]] = {}
    for day, n in late.items():
        if n >= 1:
            weeks.setdefault((n - 1) // 5, []).append(day)
    return weeks


class _RegionSweep:
    def __init__(self, region: str, calendar: WorkingCalendar, today: dt.date, grace: int) -> None:
        self.region = region
        self.calendar = calendar
        self.today = today
        self.grace = grace
        self.horizon = calendar.add_working_days(today, 1)

    def asks(self, rows: QuerySet[Any], due: str) -> tuple[_Asks, dict[dt.date, int]]:
        """The rows owed each kind of reminder today, by their due date ``due``, and how
        many working days late each passed date is. Each ask is a range of dates (how
        late a date is only grows the earlier it is), so a query's parameters do not
        grow with the number of dates."""
        late = self.late(rows, due)
        weeks, overdue = _weeks(late), ReminderKind.OVERDUE
        asks: _Asks = [
            (
                rows.filter(**{f"{due}__gt": self.today, f"{due}__lte": self.horizon}),
                ReminderKind.DUE_SOON,
                0,
            ),
            (rows.filter(**{due: self.today}), ReminderKind.DUE_TODAY, 0),
            *[
                (rows.filter(**{f"{due}__range": (min(days), max(days))}), overdue, week)
                for week, days in sorted(weeks.items())
            ],
        ]
        managers = self.manager_latest(late)
        if managers is not None:
            asks.append((rows.filter(**{f"{due}__lte": managers}), ReminderKind.MANAGER, 0))
        return asks, late

    def late(self, rows: QuerySet[Any], due: str) -> dict[dt.date, int]:
        """How many working days late each date of ``rows`` already passed is: only
        ``rows``' own dates (open deadlines), never every date ever."""
        passed = rows.filter(**{f"{due}__lt": self.today}).order_by().values_list(due, flat=True)
        return {
            day: self.calendar.working_days_between(day, self.today)
            for day in set(passed.distinct())
            if day is not None
        }

    def manager_latest(self, late: dict[dt.date, int]) -> dt.date | None:
        """The latest passed date late by the grace period (every earlier one is too)."""
        return max((day for day, n in late.items() if n >= self.grace), default=None)

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

    def stage_reminders_unsent(self) -> tuple[list[_Owed], dict[dt.date, int]]:
        """Every current stage owed a reminder of its act-by today not yet sent, with
        what its reminders say (:data:`_Owed`). One query (a pass over the region's open
        cases, reading the owners with them) for each :data:`DATES_PER_QUERY` distinct
        act-bys passed, so that no query's parameters grow with the number of dates;
        almost always one query in all, after one that reads which act-bys have passed
        from the stage records alone (every stage not yet concluded: a few more dates
        than the region's current stages have, which only add a bound to a query, never
        a pass over the cases). (Reading each batch's stages again by id instead had
        PostgreSQL scan every case once a batch.)"""
        rows = self.current_stages()
        late = self.late(StageRecord.objects.filter(concluded_on__isnull=True), "act_by")
        passed = sorted(late, reverse=True)
        owed: list[_Owed] = []
        # The latest passed days share their pass with the act-bys today and tomorrow.
        for start in range(0, max(len(passed), 1), DATES_PER_QUERY):
            days = passed[start : start + DATES_PER_QUERY]
            latest = days[0] if start else self.horizon
            window = rows.filter(act_by__range=(days[-1] if days else self.today, latest))
            owed += self._stages_unsent(window, late, days)
        return sorted(owed, key=lambda o: o[0][0]), late

    def _stages_unsent(
        self, rows: QuerySet[StageRecord], late: dict[dt.date, int], days: list[dt.date]
    ) -> list[_Owed]:
        """Those of ``rows`` (act-by today or later, or on one of the passed ``days``)
        owed a reminder not yet sent. How late a day is only grows the earlier it is,
        so each week late is the days from its earliest: one parameter a week."""
        today, horizon = self.today, self.horizon
        weeks = _weeks({day: late[day] for day in days})
        overdue = max((day for w in weeks.values() for day in w), default=None)
        managers = self.manager_latest({day: late[day] for day in days})
        kind = Case(
            When(act_by__gt=today, act_by__lte=horizon, then=Value(ReminderKind.DUE_SOON)),
            When(act_by=today, then=Value(ReminderKind.DUE_TODAY)),
            *([When(act_by__lte=overdue, then=Value(ReminderKind.OVERDUE))] if overdue else []),
            default=None,
            output_field=CharField(),
        )
        week = Case(
            # The first week (0) too: a day of week 0 is after every day of week 1.
            *[When(act_by__gte=min(w), then=Value(n)) for n, w in sorted(weeks.items())],
            default=Value(0),
            output_field=IntegerField(),
        )
        manager = Case(
            *([When(act_by__lte=managers, then=Value(True))] if managers else []),
            default=Value(False),
            output_field=BooleanField(),
        )

        def sent(kind: Any, week: Any) -> Exists:
            return Exists(
                Reminder.objects.filter(
                    case_id=OuterRef("case_id"),
                    stage=OuterRef("number"),
                    kind=kind,
                    due_on=OuterRef("act_by"),
                    week=week,
                    key__startswith="stage:",
                )
            )

        unsent = (
            rows.filter(act_by__lte=horizon)
            .annotate(r_kind=kind, r_week=week, r_manager=manager)
            .filter(
                (Q(r_kind__isnull=False) & ~sent(OuterRef("r_kind"), OuterRef("r_week")))
                | (Q(r_manager=True) & ~sent(ReminderKind.MANAGER, 0))
            )
            .order_by("pk")
            .values_list(*STAGE_FIELDS, "r_kind", "r_week", "r_manager")
        )
        n = len(STAGE_FIELDS)
        return [(row[:n], row[n], row[n + 1], row[n + 2]) for row in unsent]

    def all_due(self) -> Iterator[list[Due]]:
        owed, late = self.stage_reminders_unsent()
        for start in range(0, len(owed), SWEEP_CHUNK):
            found: list[Due | None] = []
            for record, kind, week, manager in owed[start : start + SWEEP_CHUNK]:
                if kind:
                    found.append(stage_reminder(kind, week, late, record))
                if manager:
                    found.append(stage_reminder(ReminderKind.MANAGER, 0, late, record))
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

    def _for_deadlines(
        self, kind: str, week: int, late: dict[dt.date, int], chunk: list[CaseDeadline]
    ) -> list[Due]:
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
        due: list[Due] = []
        for r in chunk:
            key, people = f"deadline:{r.pk}:{kind}:{r.due.isoformat()}:{week}", []
            if r.role:
                people = holders.get((r.case_id, r.role), [])
            how = f"How it was worked out: {r.explanation}"
            due += [
                Due(
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
            what = f"{name} was due by {day} and is {late_by(days_late)}"
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
        when = timing.get(kind, f"{name} was due by {day}: it is {late_by(days_late)}")
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
    ) -> Due | None:
        why = f"an action agreed at stage {stage} is due on {format_day(due_on)}"
        if owner_id and owner_active and owner_email:
            email, user_id = owner_email, owner_id
        elif recorder_active:
            email, user_id = recorder_email, recorder_id
            why = f"{why}; you recorded it and its owner has no account here"
        else:
            return None
        return Due(
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
