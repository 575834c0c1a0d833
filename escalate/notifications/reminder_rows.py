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
from functools import lru_cache
from typing import Any, NamedTuple

from django.db import transaction

from escalate import clock
from escalate.notifications import bulk
from escalate.notifications.models import REMINDER_EVENTS, RecipientKind, Reminder, ReminderKind
from escalate.notifications.outbox import add_values
from escalate.procedures.calendar import format_day


class Due(NamedTuple):
    """One reminder to one person. Its first seven fields are its key's claim (the
    columns of :class:`Reminder` the sweep writes, in order)."""

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
    key = f"stage:{case_id}:{number}:{kind}:{act_by.isoformat()}:{week}"
    days_late = late.get(act_by, 0)
    if kind == ReminderKind.MANAGER:
        told = manager_id is not None and manager_active and manager_email
        if told:
            email, user_id, recipient = manager_email, manager_id, "owner_line_manager"
        else:
            email, user_id, recipient = business_unit_email, None, "business_unit"
        why = _stage_why(kind, number, act_by, days_late, bool(told))
    else:
        if not owner_active:
            return None
        email, user_id, recipient = owner_email, owner_id, RecipientKind.STAGE_OWNER
        why = _stage_why(kind, number, act_by, days_late, False)
    return Due(
        key, case_id, number, None, kind, act_by, week, email.lower(), user_id, recipient, why
    )


@lru_cache(maxsize=4096)
def _stage_why(kind: str, number: int, act_by: dt.date, days_late: int, manager: bool) -> str:
    """What a stage's reminder says: the same for every stage of that number, deadline
    and kind, so worked out once each (a sweep's stages share few deadlines)."""
    day = format_day(act_by)
    if kind == ReminderKind.MANAGER:
        why = (
            f"stage {number} should have been resolved or escalated by {day}, and is "
            f"{days_late} working days late"
        )
        if manager:
            return f"{why}; its owner reports to you"
        return f"{why}; no line manager is recorded for its owner, so the business unit is told"
    if kind == ReminderKind.DUE_SOON:
        return (
            f"you own stage {number}, which must be resolved or escalated by {day}, "
            "one working day away"
        )
    if kind == ReminderKind.DUE_TODAY:
        return f"you own stage {number}, which must be resolved or escalated today"
    return (
        f"you own stage {number}, which should have been resolved or escalated by "
        f"{day}: it is {late_by(days_late)}"
    )


_CLAIMED = ("key", "case", "stage", "action", "kind", "due_on", "week")
_WRITTEN = ("case", "recipient", "email", "recipient_kind", "event", "stage", "due_on", "why")


def claim_and_write(due: list[Due], claim: str, today: dt.date, report: SweepReport) -> None:
    """Insert-or-skip each reminder's key, then write outbox rows for the keys this sweep
    won (one for each person a key is for), in one transaction: a reminder is either
    claimed and owed, or neither."""
    if not due:
        return
    due = sorted(due, key=lambda d: d.key)  # one order everywhere: no deadlocks
    now = clock.now()
    claims = {d.key: d[:7] for d in due}  # one key, however many people it goes to
    with transaction.atomic():
        inserted = bulk.insert_new(
            Reminder,
            _CLAIMED,
            list(claims.values()),
            returning="key",
            same={"sent_on": today, "claim": claim},
        )
        if inserted is None:  # the database could not say: the keys this sweep claimed
            inserted = list(
                Reminder.objects.filter(key__in=list(claims), claim=claim).values_list(
                    "key", flat=True
                )
            )
        won = set(inserted)
        if len(won) < len(claims):  # another sweep sent some already
            due = [d for d in due if d.key in won]
        add_values(
            _WRITTEN,
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
            ],
            same={"created_at": now},
        )
    for d in due:
        report.counts[d.kind] = report.counts.get(d.kind, 0) + 1
