"""Cases: one professional disagreement each, with its stages, agreed actions, policy
issues, invitation, append-only chronology and notification outbox.

Only :mod:`escalate.cases.services` writes these tables. Whatever the database can
enforce (choices, lengths, dates in order, one record per stage) it enforces.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual

from escalate.cases.errors import ChronologyIsAppendOnly
from escalate.procedures.calendar import format_day
from escalate.procedures.model import Recipient, Role

# ---------------------------------------------------------------- limits

NAME_MAX = 200
EMAIL_MAX = 254
RECORD_ID_MAX = 100
ADDRESS_MAX = 500
SHORT_TEXT_MAX = 1000
LONG_TEXT_MAX = 5000
THEME_MAX = 100
THEMES_MAX = 10

ROLE_CHOICES = [(r.value, r.label) for r in Role]


def _max_length(field: str, limit: int, model: str) -> models.CheckConstraint:
    """A length limit the database enforces (SQLite ignores ``max_length``)."""
    return models.CheckConstraint(
        condition=LessThanOrEqual(Length(field), limit),
        name=f"{model}_{field}_at_most_{limit}_characters",
    )


# ---------------------------------------------------------------- choices


class SubjectType(models.TextChoices):
    ADULT = "adult", "An adult"
    CHILD = "child", "A child or young person"
    FAMILY = "family", "A family"


class CaseStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Response(models.TextChoices):
    AGREE = "agree", "Agrees with the challenge"
    DISAGREE = "disagree", "Disagrees with the challenge"


class Conclusion(models.TextChoices):
    RESOLVED = "resolved", "Resolved"
    ESCALATED = "escalated", "Escalated to the next stage"
    EXPEDITED = "expedited", "Expedited to a later stage"
    WITHDRAWN = "withdrawn", "Withdrawn"


class ContactKind(models.TextChoices):
    CONTACT = "contact", "Contact (call, email or message)"
    MEETING = "meeting", "Meeting"
    NOTE = "note", "Note"


class PolicyIssueStatus(models.TextChoices):
    OPEN = "open", "Awaiting a response"
    RESPONDED = "responded", "Responded to"


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


# ---------------------------------------------------------------- case


class Case(models.Model):
    """One professional disagreement about keeping a person at risk safe."""

    reference = models.CharField(max_length=20, unique=True, editable=False)
    partnership = models.ForeignKey(
        "partnerships.Partnership", on_delete=models.PROTECT, related_name="cases"
    )
    year = models.PositiveSmallIntegerField(editable=False)
    sequence = models.PositiveIntegerField(editable=False)

    # The procedure as it was when the case was raised: changing a definition later
    # never changes an open case.
    procedure_key = models.CharField(max_length=60)
    procedure_version = models.CharField(max_length=100)
    procedure_snapshot = models.JSONField()
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
    raising_agency = models.ForeignKey(
        "partnerships.Agency", on_delete=models.PROTECT, related_name="cases_raised"
    )
    other_agency = models.ForeignKey(
        "partnerships.Agency", on_delete=models.PROTECT, related_name="cases_received"
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
            _max_length("person_name", NAME_MAX, "case"),
            _max_length("person_record_id", RECORD_ID_MAX, "case"),
            _max_length("other_professional_name", NAME_MAX, "case"),
            _max_length("disagreement", LONG_TEXT_MAX, "case"),
            _max_length("outcome_sought", LONG_TEXT_MAX, "case"),
            _max_length("person_address", ADDRESS_MAX, "case"),
            _max_length("person_views", LONG_TEXT_MAX, "case"),
            _max_length("withdrawn_reason", SHORT_TEXT_MAX, "case"),
            _max_length("response_reason", LONG_TEXT_MAX, "case"),
            _max_length("learning_why_not_earlier", LONG_TEXT_MAX, "case"),
            _max_length("learning_good_practice", LONG_TEXT_MAX, "case"),
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
            _max_length("outcome", LONG_TEXT_MAX, "stage_record"),
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
            _max_length("what", SHORT_TEXT_MAX, "agreed_action"),
            _max_length("completion_note", SHORT_TEXT_MAX, "agreed_action"),
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
            _max_length("text", LONG_TEXT_MAX, "policy_issue"),
            _max_length("response", LONG_TEXT_MAX, "policy_issue"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} policy issue {self.pk}"


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


# ---------------------------------------------------------------- chronology


class EventQuerySet(models.QuerySet["Event"]):
    def update(self, **kwargs: Any) -> int:
        raise ChronologyIsAppendOnly()

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ChronologyIsAppendOnly()

    def bulk_update(self, *args: Any, **kwargs: Any) -> int:
        raise ChronologyIsAppendOnly()

    def update_or_create(self, *args: Any, **kwargs: Any) -> tuple[Event, bool]:
        raise ChronologyIsAppendOnly()

    def case_changes(self) -> EventQuerySet:
        """Entries that changed the case (not merely looked at it)."""
        return self.exclude(action=VIEWED)


VIEWED = "case.viewed"
#: Pages and files other than the case page that show the person at risk: a view of
#: one of them is in the read log with its kind (``data["what"]``).
VIEWED_WHAT: dict[str, str] = {
    "referral.form": "the referral form",
    "referral.print": "the referral form's print view",
    "referral.pdf": "the referral form as PDF",
    "referral.docx": "the referral form as Word",
}

#: How each chronology action reads, for lists of what changed.
ACTION_LABELS: dict[str, str] = {
    "case.raised": "Raised",
    "referral.submitted": "Referral form submitted to the board",
    "invitation.accepted": "Invitation accepted",
    "invitation.refused": "Invitation link refused: followed by someone it was not sent to",
    "invitation.resent": "Invitation sent again",
    "case.acknowledged": "Acknowledged by the other professional",
    "case.responded": "Responded to by the other professional",
    "contact.recorded": "Contact recorded",
    "meeting.recorded": "Meeting recorded",
    "note.recorded": "Note recorded",
    "checklist.ticked": "Required action ticked off",
    "action.agreed": "Action agreed",
    "action.completed": "Agreed action done",
    "case.resolved": "Resolved",
    "stage.escalated": "Escalated",
    "stage.expedited": "Expedited",
    "panel.referred": "Referred to a panel",
    "case.withdrawn": "Withdrawn",
    "policy_issue.flagged": "Policy issue flagged",
    "policy_issue.responded": "Policy issue responded to",
    "debrief.recorded": "Debrief recorded",
    "learning.recorded": "Learning recorded",
    VIEWED: "Viewed",
}


class Event(models.Model):
    """One entry in a case's chronology. Append-only: never changed, never deleted; a
    mistake is put right by a later entry that ``corrects`` it."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="case_events",
    )
    action = models.CharField(max_length=60)
    stage = models.PositiveSmallIntegerField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    corrects = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections"
    )
    version = models.PositiveIntegerField(help_text="The case's version after this entry.")

    objects: ClassVar[EventQuerySet] = EventQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["case", "version"], name="event_case_version"),
            models.Index(fields=["case", "action"], name="event_case_action"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__regex=r"^[a-z_]+(\.[a-z_]+)+$"),
                name="event_action_is_dotted",
            ),
            models.CheckConstraint(
                condition=Q(corrects__isnull=True) | ~Q(corrects=F("id")),
                name="event_does_not_correct_itself",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.action} #{self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ChronologyIsAppendOnly()
        kwargs.pop("force_update", None)
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ChronologyIsAppendOnly()

    @property
    def label(self) -> str:
        return ACTION_LABELS.get(self.action, self.action)

    @property
    def what_words(self) -> str:
        """For a view: what was opened, when not the case page itself."""
        return VIEWED_WHAT.get(str((self.data or {}).get("what", "")), "")

    def describe(self) -> str:
        """'Escalated (stage 2) by Sam Patel on Thu 24 Dec 2026 at 10:02'."""
        from django.utils import timezone

        local = timezone.localtime(self.at)
        who = f" by {self.actor}" if self.actor_id else ""
        stage = f" (stage {self.stage})" if self.stage else ""
        return f"{self.label}{stage}{who} on {format_day(local.date())} at {local:%H:%M}"


