"""Board pages: thin. Parse the request, call a selector or service, render.

Every page goes through :mod:`escalate.cases.permissions` (via the selectors and
:mod:`escalate.reports.referral`); refusals get a friendly page, bad input a clear
message with what was typed kept.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from escalate import clock
from escalate.cases import selectors as case_selectors
from escalate.cases import services as case_services
from escalate.cases.errors import CaseError, Invalid, NotAllowed, NotFound
from escalate.cases.models import Case, CaseStatus, PolicyIssue
from escalate.cases.permissions import CaseAction, can
from escalate.partnerships.models import Partnership
from escalate.reports import exports, presenting, referral, selectors, services


def _refused(request: HttpRequest, error: CaseError) -> HttpResponse:
    status = error.status_code if isinstance(error, NotAllowed | NotFound) else 409
    return render(request, "reports/refused.html", {"message": error.message}, status=status)


def _partnership(slug: str) -> Partnership:
    return get_object_or_404(Partnership, slug=slug)


def _download(body: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


# ---------------------------------------------------------------- referral form


def _referral_case(request: HttpRequest, reference: str) -> tuple[Case, referral.FormAt]:
    case = case_selectors.get_case(request.user, reference=reference)
    return case, referral.require_form(case)


def _referral_rows(case: Case, found: referral.FormAt) -> tuple[list[tuple[str, str]], Any]:
    """Label and value of each field: as submitted, else as pre-filled (a draft)."""
    submission = selectors.latest_submission(case)
    if submission is not None:
        rows = [(f["label"], submission.values.get(f["key"], "")) for f in submission.fields]
        return rows, submission
    values = referral.prefill(case, found)
    return [(f.label, values.get(f.key, "")) for f in found.form.fields], None


@login_required
@require_http_methods(["GET", "POST"])
def referral_form(request: HttpRequest, reference: str) -> HttpResponse:
    try:
        case, found = _referral_case(request, reference)
        referral.check_may_complete(request.user, case)
    except CaseError as error:
        return _refused(request, error)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = {f.key: request.POST.get(f.key, "") for f in found.form.fields}
        try:
            version = int(request.POST.get("version", ""))
        except ValueError:
            version = case.version
        try:
            services.submit_referral(request.user, case, values=values, expected_version=version)
        except Invalid as invalid:
            errors = {k: list(v) for k, v in invalid.errors.items()}
        except CaseError as error:
            return _refused(request, error)
        else:
            return redirect(reverse("reports:referral_form", args=[case.reference]) + "?sent=1")
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
            "sent": request.GET.get("sent") == "1" and not errors,
        },
        status=400 if errors else 200,
    )


def _referral_document_context(request: HttpRequest, reference: str) -> dict[str, Any]:
    case, found = _referral_case(request, reference)
    rows, submission = _referral_rows(case, found)
    return {
        "case": case,
        "title": submission.title if submission else found.form.title,
        "submit_to": submission.submit_to if submission else found.form.submit_to,
        "rows": rows,
        "submission": submission,
    }


@login_required
def referral_print(request: HttpRequest, reference: str) -> HttpResponse:
    try:
        context = _referral_document_context(request, reference)
    except CaseError as error:
        return _refused(request, error)
    return render(request, "reports/referral_document.html", context)


@login_required
def referral_pdf(request: HttpRequest, reference: str) -> HttpResponse:
    try:
        context = _referral_document_context(request, reference)
    except CaseError as error:
        return _refused(request, error)
    body = exports.pdf_from_template("reports/referral_document.html", context)
    return _download(body, "application/pdf", f"{context['case'].reference}-referral.pdf")


@login_required
def referral_docx(request: HttpRequest, reference: str) -> HttpResponse:
    try:
        context = _referral_document_context(request, reference)
    except CaseError as error:
        return _refused(request, error)
    body = exports.referral_docx(context["title"], context["rows"], context["submit_to"])
    return _download(
        body,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        f"{context['case'].reference}-referral.docx",
    )


# ---------------------------------------------------------------- register


def _period_from(request: HttpRequest, *, default_all: bool) -> selectors.Period | None:
    text, since, until = (request.GET.get(k, "").strip() for k in ("period", "from", "to"))
    if default_all and not (text or since or until):
        return None
    return selectors.parse_period(text, since=since or None, until=until or None)


def _int(value: str) -> int | None:
    return int(value) if value.isdigit() else None


@login_required
def register(request: HttpRequest, slug: str) -> HttpResponse:
    partnership = _partnership(slug)
    try:
        selectors.require_statistics(request.user, partnership)
    except CaseError as error:
        return _refused(request, error)
    choices = selectors.filter_choices(partnership)
    g = request.GET
    reached = g.get("reached", "final")
    if reached not in {"final", "all"} and not (
        reached.isdigit() and 1 <= int(reached) <= choices["final_stage"]
    ):
        reached = "final"
    status = g.get("status", "")
    status = status if status in CaseStatus.values else ""
    category = g.get("category", "")
    category = category if category in {k for k, _ in choices["categories"]} else ""
    sort = g.get("sort", "-raised")
    sort = sort if sort.lstrip("-") in selectors.SORTS else "-raised"
    errors: dict[str, list[str]] = {}
    try:
        period = _period_from(request, default_all=True)
    except Invalid as invalid:
        errors, period = dict(invalid.errors), None
    filters = selectors.RegisterFilters(
        period=period,
        reached=reached,
        agency=_int(g.get("agency", "")),
        category=category,
        status=status,
        sort=sort,
    )
    rows = selectors.register(request.user, partnership, filters)
    fmt = g.get("format", "")
    if fmt in ("csv", "xlsx") and not errors:
        table = exports.register_table(rows)
        stamp = clock.today().isoformat()
        if fmt == "csv":
            return _download(
                exports.csv_bytes(exports.REGISTER_HEADINGS, table),
                "text/csv; charset=utf-8",
                f"{partnership.slug}-register-{stamp}.csv",
            )
        return _download(
            exports.xlsx_bytes("Escalation register", exports.REGISTER_HEADINGS, table),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            f"{partnership.slug}-register-{stamp}.xlsx",
        )
    query = g.copy()
    query.pop("format", None)
    query.pop("sort", None)
    base = query.urlencode()
    columns = []
    for key, label in (
        ("reference", "Reference"),
        ("raised", "Raised"),
        ("stage", "Stage reached"),
        ("raising", "Raising agency"),
        ("other", "Other agency"),
        ("status", "Status"),
        ("timeliness", "Timeliness"),
    ):
        current = sort.lstrip("-") == key
        descending = sort.startswith("-")
        next_sort = ("" if current and descending else "-") + key if current else key
        columns.append(
            {
                "key": key,
                "label": label,
                "href": f"?{base + '&' if base else ''}sort={next_sort}",
                "aria_sort": (("descending" if descending else "ascending") if current else "none"),
            }
        )
    export_query = g.copy()
    export_query.pop("format", None)
    return render(
        request,
        "reports/register.html",
        {
            "partnership": partnership,
            "rows": rows,
            "choices": choices,
            "values": {
                "period": g.get("period", ""),
                "from": g.get("from", ""),
                "to": g.get("to", ""),
                "reached": reached,
                "agency": g.get("agency", ""),
                "category": category,
                "status": status,
            },
            "errors": errors,
            "columns": columns,
            "sort": sort,
            "export_query": export_query.urlencode(),
        },
        status=400 if errors else 200,
    )


# ---------------------------------------------------------------- report


@login_required
def report(request: HttpRequest, slug: str) -> HttpResponse:
    partnership = _partnership(slug)
    try:
        selectors.require_statistics(request.user, partnership)
    except CaseError as error:
        return _refused(request, error)
    g = request.GET
    errors: dict[str, list[str]] = {}
    try:
        period = _period_from(request, default_all=False)
    except Invalid as invalid:
        errors = dict(invalid.errors)
        period = selectors.parse_period()
    assert period is not None
    data = selectors.board_report(request.user, partnership, period)
    fmt = g.get("format", "")
    if fmt == "csv" and not errors:
        return _download(
            exports.csv_bytes(exports.REPORT_HEADINGS, exports.report_table(data)),
            "text/csv; charset=utf-8",
            f"{partnership.slug}-report-{period.key}.csv",
        )
    if fmt == "pdf" and not errors:
        body = exports.pdf_from_template(
            "reports/report_document.html",
            {**presenting.report_context(data, True), "partnership": partnership},
        )
        return _download(body, "application/pdf", f"{partnership.slug}-report-{period.key}.pdf")
    suppress = g.get("suppress") == "1"
    export_query = g.copy()
    export_query.pop("format", None)
    export_query.pop("suppress", None)
    return render(
        request,
        "reports/report.html",
        {
            **presenting.report_context(data, suppress),
            "partnership": partnership,
            "values": {k: g.get(k, "") for k in ("period", "from", "to")},
            "errors": errors,
            "export_query": export_query.urlencode(),
        },
        status=400 if errors else 200,
    )


# ---------------------------------------------------------------- policy issues


@login_required
@require_http_methods(["GET", "POST"])
def policy_issues(request: HttpRequest, slug: str) -> HttpResponse:
    partnership = _partnership(slug)
    try:
        issues = list(selectors.policy_issues(request.user, partnership))
    except CaseError as error:
        return _refused(request, error)
    errors: dict[int, list[str]] = {}
    typed: dict[int, str] = {}
    if request.method == "POST":
        issue = get_object_or_404(
            PolicyIssue.objects.select_related("case"),
            pk=_int(request.POST.get("issue", "")) or 0,
            case__partnership=partnership,
        )
        text = request.POST.get("response", "")
        try:
            version = int(request.POST.get("version", ""))
        except ValueError:
            version = issue.case.version
        try:
            case_services.respond_to_policy_issue(
                request.user, issue, response=text, expected_version=version
            )
        except Invalid as invalid:
            errors[issue.pk] = [m for ms in invalid.errors.values() for m in ms]
            typed[issue.pk] = text
        except CaseError as error:
            errors[issue.pk] = [error.message]
            typed[issue.pk] = text
        else:
            return redirect(reverse("reports:policy_issues", args=[slug]) + f"#issue-{issue.pk}")
        issues = list(selectors.policy_issues(request.user, partnership))
    entries = [
        {
            "issue": i,
            "may_respond": i.status == "open"
            and can(request.user, CaseAction.RESPOND_TO_POLICY_ISSUE, i.case),
            "errors": errors.get(i.pk, []),
            "typed": typed.get(i.pk, ""),
        }
        for i in issues
    ]
    return render(
        request,
        "reports/policy_issues.html",
        {"partnership": partnership, "entries": entries, "has_errors": bool(errors)},
        status=400 if errors else 200,
    )
