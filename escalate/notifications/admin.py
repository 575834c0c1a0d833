"""Administrators see the emails that could not be sent, and can try them again."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from escalate.cases import permissions
from escalate.cases.admin import ReadOnlyMixin
from escalate.cases.errors import NotAllowed
from escalate.notifications import services
from escalate.notifications.models import (
    AccountEmailAttempt,
    DeliveryAttempt,
    FailedAccountEmail,
    FailedNotification,
    Notification,
    NotificationStatus,
)
from escalate.notifications.selectors import administered_partnerships


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = ["at", "outcome", "error"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(FailedNotification)
class FailedNotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "case", "event", "email", "attempts", "last_error"]
    list_filter = ["event"]
    search_fields = ["case__reference"]
    actions = ["retry"]
    inlines = [DeliveryAttemptInline]
    fields = [
        "case",
        "event",
        "stage",
        "email",
        "recipient_kind",
        "why",
        "created_at",
        "attempts",
        "last_error",
    ]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[FailedNotification]:
        failed = FailedNotification.objects.filter(status=NotificationStatus.FAILED).select_related(
            "case"
        )
        if request.user.is_superuser:
            return failed
        return failed.filter(case__partnership_id__in=administered_partnerships(request.user))

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_active and request.user.is_staff)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_staff)

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_staff)

    @admin.action(description="Try sending the selected notifications again", permissions=["retry"])
    def retry(self, request: HttpRequest, queryset: QuerySet[FailedNotification]) -> None:
        try:
            count = services.retry(request.user, queryset)  # type: ignore[arg-type]
        except NotAllowed as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        self.message_user(
            request,
            f"{count} notification{'s' if count != 1 else ''} will be sent again shortly.",
            messages.SUCCESS,
        )


class AccountEmailAttemptInline(DeliveryAttemptInline):
    model = AccountEmailAttempt  # type: ignore[assignment]


@admin.register(FailedAccountEmail)
class FailedAccountEmailAdmin(admin.ModelAdmin):
    """Emails about accounts (password reset links) that could not be sent: what kind,
    to which address, and why; never what they said (nothing of it is kept)."""

    list_display = ["created_at", "kind", "email", "attempts", "last_error"]
    list_filter = ["kind"]
    actions = ["retry"]
    inlines = [AccountEmailAttemptInline]
    fields = ["kind", "email", "partnership", "created_at", "attempts", "last_error"]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[FailedAccountEmail]:
        failed = FailedAccountEmail.objects.filter(status=NotificationStatus.FAILED).select_related(
            "partnership"
        )
        if request.user.is_superuser:
            return failed
        return failed.filter(services.account_emails_seen_by(request.user)).distinct()  # type: ignore[arg-type]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_active and request.user.is_staff)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_staff)

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_staff)

    @admin.action(description="Try sending the selected emails again", permissions=["retry"])
    def retry(self, request: HttpRequest, queryset: QuerySet[FailedAccountEmail]) -> None:
        try:
            count = services.retry_account_emails(request.user, queryset)  # type: ignore[arg-type]
        except NotAllowed as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        self.message_user(
            request,
            f"{count} email{'s' if count != 1 else ''} will be sent again shortly.",
            messages.SUCCESS,
        )


# The whole outbox, read-only, for the cases the person may see.
@admin.register(Notification)
class NotificationAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["created_at", "case", "event", "email", "recipient_kind", "status", "attempts"]
    list_filter = ["status", "event"]
    search_fields = ["case__reference", "email"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Notification]:
        return Notification.objects.filter(
            case__in=permissions.visible_cases(request.user)
        ).select_related("case")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in Notification._meta.fields]
