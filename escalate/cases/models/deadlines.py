"""Every deadline of a case, stored: one row per start-by, conclude-by, act-by and extra
deadline of the stages a case has reached (and the start-by of the stage after the one
being worked), each with its due date, its owner, how it was worked out and the day it
was met.

Written only by :mod:`escalate.cases.deadlines` (from the procedure engine's deadlines),
read by the dashboard, the case page, the reminder sweep and the board report.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from escalate.cases.models.case import Case
from escalate.cases.models.choices import CaseStatus
from escalate.cases.models.limits import (
    LONG_TEXT_MAX,
    ROLE_CHOICES,
    SHORT_TEXT_MAX,
    max_length_check,
)
from escalate.cases.models.stages import StageRecord
from escalate.procedures.calendar import WorkingCalendar
from escalate.procedures.model import Role

#: The deadlines every stage may have, by key; any other key is one of the definition's
#: extra deadlines (``other_deadlines``).
START_BY = "start_by"
CONCLUDE_BY = "conclude_by"
ACT_BY = "act_by"
STAGE_KEYS: tuple[str, ...] = (START_BY, CONCLUDE_BY, ACT_BY)

#: A key as the definition format spells it (``escalate.procedures.base.Slug``).
KEY_PATTERN = r"^[a-z0-9]+([-_][a-z0-9]+)*$"
KEY_MAX = 60

#: Working days before its due date that a deadline counts as due soon (the reminder
#: sweep's first reminder goes then).
DUE_SOON_WORKING_DAYS = 1


class DeadlineStatus(models.TextChoices):
    ON_TIME = "on_time", "On time"
    DUE_SOON = "due_soon", "Due soon"
    OVERDUE = "overdue", "Overdue"
    #: A "where possible" target passed, not met: still chased, never counted as missed.
    TARGET_PASSED = "target_passed", "Target passed"
    MET = "met", "Met"


def deadline_name(key: str, label: str, stage: int) -> str:
    """What a deadline is for, as a noun phrase: "the start of stage 3"."""
    return {
        START_BY: f"the start of stage {stage}",
        CONCLUDE_BY: f"the conclusion of stage {stage}",
        ACT_BY: f"resolving or escalating stage {stage}",
    }.get(key, f"“{label}” (stage {stage})")


class CaseDeadlineQuerySet(models.QuerySet["CaseDeadline"]):
    def open(self) -> CaseDeadlineQuerySet:
        """Not met yet, and someone is working towards them: on open cases, owned by the
        owner of a stage still being worked, or by a role at the stage being worked or
        one to come; less a start-by or conclude-by its owner's act-by stands for (the
        same day, the same owner), which is never chased separately."""
        covered = (
            Q(owner_stage__act_by__isnull=False) & Q(due=F("owner_stage__act_by")) & ~Q(key=ACT_BY)
        )
        return (
            self.filter(met_on__isnull=True, case__status=CaseStatus.OPEN)
            .filter(
                Q(owner_stage__isnull=True, stage__gte=F("case__current_stage"))
                | Q(owner_stage__isnull=False, owner_stage__concluded_on__isnull=True)
            )
            .exclude(covered)
        )


class CaseDeadline(models.Model):
    """One deadline of one stage of a case.

    Its owner is either the owner of a stage record (``owner_stage``: for the start-by,
    conclude-by and act-by; for a stage not yet begun, the owner of the stage being
    worked, who must move the case on) or everyone holding the role the definition names
    (``role``), never both.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="deadlines")
    stage = models.PositiveSmallIntegerField(help_text="The stage the deadline belongs to.")
    key = models.CharField(
        max_length=KEY_MAX, help_text="start_by, conclude_by, act_by or the definition's key."
    )
    label = models.TextField(max_length=SHORT_TEXT_MAX)
    due = models.DateField(db_index=True)
    explanation = models.TextField(
        max_length=LONG_TEXT_MAX, help_text="How the due date was worked out, in words."
    )
    role = models.CharField(
        max_length=30,
        choices=ROLE_CHOICES,
        blank=True,
        help_text="The role the definition names as owner (blank: a stage owner).",
    )
    owner_stage = models.ForeignKey(
        StageRecord,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="owned_deadlines",
        help_text="The stage record whose owner answers for it (empty: the role's holders).",
    )
    met_on = models.DateField(
        null=True, blank=True, help_text="When what it asks for happened (empty: not yet)."
    )
    soft = models.BooleanField(
        default=False,
        help_text='A target the procedure softens ("where possible"): chased with '
        "reminders, never counted as missed.",
    )

    objects = CaseDeadlineQuerySet.as_manager()

    class Meta:
        ordering = ["case", "stage", "due", "key"]
        indexes = [
            # The few "where possible" targets, by the stage whose they are: asked of
            # every late stage ("is its act-by only a target?").
            models.Index(
                fields=["owner_stage"], condition=Q(soft=True), name="case_deadline_soft_owner"
            ),
            # The reminder sweep and the dashboard: "due, and not met yet".
            models.Index(
                fields=["due"], condition=Q(met_on__isnull=True), name="case_deadline_unmet_due"
            ),
            # A person's own deadlines, soonest first: by the stage they own, or by role.
            models.Index(
                fields=["owner_stage", "due"],
                condition=Q(met_on__isnull=True),
                name="case_deadline_unmet_owner",
            ),
            models.Index(
                fields=["role", "due"],
                condition=Q(met_on__isnull=True) & ~Q(role=""),
                name="case_deadline_unmet_role",
            ),
        ]
        constraints = [
            # Also the index for "this case's deadlines" (its first column is the case).
            models.UniqueConstraint(
                fields=["case", "stage", "key"], name="case_deadline_one_per_key"
            ),
            models.CheckConstraint(condition=Q(stage__gte=1), name="case_deadline_stage"),
            models.CheckConstraint(
                condition=Q(key__regex=KEY_PATTERN), name="case_deadline_key_is_a_slug"
            ),
            models.CheckConstraint(condition=~Q(label=""), name="case_deadline_labelled"),
            models.CheckConstraint(
                condition=Q(role__in=["", *[r.value for r in Role]]),
                name="case_deadline_role_known",
            ),
            models.CheckConstraint(
                condition=(Q(role="") & Q(owner_stage__isnull=False))
                | (~Q(role="") & Q(owner_stage__isnull=True)),
                name="case_deadline_one_owner",
            ),
            models.CheckConstraint(
                condition=Q(role="") | ~Q(key__in=STAGE_KEYS),
                name="case_deadline_stage_keys_owned_by_a_stage_owner",
            ),
            max_length_check("label", SHORT_TEXT_MAX, "case_deadline"),
            max_length_check("explanation", LONG_TEXT_MAX, "case_deadline"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} stage {self.stage} {self.key} {self.due:%Y-%m-%d}"

    @property
    def is_met(self) -> bool:
        return self.met_on is not None

    @property
    def is_extra(self) -> bool:
        """One of the definition's extra deadlines, not a start-, conclude- or act-by."""
        return self.key not in STAGE_KEYS

    @property
    def name(self) -> str:
        return deadline_name(self.key, self.label, self.stage)

    @property
    def owner_role(self) -> Role | None:
        """The role named as owner, or None when a stage owner answers for it."""
        return Role(self.role) if self.role else None

    def within_timescale(self, today: dt.date) -> bool | None:
        """Met by its due date (True), met late or passed unmet (False), or not counted
        (None): still to come, or a "where possible" target (``soft``), which is chased
        but never counted as met or missed. What a board report counts."""
        if self.soft:
            return None
        if self.met_on is not None:
            return self.met_on <= self.due
        return False if today > self.due else None

    def status(self, today: dt.date, calendar: WorkingCalendar) -> DeadlineStatus:
        """Met; overdue (passed, not met), or for a "where possible" target (``soft``)
        target passed, which is chased but never shown or counted as missed; due soon
        (today, or within :data:`DUE_SOON_WORKING_DAYS` working days); otherwise on
        time."""
        if self.met_on is not None:
            return DeadlineStatus.MET
        if today > self.due:
            return DeadlineStatus.TARGET_PASSED if self.soft else DeadlineStatus.OVERDUE
        if self.due <= calendar.add_working_days(today, DUE_SOON_WORKING_DAYS):
            return DeadlineStatus.DUE_SOON
        return DeadlineStatus.ON_TIME


class OwnerTimescale(models.Model):
    """A date a stage's owner set for one of the stage's deadlines, where the procedure
    lets them: a timescale the owner sets (``unit = "set_by_owner"``), or a shorter one
    that protects the person (``owner_may_shorten``). The latest set is kept; each
    setting is in the chronology."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="owner_timescales")
    stage = models.PositiveSmallIntegerField()
    key = models.CharField(max_length=KEY_MAX, help_text="conclude_by or the definition's key.")
    due = models.DateField()
    why = models.TextField(max_length=LONG_TEXT_MAX, help_text="Why the owner set it.")
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["case", "stage", "key"], name="owner_timescale_one_per_key"
            ),
            models.CheckConstraint(condition=Q(stage__gte=1), name="owner_timescale_stage"),
            models.CheckConstraint(
                condition=Q(key__regex=KEY_PATTERN), name="owner_timescale_key_is_a_slug"
            ),
            models.CheckConstraint(condition=~Q(why=""), name="owner_timescale_explained"),
            max_length_check("why", LONG_TEXT_MAX, "owner_timescale"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} stage {self.stage} {self.key} set to {self.due:%Y-%m-%d}"
