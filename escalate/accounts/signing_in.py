"""What happens around signing in: records for investigators, the session list, and the
lockout after too many wrong passwords (django-axes calls the two functions at the top).

Log lines name the account by its id, never the password, and never anything about a
person at risk.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.crypto import salted_hmac

from escalate.accounts import sessions
from escalate.accounts.models import User
from escalate.throttling import limits

security_log = logging.getLogger("escalate.security")


def normalise_email(value: Any) -> str:
    return str(value or "").strip().lower()[:254]


def username_for_lockout(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """The account an attempt was for, however its capitals were typed (django-axes)."""
    if credentials and credentials.get("username"):
        return normalise_email(credentials["username"])
    return normalise_email(request.POST.get("username") if request is not None else "")


def locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """The page for a locked account: what happened and what to do, in plain words."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        "registration/locked_out.html",
        {"minutes": minutes, "attempts": settings.AXES_FAILURE_LIMIT},
        status=429,
    )


def account_ref(email: str) -> str:
    """An attempted address for the log: the account id when there is one, otherwise a
    short keyed hash (so repeated attempts can be matched without keeping what was
    typed, which may be a password typed in the wrong box)."""
    user = User.objects.filter(email__iexact=email).only("pk").first() if email else None
    if user is not None:
        return f"user={user.pk}"
    digest = salted_hmac("escalate.signing_in.unknown", email).hexdigest()[:12]
    return f"unknown_account={digest}"


def client_address(request: HttpRequest | None, credentials: Any = None) -> str:
    """The client's address, through trusted proxies (also django-axes' callable)."""
    return limits.client_address(request)


@receiver(user_logged_in, dispatch_uid="escalate-signed-in")
def _on_sign_in(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    if request is None or not hasattr(request, "session"):
        return
    sessions.signed_in(request, user)
    security_log.info(
        "signin.succeeded user=%s address=%s admin_site=%s",
        user.pk,
        client_address(request),
        request.path.startswith("/admin/"),
    )


@receiver(user_logged_out, dispatch_uid="escalate-signed-out")
def _on_sign_out(sender: Any, request: HttpRequest, user: User | None, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        sessions.signed_out(request)
    security_log.info("signout user=%s", user.pk if user is not None else "anonymous")


@receiver(user_login_failed, dispatch_uid="escalate-sign-in-failed")
def _on_failure(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    email = normalise_email(credentials.get("username"))
    security_log.warning("signin.failed %s address=%s", account_ref(email), client_address(request))


def _on_locked_out(sender: Any, request: HttpRequest, username: str, **kwargs: Any) -> None:
    security_log.warning(
        "signin.locked_out %s address=%s",
        account_ref(normalise_email(username)),
        client_address(request),
    )


def connect() -> None:
    from axes.signals import user_locked_out

    user_locked_out.connect(_on_locked_out, dispatch_uid="escalate-locked-out")
