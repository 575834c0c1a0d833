"""The escalation register's page and downloads: thin. Parse the filters, call the
selectors, render (the table drawn, escaped, by
:func:`escalate.reports.register_table.table_html`)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from escalate import clock
from escalate.accounts.signed_in import AuthenticatedHttpRequest
from escalate.errors import CaseError
from escalate.govuk.pagination import pagination
from escalate.partnerships.models import Partnership
from escalate.reports import exports, forms, register_table, selectors
from escalate.reports.procedure_versions import PartnershipVersions
from escalate.reports.view_helpers import log_export, partnership_or_404, period_of, refused

#: The table's caption, for screen readers.
TABLE_CAPTION = "Escalation register. Select a column heading to sort by it."


@require_safe
@login_required
def register(request: AuthenticatedHttpRequest, slug: str) -> HttpResponseBase:
    partnership = partnership_or_404(slug)
    try:
        selectors.require_statistics(request.user, partnership)
    except CaseError as error:
        return refused(request, error)
    known = PartnershipVersions(partnership)
    choices = selectors.filter_choices(partnership, known)
    form = forms.RegisterFilterForm(request.GET, choices=choices)
    errors = form.problems()
    reached = form.value("reached", "final")
    status = form.value("status")
    category = form.value("category")
    sort = form.value("sort", "-raised")
    period, period_errors = period_of(form, default_all=True)
    errors.update(period_errors)
    filters = selectors.RegisterFilters(
        period=period,
        reached=reached,
        agency=form.agency(),
        category=category,
        status=status,
        sort=sort,
    )
    fmt = form.value("format")
    # A download holds every page: a wrong page number does not stop it.
    if fmt in ("csv", "xlsx") and not (errors.keys() - {"page"}):
        return _register_download(request, partnership, filters, fmt, known)
    page = selectors.register_page(
        request.user, partnership, filters, form.value("page", 1), procedure_versions=known
    )
    kept = {
        "period": form.typed("period"),
        "from": form.typed("from"),
        "to": form.typed("to"),
        "reached": reached,
        "agency": str(form.agency() or ""),
        "category": category,
        "status": status,
    }
    base = urlencode({k: v for k, v in kept.items() if v})
    # The filters and the sort: what the download links and the other pages keep.
    export_query = urlencode(
        {k: v for k, v in {**kept, "sort": "" if sort == "-raised" else sort}.items() if v}
    )
    return render(
        request,
        "reports/register.html",
        {
            "partnership": partnership,
            "page": page,
            "pages": _page_links(page, export_query),
            "choices": choices,
            "values": kept,
            "errors": errors,
            "unboxed": form.unboxed,
            "table": register_table.table_html(
                register_table.head(sort, base),
                register_table.rows(page.rows),
                caption=TABLE_CAPTION,
                captionClasses="govuk-visually-hidden",
                classes="app-register govuk-!-font-size-16",
            ),
            "sort": sort,
            "export_query": export_query,
        },
        status=400 if errors else 200,
    )


def _page_links(page: selectors.RegisterPage, query: str) -> dict[str, Any] | None:
    """GOV.UK pagination's links for ``page`` (:func:`escalate.govuk.pagination.pagination`),
    each keeping the filters and sort; None for a single page."""

    def href(number: int) -> str:
        return f"?{query + '&' if query else ''}page={number}"

    return pagination(page.number, page.num_pages, href)


def _register_download(
    request: AuthenticatedHttpRequest,
    partnership: Partnership,
    filters: selectors.RegisterFilters,
    fmt: str,
    known: PartnershipVersions,
) -> HttpResponseBase:
    """The register as CSV or Excel, streamed: the rows are read from the database in
    chunks as they are written, never all held at once."""
    rows = exports.register_lines(
        selectors.iter_register(request.user, partnership, filters, procedure_versions=known)
    )
    filename = f"{partnership.slug}-register-{clock.today().isoformat()}.{fmt}"
    response: HttpResponseBase
    if fmt == "csv":
        response = StreamingHttpResponse(
            exports.csv_stream(exports.REGISTER_HEADINGS, rows),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    else:
        response = FileResponse(
            exports.xlsx_file("Escalation register", exports.REGISTER_HEADINGS, rows),
            as_attachment=True,
            filename=filename,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Cache-Control"] = "no-store"
    log_export(request, "register", fmt, partnership=partnership.slug)
    return response
