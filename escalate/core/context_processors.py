"""What every page's layout needs."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def escalate(request: HttpRequest) -> dict[str, Any]:
    match = getattr(request, "resolver_match", None)
    user = getattr(request, "user", None)
    signed_in = bool(user is not None and user.is_authenticated)
    return {
        "service_name": "Escalate",
        # The timeout warning (escalate/session-timeout.js) needs the idle timeout.
        "session_idle_seconds": settings.SESSION_IDLE_TIMEOUT_SECONDS if signed_in else 0,
        "govuk_frontend": settings.GOVUK_FRONTEND_BUILT,
        "current_url_name": match.url_name if match else "",
    }
