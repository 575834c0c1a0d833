"""A case's append-only chronology and how its entries read."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from escalate.cases.errors import ChronologyIsAppendOnly
from escalate.cases.models.case import Case
from escalate.procedures import events
from escalate.procedures.calendar import format_day

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


#: A look at the case (the read log): a chronology entry that changes nothing.
VIEWED = "case.viewed"
#: Pages and files other than the case page that show the person at risk: a view of
#: one of them is in the read log with its kind (``data["what"]``).
VIEWED_WHAT: dict[str, str] = {
    "referral.form": "a form",
    "referral.print": "a form's print view",
    "referral.pdf": "a form as PDF",
    "referral.docx": "a form as Word",
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

    objects = EventQuerySet.as_manager()

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
        """How the entry reads: "Escalated" (see :mod:`escalate.procedures.events`)."""
        return events.label(self.action)

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
