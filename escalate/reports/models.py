"""Board oversight records: the forms completed on cases (a stage's form, such as the
final stage's referral to the board, and the outcome form).

Only :mod:`escalate.reports.services` writes these tables, but for
:class:`FiguresMark`, which only the database's own triggers write.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ReferralSubmission(models.Model):
    """A completed form of a case (e.g. CESAB Appendix A), with the values as submitted.

    ``form_key`` says which of the case's forms it answers: ``stage-<n>`` for stage n's,
    ``outcome`` for the outcome form (whose ``stage`` is the one the case resolved at).
    A form may be submitted again: the latest submission of each form is the one that
    counts. ``values`` maps each form field's key to the text entered; the labels come
    from the procedure snapshot kept with the case, so the form reads as it did when
    submitted.
    """

    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="referral_submissions"
    )
    form_key = models.CharField(
        max_length=40, help_text='Which of the case\'s forms: "stage-3", or "outcome".'
    )
    stage = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=300)
    submit_to = models.CharField(max_length=500, blank=True)
    fields = models.JSONField(help_text="[{key, label, kind}] as the form had them.")
    values = models.JSONField(help_text="{field key: value as entered}.")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField()

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["case", "submitted_at"], name="referral_case_submitted"),
            models.Index(
                fields=["case", "form_key", "submitted_at"], name="referral_case_form_submitted"
            ),
        ]

    def __str__(self) -> str:
        # Never the person's name: this ends up in logs and admin.
        return f"{self.case_id} {self.form_key} form {self.pk}"


class FiguresMark(models.Model):
    """A value the database moves whenever anything the partnership's report counts
    changes: written by triggers only (:mod:`escalate.reports.figures_mark`), read to
    know whether a report kept in memory still holds."""

    partnership = models.OneToOneField(
        "partnerships.Partnership", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    mark = models.BigIntegerField()
    #: The transaction that last moved the mark (PostgreSQL's triggers move it once a
    #: transaction, however many rows it changes; SQLite's leave this empty).
    moved_in = models.BigIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"figures mark of partnership {self.partnership_id}"
