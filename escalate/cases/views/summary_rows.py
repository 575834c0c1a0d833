"""The case page's repeated summary lists, as whole rows for the GOV.UK ``summary_list``
component: each stage card's rows and each chronology entry's details.

The page draws them with ``{% govuk "summary_list" rows=... %}``. Every option the
component's template asks about is given (``key.html``, ``value.classes``,
``actions.items``...): a template looking up a key a dict does not have goes through
three exceptions and a ``dir()``, and a page with many rows spent most of its time
there. Values are HTML, escaped here (:func:`~django.utils.html.format_html`); tags are
drawn by the component, each different one once.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.template.defaultfilters import date as date_format
from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString

from escalate.govuk.templatetags.govuk import options, render_component

if TYPE_CHECKING:
    from escalate.cases.models import Case
    from escalate.cases.views.presenters import StageRow


def summary_row(label: str, html: SafeString | str) -> dict[str, Any]:
    """One row: ``html`` as it is (mark it safe, or it is escaped by the component)."""
    return {
        "key": {"text": label, "html": "", "classes": ""},
        "value": {"html": html, "text": "", "classes": ""},
        "actions": {"items": []},
        "classes": "",
    }


def text_row(label: str, value: Any) -> dict[str, Any]:
    """One row of words, escaped."""
    return summary_row(label, conditional_escape(value))


def words_row(label: str, value: Any) -> dict[str, Any]:
    """One row of words, escaped, with their line breaks shown."""
    return summary_row(label, linebreaksbr(value, autoescape=True))


class Tags:
    """GOV.UK tags for one page, each different one drawn once."""

    def __init__(self) -> None:
        self.drawn: dict[tuple[str, str, tuple[tuple[str, str], ...]], SafeString] = {}

    def __call__(self, text: str, classes: str, **attributes: Any) -> SafeString:
        key = (text, classes, tuple(sorted((k, str(v)) for k, v in attributes.items())))
        if key not in self.drawn:
            given = {"text": text, "classes": classes}
            given.update({f"attr_{name}": value for name, value in attributes.items()})
            self.drawn[key] = render_component("tag", options(given))
        return self.drawn[key]


#: How the engine begins the explanation of a deadline waiting for an event or a date.
NOT_YET_DUE = "not yet due"


def waiting_words(explanation: str) -> str:
    """What a deadline with no date yet says: waiting, and on what, in the engine's
    words ("Not yet due: stage 4's owner sets this timescale for the case"); one
    counted from its stage's start, until the stage starts."""
    if explanation.startswith(NOT_YET_DUE):
        return explanation[:1].upper() + explanation[1:]
    return "Worked out when the stage starts"


def deadline_rows(deadlines: Iterable[dict[str, Any]], tags: Tags) -> list[dict[str, Any]]:
    """A stage's deadlines, each once: a current stage's owner must act by its
    conclude-by date, and the two, kept apart, say the same."""
    rows: list[dict[str, Any]] = []
    last: tuple[Any, ...] | None = None
    for d in deadlines:
        said = (d["label"], d["due"], d["status"], d["note"])
        if said == last:
            continue
        last = said
        if not d["due"]:
            html = format_html("{}", waiting_words(d["explanation"]))
        elif d["tag"] is None:
            html = format_html("{}", d["due"])
        else:
            tag = tags(d["tag"]["text"], d["tag"]["classes"], data_deadline_status=d["stage"])
            html = format_html("{} {}", d["due"], tag)
            if d["note"]:
                html = format_html(
                    '{}\n<p class="govuk-body-s govuk-!-margin-top-1 govuk-!-margin-bottom-0"'
                    ' data-deadline-note="{}">{}</p>',
                    html,
                    d["stage"],
                    d["note"],
                )
        rows.append(summary_row(d["label"], html))
    return rows


def checklist_html(s: StageRow, case: Case, may_tick: bool, tags: Tags) -> SafeString:
    """A stage's required actions, each done or to do; on the current stage, a link to
    tick off each one not done for someone who may."""
    tick = reverse("cases:tick", args=[case.reference]) if may_tick and s.is_current else ""
    items = []
    for c in s.checklist:
        tag = tags("Done", "govuk-tag--green") if c["done"] else tags("To do", "govuk-tag--grey")
        link = (
            format_html(
                ' <a class="govuk-link" href="{}?item={}">Tick off'
                '<span class="govuk-visually-hidden"> {}</span></a>',
                tick,
                c["key"],
                c["text"],
            )
            if tick and not c["done"]
            else ""
        )
        items.append((tag, c["text"], link))
    return format_html(
        '<ul class="govuk-list">{}</ul>', format_html_join("", "<li>{} {}{}</li>", items)
    )


def stage_card_rows(s: StageRow, case: Case, may_tick: bool, tags: Tags) -> list[dict[str, Any]]:
    """A stage card's rows: its owner (or who will own it), for a stage reached its
    counterpart, start and conclusion, its deadlines, required actions and panel."""
    record = s.record
    if record is None:
        rows = [text_row("Owner", f"Not yet: owned by {s.owner_roles}")]
    else:
        owner = record.owner.full_name if record.owner else ""
        rows = [text_row("Owner", f"{owner} ({s.owner_role})")]
        if record.counterpart_name:
            counterpart = record.counterpart_name
            if record.counterpart_email:
                counterpart += f" ({record.counterpart_email})"
        else:
            counterpart = "Not named; the other agency's safeguarding address is told"
        rows.append(text_row("Counterpart", counterpart))
        rows.append(text_row("Started", date_format(record.started_on, "j F Y")))
        if record.concluded_on:
            concluded = date_format(record.concluded_on, "j F Y")
            if record.outcome:
                concluded += f": {record.outcome}"
            rows.append(text_row(record.get_conclusion_display(), concluded))
    if s.group:
        rows.insert(0, text_row("Part of", s.group))
    rows += deadline_rows(s.deadlines, tags)
    if s.checklist:
        rows.append(summary_row("Required actions", checklist_html(s, case, may_tick, tags)))
    if s.panel:
        referred = ": referred" if s.number in case.panel_referred else ""
        rows.append(text_row("Panel", f"{s.panel}{referred}"))
    return rows


def stage_title(s: StageRow, tags: Tags) -> SafeString:
    """A stage card's title: its number, title and status."""
    tag = tags(s.status_label, s.status_class, data_stage_status=s.number)
    return format_html("Stage {}: {} {}", s.number, s.title, tag)
