"""Administering roles, the record of roles given and taken away, and days off."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from escalate.partnerships import administration
from escalate.partnerships.admin.common import (
    MembershipForm,
    PartnershipRoleForm,
    ScopedRelatedFilter,
    ScopedRoleAdmin,
    administers_anything,
    is_superuser,
    visible_memberships,
    visible_partnership_roles,
)
from escalate.partnerships.models import (
    Membership,
    NonWorkingDay,
    PartnershipRole,
    RoleGrant,
)

# ---------------------------------------------------------------- roles


@admin.register(Membership)
class MembershipAdmin(ScopedRoleAdmin[Membership]):
    form = MembershipForm
    list_display = ("person", "role", "agency")
    list_filter = (
        "role",
        ("agency__partnerships", ScopedRelatedFilter),
        ("agency", ScopedRelatedFilter),
    )
    list_select_related = ("person", "agency")
    search_fields = ("person__full_name", "person__email", "agency__name")
    autocomplete_fields = ("person", "agency")

    def _visible(self, actor: Any) -> QuerySet[Membership]:
        return visible_memberships(actor)


@admin.register(PartnershipRole)
class PartnershipRoleAdmin(ScopedRoleAdmin[PartnershipRole]):
    form = PartnershipRoleForm
    list_display = ("person", "role", "partnership")
    list_filter = ("role", ("partnership", ScopedRelatedFilter))
    list_select_related = ("person", "partnership")
    search_fields = ("person__full_name", "person__email", "partnership__name")
    autocomplete_fields = ("person", "partnership")

    def _visible(self, actor: Any) -> QuerySet[PartnershipRole]:
        return visible_partnership_roles(actor)


@admin.register(RoleGrant)
class RoleGrantAdmin(admin.ModelAdmin[RoleGrant]):
    """The record of roles given and taken away: read-only, append-only."""

    list_display = ("at", "actor_label", "change", "role_label", "place_label", "person_label")
    list_filter = ("change",)
    search_fields = ("person_label", "actor_label", "place_label")
    date_hierarchy = "at"

    def get_queryset(self, request: HttpRequest) -> QuerySet[RoleGrant]:
        queryset = super().get_queryset(request)
        if is_superuser(request):
            return queryset
        actor = request.user
        return queryset.filter(
            Q(partnership__in=administration.administered_partnerships(actor))
            | Q(agency__in=administration.visible_agencies(actor))
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in RoleGrant._meta.fields]

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(
            request.user.is_active and request.user.is_staff and administers_anything(request)
        )

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# ---------------------------------------------------------------- days off


@admin.register(NonWorkingDay)
class NonWorkingDayAdmin(admin.ModelAdmin[NonWorkingDay]):
    """A day off applies to every partnership in its region, so only superusers add,
    change or remove one; administrators can see them."""

    list_display = ("date", "region", "reason")
    list_filter = ("region",)
    search_fields = ("reason",)
    date_hierarchy = "date"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and is_superuser(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and is_superuser(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and is_superuser(request)
