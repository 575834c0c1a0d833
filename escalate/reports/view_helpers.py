"""What the board's views share: the refusal page, the partnership asked about, file
downloads and the log of who downloaded what."""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from escalate.errors import CaseError, Invalid, NotAllowed, NotFound
from escalate.partnerships.models import Partnership
from escalate.reports import forms

security_log = logging.getLogger("escalate.security")


def refused(request: HttpRequest, error: CaseError) -> HttpResponse:
    status = error.status_code if isinstance(error, NotAllowed | NotFound) else 409
    return render(request, "reports/refused.html", {"message": error.message}, status=status)


def partnership_or_404(slug: str) -> Partnership:
    return get_object_or_404(Partnership, slug=slug)


def download(body: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def log_export(request: HttpRequest, what: str, fmt: str, **where: str) -> None:
    """Who downloaded which file: never anything the file holds."""
    security_log.info(
        "export.downloaded user=%s what=%s format=%s %s",
        request.user.pk,
        what,
        fmt,
        " ".join(f"{k}={v}" for k, v in where.items()),
    )


def period_of(form: forms.FilterForm, *, default_all: bool) -> tuple[Any, dict[str, list[str]]]:
    """The period a filter form asks for, or ``None`` and what is wrong with it."""
    try:
        return form.period(default_all=default_all), {}
    except Invalid as invalid:
        return None, {k: list(v) for k, v in invalid.errors.items()}
