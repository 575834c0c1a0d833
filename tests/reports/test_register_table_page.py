"""The register page draws its table in one pass (:func:`register_table.table_html`)
and serves the same HTML the GOV.UK table component drew for it: over a register with
several rows (resolved, withdrawn, escalated, a passed "where possible" target, a
missed act-by), every sort, filters in the address and words that need escaping."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from urllib.parse import urlencode

import factories
import pytest
import register_sample
from django.test import Client

from escalate.govuk.templatetags.govuk import render_component
from escalate.procedures import library
from escalate.procedures.model import Role
from escalate.reports import register_table, selectors
from escalate.reports.tables import item

pytestmark = pytest.mark.django_db
FrozenClock = Callable[[dt.date | dt.datetime], dt.datetime]
TABLE = re.compile(r'<table class="govuk-table.*?</table>', re.S)
SORTS = [k for k, _ in register_table.COLUMNS if k]


@pytest.fixture
def w(frozen_clock: FrozenClock, monkeypatch: pytest.MonkeyPatch) -> Iterator[factories.World]:
    monkeypatch.setitem(library.load_library(), register_sample.KEY, register_sample.riverside())
    yield register_sample.build(frozen_clock)


def component_table(w: factories.World, kept: dict[str, str], sort: str) -> str:
    """The table as the page drew it through the GOV.UK table component (before
    :func:`register_table.table_html`), for the register filtered by ``kept``."""
    filters = selectors.RegisterFilters(
        reached=kept.get("reached", "final"),
        agency=int(kept["agency"]) if kept.get("agency") else None,
        status=kept.get("status", ""),
        sort=sort,
    )
    page = selectors.register_page(w.person(Role.BUSINESS_UNIT), w.partnership, filters)
    order = ("period", "from", "to", "reached", "agency", "category", "status")
    base = urlencode({k: kept[k] for k in order if kept.get(k)})
    return str(
        render_component(
            "table",
            {
                "caption": "Escalation register. Select a column heading to sort by it.",
                "captionClasses": "govuk-visually-hidden",
                "classes": "app-register govuk-!-font-size-16",
                "responsive": True,
                "head": register_table.head(sort, base),
                "rows": register_table.rows(page.rows),
            },
        )
    )


def page_table(w: factories.World, query: dict[str, str]) -> str:
    client = Client()
    client.force_login(w.person(Role.BUSINESS_UNIT))
    response = client.get(f"/board/{w.partnership.slug}/register/?{urlencode(query)}")
    assert response.status_code == 200
    (table,) = TABLE.findall(response.content.decode())
    return str(table)


@pytest.mark.parametrize("sort", [*SORTS, *(f"-{s}" for s in SORTS)])
def test_the_register_page_serves_the_table_the_govuk_component_drew_for_every_sort(
    w: factories.World, sort: str
) -> None:
    kept = {"reached": "all"}
    drawn = page_table(w, {**kept, "sort": sort})
    assert drawn == component_table(w, kept, sort)
    assert drawn.count('<tr class="govuk-table__row">') == 6  # the headings and 5 cases
    assert "Timescale missed" in drawn and "No timescale" in drawn


def test_the_register_page_serves_the_same_table_with_filters_and_with_none_found(
    w: factories.World,
) -> None:
    filters = {"reached": "all", "agency": str(w.raising.pk), "status": "open"}
    assert page_table(w, {**filters, "sort": "-timeliness"}) == component_table(
        w, filters, "-timeliness"
    )
    # (The default, the final stage: none of these cases reached it.)
    assert page_table(w, {}) == component_table(w, {"reached": "final"}, "-raised")
    assert "No cases match these filters." in page_table(w, {})


def test_every_value_in_the_register_table_is_escaped(w: factories.World) -> None:
    drawn = page_table(w, {"reached": "all", "agency": str(w.raising.pk), "sort": "raising"})
    assert "Raising &lt;b&gt;&quot;A&amp;B&quot;&lt;/b&gt; agency" in drawn
    assert "Agreed &lt;script&gt;a visit&lt;/script&gt; &amp; a plan." in drawn
    assert "Other agency&#x27;s &lt;i&gt;team&lt;/i&gt;" in drawn
    assert "<script>" not in drawn and "<b>" not in drawn and "<i>" not in drawn
    # The sort links keep the filters, URL-encoded and then escaped.
    assert f'href="?reached=all&amp;agency={w.raising.pk}&amp;sort=-raising"' in drawn


def test_html_a_cell_is_given_unmarked_is_escaped_not_drawn() -> None:
    head = register_table.head("reference", "")
    cells = [[item(html='<img src=x onerror="alert(1)">')]]
    drawn = register_table.table_html(head, cells)
    assert "<img" not in drawn and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in drawn