# ---------------------------------------------------------------- notifications


class Notification(models.Model):
    """An email owed to someone: the outbox a delivery worker sends from.

    ``why`` comes from the procedure (or a fixed text) and never holds the personal
    details of the person at risk.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="notifications")
    source_event = models.ForeignKey(
        Event, on_delete=models.PROTECT, null=True, blank=True, related_name="notifications"
    )
    invitation = models.ForeignKey(
        Invitation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notifications",
        help_text="Set when the email must carry the invitation link.",
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notifications",
    )
    email = models.EmailField(max_length=EMAIL_MAX)
    recipient_kind = models.CharField(max_length=30, choices=RecipientKind.choices)
    event = models.CharField(max_length=60, help_text="What happened, e.g. case.escalated.")
    stage = models.PositiveSmallIntegerField(null=True, blank=True)
    why = models.TextField(max_length=SHORT_TEXT_MAX)
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
    # Delivery bookkeeping (escalate.notifications.services): a worker claims a row
    # before sending it, so several workers never send the same email twice; a failed
    # send is tried again from next_attempt_at.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    due_on = models.DateField(
        null=True, blank=True, help_text="For a reminder: the deadline or due date."
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notification_due"),
            models.Index(fields=["recipient", "created_at"], name="notification_recipient"),
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
            _max_length("why", SHORT_TEXT_MAX, "notification"),
        ]

    def __str__(self) -> str:
        return f"{self.event} to {self.email}"
