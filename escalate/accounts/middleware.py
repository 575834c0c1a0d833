"""Ends a signed-in session that has been idle too long or has reached its limit."""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse

from escalate.accounts import sessions

security_log = logging.getLogger("escalate.security")


class SessionLimitsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            # Asking how long is left must not itself count as activity.
            status_page = request.path == reverse("session_status")
            asking = status_page and request.method == "GET"
            expired = sessions.check(request, touch=not asking)
            if expired is not None:
                return self._signed_out(request, expired.reason, json=status_page)
        return self.get_response(request)

    def _signed_out(self, request: HttpRequest, reason: str, *, json: bool) -> HttpResponse:
        user_id = request.user.pk
        logout(request)  # also forgets the session record (escalate.accounts.signing_in)
        security_log.info("session.expired user=%s reason=%s", user_id, reason)
        query = {"signed_out": reason}
        if request.method == "GET":
            query["next"] = request.get_full_path()
        if json:
            response: HttpResponse = JsonResponse({"seconds_left": 0}, status=401)
        else:
            response = HttpResponseRedirect(f"{reverse('login')}?{urlencode(query)}")
        response["Clear-Site-Data"] = '"cache", "storage"'  # as at sign-out
        return response
