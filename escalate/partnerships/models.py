"""Who is who: partnerships (boards), their member agencies and the people in them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from escalate.partnerships.version_models import (
    ProcedureVersion,
    VersionChange,
    VersionChangeKind,
    VersionSource,
    VersionStatus,
)
from escalate.procedures import library
from escalate.procedures.calendar import REGION_NAMES
from escalate.procedures.model import Procedure, Region, Role

__all__ = [
    "AGENCY_ROLE_CHOICES",
    "Agency",
    "Membership",
    "NonWorkingDay",
    "Partnership",
    "PartnershipKind",
    "PartnershipRole",
    "PartnershipRoleKind",
    "ProcedureVersion",
    "RoleChange",
    "RoleGrant",
    "RoleGrantQuerySet",
    "RoleRecordIsAppendOnly",
    "Sector",
    "VersionChange",
    "VersionChangeKind",
    "VersionSource",
    "VersionStatus",
    "WorkedBankHoliday",
    "validate_procedure_key",
]


def _procedure_choices() -> list[tuple[str, str]]:
    return [(key, p.name) for key, p in library.load_library().items()]


def validate_procedure_key(value: str) -> None:
    if value not in library.load_library():
        raise ValidationError(
            f"There is no procedure called {value!r}. Choose one from the library."
        )


class PartnershipKind(models.TextChoices):
    ADULTS = "adults", "Safeguarding Adults Board"
    CHILDREN = "children", "Children's Safeguarding Partnership"
    COMBINED = "combined", "Combined safeguarding partnership"


class Partnership(models.Model):
    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    reference_prefix = models.CharField(
        max_length=6,
        unique=True,
        help_text="Start of every case reference, for example CE in CE-2026-0042.",
    )
    kind = models.CharField(max_length=20, choices=PartnershipKind.choices)
    procedure_key = models.CharField(
        "procedure",
        max_length=60,
        choices=_procedure_choices,
        validators=[validate_procedure_key],
        help_text="The escalation procedure this partnership follows.",
    )
    region = models.CharField(
        "bank holidays of",
        max_length=20,
        choices=[(r.value, r.value.replace("-", " ").title()) for r in Region],
        default=Region.ENGLAND_AND_WALES.value,
    )
    business_unit_email = models.EmailField("business unit email address")
    business_unit_phone = models.CharField(max_length=40, blank=True)
    website = models.URLField(blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(reference_prefix__regex=r"^[A-Z]{2,6}$"),
                name="partnership_reference_prefix_is_capitals",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=PartnershipKind.values),
                name="partnership_kind_known",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def procedure(self) -> Procedure:
        """The procedure in force today: the published version of the partnership's
        procedure (:class:`ProcedureVersion`) whose effective date is the latest one
        reached (see :func:`escalate.partnerships.versions.in_force`)."""
        from escalate import clock
        from escalate.partnerships.versions import in_force

        return in_force(self, clock.today()).procedure


class Sector(models.TextChoices):
    LA_ADULTS = "la_adults", "Local authority adult social care"
    LA_CHILDREN = "la_children", "Local authority children's social care"
    LA_OTHER = "la_other", "Local authority (other services)"
    NHS_TRUST = "nhs_trust", "NHS trust"
    ICB = "icb", "Integrated care board"
    GP = "gp", "GP practice"
    POLICE = "police", "Police"
    PROBATION = "probation", "Probation"
    EDUCATION = "education", "Education (school or college)"
    HOUSING = "housing", "Housing"
    VOLUNTARY = "voluntary", "Voluntary, community or faith organisation"
    FIRE = "fire", "Fire and rescue"
    OTHER = "other", "Other"


class Agency(models.Model):
    name = models.CharField(max_length=200, unique=True)
    sector = models.CharField(max_length=20, choices=Sector.choices)
    partnerships = models.ManyToManyField(Partnership, related_name="agencies", blank=True)
    safeguarding_email = models.EmailField(
        "safeguarding team email address",
        blank=True,
        help_text="Where the agency's safeguarding leads can be reached together.",
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(sector__in=Sector.values), name="agency_sector_known"
            ),
        ]

    def __str__(self) -> str:
        return self.name


AGENCY_ROLE_CHOICES = [
    (r.value, r.label)
    for r in (
        Role.PRACTITIONER,
        Role.LINE_MANAGER,
        Role.SAFEGUARDING_LEAD,
        Role.SENIOR_MANAGER,
        Role.DIRECTOR,
        Role.BOARD_REPRESENTATIVE,
    )
]


class Membership(models.Model):
    """A person's role in an agency. One person may hold several roles."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=30, choices=AGENCY_ROLE_CHOICES)

    class Meta:
        ordering = ["agency__name", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "agency", "role"], name="membership_unique_role"
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=[v for v, _ in AGENCY_ROLE_CHOICES]),
                name="membership_role_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} – {self.get_role_display()}, {self.agency}"


