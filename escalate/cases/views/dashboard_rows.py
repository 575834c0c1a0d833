"""The dashboard's three tables (the home page, :func:`escalate.core.views.home`) as
plain data for ``core/_dashboard_table.html``: each row's cells, with their contents
made once here, escaped, and the column each belongs to.

A page of the dashboard shows up to ninety rows. Drawn through the GOV.UK table
component cell by cell, they took most of the page's time; here each cell's contents is
one escaped string, the tags and details inside them still the GOV.UK components' own
markup (each kind of tag drawn once), and the rows are put together with the table
component's markup (:attr:`Table.body`).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from django.urls import reverse
from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst

from escalate.cases.dashboard import ActionItem, CaseRow
from escalate.cases.deadlines import DeadlineRow
from escalate.cases.models import CaseStatus
from escalate.govuk.templatetags.govuk import render_component

#: A table cell: the plain text of its column's heading (the responsive table's
#: ``data-label``) and its contents.
Cell = tuple[str, SafeString]


@dataclass(frozen=True)
class Table:
    """One table's options for ``core/_dashboard_table.html`` (a GOV.UK table, first
    cell of each row its heading, responsive, with a visually hidden caption)."""

    id: str
    caption: str
    head: Sequence[str]
    rows: list[list[Cell]] = field(default_factory=list)

    @property
    def body(self) -> SafeString:
        """The rows' markup, as the GOV.UK table component draws them (its
        ``firstCellIsHeader`` and ``responsive`` options): in Python, since a template
        loop over every cell took longer than all the rest of the page."""
        html = []
        for cells in self.rows:
            html.append('<tr class="govuk-table__row">')
            for n, (label, contents) in enumerate(cells):
                if n == 0:
                    html.append(f'<th scope="row" class="govuk-table__header">{contents}</th>')
                else:
                    html.append(
                        f'<td class="govuk-table__cell" data-label="{escape(label)}">'
                        f"{contents}</td>"
                    )
            html.append("</tr>")
        return mark_safe("".join(html))  # noqa: S308 - every part escaped above


def _day(day: dt.date) -> str:
    """'24 Dec 2026' (as ``{{ day|date:"j M Y" }}`` writes it)."""
    return f"{day.day} {day:%b %Y}"


@functools.lru_cache(maxsize=64)
def tag(text: str, classes: str) -> SafeString:
    """The GOV.UK tag component's markup (the same for every row with that tag)."""
    return render_component("tag", {"text": text, "classes": classes})


def _cells(head: Sequence[str], contents: Iterable[Any]) -> list[Cell]:
    """Each cell's contents escaped (what is already HTML kept as it is)."""
    return [(label, conditional_escape(value)) for label, value in zip(head, contents, strict=True)]


class CaseLinks:
    """Links to case pages: the route reversed once, each reference put in its place
    (a reference is letters, digits and hyphens: nothing to quote)."""

    MARK = "REFERENCE"

    def __init__(self) -> None:
        self.before, _, self.after = reverse("cases:case", args=[self.MARK]).partition(self.MARK)

    def __call__(self, reference: str) -> SafeString:
        href = f"{self.before}{quote(reference, safe='')}{self.after}"
        return format_html('<a class="govuk-link" href="{}">{}</a>', href, reference)


ACTIONS_HEAD = ("Case", "What to do", "Agencies", "Stage", "Due", "Status")


def actions_table(actions: Iterable[tuple[ActionItem, dict[str, str]]]) -> Table:
    """ "Needs your action": each thing waiting, with its urgency's tag (for a "where
    possible" target passed, "Target passed", never "Overdue")."""
    rows = []
    case_link = CaseLinks()
    for item, status in actions:
        case = item.case
        if item.policy_issue_id:
            link = format_html(
                '<a class="govuk-link" href="{}">{}<span class="govuk-visually-hidden">: '
                "respond to the policy issue</span></a>",
                reverse("cases:policy_response", args=[case.reference, item.policy_issue_id]),
                case.reference,
            )
        else:
            link = case_link(case.reference)
        rows.append(
            _cells(
                ACTIONS_HEAD,
                [
                    link,
                    item.label,
                    f"{case.raising_agency_name} and {case.other_agency_name}",
                    case.current_stage,
                    _day(item.due) if item.due else "None set",
                    tag(status["text"], status["classes"]),
                ],
            )
        )
    return Table("needs-action", "Things waiting for you, soonest due first", ACTIONS_HEAD, rows)


DEADLINES_HEAD = ("Case", "Deadline", "Due", "Status")


@functools.lru_cache(maxsize=1)
def _worked_out() -> tuple[str, str]:
    """The GOV.UK details component "How it was worked out" around one paragraph, drawn
    once: the markup before and after the paragraph's (escaped) words."""
    mark = "\x00EXPLANATION\x00"
    html = render_component(
        "details",
        {
            "summaryText": "How it was worked out",
            "classes": "govuk-!-margin-bottom-0",
            "html": mark_safe(f'<p class="govuk-body">{mark}</p>'),  # noqa: S308 - ours
        },
    )
    before, found, after = str(html).partition(mark)
    if not found:  # pragma: no cover - the component always shows its html
        raise ValueError("the details component left out its contents")
    return before, after


def deadlines_table(mine: Iterable[tuple[DeadlineRow, dict[str, str]]]) -> Table:
    """ "Your deadlines": each with why it is the reader's and how it was worked out."""
    rows = []
    case_link = CaseLinks()
    before, after = _worked_out()
    for row, status in mine:
        deadline = row.deadline
        explained = escape(capfirst(deadline.explanation))
        details = mark_safe(f"{before}{explained}{after}")  # noqa: S308 - escaped above
        what = format_html(
            '{} (stage {})<br><span class="govuk-hint">Yours because {}.</span>{}',
            deadline.label,
            deadline.stage,
            row.yours_because,
            details,
        )
        rows.append(
            _cells(
                DEADLINES_HEAD,
                [
                    case_link(deadline.case.reference),
                    what,
                    row.due_text,
                    tag(status["text"], status["classes"]),
                ],
            )
        )
    return Table("my-deadlines", "Your deadlines, soonest first", DEADLINES_HEAD, rows)


CASES_HEAD = ("Case", "Raised by", "With", "Stage", "Stage due", "Due from you", "Status")


def _due_from_you(due: ActionItem | None) -> SafeString | str:
    if due is None:
        return "Nothing"
    if due.due is None:
        when = " (no fixed timescale)"
    else:
        late = " (overdue)" if due.overdue else " (target passed)" if due.target_passed else ""
        when = f", by {_day(due.due)}{late}"
    return format_html("<span data-due-from-you>{}{}</span>", due.label, when)


def cases_table(cases: Iterable[CaseRow]) -> Table:
    """ "Cases you can see": each with its stage's act-by and what is due from the
    reader next."""
    rows = []
    case_link = CaseLinks()
    for row in cases:
        case = row.case
        rows.append(
            _cells(
                CASES_HEAD,
                [
                    case_link(case.reference),
                    case.raising_agency_name,
                    case.other_agency_name,
                    case.current_stage,
                    _day(row.act_by) if case.status == CaseStatus.OPEN and row.act_by else "–",
                    _due_from_you(row.next_due),
                    case.get_status_display(),
                ],
            )
        )
    return Table("cases", "Cases you can see, newest first", CASES_HEAD, rows)
