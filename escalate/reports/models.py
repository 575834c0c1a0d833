"""Board oversight records: referral forms submitted at a procedure's final stage.

Only :mod:`escalate.reports.services` writes these tables.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ReferralSubmission(models.Model):
    """A completed referral form (e.g. CESAB Appendix A), with the values as submitted.

    ``values`` maps each form field's key to the text entered; the labels come from the
    procedure snapshot kept with the case, so the form reads as it did when submitted.
    """

    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="referral_submissions"
    )
    stage = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=300)
    submit_to = models.CharField(max_length=500)
    fields = models.JSONField(help_text="[{key, label, kind}] as the form had them.")
    values = models.JSONField(help_text="{field key: value as entered}.")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField()

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["case", "submitted_at"], name="referral_case_submitted")]

    def __str__(self) -> str:
        # Never the person's name: this ends up in logs and admin.
        return f"{self.case_id} referral {self.pk}"
