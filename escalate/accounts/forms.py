"""Forms for signing in, passwords and administering people, with plain-English messages."""

from __future__ import annotations

from typing import Any

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

from escalate.accounts.models import User


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
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        email = self.fields["email"]
        email.label = "Email address"
        email.error_messages["required"] = "Enter your email address"
        email.error_messages["invalid"] = (
            "Enter an email address in the correct format, like name@example.org"
        )


class _PasswordLabels:
    fields: dict[str, forms.Field]

    def _relabel(self) -> None:
        self.fields["new_password1"].label = "New password"
        self.fields["new_password1"].error_messages["required"] = "Enter a new password"
        self.fields["new_password2"].label = "Confirm new password"
        self.fields["new_password2"].error_messages["required"] = "Enter the new password again"


class ChooseNewPasswordForm(_PasswordLabels, SetPasswordForm):
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


class PersonCreationForm(_UniqueEmail, AdminUserCreationForm):
    """Adding a person in the administration site. Leaving password-based sign-in off lets
    them choose their own password with "Forgotten your password?"."""

    class Meta:
        model = User
        fields = ("email", "full_name", "job_title", "phone", "line_manager")


class PersonChangeForm(_UniqueEmail, UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"
