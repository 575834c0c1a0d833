"""Administering people: who they are, who manages them and their roles."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from escalate.accounts.forms import PersonChangeForm, PersonCreationForm
from escalate.accounts.models import User
from escalate.partnerships.models import Membership, PartnershipRole


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "person"
    extra = 0
    autocomplete_fields = ["agency"]
    verbose_name = "role in an agency"
    verbose_name_plural = "roles in agencies"


class PartnershipRoleInline(admin.TabularInline):
    model = PartnershipRole
    fk_name = "person"
    extra = 0
    autocomplete_fields = ["partnership"]
    verbose_name = "role in a partnership"
    verbose_name_plural = "roles in partnerships"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = PersonChangeForm
    add_form = PersonCreationForm
    inlines = [MembershipInline, PartnershipRoleInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Details", {"fields": ("full_name", "job_title", "phone", "line_manager")}),
        (
            "Access",
            {
                "fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions"),
                "description": (
                    "Switch a person off (untick Active) rather than deleting them: "
                    "their name stays on the cases they took part in."
                ),
            },
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "email",
                    "full_name",
                    "job_title",
                    "phone",
                    "line_manager",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    readonly_fields = ("last_login", "date_joined")
    list_display = ("full_name", "email", "job_title", "line_manager", "is_active", "is_staff")
    list_filter = (
        "is_active",
        "is_staff",
        "is_superuser",
        "memberships__role",
        "memberships__agency",
        "partnership_roles__partnership",
    )
    list_select_related = ("line_manager",)
    search_fields = ("full_name", "email", "job_title")
    ordering = ("full_name",)
    autocomplete_fields = ("line_manager",)

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        # Only superusers hand out superuser status, groups and permissions; otherwise an
        # administrator could make themselves (or anyone) a superuser.
        readonly = tuple(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += ("is_superuser", "groups", "user_permissions")
        return readonly
