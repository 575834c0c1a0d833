"""The other professional's invitation, and forms sent once."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from escalate.cases.models.case import Case
from escalate.cases.models.limits import (
    EMAIL_MAX,
)

# ---------------------------------------------------------------- invitation


class Invitation(models.Model):
    """The other agency's professional is invited to take part: single use, tied to
    their agency, with an expiry. Only a hash of the token is kept."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="invitations")
    agency = models.ForeignKey("partnerships.Agency", on_delete=models.PROTECT, related_name="+")
    email = models.EmailField(max_length=EMAIL_MAX)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("created_at")), name="invitation_expires_later"
            ),
            models.CheckConstraint(
                condition=(Q(accepted_at__isnull=True) & Q(accepted_by__isnull=True))
                | (Q(accepted_at__isnull=False) & Q(accepted_by__isnull=False)),
                name="invitation_accepted_by_whom",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} invitation {self.pk}"


# ---------------------------------------------------------------- sent once


class Submission(models.Model):
    """A form that was sent: its one-time token, taken in the same transaction as what
    the form creates. The token is unique, so the same form sent twice (a double click,
    two tabs, a resubmitted page) creates nothing the second time and the person is
    shown what the first made. Only a hash of the token is kept."""

    token_hash = models.CharField(max_length=64, unique=True)
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    made_at = models.DateTimeField()
    what = models.CharField(max_length=60, help_text="What the form did, e.g. case.raised.")
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    object_id = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="The row the form created, where there is one."
    )

    class Meta:
        ordering = ["made_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(what__regex=r"^[a-z_]+(\.[a-z_]+)+$"),
                name="submission_what_is_dotted",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.what} #{self.pk}"
