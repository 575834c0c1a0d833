"""The stored versions of each partnership's procedure and the record of every change
made to them (re-exported by :mod:`escalate.partnerships.models`). Made, changed and
published only by :mod:`escalate.partnerships.versions`."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.conf import settings
from django.db import models


class VersionStatus(models.TextChoices):
    """What is stored: whether a version is a draft or published. Whether a published
    one is in force, still to come or replaced depends on the day: never read it from
    here (``superseded`` is only what was so when a version was last published) but
    from :func:`escalate.partnerships.versions.status_on`."""

    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    SUPERSEDED = "superseded", "Superseded"


class ShownStatus(models.TextChoices):
    """A version's status on a given day, as every page shows it: worked out from the
    effective dates by :func:`escalate.partnerships.versions.status_on`."""

    DRAFT = "draft", "Draft"
    SCHEDULED = "scheduled", "Scheduled"
    IN_FORCE = "in_force", "In force"
    SUPERSEDED = "superseded", "Superseded"


class VersionSource(models.TextChoices):
    """Where a version came from. Only versions from the library (or rebuilt from the
    copies kept with older cases, which all came from it) follow the library's later
    definitions; a board's own versions are never replaced by reading."""

    LIBRARY = "library", "The shipped library"
    BOARD = "board", "Written or imported by the board"
    CASES = "cases", "Rebuilt from older cases' copies"


class ProcedureVersion(models.Model):
    """One version of a partnership's procedure, stored once and shared by every case
    raised under it. Made and published only by :mod:`escalate.partnerships.versions`.

    A published version is in force from its ``effective_from`` date until a later
    published one is; "superseded" marks one that a later version had replaced when
    the last version was published. Identical definitions are one version: the
    ``content_hash`` of the snapshot is unique in a partnership. ``source`` says where
    it came from (:class:`VersionSource`).

    A draft is the board's work in progress: its ``definition_text`` as last saved,
    and the ``problems`` found in it. A draft with problems (or the same as another
    version) has a blank ``content_hash`` (nor, with problems, a ``snapshot``), so it can
    never be published and no case can run it. Only drafts change; a published
    version's content never does.

    The primary key is a UUID, never reused (an integer may be, on SQLite, after a
    rolled-back transaction), so a version parsed once may be kept by its id for the
    life of a process.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    partnership = models.ForeignKey(
        "partnerships.Partnership", on_delete=models.CASCADE, related_name="procedure_versions"
    )
    sequence = models.PositiveIntegerField(help_text="1 for the partnership's first version.")
    status = models.CharField(
        max_length=12, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    effective_from = models.DateField(null=True, blank=True)
    library_key = models.CharField("definition key", max_length=60)
    version_label = models.CharField("version", max_length=100)
    definition_text = models.TextField(
        blank=True,
        help_text="The definition as written (TOML). Blank for versions rebuilt from the "
        "copies kept with older cases.",
    )
    snapshot = models.JSONField(
        null=True,
        blank=True,
        help_text="The definition as the engine reads it (none for a draft with problems).",
    )
    content_hash = models.CharField(max_length=64, blank=True, editable=False)
    problems = models.JSONField(
        default=list,
        blank=True,
        help_text="What is wrong with a draft, as last saved: line, field and message each.",
    )
    source = models.CharField(max_length=10, choices=VersionSource.choices)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["partnership", "sequence"]
        verbose_name = "procedure version"
        indexes = [
            models.Index(
                fields=["partnership", "status", "effective_from"],
                name="procedure_version_in_force",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "sequence"], name="procedure_version_sequence_unique"
            ),
            models.UniqueConstraint(
                fields=["partnership", "content_hash"],
                condition=~models.Q(content_hash=""),
                name="procedure_version_stored_once",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=VersionStatus.values),
                name="procedure_version_status_known",
            ),
            models.CheckConstraint(
                condition=models.Q(source__in=VersionSource.values),
                name="procedure_version_source_known",
            ),
            models.CheckConstraint(
                condition=models.Q(sequence__gte=1), name="procedure_version_sequence_from_one"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(status=VersionStatus.DRAFT)
                    & models.Q(effective_from__isnull=True)
                    & models.Q(published_at__isnull=True)
                )
                | (
                    ~models.Q(status=VersionStatus.DRAFT)
                    & models.Q(effective_from__isnull=False)
                    & models.Q(published_at__isnull=False)
                ),
                name="procedure_version_published_dated",
            ),
            models.CheckConstraint(
                condition=models.Q(status=VersionStatus.DRAFT)
                | (~models.Q(content_hash="") & models.Q(snapshot__isnull=False)),
                name="procedure_version_published_is_whole",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.library_key} {self.version_label} (version {self.sequence})"

    @property
    def is_draft(self) -> bool:
        return self.status == VersionStatus.DRAFT

    @property
    def publishable(self) -> bool:
        """A draft with no problems, unlike every other version: it may be published."""
        return self.is_draft and bool(self.content_hash) and not self.problems


# ---------------------------------------------------------------- the record of changes


class VersionChangeKind(models.TextChoices):
    STARTED = "started", "Draft started"
    SAVED = "saved", "Draft saved"
    PUBLISHED = "published", "Published"


class VersionRecordIsAppendOnly(ValueError):
    """Raised on any attempt to change or delete an entry of the record of version
    changes."""

    def __init__(self) -> None:
        super().__init__("The record of procedure version changes is append-only.")


class VersionChangeQuerySet(models.QuerySet["VersionChange"]):
    """Refuses changing or deleting entries in bulk, as the record of roles does.
    (Deleting a partnership still deletes its versions and their record: Django does
    that through the plain base manager.)"""

    def update(self, **kwargs: Any) -> int:
        raise VersionRecordIsAppendOnly()

    def delete(self) -> tuple[int, dict[str, int]]:
        raise VersionRecordIsAppendOnly()

    def bulk_update(self, *args: Any, **kwargs: Any) -> int:
        raise VersionRecordIsAppendOnly()


def _now() -> dt.datetime:
    from escalate import clock

    return clock.now()


class VersionChange(models.Model):
    """Append-only record of every change to a procedure version: who, when, what
    (started, saved, published) and a few words about it ("2 problems", "in force
    from 1 April 2027"). Written by :mod:`escalate.partnerships.versions` in the same
    transaction as the change. ``actor_label`` keeps the name as it was."""

    at = models.DateTimeField(default=_now, db_index=True)
    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="changes")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField("changed by", max_length=300)
    change = models.CharField(max_length=10, choices=VersionChangeKind.choices)
    detail = models.CharField(max_length=300, blank=True)

    objects = VersionChangeQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "procedure version change"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(change__in=VersionChangeKind.values),
                name="version_change_known",
            ),
        ]

    def __str__(self) -> str:
        from escalate.partnerships.version_records import when_words

        return f"{when_words(self.at)}: {self.actor_label} – {self.get_change_display()}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise VersionRecordIsAppendOnly()
        kwargs.pop("force_update", None)
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise VersionRecordIsAppendOnly()
