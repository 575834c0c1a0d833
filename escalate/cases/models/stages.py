"""What happens within a case: its stages, the actions agreed and policy issues."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower

from escalate.cases.models.case import Case
from escalate.cases.models.choices import (
    Conclusion,
    PolicyIssueStatus,
)
from escalate.cases.models.limits import (
    EMAIL_MAX,
    LONG_TEXT_MAX,
    NAME_MAX,
    ROLE_CHOICES,
    SHORT_TEXT_MAX,
    max_length_check,
)
from escalate.procedures.model import Role

# ---------------------------------------------------------------- stages


class StageRecord(models.Model):
    """A stage the case reached: its one accountable owner, counterpart and deadlines."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="stages")
    number = models.PositiveSmallIntegerField()
    started_on = models.DateField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_stages"
    )
    owner_role = models.CharField(max_length=30, choices=ROLE_CHOICES)
    counterpart_name = models.CharField(max_length=NAME_MAX, blank=True)
    counterpart_email = models.EmailField(max_length=EMAIL_MAX, blank=True)
    counterpart = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="counterpart_stages",
    )
    start_by = models.DateField(null=True, blank=True, db_index=True)
    conclude_by = models.DateField(null=True, blank=True, db_index=True)
    act_by = models.DateField(
        null=True, blank=True, db_index=True, help_text="Resolve or escalate by this day."
    )
    deadlines = models.JSONField(
        default=dict, blank=True, help_text="How each deadline was worked out."
    )
    checklist_done = models.JSONField(default=list, blank=True)
    conclusion = models.CharField(max_length=10, choices=Conclusion.choices, blank=True)
    outcome = models.TextField(max_length=LONG_TEXT_MAX, blank=True)
    concluded_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["case", "number"]
        indexes = [
            # Stages still being worked, by the day they must be resolved or escalated
            # by: "which are late now" without reading every stage ever concluded.
            models.Index(
                fields=["act_by"],
                condition=Q(concluded_on__isnull=True),
                name="stage_unconcluded_act_by",
            ),
            # Stages whose counterpart was invited by address and has not signed up yet.
            models.Index(
                Lower("counterpart_email"),
                condition=Q(counterpart__isnull=True),
                name="stage_counterpart_address",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["case", "number"], name="stage_record_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="stage_record_number"),
            models.CheckConstraint(
                condition=Q(owner_role__in=[r.value for r in Role]),
                name="stage_record_owner_role_known",
            ),
            models.CheckConstraint(
                condition=Q(conclusion__in=["", *Conclusion.values]),
                name="stage_record_conclusion_known",
            ),
            models.CheckConstraint(
                condition=(Q(conclusion="") & Q(concluded_on__isnull=True))
                | (~Q(conclusion="") & Q(concluded_on__isnull=False)),
                name="stage_record_concluded_dated",
            ),
            models.CheckConstraint(
                condition=Q(concluded_on__isnull=True) | Q(concluded_on__gte=F("started_on")),
                name="stage_record_concluded_after_started",
            ),
            models.CheckConstraint(
                condition=Q(counterpart_email="") | ~Q(counterpart_name=""),
                name="stage_record_counterpart_named",
            ),
            max_length_check("outcome", LONG_TEXT_MAX, "stage_record"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} stage {self.number}"

    @property
    def is_concluded(self) -> bool:
        return self.concluded_on is not None


# ---------------------------------------------------------------- agreed actions


class AgreedAction(models.Model):
    """Something agreed to resolve the disagreement; procedures require checking back
    that it was done."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="agreed_actions")
    stage = models.PositiveSmallIntegerField()
    what = models.TextField(max_length=SHORT_TEXT_MAX)
    agency = models.ForeignKey(
        "partnerships.Agency", on_delete=models.PROTECT, related_name="agreed_actions"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agreed_actions",
    )
    owner_name = models.CharField(max_length=NAME_MAX, blank=True)
    due_on = models.DateField(db_index=True)
    agreed_on = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    done_on = models.DateField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    completion_note = models.TextField(max_length=SHORT_TEXT_MAX, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [
            # "Needs your action": a person's open agreed actions, soonest first.
            models.Index(
                fields=["owner", "due_on"],
                condition=Q(done_on__isnull=True),
                name="agreed_action_open_owner",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(owner__isnull=False) | ~Q(owner_name=""),
                name="agreed_action_has_owner",
            ),
            models.CheckConstraint(
                condition=Q(due_on__gte=F("agreed_on")), name="agreed_action_due_after_agreed"
            ),
            models.CheckConstraint(
                condition=Q(done_on__isnull=True) | Q(done_on__gte=F("agreed_on")),
                name="agreed_action_done_after_agreed",
            ),
            models.CheckConstraint(
                condition=(Q(done_on__isnull=True) & Q(completed_by__isnull=True))
                | (Q(done_on__isnull=False) & Q(completed_by__isnull=False)),
                name="agreed_action_completed_by_whom",
            ),
            models.CheckConstraint(condition=Q(stage__gte=1), name="agreed_action_stage"),
            max_length_check("what", SHORT_TEXT_MAX, "agreed_action"),
            max_length_check("completion_note", SHORT_TEXT_MAX, "agreed_action"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} action {self.pk}"

    @property
    def is_done(self) -> bool:
        return self.done_on is not None

    @property
    def owner_display(self) -> str:
        return self.owner.full_name if self.owner else self.owner_name


# ---------------------------------------------------------------- policy issues


class PolicyIssue(models.Model):
    """A gap in policy or procedure the case showed up, flagged for the chair."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="policy_issues")
    stage = models.PositiveSmallIntegerField()
    text = models.TextField(max_length=LONG_TEXT_MAX)
    status = models.CharField(
        max_length=10, choices=PolicyIssueStatus.choices, default=PolicyIssueStatus.OPEN
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="policy_issues_raised"
    )
    raised_at = models.DateTimeField()
    response = models.TextField(max_length=LONG_TEXT_MAX, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["raised_at", "id"]
        # The board report counts a period's issues by when they were raised
        # (escalate.reports.report_data.within: a range this index serves).
        indexes = [models.Index(fields=["raised_at"], name="policy_issue_raised_at")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=PolicyIssueStatus.values),
                name="policy_issue_status_known",
            ),
            models.CheckConstraint(
                condition=(
                    Q(status=PolicyIssueStatus.OPEN) & Q(response="") & Q(responded_at__isnull=True)
                )
                | (
                    Q(status=PolicyIssueStatus.RESPONDED)
                    & ~Q(response="")
                    & Q(responded_at__isnull=False)
                    & Q(responded_by__isnull=False)
                ),
                name="policy_issue_response_when_responded",
            ),
            max_length_check("text", LONG_TEXT_MAX, "policy_issue"),
            max_length_check("response", LONG_TEXT_MAX, "policy_issue"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} policy issue {self.pk}"
