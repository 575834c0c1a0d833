"""Middleware for every response: headers that keep personal data out of caches, a plain
answer to malformed paths, and a log line for every refusal."""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.utils.cache import add_never_cache_headers, patch_vary_headers

security_log = logging.getLogger("escalate.security")

Handler = Callable[[HttpRequest], HttpResponse]


class SecurityHeadersMiddleware:
    """No page Escalate draws is kept by a browser or a proxy: any of them may show a
    person at risk, and Back after signing out must not show them again. (Static files
    are served before this, by WhiteNoise, and stay cacheable.)"""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        add_never_cache_headers(response)
        patch_vary_headers(response, ["Cookie"])
        return response


def _malformed(text: str) -> bool:
    """NUL bytes and other control characters never belong in a path."""
    return any(unicodedata.category(ch) == "Cc" for ch in text)


class RefuseMalformedPathMiddleware:
    """Requests no page of Escalate's takes, refused before any view or database sees
    them: a path holding a NUL byte or a control character is "not found", like any
    other address that does not exist; TRACE and CONNECT are never handled; and the
    administration site (Django's, whose views take any method) takes only GET, HEAD
    and POST. Escalate's own views each name the methods they handle."""

    NEVER = frozenset({"TRACE", "CONNECT"})
    ADMIN_METHODS = ("GET", "HEAD", "POST")

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _malformed(request.path):
            from escalate.core.views import page_not_found

            return page_not_found(request)
        method = (request.method or "").upper()
        if method in self.NEVER or (
            request.path.startswith("/admin/") and method not in self.ADMIN_METHODS
        ):
            return HttpResponseNotAllowed(self.ADMIN_METHODS)
        return self.get_response(request)


#: Paths whose last parts are secrets (invitation and password-reset links): logged
#: without them.
_SECRET_PATHS = re.compile(r"^(/cases/invitation/|/accounts/reset/)[^?]*")


def _loggable(path: str) -> str:
    path = _SECRET_PATHS.sub(lambda m: m.group(1) + "[link]/", path)
    return path.encode("unicode_escape").decode("ascii")[:300]


class RefusalLogMiddleware:
    """Who was refused what: every 403 and 405 logged with the person's id. (Rate limits
    and lockouts log their own lines, with what was limited.)"""

    LOGGED = {403: "access.refused", 405: "method.refused"}

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        event = self.LOGGED.get(response.status_code)
        if event:
            user = getattr(request, "user", None)
            who = user.pk if user is not None and user.is_authenticated else "anonymous"
            security_log.warning(
                "%s user=%s method=%s path=%s",
                event,
                who,
                request.method,
                _loggable(request.path),
            )
        return response
