"""The outboxes and their delivery: attempts, reminders claimed once, digests and
preferences.

:class:`Notification` is the outbox of emails about cases; :class:`AccountEmail` the
outbox of emails about a person's account (a password reset). Only the notifications
app writes these tables: other apps owe an email through
:func:`escalate.notifications.outbox.enqueue`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual

from escalate.cases.models import EMAIL_MAX, SHORT_TEXT_MAX
from escalate.procedures.model import Recipient

# ---------------------------------------------------------------- the case outbox


class NotificationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class RecipientKind(models.TextChoices):
    STAGE_OWNER = Recipient.STAGE_OWNER.value, "Stage owner"
    RAISING_PRACTITIONER = Recipient.RAISING_PRACTITIONER.value, "Raising practitioner"
    OTHER_PROFESSIONAL = Recipient.OTHER_PROFESSIONAL.value, "Other professional"
    COUNTERPART = Recipient.COUNTERPART.value, "Counterpart in the other agency"
    OWNER_LINE_MANAGER = Recipient.OWNER_LINE_MANAGER.value, "Stage owner's line manager"
    SAFEGUARDING_LEADS = Recipient.SAFEGUARDING_LEADS.value, "Safeguarding leads"
    SENIOR_MANAGERS = Recipient.SENIOR_MANAGERS.value, "Senior managers"
    BOARD_REPRESENTATIVES = Recipient.BOARD_REPRESENTATIVES.value, "Board representatives"
    BUSINESS_UNIT = Recipient.BUSINESS_UNIT.value, "Business unit"
    INDEPENDENT_CHAIR = Recipient.INDEPENDENT_CHAIR.value, "Independent chair"
    STATUTORY_PARTNERS = Recipient.STATUTORY_PARTNERS.value, "Statutory partners"
    ALL_INVOLVED = Recipient.ALL_INVOLVED.value, "Everyone involved"
    PERSON = "person", "A named person"


class Notification(models.Model):
    """An email owed to someone: the outbox a delivery worker sends from.

    ``why`` comes from the procedure (or a fixed text) and never holds the personal
    details of the person at risk.
    """

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="notifications")
    # The indexes of these three are in Meta: only the rows that have one are indexed
    # (a reminder has none), and a person's are in the order their list shows them.
    source_event = models.ForeignKey(
        "cases.Event",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notifications",
        db_index=False,
    )
    invitation = models.ForeignKey(
        "cases.Invitation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notifications",
        help_text="Set when the email must carry the invitation link.",
        db_index=False,
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notifications",
        db_index=False,
    )
    email = models.EmailField(max_length=EMAIL_MAX)
    recipient_kind = models.CharField(max_length=30, choices=RecipientKind.choices)
    event = models.CharField(max_length=60, help_text="What happened, e.g. case.escalated.")
    stage = models.PositiveSmallIntegerField(null=True, blank=True)
    why = models.TextField(max_length=SHORT_TEXT_MAX)
    created_at = models.DateTimeField()
    # Indexed first in ``notification_due``.
    status = models.CharField(
        max_length=10, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    # Delivery bookkeeping (escalate.notifications.delivery): a worker claims a row
    # before sending it, so several workers never send the same email twice; a failed
    # send is tried again from next_attempt_at.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    due_on = models.DateField(
        null=True, blank=True, help_text="For a reminder: the deadline or due date."
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=40, blank=True)

    class Meta:
        # The table it has had since it was part of the cases app: moving the model
        # here kept every row.
        db_table = "cases_notification"
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notification_due"),
            # A person's list, newest first (``selectors.notifications_for``): theirs,
            # and those sent to their address before they had an account here.
            models.Index(
                fields=["recipient", "-created_at", "-id"],
                name="notification_recent",
                condition=Q(recipient__isnull=False),
            ),
            models.Index(
                fields=["email", "-created_at", "-id"],
                name="notification_recent_email",
                condition=Q(recipient__isnull=True),
            ),
            models.Index(
                fields=["source_event"],
                name="notification_source_event",
                condition=Q(source_event__isnull=False),
            ),
            models.Index(
                fields=["invitation"],
                name="notification_invitation",
                condition=Q(invitation__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=NotificationStatus.values),
                name="notification_status_known",
            ),
            models.CheckConstraint(
                condition=Q(recipient_kind__in=RecipientKind.values),
                name="notification_recipient_kind_known",
            ),
            models.CheckConstraint(condition=~Q(email=""), name="notification_has_address"),
            models.CheckConstraint(
                condition=Q(event__regex=r"^[a-z_]+(\.[a-z_]+)+$"),
                name="notification_event_is_dotted",
            ),
            models.CheckConstraint(
                condition=(Q(status=NotificationStatus.SENT) & Q(sent_at__isnull=False))
                | (~Q(status=NotificationStatus.SENT) & Q(sent_at__isnull=True)),
                name="notification_sent_at_when_sent",
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("why"), SHORT_TEXT_MAX),
                name=f"notification_why_at_most_{SHORT_TEXT_MAX}_characters",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} to {self.email}"


# ---------------------------------------------------------------- delivery

#: The outbox event telling administrators and the business unit that an email about a
#: case could not be sent. A failed one of these never spawns another.
DELIVERY_FAILED_EVENT = "notification.failed"


class AttemptOutcome(models.TextChoices):
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    #: An administrator asked for a failed email to be tried again: tries start afresh.
    RETRIED = "retried", "Tried again by an administrator"


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
    # Indexed first in ``reminder_stage_lookup``.
    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="reminders", db_index=False
    )
    stage = models.PositiveSmallIntegerField(null=True, blank=True)
    # Indexed in ``reminder_action_lookup``, only the reminders of an action.
    action = models.ForeignKey(
        "cases.AgreedAction",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
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
            models.Index(
                fields=["action", "kind", "due_on"],
                name="reminder_action_lookup",
                condition=Q(action__isnull=False),
            ),
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


# ---------------------------------------------------------------- account emails


class AccountEmailKind(models.TextChoices):
    PASSWORD_RESET = "password_reset", "Password reset link"
    #: Tells administrators an account email could not be sent; never spawns another.
    DELIVERY_FAILED = "delivery_failed", "An account email could not be sent"


class AccountEmail(models.Model):
    """An email about a person's account, owed and not tied to a case: the second outbox.

    It holds no secret: what the email says (a password reset link with a fresh token)
    is made when it is sent, from the kind and the person, so a link sent after a long
    outage still works and no token sits in the database.
    """

    kind = models.CharField(max_length=20, choices=AccountEmailKind.choices)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="account_emails",
        help_text="Whose account it is about, or who is told (empty: a business unit).",
    )
    partnership = models.ForeignKey(
        "partnerships.Partnership",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="account_emails",
        help_text="For a notice of a failed email: the partnership it is for.",
    )
    email = models.EmailField(max_length=254)
    created_at = models.DateTimeField()
    status = models.CharField(
        max_length=10,
        choices=NotificationStatus.choices,
        default=NotificationStatus.PENDING,
        db_index=True,
    )
    attempts = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="account_email_due"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=AccountEmailKind.values), name="account_email_kind_known"
            ),
            models.CheckConstraint(
                condition=Q(status__in=NotificationStatus.values),
                name="account_email_status_known",
            ),
            models.CheckConstraint(condition=~Q(email=""), name="account_email_has_address"),
            models.CheckConstraint(
                condition=(Q(status=NotificationStatus.SENT) & Q(sent_at__isnull=False))
                | (~Q(status=NotificationStatus.SENT) & Q(sent_at__isnull=True)),
                name="account_email_sent_at_when_sent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.email}"


class AccountEmailAttempt(models.Model):
    """One try at sending one account email: when, how it went, and the error without
    addresses. Never what the email said."""

    account_email = models.ForeignKey(
        AccountEmail, on_delete=models.CASCADE, related_name="delivery_attempts"
    )
    at = models.DateTimeField()
    outcome = models.CharField(max_length=10, choices=AttemptOutcome.choices)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome__in=AttemptOutcome.values),
                name="account_email_attempt_outcome_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_email_id} {self.outcome} at {self.at:%Y-%m-%d %H:%M}"


class FailedAccountEmail(AccountEmail):
    """The account emails that could not be sent, for administrators to see and retry."""

    class Meta:
        proxy = True
        verbose_name = "failed account email"
        verbose_name_plural = "failed account emails"
