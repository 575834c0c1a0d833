"""What every page's layout needs."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def escalate(request: HttpRequest) -> dict[str, Any]:
    match = getattr(request, "resolver_match", None)
    return {
        "service_name": "Escalate",
        "govuk_frontend": settings.GOVUK_FRONTEND_BUILT,
        "current_url_name": match.url_name if match else "",
    }
