"""The pages around the case work: home, directory, signing in and friendly errors."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.views.decorators.http import require_http_methods, require_safe

from escalate import clock
from escalate.accounts import sessions
from escalate.accounts.forms import (
    ChangePasswordForm,
    ChooseNewPasswordForm,
    ResetPasswordForm,
    SignInForm,
)
from escalate.cases import dashboard, owned
from escalate.cases.models.deadlines import DeadlineStatus
from escalate.cases.views import dashboard_rows
from escalate.cases.views.presenters import DEADLINE_TAGS
from escalate.govuk import pagination as govuk_pagination
from escalate.govuk.text import page_number
from escalate.partnerships import permissions as partnership_permissions
from escalate.partnerships import selectors
from escalate.throttling import limits

#: Rows a page of "Your deadlines" shows.
DEADLINES_PER_PAGE = dashboard.DEADLINES_PER_PAGE


#: How each urgency (decided by the cases selectors) is shown.
URGENCY_TAGS: dict[str, dict[str, str]] = {
    "none": {"text": "No fixed timescale", "classes": "govuk-tag--grey"},
    "overdue": {"text": "Overdue", "classes": "govuk-tag--red"},
    # (The stored deadlines' own tag: the same words on the case page.)
    "target_passed": DEADLINE_TAGS[DeadlineStatus.TARGET_PASSED],
    "due_soon": {"text": "Due soon", "classes": "govuk-tag--yellow"},
    "on_time": {"text": "On time", "classes": "govuk-tag--blue"},
}


def pagination(
    request: HttpRequest, page: Page[Any], param: str, anchor: str, landmark: str
) -> dict[str, Any] | None:
    """The GOV.UK pagination component's options for ``page`` of a list whose page
    number is the query parameter ``param`` (the other lists' pages kept in the links,
    each going to ``anchor``): :func:`escalate.govuk.pagination.pagination`. None: one
    page."""

    def href(number: int) -> str:
        query = request.GET.copy()
        query[param] = str(number)
        return f"?{query.urlencode()}#{anchor}"

    return govuk_pagination.pagination(page.number, page.paginator.num_pages, href, landmark)


@require_safe
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The dashboard: what needs the person's action, their own deadlines, the cases
    they can see (each list a page at a time), raising, their partnerships' procedures.
    The same queries however many cases there are, and however many partnerships."""
    person = request.user
    today = clock.today()
    pages = {name: page_number(request.GET.get(name)) for name in ("actions", "deadlines", "cases")}
    actions_page, actions = dashboard.needs_action_page(person, pages["actions"])
    memberships = list(selectors.memberships_of(person))  # type: ignore[arg-type]
    partnership_roles = list(selectors.partnership_roles_of(person))  # type: ignore[arg-type]
    roles = [m.role for m in memberships] + [r.role for r in partnership_roles]
    deadlines_page, found = dashboard.deadlines_page(person, pages["deadlines"], roles=roles)
    mine = owned.owned_rows(person, found, today)
    cases_page, cases = dashboard.cases_page(person, pages["cases"])
    partnerships = list(selectors.partnerships_of(person))  # type: ignore[arg-type]
    statistics = set(
        partnership_permissions.statistics_partnerships(person).values_list("pk", flat=True)
    )
    return render(
        request,
        "core/home.html",
        {
            "actions_table": dashboard_rows.actions_table(
                (item, URGENCY_TAGS[item.urgency(today)]) for item in actions
            ),
            "actions_page": actions_page,
            "actions_pages": pagination(
                request, actions_page, "actions", "needs-action-heading", "Needs your action"
            ),
            "deadlines_table": dashboard_rows.deadlines_table(
                (row, DEADLINE_TAGS[row.status]) for row in mine
            ),
            "deadlines_page": deadlines_page,
            "deadlines_pages": pagination(
                request, deadlines_page, "deadlines", "my-deadlines-heading", "Your deadlines"
            ),
            "cases_table": dashboard_rows.cases_table(cases),
            "cases_page": cases_page,
            "cases_pages": pagination(
                request, cases_page, "cases", "cases-heading", "Cases you can see"
            ),
            "can_raise": partnership_permissions.may_raise(person),
            "memberships": memberships,
            "partnership_roles": partnership_roles,
            "board_partnerships": [p for p in partnerships if p.pk in statistics],
            "procedures": selectors.procedure_rows(person, partnerships, today),  # type: ignore[arg-type]
        },
    )


@require_safe
@login_required
def directory(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "core/directory.html",
        {"directory": selectors.directory_for(request.user)},  # type: ignore[arg-type]
    )


# ------------------------------------------------------------- signing in


#: The methods a form page handles (Django's form views also take PUT as POST).
FORM_METHODS = ["get", "head", "post"]


