"""The escalation register in pages of 50 (GOV.UK pagination): each page's links keep the
filters and the sort, and a page number that is not one (another script's digits, a
huge number, words) is explained or shows the last page, never a server error."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import factories
import pytest
from django.test import Client
from register_cases import cases, many_more

from escalate import clock
from escalate.cases.models import Case
from escalate.procedures.model import Role
from escalate.reports import selectors

pytestmark = pytest.mark.django_db

REFERENCE = re.compile(r"<td[^>]*>([A-Z]+-2026-\d+)</td>")


@pytest.fixture
def world() -> Iterator[factories.World]:
    clock.freeze(dt.date(2026, 12, 23))
    try:
        w = factories.world("cheshire-east-sab")
        cases(w, 3)
        many_more(w, 117)  # 121 cases: three pages, the last of 21
        yield w
    finally:
        clock.unfreeze()


def get(w: factories.World, query: str):  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(w.person(Role.BUSINESS_UNIT))
    return client.get(f"/board/{w.partnership.slug}/register/?{query}")


def shown(html: str) -> list[str]:
    return REFERENCE.findall(html)


def pagination(html: str) -> str:
    found = re.search(r'<nav class="govuk-pagination".*?</nav>', html, re.S)
    assert found is not None, "no pagination"
    return found.group(0)


def test_the_register_shows_50_cases_a_page_in_the_order_asked(world: factories.World) -> None:
    every = sorted(
        Case.objects.filter(partnership=world.partnership).values_list("reference", flat=True)
    )
    assert len(every) == 121
    pages = [
        shown(get(world, f"reached=all&sort=reference&page={n}").content.decode())
        for n in (1, 2, 3)
    ]
    assert [len(p) for p in pages] == [50, 50, 21]
    assert pages[0] + pages[1] + pages[2] == every
    html = get(world, "reached=all&sort=reference&page=2").content.decode()
    assert "121 cases" in html and "Showing 51 to 100 of 121 cases" in html
    assert shown(get(world, "reached=all&sort=-reference").content.decode()) == every[::-1][:50]


def test_the_pages_links_keep_the_filters_and_the_sort(world: factories.World) -> None:
    query = f"reached=all&status=open&agency={world.raising.pk}&from=2026-12-01&to=2026-12-31"
    html = get(world, query + "&sort=-reference&page=2").content.decode()
    nav = pagination(html)
    kept = (
        "from=2026-12-01&amp;to=2026-12-31&amp;reached=all"
        f"&amp;agency={world.raising.pk}&amp;status=open&amp;sort=-reference"
    )
    for n in (1, 2, 3):
        assert f'href="?{kept}&amp;page={n}"' in nav
    assert 'aria-current="page">2</a>' in nav
    assert f'href="?{kept}&amp;page=1" rel="prev"' in nav
    assert f'href="?{kept}&amp;page=3" rel="next"' in nav
    # Sorting by a column starts again at page 1; the downloads hold every page.
    assert "page=2&amp;sort=" not in html and "sort=reference&amp;page" not in html
    assert f'href="?{kept}&amp;format=csv"' in html
    # The filter form keeps the sort and starts again at the first page.
    assert '<input type="hidden" name="sort" value="-reference">' in html
    assert 'name="page"' not in html


def test_one_page_of_cases_has_no_pagination(world: factories.World) -> None:
    html = get(world, "reached=all&status=withdrawn").content.decode()
    assert 'class="govuk-pagination"' not in html and len(shown(html)) == 1


@pytest.mark.parametrize("number", ["4", "99", "9" * 40, "9" * 5000])
def test_a_page_past_the_last_shows_the_last(world: factories.World, number: str) -> None:
    response = get(world, f"reached=all&sort=reference&page={number}")
    assert response.status_code == 200
    html = response.content.decode()
    assert len(shown(html)) == 21 and "Showing 101 to 121 of 121 cases" in html


@pytest.mark.parametrize("number", ["0", "1", ""])
def test_page_0_1_or_none_is_the_first(world: factories.World, number: str) -> None:
    response = get(world, f"reached=all&page={number}")
    assert response.status_code == 200
    assert "Showing 1 to 50 of 121 cases" in response.content.decode()


@pytest.mark.parametrize("number", ["²", "٣", "３", "-1", "2.0", "two", "1e3", "%00", "0x2"])
def test_a_page_number_that_is_not_one_is_explained_and_the_first_page_shown(
    world: factories.World, number: str
) -> None:
    response = get(world, f"reached=all&page={number}")
    html = response.content.decode()
    assert response.status_code == 400, html[:300]
    assert "There is a problem" in html
    assert "The page number was not a number, so the register shows its first page." in html
    assert "Showing 1 to 50 of 121 cases" in html


def test_the_page_numbers_are_the_first_the_last_and_those_either_side() -> None:
    def numbers(number: int, pages: int) -> list[int | None]:
        return selectors.RegisterPage([], number, pages * 50, pages).numbers()

    assert numbers(1, 1) == [1]
    assert numbers(1, 3) == [1, 2, 3]
    assert numbers(5, 10) == [1, None, 4, 5, 6, None, 10]
    assert numbers(3, 10) == [1, 2, 3, 4, None, 10]
    assert numbers(10, 10) == [1, None, 9, 10]


def test_a_wrong_page_number_does_not_stop_a_download_of_every_page(
    world: factories.World,
) -> None:
    response = get(world, "reached=all&page=²&format=csv")
    assert response.status_code == 200 and response.streaming
    assert response.getvalue().decode("utf-8-sig").count("\r\n") == 122  # heading + 121


def test_the_register_table_drawn_in_one_pass_is_the_govuk_table_components_markup(
    world: factories.World,
) -> None:
    from escalate.govuk.templatetags.govuk import render_component
    from escalate.reports import register_table

    person = world.person(Role.BUSINESS_UNIT)
    filters = selectors.RegisterFilters(reached="all", sort="reference")
    page = selectors.register_page(person, world.partnership, filters)
    options = {"caption": "Escalation register.", "captionClasses": "govuk-visually-hidden"}
    options["classes"] = "app-register govuk-!-font-size-16"
    head = register_table.head("reference", "reached=all")
    for cells in (register_table.rows(page.rows), register_table.rows([])):
        component = render_component(
            "table", {**options, "responsive": True, "head": head, "rows": cells}
        )
        assert register_table.table_html(head, cells, **options) == component
    drawn = register_table.table_html(head, register_table.rows(page.rows), **options)
    assert len(shown(drawn)) == 50 and 'data-label="Stage reached"' in drawn
