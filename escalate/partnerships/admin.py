"""Administering partnerships, their member agencies, roles and non-working days."""

from __future__ import annotations

from django.contrib import admin
from django.db import models

from escalate.partnerships.models import (
    Agency,
    Membership,
    NonWorkingDay,
    Partnership,
    PartnershipRole,
)


class MemberAgencyInline(admin.TabularInline):
    model = Agency.partnerships.through
    extra = 0
    autocomplete_fields = ["agency"]
    verbose_name = "member agency"
    verbose_name_plural = "member agencies"


class PartnershipPeopleInline(admin.TabularInline):
    model = PartnershipRole
    extra = 0
    autocomplete_fields = ["person"]
    verbose_name = "person with a role in the partnership"
    verbose_name_plural = "people with roles in the partnership"


@admin.register(Partnership)
class PartnershipAdmin(admin.ModelAdmin):
    list_display = ("name", "reference_prefix", "kind", "procedure_key", "region")
    list_filter = ("kind", "procedure_key", "region")
    search_fields = ("name", "reference_prefix", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [MemberAgencyInline, PartnershipPeopleInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = (
        (None, {"fields": ("name", "slug", "reference_prefix", "kind")}),
        ("Procedure", {"fields": ("procedure_key", "region")}),
        ("Business unit", {"fields": ("business_unit_email", "business_unit_phone", "website")}),
    )


class AgencyMembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["person"]
    verbose_name = "person with a role in the agency"
    verbose_name_plural = "people with roles in the agency"


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ("name", "sector", "safeguarding_email")
    list_filter = ("sector", "partnerships")
    search_fields = ("name", "safeguarding_email")
    filter_horizontal = ("partnerships",)
    inlines = [AgencyMembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("person", "role", "agency")
    list_filter = ("role", "agency__partnerships", "agency")
    list_select_related = ("person", "agency")
    search_fields = ("person__full_name", "person__email", "agency__name")
    autocomplete_fields = ("person", "agency")


@admin.register(PartnershipRole)
class PartnershipRoleAdmin(admin.ModelAdmin):
    list_display = ("person", "role", "partnership")
    list_filter = ("role", "partnership")
    list_select_related = ("person", "partnership")
    search_fields = ("person__full_name", "person__email", "partnership__name")
    autocomplete_fields = ("person", "partnership")


@admin.register(NonWorkingDay)
class NonWorkingDayAdmin(admin.ModelAdmin):
    list_display = ("date", "region", "reason")
    list_filter = ("region",)
    search_fields = ("reason",)
    date_hierarchy = "date"
