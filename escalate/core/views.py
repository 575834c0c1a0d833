"""The pages around the case work: home, directory, signing in and friendly errors."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader

from escalate import clock
from escalate.accounts.forms import (
    ChangePasswordForm,
    ChooseNewPasswordForm,
    ResetPasswordForm,
    SignInForm,
)
from escalate.cases import permissions as case_permissions
from escalate.cases import selectors as case_selectors
from escalate.partnerships import selectors

CASES_SHOWN = 50


#: How each urgency (decided by the cases selectors) is shown.
URGENCY_TAGS: dict[str, dict[str, str]] = {
    "none": {"text": "No fixed timescale", "classes": "govuk-tag--grey"},
    "overdue": {"text": "Overdue", "classes": "govuk-tag--red"},
    "due_soon": {"text": "Due soon", "classes": "govuk-tag--yellow"},
    "on_time": {"text": "On time", "classes": "govuk-tag--blue"},
}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The dashboard: what needs the person's action, the cases they can see, raising."""
    person = request.user
    today = clock.today()
    actions = [
        {"item": item, "status": URGENCY_TAGS[item.urgency(today)]}
        for item in case_selectors.needs_action(person)
    ]
    cases = list(case_selectors.cases_for(person).prefetch_related("stages")[:CASES_SHOWN])
    rows = []
    for case in cases:
        current = next((s for s in case.stages.all() if s.number == case.current_stage), None)
        rows.append({"case": case, "due": current.act_by if current else None})
    return render(
        request,
        "core/home.html",
        {
            "actions": actions,
            "cases": rows,
            "can_raise": bool(case_permissions.raising_choices(person)),
            "memberships": selectors.memberships_of(person),  # type: ignore[arg-type]
            "partnership_roles": selectors.partnership_roles_of(person),  # type: ignore[arg-type]
            "partnerships": selectors.partnerships_of(person),  # type: ignore[arg-type]
            "board_partnerships": [
                p
                for p in selectors.partnerships_of(person)  # type: ignore[arg-type]
                if case_permissions.sees_statistics(person, p)
            ],
        },
    )


@login_required
def directory(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "core/directory.html",
        {"directory": selectors.directory_for(request.user)},  # type: ignore[arg-type]
    )


# ------------------------------------------------------------- signing in


class SignInView(auth_views.LoginView):
    form_class = SignInForm
    redirect_authenticated_user = True


class ResetPasswordView(auth_views.PasswordResetView):
    form_class = ResetPasswordForm
    subject_template_name = "registration/password_reset_subject.txt"
    email_template_name = "registration/password_reset_email.txt"

    def form_valid(self, form: Any) -> HttpResponse:
        # Links in emails use ESCALATE_BASE_URL, never the Host header of the request.
        self.extra_email_context = {"base_url": settings.BASE_URL}
        return super().form_valid(form)


class ChooseNewPasswordView(auth_views.PasswordResetConfirmView):
    form_class = ChooseNewPasswordForm


class ChangePasswordView(auth_views.PasswordChangeView):
    form_class = ChangePasswordForm


# ------------------------------------------------------------- errors


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "400.html", status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors: whatever went wrong may break them too.
    template = loader.get_template("500.html")
    return HttpResponse(
        template.render({"govuk_frontend": settings.GOVUK_FRONTEND_BUILT}), status=500
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "403_csrf.html", status=403)
