"""The escalation register's table: its column headings (each a link that sorts by
it), a page's rows, and the table drawn from them (:func:`table_html`) as the GOV.UK
table component draws it, the rows in one pass rather than by the component's
template for every cell.

Every heading and cell is a :func:`escalate.reports.tables.item` (each option the
component reads, and each heading's plain words), and the status tags are drawn once
per status, not once per row. Every value is escaped: text cells and attributes by
:func:`table_html`, HTML cells made here by ``format_html`` (and any other HTML a cell
is given that is not marked safe is escaped too), the sort links' addresses (the
filters, URL-encoded) by ``format_html``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.html import conditional_escape, escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from escalate.cases.models import CaseStatus
from escalate.govuk.templatetags.govuk import govuk_column_label, render_component
from escalate.reports.register_rows import RegisterRow
from escalate.reports.tables import item

#: The headings, in order: key (the sort it links to; "" for none) and words.
COLUMNS = (
    ("reference", "Reference"),
    ("raised", "Raised"),
    ("stage", "Stage reached"),
    ("", "Procedure version"),
    ("raising", "Raising agency"),
    ("other", "Other agency"),
    ("", "Categories"),
    ("", "Concern arose"),
    ("", "Stage dates"),
    ("status", "Status"),
    ("timeliness", "Timeliness"),
    ("", "Outcome and recommendation"),
)

#: Each status's tag colour.
TAG_CLASSES = {
    CaseStatus.OPEN.value: "govuk-tag--blue",
    CaseStatus.RESOLVED.value: "govuk-tag--green",
}

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _short_date(day: dt.date) -> str:
    """As Django's ``date:"j M Y"``: 23 Dec 2026."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def head(sort: str, query: str) -> list[dict[str, Any]]:
    """The headings: a sortable one links to the register sorted by it (ascending;
    again, descending), keeping the filters in ``query``, and says how it is sorted."""
    out = []
    descending = sort.startswith("-")
    for key, label in COLUMNS:
        if not key:
            out.append(item(text=label))
            continue
        current = sort.lstrip("-") == key
        next_sort = ("" if descending else "-") + key if current else key
        href = f"?{query + '&' if query else ''}sort={next_sort}"
        aria_sort = ("descending" if descending else "ascending") if current else "none"
        out.append(
            item(
                html=format_html('<a class="govuk-link" href="{}">{}</a>', href, label),
                text=label,
                attributes={"aria-sort": aria_sort},
            )
        )
    return out


def _status_tags() -> dict[str, SafeString]:
    return {
        value: render_component(
            "tag", {"text": label, "classes": TAG_CLASSES.get(value, "govuk-tag--grey")}
        )
        for value, label in CaseStatus.choices
    }


def _with_hint(text: str, hint: str) -> SafeString:
    return format_html('{}<br><span class="govuk-hint govuk-!-font-size-16">{}</span>', text, hint)


def _stage_dates(row: RegisterRow) -> SafeString:
    parts = (
        (
            s.number,
            _short_date(s.started_on),
            _short_date(s.concluded_on) if s.concluded_on else "now",
        )
        for s in row.stages
    )
    return mark_safe(  # noqa: S308 - each part escaped by format_html_join
        format_html_join(mark_safe("<br>"), "Stage {}: {} to {}", parts)
    )


def rows(page_rows: Iterable[RegisterRow]) -> list[list[dict[str, Any]]]:
    """Each register row as the table's cells, in :data:`COLUMNS` order; a single
    cell saying so when there are none."""
    tags: Mapping[str, SafeString] = _status_tags()
    out = []
    for r in page_rows:
        tag = tags.get(r.status) or render_component(
            "tag", {"text": r.status_label, "classes": "govuk-tag--grey"}
        )
        out.append(
            [
                item(text=r.reference),
                item(text=_short_date(r.raised_on)),
                item(text=str(r.stage_reached)),
                item(html=_with_hint(r.version_label, r.version_in_force_from)),
                item(html=_with_hint(r.raising_agency, r.raising_sector)),
                item(html=_with_hint(r.other_agency, r.other_sector)),
                item(text=", ".join(r.categories)),
                item(text=_short_date(r.concern_arose_on)),
                item(html=_stage_dates(r)),
                item(html=tag),
                item(text=r.timeliness),
                item(html=format_html("{}<br>{}", r.outcome, r.recommendation))
                if r.recommendation
                else item(text=r.outcome),
            ]
        )
    if not out:
        out.append([item(text="No cases match these filters.", colspan=len(COLUMNS))])
    return out


#: Where the GOV.UK table component's body begins and ends.
BODY_START = '<tbody class="govuk-table__body">'
BODY_END = "</tbody>"


def table_html(
    head: list[dict[str, Any]], cells: list[list[dict[str, Any]]], **options: Any
) -> SafeString:
    """The register's table (``head`` and ``cells`` as :func:`head` and :func:`rows`
    make them) as the GOV.UK table component draws it, responsive, with the component's
    other ``options`` (caption, classes): the component draws the headings, and the
    rows are drawn here, each cell labelled with its column's heading, in one pass
    rather than through the component's template for every cell (which took half the
    register page's time)."""
    drawn = str(render_component("table", {**options, "responsive": True, "head": head}))
    before, found, after = drawn.partition(BODY_START + BODY_END)
    if not found:  # pragma: no cover - the component always draws a body
        raise ValueError("the table component drew no body")
    labels = [govuk_column_label(head, i) for i in range(len(head))]
    body = [BODY_START]
    for row in cells:
        if not row:
            continue
        body.append('<tr class="govuk-table__row">')
        for i, cell in enumerate(row):
            body.append(_cell(cell, "" if cell.get("colspan") or i >= len(labels) else labels[i]))
        body.append("</tr>")
    body.append(BODY_END)
    return mark_safe(before + "".join(body) + after)  # noqa: S308 - every part escaped


def _cell(cell: dict[str, Any], label: str) -> str:
    """One data cell as the table component draws it."""
    classes = "govuk-table__cell"
    if cell.get("format"):
        classes += f" govuk-table__cell--{escape(cell['format'])}"
    if cell.get("classes"):
        classes += f" {escape(cell['classes'])}"
    label = cell.get("label") or label
    parts = [f'<td class="{classes}"']
    if label:
        parts.append(f' data-label="{escape(label)}"')
    for name in ("colspan", "rowspan"):
        if cell.get(name):
            parts.append(f' {name}="{escape(cell[name])}"')
    for key, value in (cell.get("attributes") or {}).items():
        parts.append(f' {escape(key)}="{escape(value)}"')
    # (HTML not marked safe is escaped: only what this module made with format_html,
    # or the tag component drew, is drawn as HTML.)
    contents = (
        conditional_escape(cell["html"]) if cell.get("html") else escape(cell.get("text", ""))
    )
    parts.append(f">{contents}</td>")
    return "".join(parts)
