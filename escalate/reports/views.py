"""Board pages: thin. Parse the request, call a selector or service, render.

Every page goes through :mod:`escalate.cases.permissions` (via the selectors and
:mod:`escalate.reports.referral`); refusals get a friendly page, bad input a clear
message with what was typed kept. A case's forms have their pages in
:mod:`escalate.reports.form_views`.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from escalate.accounts.signed_in import AuthenticatedHttpRequest
from escalate.cases import services as case_services
from escalate.cases import told
from escalate.cases.models import PolicyIssue
from escalate.errors import CaseError, Invalid
from escalate.govuk.pagination import page_links
from escalate.govuk.text import page_number
from escalate.reports import exports, forms, presenting, selectors
from escalate.reports.form_views import (
    case_form,
    case_form_docx,
    case_form_pdf,
    case_form_print,
    referral_docx,
    referral_form,
    referral_pdf,
    referral_print,
)
from escalate.reports.register_views import register
from escalate.reports.view_helpers import (
    download,
    log_export,
    partnership_or_404,
    period_of,
    refused,
)

__all__ = [
    "case_form",
    "case_form_docx",
    "case_form_pdf",
    "case_form_print",
    "policy_issues",
    "referral_docx",
    "referral_form",
    "referral_pdf",
    "referral_print",
    "register",
    "report",
]


# ---------------------------------------------------------------- report


@require_safe
@login_required
def report(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    partnership = partnership_or_404(slug)
    try:
        selectors.require_statistics(request.user, partnership)
    except CaseError as error:
        return refused(request, error)
    form = forms.ReportFilterForm(request.GET)
    errors = form.problems()
    period, period_errors = period_of(form, default_all=False)
    errors.update(period_errors)
    if period is None:
        period = selectors.parse_period()
    data = selectors.board_report(request.user, partnership, period)
    fmt = form.value("format")
    if fmt == "csv" and not errors:
        body = exports.csv_bytes(exports.REPORT_HEADINGS, exports.report_table(data))
        log_export(request, "report", "csv", partnership=partnership.slug)
        return download(
            body, "text/csv; charset=utf-8", f"{partnership.slug}-report-{period.key}.csv"
        )
    if fmt == "pdf" and not errors:
        body = exports.pdf_from_template(
            "reports/report_document.html",
            {**presenting.report_context(data, True), "partnership": partnership},
        )
        log_export(request, "report", "pdf", partnership=partnership.slug)
        return download(body, "application/pdf", f"{partnership.slug}-report-{period.key}.pdf")
    suppress = bool(form.value("suppress", False))
    values = {k: form.typed(k) for k in ("period", "from", "to")}
    return render(
        request,
        "reports/report.html",
        {
            **presenting.report_context(data, suppress),
            "partnership": partnership,
            "values": values,
            "errors": errors,
            "unboxed": form.unboxed,
            "export_query": urlencode({k: v for k, v in values.items() if v}),
        },
        status=400 if errors else 200,
    )


# ---------------------------------------------------------------- policy issues


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def policy_issues(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    partnership = partnership_or_404(slug)
    try:
        selectors.require_statistics(request.user, partnership)
    except CaseError as error:
        return refused(request, error)
    asked = request.GET.get("page")
    errors: dict[int, list[str]] = {}
    typed: dict[int, str] = {}
    issue: PolicyIssue | None = None
    if request.method == "POST":
        form = forms.PolicyResponseForm(request.POST)
        form.is_valid()
        issue = get_object_or_404(
            PolicyIssue.objects.select_related("case"),
            pk=form.cleaned_data.get("issue") or 0,
            case__partnership=partnership,
        )
        typed[issue.pk] = form.typed_response()
        if "response" in form.errors:
            errors[issue.pk] = [str(m) for m in form.errors["response"]]
        else:
            version = form.cleaned_data.get("version") or issue.case.version
            since = told.last_event_id(issue.case)
            try:
                case_services.respond_to_policy_issue(
                    request.user,
                    issue,
                    response=form.cleaned_data["response"],
                    expected_version=version,
                )
            except Invalid as invalid:
                errors[issue.pk] = [m for ms in invalid.errors.values() for m in ms]
            except CaseError as error:
                errors[issue.pk] = [error.message]
            else:
                who = told.were_told(issue.case, request.user, since)
                messages.success(request, f"Your response is recorded. {told.in_words(who)}")
                # Back to the page it was sent from: the rest still waiting are there.
                number = page_number(asked) or 1
                again = f"?{urlencode({'page': number})}" if number > 1 else ""
                return redirect(reverse("reports:policy_issues", args=[slug]) + again)
    # A response refused is shown on the page its issue is on now, whichever was asked.
    shown = selectors.policy_issues_page(
        request.user, partnership, asked, holding=issue if errors else None
    )
    entries = [
        {
            "issue": i,
            "may_respond": i.pk in shown.may_respond,
            "errors": errors.get(i.pk, []),
            "typed": typed.get(i.pk, "") if i.pk in errors else "",
        }
        for i in shown.page
    ]
    return render(
        request,
        "reports/policy_issues.html",
        {
            "partnership": partnership,
            "entries": entries,
            "has_errors": bool(errors),
            "page": shown.page,
            "pages": page_links(shown.page.number, shown.page.paginator.num_pages, "Policy issues"),
        },
        status=400 if errors else 200,
    )
