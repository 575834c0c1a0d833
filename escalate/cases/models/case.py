"""A case (one professional disagreement) and the numbering of case references."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower

from escalate.cases.models.choices import (
    CaseStatus,
    Response,
    SubjectType,
)
from escalate.cases.models.limits import (
    ADDRESS_MAX,
    EMAIL_MAX,
    LONG_TEXT_MAX,
    NAME_MAX,
    RECORD_ID_MAX,
    SHORT_TEXT_MAX,
    max_length_check,
)

if TYPE_CHECKING:
    from escalate.cases.models.stages import StageRecord

# ---------------------------------------------------------------- case


class Case(models.Model):
    """One professional disagreement about keeping a person at risk safe."""

    reference = models.CharField(max_length=20, unique=True, editable=False)
    partnership = models.ForeignKey(
        "partnerships.Partnership", on_delete=models.PROTECT, related_name="cases"
    )
    year = models.PositiveSmallIntegerField(editable=False)
    sequence = models.PositiveIntegerField(editable=False)

    # The procedure as it was when the case was raised: the version in force that day,
    # stored once for every case raised under it. Changing a definition later never
    # changes an open case. Its key and version label are repeated here for lists.
    definition = models.ForeignKey(
        "partnerships.ProcedureVersion",
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name="procedure version",
    )
    procedure_key = models.CharField(max_length=60)
    procedure_version = models.CharField(max_length=100)
    # From which stage partnership-level people are involved, per the snapshot
    # (null: never). Kept as columns so "who may see" is one database query.
    board_representative_from = models.PositiveSmallIntegerField(null=True, blank=True)
    business_unit_from = models.PositiveSmallIntegerField(null=True, blank=True)
    independent_chair_from = models.PositiveSmallIntegerField(null=True, blank=True)
    statutory_partner_from = models.PositiveSmallIntegerField(null=True, blank=True)

    # The person at risk: only what the procedure needs.
    subject_type = models.CharField(max_length=10, choices=SubjectType.choices)
    person_name = models.CharField(max_length=NAME_MAX)
    person_date_of_birth = models.DateField(null=True, blank=True)
    person_address = models.TextField(max_length=ADDRESS_MAX, blank=True)
    person_record_id = models.CharField(
        "the raising agency's record id", max_length=RECORD_ID_MAX, blank=True
    )
    person_views = models.TextField("their views and wishes", max_length=LONG_TEXT_MAX, blank=True)
    person_knows = models.BooleanField("they know of the disagreement")

    # Who disagrees with whom.
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="cases_raised"
    )
    # (Indexed by case_raising_agency_newest and case_other_agency_newest, whose first
    # column each is: an index of its own besides was one the planner could pick over
    # them, reading the cases' rows where those indexes alone answer.)
    raising_agency = models.ForeignKey(
        "partnerships.Agency",
        on_delete=models.PROTECT,
        related_name="cases_raised",
        db_index=False,
    )
    other_agency = models.ForeignKey(
        "partnerships.Agency",
        on_delete=models.PROTECT,
        related_name="cases_received",
        db_index=False,
    )
    other_professional_name = models.CharField(max_length=NAME_MAX)
    other_professional_email = models.EmailField(max_length=EMAIL_MAX)
    other_professional = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases_challenged",
        help_text="Set once the other professional signs in.",
    )

    # The disagreement.
    categories = models.JSONField(default=list, help_text="Category keys of the procedure.")
    kinds = models.JSONField(
        default=list,
        blank=True,
        help_text="Kinds of case the person raising it said apply (the procedure's routes).",
    )
    disagreement = models.TextField(max_length=LONG_TEXT_MAX)
    outcome_sought = models.TextField(max_length=LONG_TEXT_MAX)
    concern_arose_on = models.DateField()
    immediate_risk = models.BooleanField(default=False)
    referral_made = models.BooleanField(
        "safeguarding referral or front-door contact made", null=True, blank=True
    )
    referral_made_on = models.DateField(null=True, blank=True)

    # Where it stands.
    current_stage = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(
        max_length=10, choices=CaseStatus.choices, default=CaseStatus.OPEN, db_index=True
    )
    version = models.PositiveIntegerField(default=1, help_text="Bumped by every change.")
    raised_at = models.DateTimeField()
    raised_on = models.DateField()
    closed_on = models.DateField(null=True, blank=True)
    withdrawn_reason = models.TextField(max_length=SHORT_TEXT_MAX, blank=True)
    panel_referred = models.JSONField(
        default=list, blank=True, help_text="Stage numbers at which it went to a panel."
    )

    # The other professional's side.
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    response = models.CharField(max_length=10, choices=Response.choices, blank=True)
    response_reason = models.TextField(max_length=LONG_TEXT_MAX, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)

    # Afterwards.
    debrief_offered_on = models.DateField(null=True, blank=True)
    debrief_held_on = models.DateField(null=True, blank=True)
    learning_why_not_earlier = models.TextField(max_length=LONG_TEXT_MAX, blank=True)
    learning_themes = models.JSONField(default=list, blank=True)
    learning_good_practice = models.TextField(max_length=LONG_TEXT_MAX, blank=True)
    learning_recorded_at = models.DateTimeField(null=True, blank=True)
    learning_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-raised_at", "-id"]
        indexes = [
            models.Index(fields=["partnership", "status"], name="case_partnership_status"),
            models.Index(fields=["raised_on"], name="case_raised_on"),
            # The register's all-cases order and the report's date range; and its
            # default filter, "reached the final stage" (current_stage >= the last).
            models.Index(
                fields=["partnership", "raised_on", "reference"],
                name="case_partnership_raised_on",
            ),
            models.Index(
                fields=["partnership", "current_stage", "raised_on"],
                name="case_partnership_stage",
            ),
            # Lists of cases, newest first (dashboards).
            models.Index(fields=["-raised_at", "-id"], name="case_newest_first"),
            # Cases waiting for a response from an address not yet signed up.
            models.Index(
                Lower("other_professional_email"),
                condition=Q(other_professional__isnull=True),
                name="case_invited_address",
            ),
            # An agency's cases, and the cases past a role's gate (the business unit,
            # the chair, statutory partners; board representatives in either agency),
            # for the lists of what such a person sees (visibility.case_branches), with
            # when each was raised: the dashboard sorts them newest first from these.
            *(
                models.Index(fields=[side, "raised_at", "id"], name=f"case_{side}_newest")
                for side in ("raising_agency", "other_agency")
            ),
            *(
                models.Index(
                    fields=[field, "raised_at", "id"],
                    condition=Q(current_stage__gte=F(gate)),
                    name=name,
                )
                for name, (field, gate) in {
                    "case_business_unit_sees": ("partnership", "business_unit_from"),
                    "case_chair_sees": ("partnership", "independent_chair_from"),
                    "case_statutory_partner_sees": ("partnership", "statutory_partner_from"),
                    "case_board_rep_sees_raising": ("raising_agency", "board_representative_from"),
                    "case_board_rep_sees_other": ("other_agency", "board_representative_from"),
                }.items()
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "year", "sequence"], name="case_sequence_unique"
            ),
            models.CheckConstraint(
                condition=Q(status__in=CaseStatus.values), name="case_status_known"
            ),
            models.CheckConstraint(
                condition=Q(subject_type__in=SubjectType.values), name="case_subject_type_known"
            ),
            models.CheckConstraint(
                condition=Q(response__in=["", *Response.values]), name="case_response_known"
            ),
            models.CheckConstraint(condition=Q(current_stage__gte=1), name="case_stage_from_one"),
            models.CheckConstraint(condition=Q(version__gte=1), name="case_version_from_one"),
            models.CheckConstraint(condition=Q(sequence__gte=1), name="case_sequence_from_one"),
            models.CheckConstraint(
                condition=~Q(raising_agency=F("other_agency")),
                name="case_between_two_agencies",
            ),
            models.CheckConstraint(
                condition=Q(concern_arose_on__lte=F("raised_on")),
                name="case_concern_not_after_raised",
            ),
            models.CheckConstraint(
                condition=(Q(status=CaseStatus.OPEN) & Q(closed_on__isnull=True))
                | (~Q(status=CaseStatus.OPEN) & Q(closed_on__isnull=False)),
                name="case_closed_on_when_closed",
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=F("raised_on")),
                name="case_closed_after_raised",
            ),
            models.CheckConstraint(
                condition=~Q(status=CaseStatus.WITHDRAWN) | ~Q(withdrawn_reason=""),
                name="case_withdrawn_with_reason",
            ),
            models.CheckConstraint(
                condition=Q(referral_made_on__isnull=True) | Q(referral_made=True),
                name="case_referral_date_only_if_made",
            ),
            models.CheckConstraint(
                condition=(Q(response="") & Q(responded_at__isnull=True))
                | (~Q(response="") & Q(responded_at__isnull=False)),
                name="case_response_dated",
            ),
            models.CheckConstraint(
                condition=Q(learning_recorded_at__isnull=True) | ~Q(status=CaseStatus.OPEN),
                name="case_learning_only_when_closed",
            ),
            max_length_check("person_name", NAME_MAX, "case"),
            max_length_check("person_record_id", RECORD_ID_MAX, "case"),
            max_length_check("other_professional_name", NAME_MAX, "case"),
            max_length_check("disagreement", LONG_TEXT_MAX, "case"),
            max_length_check("outcome_sought", LONG_TEXT_MAX, "case"),
            max_length_check("person_address", ADDRESS_MAX, "case"),
            max_length_check("person_views", LONG_TEXT_MAX, "case"),
            max_length_check("withdrawn_reason", SHORT_TEXT_MAX, "case"),
            max_length_check("response_reason", LONG_TEXT_MAX, "case"),
            max_length_check("learning_why_not_earlier", LONG_TEXT_MAX, "case"),
            max_length_check("learning_good_practice", LONG_TEXT_MAX, "case"),
        ]

    def __str__(self) -> str:
        # The reference only: never the person's name (it ends up in logs and admin).
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status == CaseStatus.OPEN

    @property
    def current_stage_record(self) -> StageRecord | None:
        return self.stages.filter(number=self.current_stage).first()


class ReferenceCounter(models.Model):
    """The last case number given out per partnership and year."""

    partnership = models.ForeignKey(
        "partnerships.Partnership", on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "year"], name="reference_counter_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partnership_id}/{self.year}: {self.last}"
