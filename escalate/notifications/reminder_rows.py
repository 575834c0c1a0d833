"""The reminder sweep's rows: what one reminder is (:class:`Due`), what a stage's
reminder says, and claiming and writing a batch of them, each once.

A batch is claimed by inserting its keys into a table with a unique constraint,
insert-or-skip, in one statement, in the same transaction as the outbox rows of the
keys this sweep won (one statement too): however many sweeps run at once, on however
many machines, each reminder goes out once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from escalate import clock
from escalate.notifications import bulk
from escalate.notifications.models import REMINDER_EVENTS, RecipientKind, Reminder, ReminderKind
from escalate.notifications.outbox import add_values
from escalate.procedures.calendar import format_day


@dataclass(frozen=True)
class Due:
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


STAGE_FIELDS = (
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


def late_by(days: int) -> str:
    return f"{days} working day{'s' if days != 1 else ''} late"


def stage_reminder(
    kind: str, week: int, late: dict[dt.date, int], record: tuple[Any, ...]
) -> Due | None:
    """The reminder of ``kind`` a current stage (its :data:`STAGE_FIELDS`) is owed: to
    its owner, or for a manager's reminder to the owner's line manager (else the
    business unit); None for an owner whose account is switched off."""
    (
        _,
        case_id,
        number,
        act_by,
        owner_id,
        owner_email,
        owner_active,
        manager_id,
        manager_email,
        manager_active,
        business_unit_email,
    ) = record
    day = format_day(act_by)
    key = f"stage:{case_id}:{number}:{kind}:{act_by.isoformat()}:{week}"
    days_late = late.get(act_by, 0)
    if kind == ReminderKind.MANAGER:
        why = (
            f"stage {number} should have been resolved or escalated by {day}, and is "
            f"{days_late} working days late"
        )
        if manager_id is not None and manager_active and manager_email:
            email, user_id, recipient = manager_email, manager_id, "owner_line_manager"
            why = f"{why}; its owner reports to you"
        else:
            email, user_id, recipient = business_unit_email, None, "business_unit"
            why = f"{why}; no line manager is recorded for its owner, so the business unit is told"
    else:
        if not owner_active:
            return None
        email, user_id, recipient = owner_email, owner_id, RecipientKind.STAGE_OWNER
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
            f"{day}: it is {late_by(days_late)}",
        )
    return Due(
        key, case_id, number, None, kind, act_by, week, email.lower(), user_id, recipient, why
    )


def claim_and_write(due: list[Due], claim: str, today: dt.date, report: SweepReport) -> None:
    """Insert-or-skip each reminder's key, then write outbox rows for the keys this sweep
    won (one for each person a key is for), in one transaction: a reminder is either
    claimed and owed, or neither."""
    if not due:
        return
    due = sorted(due, key=lambda d: d.key)  # one order everywhere: no deadlocks
    now = clock.now()
    claims = {d.key: d for d in due}  # one key, however many people it goes to
    with transaction.atomic():
        bulk.insert(
            Reminder,
            ("key", "case", "stage", "action", "kind", "due_on", "week"),
            [
                (d.key, d.case_id, d.stage, d.action_id, d.kind, d.due_on, d.week)
                for d in claims.values()
            ],
            same={"sent_on": today, "claim": claim},
            ignore_conflicts=True,
        )
        won = set(
            Reminder.objects.filter(key__in=list(claims), claim=claim).values_list("key", flat=True)
        )
        add_values(
            ("case", "recipient", "email", "recipient_kind", "event", "stage", "due_on", "why"),
            [
                (
                    d.case_id,
                    d.user_id,
                    d.email,
                    d.recipient_kind,
                    REMINDER_EVENTS[d.kind],
                    d.stage,
                    d.due_on,
                    d.why[:1000],
                )
                for d in due
                if d.key in won
            ],
            same={"created_at": now},
        )
    for d in due:
        if d.key in won:
            report.counts[d.kind] = report.counts.get(d.kind, 0) + 1
