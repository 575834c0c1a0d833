"""Read-only admin for cases and their chronology.

Cases change only through :mod:`escalate.cases.services`, so nothing here adds, edits
or deletes. What a staff member sees is what :mod:`escalate.cases.permissions` lets
them see: an administrator with no role on a case sees none of its contents.

Nor does anyone see the person at risk here (their name, date of birth, address,
record id, views): every page showing them is in the case's read log, and case work is
done on the case page, which writes it. The admin shows the case's reference instead.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from escalate.cases import permissions
from escalate.cases.models import AgreedAction, Case, Event, PolicyIssue, StageRecord


class ReadOnlyMixin:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


STAGE_RECORD_FIELDS = (
    "number",
    "started_on",
    "owner",
    "owner_role",
    "counterpart_name",
    "start_by",
    "conclude_by",
    "act_by",
    "conclusion",
    "concluded_on",
)


class StageRecordInline(ReadOnlyMixin, admin.TabularInline[StageRecord, Case]):
    model = StageRecord
    extra = 0
    can_delete = False
    fields = STAGE_RECORD_FIELDS
    readonly_fields = STAGE_RECORD_FIELDS


AGREED_ACTION_FIELDS = ("stage", "what", "agency", "owner_name", "due_on", "done_on")


class AgreedActionInline(ReadOnlyMixin, admin.TabularInline[AgreedAction, Case]):
    model = AgreedAction
    extra = 0
    can_delete = False
    fields = AGREED_ACTION_FIELDS
    readonly_fields = AGREED_ACTION_FIELDS


POLICY_ISSUE_FIELDS = ("stage", "text", "status", "response")


class PolicyIssueInline(ReadOnlyMixin, admin.TabularInline[PolicyIssue, Case]):
    model = PolicyIssue
    extra = 0
    can_delete = False
    fields = POLICY_ISSUE_FIELDS
    readonly_fields = POLICY_ISSUE_FIELDS


#: Fields about the person at risk, never shown in the admin.
PERSON_AT_RISK_FIELDS = frozenset(f.name for f in Case._meta.fields if f.name.startswith("person_"))
#: What the case page shows of a case: everything but the person. (The procedure
#: version is shown by its name; its snapshot only on its own page, to superusers.)
CASE_FIELDS = tuple(f.name for f in Case._meta.fields if f.name not in PERSON_AT_RISK_FIELDS)


@admin.register(Case)
class CaseAdmin(ReadOnlyMixin, admin.ModelAdmin[Case]):
    list_display = ["reference", "partnership", "status", "current_stage", "raised_on"]
    # Only the partnerships of cases the person may see.
    list_filter = ["status", ("partnership", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["reference"]
    inlines = [StageRecordInline, AgreedActionInline, PolicyIssueInline]
    fields = CASE_FIELDS
    exclude = sorted(PERSON_AT_RISK_FIELDS)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Case]:
        return (
            permissions.visible_cases(request.user)
            .select_related("partnership", "definition")
            .defer("definition__snapshot", "definition__definition_text", *PERSON_AT_RISK_FIELDS)
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return list(CASE_FIELDS)


@admin.register(Event)
class EventAdmin(ReadOnlyMixin, admin.ModelAdmin[Event]):
    list_display = ["at", "case", "action", "stage", "actor"]
    list_filter = ["action"]
    search_fields = ["case__reference"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Event]:
        return Event.objects.filter(
            case__in=permissions.visible_cases(request.user)
        ).select_related("case", "actor")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in Event._meta.fields]
