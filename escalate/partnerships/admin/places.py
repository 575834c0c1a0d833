"""Administering partnerships, their member agencies, and the listed bank holidays that
are working days in a region."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest

from escalate.partnerships import administration, versions
from escalate.partnerships.admin.common import (
    MembershipForm,
    MembershipRowsMixin,
    PartnershipRoleForm,
    PartnershipRoleRowsMixin,
    ReadOnlyMembershipRowsMixin,
    ReadOnlyPartnershipRoleRowsMixin,
    ReadOnlyRoleInline,
    ScopedRelatedFilter,
    ScopedRoleInline,
    administers_anything,
    is_autocomplete_for,
    is_superuser,
    may_administer,
    save_role_formset,
)
from escalate.partnerships.models import (
    Agency,
    Membership,
    NonWorkingDay,
    Partnership,
    PartnershipRole,
    WorkedBankHoliday,
)
from escalate.procedures.calendar import REGION_NAMES, WorkingCalendar, covers
from escalate.procedures.model import Region

if TYPE_CHECKING:
    # The model Django makes for Agency.partnerships (one row per agency in a
    # partnership) has no class in our code; the Django plugin names it so. (Used in
    # the quoted base classes below, which ruff does not read.)
    from escalate.partnerships.models import Agency_partnerships  # noqa: F401

# ---------------------------------------------------------------- partnerships


class MemberAgencyForm(forms.ModelForm["Agency_partnerships"]):
    actor: Any = None

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        agency = cleaned.get("agency")
        if self.actor is None or agency is None or cleaned.get("DELETE"):
            return cleaned
        if self.instance.pk and self.instance.agency_id == agency.pk:
            return cleaned
        if not administration.may_administer_agency(self.actor, agency):
            raise ValidationError(
                "You can only add agencies that belong only to partnerships you administer."
            )
        return cleaned


class MemberAgencyInline(admin.TabularInline["Agency_partnerships", Partnership]):
    model = Agency.partnerships.through
    form = MemberAgencyForm
    extra = 0
    autocomplete_fields = ["agency"]
    verbose_name = "member agency"
    verbose_name_plural = "member agencies"

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        kwargs["form"] = type("ScopedForm", (self.form,), {"actor": request.user})
        return super().get_formset(request, obj, **kwargs)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "agency":
            kwargs["queryset"] = administration.visible_agencies(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def _may(self, request: HttpRequest, obj: Any) -> bool:
        return obj is None or may_administer(request, "partnership", obj)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_add_permission(request, obj) and self._may(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and self._may(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and self._may(request, obj)


class PartnershipPeopleInline(
    PartnershipRoleRowsMixin, ScopedRoleInline[PartnershipRole, Partnership]
):
    model = PartnershipRole
    form = PartnershipRoleForm
    autocomplete_fields = ["person"]
    parent_check = "partnership"
    verbose_name = "person with a role in the partnership"
    verbose_name_plural = "people with roles in the partnership"


class PartnershipPeopleReadOnlyInline(
    ReadOnlyPartnershipRoleRowsMixin, ReadOnlyRoleInline[PartnershipRole, Partnership]
):
    model = PartnershipRole
    verbose_name = "role only a superuser can change"
    verbose_name_plural = "roles only a superuser can change"


@admin.register(Partnership)
class PartnershipAdmin(admin.ModelAdmin[Partnership]):
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

    def get_inlines(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        if obj is None or is_superuser(request):
            return list(self.inlines)
        return [*self.inlines, PartnershipPeopleReadOnlyInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Partnership]:
        queryset = super().get_queryset(request)
        if is_superuser(request):
            return queryset
        return queryset.filter(
            pk__in=administration.administered_partnerships(request.user).values("pk")
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        # A partnership is set up by a superuser (who also names its administrators).
        return super().has_add_permission(request) and is_superuser(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if not super().has_change_permission(request, obj):
            return False
        if obj is None:
            return administers_anything(request)
        return may_administer(request, "partnership", obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and is_superuser(request)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Partnership], bool]:
        found, distinct = super().get_search_results(request, queryset, search_term)
        if not is_superuser(request):
            found = found.filter(
                pk__in=administration.administered_partnerships(request.user).values("pk")
            )
        return found, distinct

    def save_model(self, request: HttpRequest, obj: Partnership, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if "procedure_key" in form.changed_data:
            # The chosen procedure is in force from today (or its effective date).
            versions.follow_library(request.user, obj)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is PartnershipRole:
            save_role_formset(request, formset)
        else:
            super().save_formset(request, form, formset, change)


# ---------------------------------------------------------------- agencies


class AgencyMembershipInline(MembershipRowsMixin, ScopedRoleInline[Membership, Agency]):
    model = Membership
    form = MembershipForm
    autocomplete_fields = ["person"]
    parent_check = "agency"
    verbose_name = "person with a role in the agency"
    verbose_name_plural = "people with roles in the agency"


class AgencyMembershipReadOnlyInline(
    ReadOnlyMembershipRowsMixin, ReadOnlyRoleInline[Membership, Agency]
):
    model = Membership
    verbose_name = "role only a superuser can change"
    verbose_name_plural = "roles only a superuser can change"


class AgencyForm(forms.ModelForm[Agency]):
    actor: Any = None

    class Meta:
        model = Agency
        fields = ["name", "sector", "partnerships", "safeguarding_email"]

    def clean_partnerships(self) -> Any:
        chosen = self.cleaned_data.get("partnerships")
        if self.actor is None or administration.is_superuser(self.actor):
            return chosen
        if not chosen:
            raise ValidationError("Choose at least one of the partnerships you administer.")
        mine = set(
            administration.administered_partnerships(self.actor).values_list("pk", flat=True)
        )
        if any(p.pk not in mine for p in chosen):
            raise ValidationError("Choose only partnerships you administer.")
        return chosen


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin[Agency]):
    form = AgencyForm
    list_display = ("name", "sector", "safeguarding_email")
    list_filter = ("sector", ("partnerships", ScopedRelatedFilter))
    search_fields = ("name", "safeguarding_email")
    filter_horizontal = ("partnerships",)
    inlines = [AgencyMembershipInline]

    def get_inlines(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        if obj is None or is_superuser(request):
            return list(self.inlines)
        return [*self.inlines, AgencyMembershipReadOnlyInline]

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> type[forms.ModelForm[Agency]]:
        kwargs["form"] = type("ScopedForm", (self.form,), {"actor": request.user})
        return super().get_form(request, obj, change=change, **kwargs)

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "partnerships":
            kwargs["queryset"] = administration.administered_partnerships(request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Agency]:
        queryset = super().get_queryset(request)
        if is_superuser(request):
            return queryset
        return queryset.filter(pk__in=administration.visible_agencies(request.user).values("pk"))

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Agency], bool]:
        found, distinct = super().get_search_results(request, queryset, search_term)
        if is_superuser(request):
            return found, distinct
        if is_autocomplete_for(
            request, ("membership", "agency"), ("agency_partnerships", "agency")
        ):
            # Choosing where to give a role: only agencies the person administers.
            scope = administration.administered_agencies(request.user)
        else:
            scope = administration.visible_agencies(request.user)
        return found.filter(pk__in=scope.values("pk")), distinct

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and administers_anything(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if not super().has_change_permission(request, obj):
            return False
        if obj is None:
            return administers_anything(request)
        return may_administer(request, "agency", obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and is_superuser(request)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is Membership:
            save_role_formset(request, formset)
        else:
            super().save_formset(request, form, formset, change)


# ---------------------------------------------------------------- bank holidays worked


class WorkedBankHolidayForm(forms.ModelForm[WorkedBankHoliday]):
    """Only a bank holiday the region's list has, on a weekday, and not also recorded as
    an extra day off there, can be marked as a working day."""

    class Meta:
        model = WorkedBankHoliday
        fields = ["date", "region", "reason"]
        help_texts = {"date": "A bank holiday listed for the region, on a weekday."}

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        day, region = cleaned.get("date"), cleaned.get("region")
        if day is None or region not in REGION_NAMES:
            return cleaned
        problem = WorkingCalendar.for_region(region).why_cannot_be_worked(day)
        if problem is None and NonWorkingDay.objects.filter(date=day, region=region).exists():
            problem = (
                f"{day.day} {day:%B %Y} is recorded as an extra non-working day in "
                f"{REGION_NAMES[Region(region)]}. Remove that day off first."
            )
        if problem is not None:
            self.add_error("date", problem)
        return cleaned


@admin.register(WorkedBankHoliday)
class WorkedBankHolidayAdmin(admin.ModelAdmin[WorkedBankHoliday]):
    """Like a day off, a bank holiday worked applies to every partnership in its region,
    so only superusers add, change or remove one; administrators can see them
    (:mod:`escalate.partnerships.administration`)."""

    form = WorkedBankHolidayForm
    list_display = ("date", "region", "listed_as", "reason")
    list_filter = ("region",)
    search_fields = ("reason",)
    date_hierarchy = "date"

    @admin.display(description="listed as")
    def listed_as(self, obj: WorkedBankHoliday) -> str:
        if not covers(obj.date):
            return "Not known"
        name = WorkingCalendar.for_region(obj.region).bank_holiday(obj.date)
        return name or "Not a bank holiday (no effect)"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and is_superuser(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and is_superuser(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and is_superuser(request)
