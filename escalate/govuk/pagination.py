"""The GOV.UK pagination component's options (``components/pagination.html``) for one
page of a list: the one helper every paginated page uses (the dashboard's lists, the
escalation register), so the links look and read the same everywhere."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator

from escalate.govuk.text import page_number


def page_numbers(here: int, last: int) -> list[int | None]:
    """The page numbers to link to, as GOV.UK's pagination shows them: the first, the
    last, this one and those either side of it, in order, with None for a gap."""
    wanted = {1, last, here - 1, here, here + 1}
    out: list[int | None] = []
    previous = 0
    for number in sorted(n for n in wanted if 1 <= n <= last):
        if previous and number - previous > 1:
            out.append(None)
        out.append(number)
        previous = number
    return out


def pagination(
    here: int, last: int, href: Callable[[int], str], landmark: str = ""
) -> dict[str, Any] | None:
    """The component's options for page ``here`` of ``last``, each page's link made by
    ``href`` (which keeps whatever else the page's address holds). ``landmark`` names
    the list ("Needs your action"): each link is read as "Needs your action, page 2" and
    the whole as "Needs your action: pages" (without it: "Page 2", the component's own
    words). None when there is only one page: nothing to show."""
    if last <= 1:
        return None
    items: list[dict[str, Any]] = []
    for number in page_numbers(here, last):
        if number is None:
            items.append({"ellipsis": True, "number": 0})
            continue
        item: dict[str, Any] = {"number": number, "href": href(number), "current": number == here}
        if landmark:
            item["visuallyHiddenText"] = f"{landmark}, page {number}"
        items.append(item)
    return {
        "items": items,
        "previous": {"href": href(here - 1)} if here > 1 else None,
        "next": {"href": href(here + 1)} if here < last else None,
        "landmarkLabel": f"{landmark}: pages" if landmark else "",
    }


def page_links(here: int, last: int, landmark: str = "") -> dict[str, Any] | None:
    """:func:`pagination` for a page whose address holds nothing but its page number
    (``?page=2``)."""
    return pagination(here, last, lambda number: f"?{urlencode({'page': number})}", landmark)


def page_of(items: Any, asked: object, per_page: int) -> Page[Any]:
    """Page ``asked`` (the ``page`` parameter as it came, or None) of ``items`` (a
    queryset or a list), ``per_page`` to a page, in two queries at most (how many, and
    the page's): a number as :func:`~escalate.govuk.text.page_number` reads one (ASCII
    digits only); none or not a number, the first page; past the last, the last."""
    return Paginator(items, per_page).get_page(page_number(asked) or 1)