class PartnershipRoleKind(models.TextChoices):
    BUSINESS_UNIT = Role.BUSINESS_UNIT.value, "Business unit or board manager"
    INDEPENDENT_CHAIR = Role.INDEPENDENT_CHAIR.value, "Independent chair"
    STATUTORY_PARTNER = Role.STATUTORY_PARTNER.value, "Statutory partner"
    ADMINISTRATOR = "administrator", "Administrator"


class PartnershipRole(models.Model):
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="partnership_roles"
    )
    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="people")
    role = models.CharField(max_length=30, choices=PartnershipRoleKind.choices)

    class Meta:
        ordering = ["partnership__name", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "partnership", "role"], name="partnership_role_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=PartnershipRoleKind.values),
                name="partnership_role_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} – {self.get_role_display()}, {self.partnership}"


class NonWorkingDay(models.Model):
    """A day off not in the bank-holiday package (a one-off bank holiday, say)."""

    date = models.DateField()
    region = models.CharField(
        max_length=20, choices=[(r.value, r.value.replace("-", " ").title()) for r in Region]
    )
    reason = models.CharField(max_length=200)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["date", "region"], name="non_working_day_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.date:%d %B %Y}: {self.reason}"


class WorkedBankHoliday(models.Model):
    """A bank holiday the ``holidays`` package lists for a region that is a working day
    there all the same (a board may know a listed holiday is not kept locally).

    That the day really is a listed bank holiday on a weekday is checked by the
    administration form (:mod:`escalate.partnerships.admin.places`): the database
    cannot know the package's list.
    """

    date = models.DateField()
    region = models.CharField(
        max_length=20, choices=[(r.value, name) for r, name in REGION_NAMES.items()]
    )
    reason = models.CharField(
        max_length=200,
        help_text="Why it is a working day here, for example: not kept by local services.",
    )

    class Meta:
        ordering = ["date"]
        verbose_name = "bank holiday that is a working day"
        verbose_name_plural = "bank holidays that are working days"
        constraints = [
            models.UniqueConstraint(
                fields=["date", "region"],
                name="worked_bank_holiday_unique",
                violation_error_message="That day is already a working day in that region.",
            ),
            models.CheckConstraint(
                condition=models.Q(region__in=[r.value for r in Region]),
                name="worked_bank_holiday_region_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%d %B %Y}: working day ({self.reason})"


class RoleChange(models.TextChoices):
    GRANTED = "granted", "Given"
    REVOKED = "revoked", "Taken away"


def _now() -> dt.datetime:
    from escalate import clock

    return clock.now()


class RoleRecordIsAppendOnly(ValueError):
    """Raised on any attempt to change or delete an entry of the record of role
    changes."""

    def __init__(self) -> None:
        super().__init__("The record of role changes is append-only.")


class RoleGrantQuerySet(models.QuerySet["RoleGrant"]):
    """Refuses changing or deleting entries in bulk, as the case chronology does.
    (Deleting a person, agency or partnership still empties the link to it, keeping
    the labels: Django does that through the plain base manager.)"""

    def update(self, **kwargs: Any) -> int:
        raise RoleRecordIsAppendOnly()

    def delete(self) -> tuple[int, dict[str, int]]:
        raise RoleRecordIsAppendOnly()

    def bulk_update(self, *args: Any, **kwargs: Any) -> int:
        raise RoleRecordIsAppendOnly()

    def update_or_create(self, *args: Any, **kwargs: Any) -> tuple[RoleGrant, bool]:
        raise RoleRecordIsAppendOnly()


class RoleGrant(models.Model):
    """Append-only record of every role given or taken away: who did it, to whom, which
    role where, and when. Written by :mod:`escalate.partnerships.services` in the same
    transaction as the change. The labels keep the names as they were, so the record
    still reads right after a person, agency or partnership is renamed or deleted."""

    at = models.DateTimeField(default=_now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="role_changes_made",
    )
    actor_label = models.CharField("changed by", max_length=300)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="role_history",
    )
    person_label = models.CharField("person", max_length=300)
    change = models.CharField(max_length=10, choices=RoleChange.choices)
    role = models.CharField(max_length=30)
    role_label = models.CharField(max_length=100)
    agency = models.ForeignKey(Agency, null=True, on_delete=models.SET_NULL, related_name="+")
    partnership = models.ForeignKey(
        Partnership, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    place_label = models.CharField("where", max_length=200)

    objects = RoleGrantQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(change__in=RoleChange.values), name="role_grant_change_known"
            ),
            models.CheckConstraint(
                condition=~models.Q(agency__isnull=False, partnership__isnull=False),
                name="role_grant_one_place",
            ),
        ]

    def __str__(self) -> str:
        # Stored in UTC; read as the people reading the record live (Europe/London).
        at = timezone.localtime(self.at) if timezone.is_aware(self.at) else self.at
        return (
            f"{at:%d %B %Y %H:%M}: {self.actor_label} – {self.get_change_display()} "
            f"{self.role_label}, {self.place_label}, {self.person_label}"
        )

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise RoleRecordIsAppendOnly()
        kwargs.pop("force_update", None)
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise RoleRecordIsAppendOnly()