class FormMethodsOnly:
    """GET, HEAD and POST only, refused before anything else the view does first (the
    sign-in page's redirect, the reset link's check)."""

    http_method_names = FORM_METHODS

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method is None or request.method.lower() not in FORM_METHODS:
            return HttpResponseNotAllowed([m.upper() for m in FORM_METHODS])
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc,no-any-return]


#: Sign-in attempts allowed from one network address (a whole trust may share one; the
#: per-account lockout is django-axes').
SIGN_IN_RATE_PER_ADDRESS = "100/h"

#: Why a person was signed out, shown on the sign-in page.
SIGNED_OUT_REASONS = {
    "idle": "You were signed out because you had not done anything for {minutes} minutes. "
    "Sign in again to carry on.",
    "limit": "You were signed out because you had been signed in for {hours} hours. "
    "Sign in again to carry on.",
}


class SignInView(FormMethodsOnly, auth_views.LoginView):
    form_class = SignInForm
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if limits.exceeded(
            "sign-in", limits.address_key(request), SIGN_IN_RATE_PER_ADDRESS, request=request
        ):
            return rate_limited(request)
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        reason = SIGNED_OUT_REASONS.get(self.request.GET.get("signed_out", ""))
        if reason:
            context["signed_out_message"] = reason.format(
                minutes=sessions.idle_timeout() // 60, hours=sessions.max_age() // 3600
            )
        return context


#: What the browser is told to forget at sign-out: pages and stored data. Not cookies:
#: that would also end other services' sessions on the same domain.
CLEAR_SITE_DATA = '"cache", "storage"'


class SignOutView(auth_views.LogoutView):
    """Signing out also tells the browser to forget what it kept of Escalate's pages, so
    Back cannot show a case again."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = CLEAR_SITE_DATA
        return response


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def your_sessions(request: HttpRequest) -> HttpResponse:
    """Where the person is signed in, with "sign out of the others" and "everywhere"."""
    person = request.user
    if request.method == "POST":
        which = request.POST.get("end", "")
        if which == "others":
            count = sessions.end_all_sessions(
                person,  # type: ignore[arg-type]
                person,  # type: ignore[arg-type]
                keep=request.session.session_key,
            )
            messages.success(
                request,
                f"You have been signed out of {count} other session{'s' if count != 1 else ''}.",
            )
            return redirect("your_sessions")
        if which == "all":
            # Signed out here first, so that ending every session does not pull this
            # request's own session out from under it.
            logout(request)
            sessions.end_all_sessions(person, person)  # type: ignore[arg-type]
            response = redirect("login")
            response["Clear-Site-Data"] = CLEAR_SITE_DATA
            return response
        messages.error(request, "Choose which sessions to sign out of.")
        return redirect("your_sessions")
    current = request.session.session_key
    rows = [
        {"record": record, "current": record.session_key == current}
        for record in sessions.sessions_of(person)  # type: ignore[arg-type]
    ]
    return render(
        request,
        "core/sessions.html",
        {
            "rows": rows,
            "idle_minutes": sessions.idle_timeout() // 60,
            "max_hours": sessions.max_age() // 3600,
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
def session_status(request: HttpRequest) -> HttpResponse:
    """For the timeout warning: GET says how long is left without counting as activity;
    POST ("Stay signed in") starts the idle time again."""
    if not request.user.is_authenticated:
        return JsonResponse({"seconds_left": 0}, status=401)
    if request.method == "POST":
        sessions.note_activity(request)
    return JsonResponse({"seconds_left": sessions.seconds_left(request)})


def admin_sign_in(request: HttpRequest) -> HttpResponse:
    """The administration site's sign-in, with the same limit per address as ours."""
    from django.contrib import admin

    if request.method == "POST" and limits.exceeded(
        "sign-in", limits.address_key(request), SIGN_IN_RATE_PER_ADDRESS, request=request
    ):
        return rate_limited(request)
    return admin.site.login(request)


def rate_limited(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Too many tries of something in a short time: say so plainly (429)."""
    return render(request, "core/rate_limited.html", status=429)


class ResetPasswordView(FormMethodsOnly, auth_views.PasswordResetView):
    form_class = ResetPasswordForm
    subject_template_name = "registration/password_reset_subject.txt"
    email_template_name = "registration/password_reset_email.txt"

    def form_valid(self, form: Any) -> HttpResponse:
        # Links in emails use ESCALATE_BASE_URL, never the Host header of the request.
        self.extra_email_context = {"base_url": settings.BASE_URL}
        return super().form_valid(form)


class ChooseNewPasswordView(FormMethodsOnly, auth_views.PasswordResetConfirmView):
    form_class = ChooseNewPasswordForm


class ChangePasswordView(FormMethodsOnly, auth_views.PasswordChangeView):
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
