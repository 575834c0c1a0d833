"""What every case view shares: loading a case the person may see, and the friendly
refusal pages.

A case that does not exist and one the person may not see get the same answer (404,
the same page), so nobody can count another board's cases; 403 is kept for a case the
person can see but an action they may not take.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from escalate.cases import selectors
from escalate.cases.errors import NotAllowed, NotFound
from escalate.cases.models import Case
from escalate.cases.permissions import CaseAccess


def forbidden(request: HttpRequest, message: str = "") -> HttpResponse:
    """The 403 page: the person sees the case but may not do this."""
    return render(request, "cases/case/forbidden.html", {"message": message}, status=403)


def not_found(request: HttpRequest) -> HttpResponse:
    """The 404 page: no such case, or one this person may not see."""
    return render(request, "cases/case/not_found.html", status=404)


def load_case(request: HttpRequest, reference: str) -> Case | HttpResponse:
    """The case, or the not-found page: the same for a case that does not exist and for
    one this person may not see."""
    loaded = load_access(request, reference)
    return loaded if isinstance(loaded, HttpResponse) else loaded.case


def load_access(request: HttpRequest, reference: str) -> CaseAccess | HttpResponse:
    """As :func:`load_case`, with the person's access to the case (worked out once: pass
    it on instead of the person)."""
    try:
        return selectors.case_access(request.user, reference=reference)
    except (NotFound, NotAllowed):
        return not_found(request)
