"""Administrators see the emails that could not be sent, and can try them again."""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from escalate.accounts.signed_in import signed_in_user
from escalate.cases import permissions
from escalate.cases.admin import ReadOnlyMixin
from escalate.errors import NotAllowed
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

_Attempt = TypeVar("_Attempt", bound=Model)
_Failed = TypeVar("_Failed", bound=Model)

ATTEMPT_FIELDS = ("at", "outcome", "error")


class AttemptsInline(admin.TabularInline[_Attempt, _Failed]):
    """The tries at sending a failed email, read-only."""

    extra = 0
    can_delete = False
    fields = ATTEMPT_FIELDS
    readonly_fields = ATTEMPT_FIELDS

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class DeliveryAttemptInline(AttemptsInline[DeliveryAttempt, FailedNotification]):
    model = DeliveryAttempt


FAILED_NOTIFICATION_FIELDS = (
    "case",
    "event",
    "stage",
    "email",
    "recipient_kind",
    "why",
    "created_at",
    "attempts",
    "last_error",
)


@admin.register(FailedNotification)
class FailedNotificationAdmin(admin.ModelAdmin[FailedNotification]):
    list_display = ["created_at", "case", "event", "email", "attempts", "last_error"]
    list_filter = ["event"]
    search_fields = ["case__reference"]
    actions = ["retry"]
    inlines = [DeliveryAttemptInline]
    fields = FAILED_NOTIFICATION_FIELDS
    readonly_fields = FAILED_NOTIFICATION_FIELDS

    def get_queryset(self, request: HttpRequest) -> QuerySet[FailedNotification]:
        failed = FailedNotification.objects.filter(status=NotificationStatus.FAILED).select_related(
            "case"
        )
        if request.user.is_superuser:
            return failed
        return failed.filter(
            case__partnership_id__in=administered_partnerships(signed_in_user(request))
        )

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
            count = services.retry(signed_in_user(request), queryset)
        except NotAllowed as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        self.message_user(
            request,
            f"{count} notification{'s' if count != 1 else ''} will be sent again shortly.",
            messages.SUCCESS,
        )


class AccountEmailAttemptInline(AttemptsInline[AccountEmailAttempt, FailedAccountEmail]):
    model = AccountEmailAttempt


FAILED_ACCOUNT_EMAIL_FIELDS = (
    "kind",
    "email",
    "partnership",
    "created_at",
    "attempts",
    "last_error",
)


@admin.register(FailedAccountEmail)
class FailedAccountEmailAdmin(admin.ModelAdmin[FailedAccountEmail]):
    """Emails about accounts (password reset links) that could not be sent: what kind,
    to which address, and why; never what they said (nothing of it is kept)."""

    list_display = ["created_at", "kind", "email", "attempts", "last_error"]
    list_filter = ["kind"]
    actions = ["retry"]
    inlines = [AccountEmailAttemptInline]
    fields = FAILED_ACCOUNT_EMAIL_FIELDS
    readonly_fields = FAILED_ACCOUNT_EMAIL_FIELDS

    def get_queryset(self, request: HttpRequest) -> QuerySet[FailedAccountEmail]:
        failed = FailedAccountEmail.objects.filter(status=NotificationStatus.FAILED).select_related(
            "partnership"
        )
        if request.user.is_superuser:
            return failed
        return failed.filter(services.account_emails_seen_by(signed_in_user(request))).distinct()

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
            count = services.retry_account_emails(signed_in_user(request), queryset)
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
class NotificationAdmin(ReadOnlyMixin, admin.ModelAdmin[Notification]):
    list_display = ["created_at", "case", "event", "email", "recipient_kind", "status", "attempts"]
    list_filter = ["status", "event"]
    search_fields = ["case__reference", "email"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Notification]:
        return Notification.objects.filter(
            case__in=permissions.visible_cases(request.user)
        ).select_related("case")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in Notification._meta.fields]
