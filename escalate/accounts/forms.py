"""Forms for signing in, passwords and administering people, with plain-English messages."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import (
    AdminUserCreationForm,
    AuthenticationForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
    UserChangeForm,
)

from escalate.accounts import ratelimits
from escalate.accounts.models import User

# Django's auth forms are generic in the stubs only; at run time they are plain classes.
if TYPE_CHECKING:
    _SetPasswordForm = SetPasswordForm[User]
    _AdminUserCreationForm = AdminUserCreationForm[User]
    _UserChangeForm = UserChangeForm[User]
else:
    _SetPasswordForm = SetPasswordForm
    _AdminUserCreationForm = AdminUserCreationForm
    _UserChangeForm = UserChangeForm


def _normalise_email(value: str | None) -> str:
    return (value or "").strip().lower()


class SignInForm(AuthenticationForm):
    """Email address and password. The email is matched whatever its capitals."""

    error_messages = {
        "invalid_login": (
            "Enter the email address and password for your Escalate account. "
            "Passwords are case-sensitive."
        ),
        "inactive": "This account is switched off. Ask your administrator to switch it back on.",
    }

    def __init__(self, request: Any = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(request, *args, **kwargs)
        email = self.fields["username"]
        email.label = "Email address"
        email.error_messages["required"] = "Enter your email address"
        self.fields["password"].error_messages["required"] = "Enter your password"

    def clean_username(self) -> str:
        return _normalise_email(self.cleaned_data.get("username"))


class AdminSignInForm(AdminAuthenticationForm):
    """The administration site's sign-in, also matching the email whatever its capitals."""

    def clean_username(self) -> str:
        return _normalise_email(self.cleaned_data.get("username"))


class ResetPasswordForm(PasswordResetForm):
    """Asks for a password-reset email. It is queued in the account-email outbox and
    sent by the worker (with retries), so the answer is the same page, as quickly, for
    an address with an account, one without, and a request over the rate limit."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        email = self.fields["email"]
        email.label = "Email address"
        email.error_messages["required"] = "Enter your email address"
        email.error_messages["invalid"] = (
            "Enter an email address in the correct format, like name@example.org"
        )

    def get_users(self, email: str) -> Any:
        """Everyone active with this address, those with no password yet included: a
        person added by an administrator chooses their first password this way."""
        wanted = _normalise_email(email)
        return (
            user
            for user in User.objects.filter(email__iexact=wanted, is_active=True)
            if user.email.lower() == wanted
        )

    def save(self, *args: Any, **kwargs: Any) -> None:
        request: Any = kwargs.get("request")
        email = self.cleaned_data["email"]
        if self._rate_limited(request) and ratelimits.password_reset_refused(request, email):
            return  # the same "check your email" page; nothing queued
        super().save(*args, **kwargs)

    @staticmethod
    def _rate_limited(request: Any) -> bool:
        """The public page is limited; an administrator sending people reset emails from
        the administration site (with its own checks) is not."""
        if request is None:
            return False
        user = getattr(request, "user", None)
        return not (user is not None and user.is_authenticated and user.is_staff)

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        """Queue the email instead of sending it. The token in ``context`` is dropped:
        the worker makes a fresh one when it sends, so none is stored."""
        from escalate.notifications import services

        services.queue_password_reset(context["user"], to_email)


class _PasswordLabels:
    fields: dict[str, forms.Field]

    def _relabel(self) -> None:
        self.fields["new_password1"].label = "New password"
        self.fields["new_password1"].error_messages["required"] = "Enter a new password"
        self.fields["new_password2"].label = "Confirm new password"
        self.fields["new_password2"].error_messages["required"] = "Enter the new password again"


class ChooseNewPasswordForm(_PasswordLabels, _SetPasswordForm):
    error_messages = {"password_mismatch": "The two passwords do not match"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._relabel()


class ChangePasswordForm(_PasswordLabels, PasswordChangeForm):
    error_messages = {
        "password_mismatch": "The two passwords do not match",
        "password_incorrect": "Your current password is not right; enter it again",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = "Current password"
        self.fields["old_password"].error_messages["required"] = "Enter your current password"
        self._relabel()


class _UniqueEmail:
    """Work emails are unique whatever their capitals; stored in lower case."""

    cleaned_data: dict[str, Any]
    instance: User

    def clean_email(self) -> str:
        email = _normalise_email(self.cleaned_data.get("email"))
        taken = User.objects.filter(email__iexact=email)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError("Someone already has this email address.")
        return email


class PersonCreationForm(_UniqueEmail, _AdminUserCreationForm):
    """Adding a person in the administration site. Leaving password-based sign-in off lets
    them choose their own password with "Forgotten your password?"."""

    class Meta:
        model = User
        fields = ("email", "full_name", "job_title", "phone", "line_manager")


class PersonChangeForm(_UniqueEmail, _UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"
