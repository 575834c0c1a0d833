"""The pages of a case's forms (any stage's form, such as the final stage's referral to
the board, and the outcome form): each at its own address, ``cases/<ref>/forms/<key>/``,
with a print view, a PDF and a Word file. Thin: the form, when it is ready and who may
complete it are :mod:`escalate.reports.referral`'s; submitting is
:func:`escalate.reports.services.submit_form`'s.

The older addresses (``cases/<ref>/referral/`` and its files, from when a case had one
form) still work for bookmarks: they send people to the case's first stage form.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from escalate.accounts.signed_in import AuthenticatedHttpRequest
from escalate.cases import selectors as case_selectors
from escalate.cases import services as case_services
from escalate.cases import told
from escalate.cases.models import Case
from escalate.errors import CaseError, Conflict, Invalid, NotAllowed, NotFound
from escalate.reports import exports, forms, referral, services
from escalate.reports.models import ReferralSubmission
from escalate.reports.view_helpers import download, log_export, refused


def _record_read(request: AuthenticatedHttpRequest, case: Case, what: str) -> None:
    """A form shows the person's name, date of birth and address: each page or file of
    it ("form", "print", "pdf", "docx") is in the case's read log, as the case page is,
    saying which (by the names the read log has known them by since a case had one form:
    "referral.pdf")."""
    case_services.record_case_viewed(request.user, case, what=f"referral.{what}")


def _case(request: HttpRequest, reference: str) -> Case:
    """A case this person may not see is "not found", exactly like one that does not
    exist, so nobody can count another board's cases."""
    try:
        return case_selectors.get_case(request.user, reference=reference)
    except NotAllowed:
        raise NotFound("There is no such case.") from None


def _case_form(request: HttpRequest, reference: str, key: str) -> tuple[Case, referral.FormAt]:
    case = _case(request, reference)
    return case, referral.require_form(case, key)


def _field_rows(
    case: Case, found: referral.FormAt, submission: ReferralSubmission | None
) -> list[tuple[str, str]]:
    """Label and value of each field: as submitted, else as pre-filled (a draft)."""
    if submission is not None:
        return [(f["label"], submission.values.get(f["key"], "")) for f in submission.fields]
    values = referral.prefill(case, found)
    return [(f.label, values.get(f.key, "")) for f in found.form.fields]


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def case_form(request: AuthenticatedHttpRequest, reference: str, form_key: str) -> HttpResponse:
    try:
        case, found = _case_form(request, reference, form_key)
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
            since = told.last_event_id(case)
            try:
                services.submit_form(
                    request.user, case, found.key, values=values, expected_version=version
                )
            except Invalid as invalid:
                errors = {k: list(v) for k, v in invalid.errors.items()}
            except CaseError as error:
                return refused(request, error)
            else:
                who = told.in_words(told.were_told(case, request.user, since))
                messages.success(request, f"{found.title} submitted. {who}")
                url = reverse("reports:case_form", args=[case.reference, found.key])
                return redirect(url + "?sent=1")
        else:
            # The service's own checks for the other answers, so every problem shows at once.
            checked = referral.field_errors(found, form.typed())
            errors.update({k: v for k, v in checked.items() if k not in errors})
        values = form.typed()
    submission = referral.latest_submission(case, found.key)
    if request.method != "POST":
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
    _record_read(request, case, "form")
    return render(
        request,
        "reports/referral_form.html",
        {
            "case": case,
            "found": found,
            "form_def": found.form,
            "stage": found.stage,
            "fields": fields,
            "has_errors": bool(errors),
            "submission": submission,
            "sent": sent,
        },
        status=400 if errors else 200,
    )


def _document_context(
    request: AuthenticatedHttpRequest, reference: str, form_key: str, what: str
) -> dict[str, Any]:
    case, found = _case_form(request, reference, form_key)
    submission = referral.latest_submission(case, found.key)
    rows = _field_rows(case, found, submission)
    _record_read(request, case, what)
    return {
        "case": case,
        "found": found,
        "title": submission.title if submission else found.title,
        "submit_to": submission.submit_to if submission else (found.form.submit_to or ""),
        "rows": rows,
        "submission": submission,
    }


@require_safe
@login_required
def case_form_print(
    request: AuthenticatedHttpRequest, reference: str, form_key: str
) -> HttpResponse:
    try:
        context = _document_context(request, reference, form_key, "print")
    except CaseError as error:
        return refused(request, error)
    return render(request, "reports/referral_document.html", context)


@require_safe
@login_required
def case_form_pdf(request: AuthenticatedHttpRequest, reference: str, form_key: str) -> HttpResponse:
    try:
        context = _document_context(request, reference, form_key, "pdf")
    except CaseError as error:
        return refused(request, error)
    body = exports.pdf_from_template("reports/referral_document.html", context)
    case, key = context["case"], context["found"].key
    log_export(
        request, "form", "pdf", case=case.reference, form=key, partnership=case.partnership.slug
    )
    return download(body, "application/pdf", f"{case.reference}-{key}.pdf")


@require_safe
@login_required
def case_form_docx(
    request: AuthenticatedHttpRequest, reference: str, form_key: str
) -> HttpResponse:
    try:
        context = _document_context(request, reference, form_key, "docx")
    except CaseError as error:
        return refused(request, error)
    body = exports.form_docx(context["title"], context["rows"], context["submit_to"])
    case, key = context["case"], context["found"].key
    log_export(
        request, "form", "docx", case=case.reference, form=key, partnership=case.partnership.slug
    )
    return download(
        body,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        f"{case.reference}-{key}.docx",
    )


# ---------------------------------------------------------------- the older addresses


def _to_first_form(request: HttpRequest, reference: str, name: str) -> HttpResponse:
    """The case's first stage form at its own address (a case nobody may see, or one
    without a form, says so as the form's pages do)."""
    try:
        case = _case(request, reference)
        found = referral.form_of(case)
        if found is None:
            raise Conflict(referral.NO_STAGE_FORM, reason="no_form")
    except CaseError as error:
        return refused(request, error)
    return redirect(reverse(f"reports:{name}", args=[case.reference, found.key]))


@require_http_methods(["GET", "HEAD"])
@login_required
def referral_form(request: HttpRequest, reference: str) -> HttpResponse:
    return _to_first_form(request, reference, "case_form")


@require_safe
@login_required
def referral_print(request: HttpRequest, reference: str) -> HttpResponse:
    return _to_first_form(request, reference, "case_form_print")


@require_safe
@login_required
def referral_pdf(request: HttpRequest, reference: str) -> HttpResponse:
    return _to_first_form(request, reference, "case_form_pdf")


@require_safe
@login_required
def referral_docx(request: HttpRequest, reference: str) -> HttpResponse:
    return _to_first_form(request, reference, "case_form_docx")
