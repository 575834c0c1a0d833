"""Delivering the outbox: attempts, reminders claimed once, digests and preferences.

The outbox rows themselves are :class:`escalate.cases.models.Notification`; only
:mod:`escalate.notifications.services` writes these tables (and the delivery columns of
the outbox).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from escalate.cases.models import Notification

#: Notices the procedure requires: always emailed at once, whatever the person chose.
MANDATORY_EVENTS: frozenset[str] = frozenset(
    {
        "case.raised",
        "case.escalated",
        "case.expedited",
        "case.resolved",
        "case.withdrawn",
        "case.referred_to_panel",
    }
)


class AttemptOutcome(models.TextChoices):
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class DeliveryAttempt(models.Model):
    """One try at sending one notification. ``error`` never holds personal data: the
    kind of failure and the mail server's words with addresses taken out."""

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="delivery_attempts"
    )
    at = models.DateTimeField()
    outcome = models.CharField(max_length=10, choices=AttemptOutcome.choices)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome__in=AttemptOutcome.values),
                name="delivery_attempt_outcome_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.notification_id} {self.outcome} at {self.at:%Y-%m-%d %H:%M}"


class ReminderKind(models.TextChoices):
    DUE_SOON = "due_soon", "Deadline is one working day away"
    DUE_TODAY = "due_today", "Deadline is today"
    OVERDUE = "overdue", "Deadline has passed"
    MANAGER = "manager", "Deadline passed: line manager told"
    ACTION_DUE = "action_due", "Agreed action due"


#: The outbox event each kind of reminder is written as.
REMINDER_EVENTS: dict[str, str] = {
    ReminderKind.DUE_SOON: "reminder.due_soon",
    ReminderKind.DUE_TODAY: "reminder.due_today",
    ReminderKind.OVERDUE: "reminder.overdue",
    ReminderKind.MANAGER: "reminder.overdue_manager",
    ReminderKind.ACTION_DUE: "reminder.action_due",
}


class Reminder(models.Model):
    """A reminder that has been sent (or is being sent): claimed by inserting its key,
    so however many sweeps run, on however many machines, each goes out once."""

    key = models.CharField(max_length=120)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="reminders")
    stage = models.PositiveSmallIntegerField(null=True, blank=True)
    action = models.ForeignKey(
        "cases.AgreedAction", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=ReminderKind.choices)
    due_on = models.DateField(help_text="The deadline or due date reminded of.")
    week = models.PositiveSmallIntegerField(
        default=0, help_text="For a passed deadline: which working week late (0: the first)."
    )
    sent_on = models.DateField()
    claim = models.CharField(max_length=40, help_text="Which sweep claimed it.")

    class Meta:
        ordering = ["sent_on", "id"]
        indexes = [
            models.Index(fields=["case", "stage", "kind", "due_on"], name="reminder_stage_lookup"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["key"], name="reminder_sent_once"),
            models.CheckConstraint(
                condition=Q(kind__in=ReminderKind.values), name="reminder_kind_known"
            ),
        ]

    def __str__(self) -> str:
        return self.key


class DeliveryChoice(models.TextChoices):
    IMMEDIATE = "immediate", "An email each time"
    DIGEST = "digest", "One email a day (a daily digest)"


class NotificationPreference(models.Model):
    """How a person wants their (non-mandatory) emails: one each time, or a daily digest.
    No row means immediately."""

    person = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    delivery = models.CharField(
        max_length=10, choices=DeliveryChoice.choices, default=DeliveryChoice.IMMEDIATE
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(delivery__in=DeliveryChoice.values),
                name="notification_preference_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id}: {self.delivery}"


class Digest(models.Model):
    """One person's daily digest: claimed by inserting (person, day), so it goes once."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digests"
    )
    day = models.DateField()
    created_at = models.DateTimeField()
    items = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-day", "id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "day"], name="digest_once_a_day"),
        ]

    def __str__(self) -> str:
        return f"digest {self.person_id} {self.day}"


class FailedNotification(Notification):
    """The outbox rows that could not be sent, for administrators to see and retry."""

    class Meta:
        proxy = True
        verbose_name = "failed notification"
        verbose_name_plural = "failed notifications"
