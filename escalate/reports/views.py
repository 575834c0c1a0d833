"""Board pages: thin. Parse the request, call a selector or service, render.

Every page goes through :mod:`escalate.cases.permissions` (via the selectors and
:mod:`escalate.reports.referral`); refusals get a friendly page, bad input a clear
message with what was typed kept.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from escalate.accounts.signed_in import AuthenticatedHttpRequest
from escalate.cases import selectors as case_selectors
from escalate.cases import services as case_services
from escalate.cases import told
from escalate.cases.models import Case, PolicyIssue
from escalate.cases.permissions import CaseAction, can
from escalate.errors import CaseError, Invalid, NotAllowed, NotFound
from escalate.reports import exports, forms, presenting, referral, selectors, services
from escalate.reports.register_views import register
from escalate.reports.view_helpers import (
    download,
    log_export,
    partnership_or_404,
    period_of,
    refused,
)

__all__ = [
    "policy_issues",
    "referral_docx",
    "referral_form",
    "referral_pdf",
    "referral_print",
    "register",
    "report",
]


def _record_read(request: AuthenticatedHttpRequest, case: Case, what: str) -> None:
    """The referral form shows the person's name, date of birth and address: each
    page or file of it is in the case's read log, as the case page is, saying which."""
    case_services.record_case_viewed(request.user, case, what=what)


# ---------------------------------------------------------------- referral form


def _referral_case(request: HttpRequest, reference: str) -> tuple[Case, referral.FormAt]:
    """The case and its referral form. A case this person may not see is "not found",
    exactly like one that does not exist, so nobody can count another board's cases."""
    try:
        case = case_selectors.get_case(request.user, reference=reference)
    except NotAllowed:
        raise NotFound("There is no such case.") from None
    return case, referral.require_form(case)


def _referral_rows(case: Case, found: referral.FormAt) -> tuple[list[tuple[str, str]], Any]:
    """Label and value of each field: as submitted, else as pre-filled (a draft)."""
    submission = selectors.latest_submission(case)
    if submission is not None:
        rows = [(f["label"], submission.values.get(f["key"], "")) for f in submission.fields]
        return rows, submission
    values = referral.prefill(case, found)
    return [(f.label, values.get(f.key, "")) for f in found.form.fields], None


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def referral_form(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    try:
        case, found = _referral_case(request, reference)
        referral.check_may_complete(request.user, case)
    except CaseError as error:
        return refused(request, error)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        form = forms.ReferralSubmitForm(request.POST, definition=found.form)
        form.is_valid()
        errors = {k: [str(m) for m in v] for k, v in form.errors.items() if k != "version"}
        if not errors:
            values = {key: form.cleaned_data.get(key) or "" for key in form.typed()}
            # A missing or tampered version: checked against the case as it is now.
            version = form.cleaned_data.get("version") or case.version
            try:
                services.submit_referral(
                    request.user, case, values=values, expected_version=version
                )
            except Invalid as invalid:
                errors = {k: list(v) for k, v in invalid.errors.items()}
            except CaseError as error:
                return refused(request, error)
            else:
                return redirect(reverse("reports:referral_form", args=[case.reference]) + "?sent=1")
        else:
            # The service's own checks for the other answers, so every problem shows at once.
            checked = referral.field_errors(found, form.typed())
            errors.update({k: v for k, v in checked.items() if k not in errors})
        values = form.typed()
    else:
        submission = selectors.latest_submission(case)
        values = dict(submission.values) if submission else referral.prefill(case, found)
    fields = [
        {
            "key": f.key,
            "id": f"field-{f.key}",
            "label": f.label,
            "kind": f.kind.value,
            "required": f.required,
            "value": values.get(f.key, ""),
            "errors": errors.get(f.key, []),
        }
        for f in found.form.fields
    ]
    shown = forms.ReferralPageForm(request.GET)
    sent = bool(shown.is_valid() and shown.cleaned_data["sent"]) and not errors
    _record_read(request, case, "referral.form")
    return render(
        request,
        "reports/referral_form.html",
        {
            "case": case,
            "form_def": found.form,
            "stage": found.stage,
            "fields": fields,
            "has_errors": bool(errors),
            "submission": selectors.latest_submission(case),
            "sent": sent,
        },
        status=400 if errors else 200,
    )


def _referral_document_context(
    request: AuthenticatedHttpRequest, reference: str, what: str
) -> dict[str, Any]:
    case, found = _referral_case(request, reference)
    rows, submission = _referral_rows(case, found)
    _record_read(request, case, what)
    return {
        "case": case,
        "title": submission.title if submission else found.form.title,
        "submit_to": submission.submit_to if submission else found.form.submit_to,
        "rows": rows,
        "submission": submission,
    }


@require_safe
@login_required
def referral_print(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    try:
        context = _referral_document_context(request, reference, "referral.print")
    except CaseError as error:
        return refused(request, error)
    return render(request, "reports/referral_document.html", context)


@require_safe
@login_required
def referral_pdf(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    try:
        context = _referral_document_context(request, reference, "referral.pdf")
    except CaseError as error:
        return refused(request, error)
    body = exports.pdf_from_template("reports/referral_document.html", context)
    case = context["case"]
    log_export(request, "referral", "pdf", case=case.reference, partnership=case.partnership.slug)
    return download(body, "application/pdf", f"{case.reference}-referral.pdf")


@require_safe
@login_required
def referral_docx(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    try:
        context = _referral_document_context(request, reference, "referral.docx")
    except CaseError as error:
        return refused(request, error)
    body = exports.referral_docx(context["title"], context["rows"], context["submit_to"])
    case = context["case"]
    log_export(request, "referral", "docx", case=case.reference, partnership=case.partnership.slug)
    return download(
        body,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        f"{case.reference}-referral.docx",
    )


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
        issues = list(selectors.policy_issues(request.user, partnership))
    except CaseError as error:
        return refused(request, error)
    errors: dict[int, list[str]] = {}
    typed: dict[int, str] = {}
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
                return redirect(
                    reverse("reports:policy_issues", args=[slug]) + f"#issue-{issue.pk}"
                )
        issues = list(selectors.policy_issues(request.user, partnership))
    entries = [
        {
            "issue": i,
            "may_respond": i.status == "open"
            and can(request.user, CaseAction.RESPOND_TO_POLICY_ISSUE, i.case),
            "errors": errors.get(i.pk, []),
            "typed": typed.get(i.pk, "") if i.pk in errors else "",
        }
        for i in issues
    ]
    return render(
        request,
        "reports/policy_issues.html",
        {"partnership": partnership, "entries": entries, "has_errors": bool(errors)},
        status=400 if errors else 200,
    )
