"""The stored versions of each partnership's procedure: to be looked at, by superusers
only. Versions are made and published by :mod:`escalate.partnerships.versions`, never
here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from escalate import clock
from escalate.partnerships import versions
from escalate.partnerships.admin.common import is_superuser
from escalate.partnerships.models import ProcedureVersion

VERSION_FIELDS = (
    "partnership",
    "sequence",
    "status",
    "effective_from",
    "library_key",
    "version_label",
    "source",
    "content_hash",
    "created_at",
    "created_by",
    "updated_at",
    "updated_by",
    "published_at",
    "published_by",
    "problems",
    "definition_text",
    "snapshot",
)


@admin.register(ProcedureVersion)
class ProcedureVersionAdmin(admin.ModelAdmin[ProcedureVersion]):
    list_display = (
        "partnership",
        "sequence",
        "library_key",
        "version_label",
        "shown_status",
        "source",
        "effective_from",
        "published_at",
    )
    list_filter = ("status", "source", "library_key")
    search_fields = ("partnership__name", "library_key", "version_label")
    fields = VERSION_FIELDS
    readonly_fields = VERSION_FIELDS

    @admin.display(description="status today")
    def shown_status(self, version: ProcedureVersion) -> str:
        """Draft, scheduled, in force or superseded, worked out for today as every page
        shows it (the stored status says only whether it is a draft)."""
        today = clock.today()
        in_force = versions.version_in_force(version.partnership, today)
        return versions.status_on(version, today, in_force).label

    def get_queryset(self, request: HttpRequest) -> QuerySet[ProcedureVersion]:
        # The large columns are read only on a version's own page.
        queryset = super().get_queryset(request).select_related("partnership")
        return queryset.defer("snapshot", "definition_text", "problems")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_superuser(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_superuser(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
