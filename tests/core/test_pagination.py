"""One pagination helper for every paginated page: the dashboard's lists and the
escalation register show the same page numbers and links (the GOV.UK component's
options, escalate.govuk.pagination)."""

from __future__ import annotations

import pytest
from django.core.paginator import Paginator
from django.test import RequestFactory

from escalate.core.views import pagination as dashboard_pagination
from escalate.govuk.pagination import page_numbers, pagination


@pytest.mark.parametrize(
    ("here", "last", "expected"),
    [
        (1, 1, [1]),
        (1, 3, [1, 2, 3]),
        (5, 10, [1, None, 4, 5, 6, None, 10]),
        (3, 10, [1, 2, 3, 4, None, 10]),
        (10, 10, [1, None, 9, 10]),
        (2, 4, [1, 2, 3, 4]),
    ],
)
def test_the_page_numbers_are_the_first_the_last_and_those_either_side(
    here: int, last: int, expected: list[int | None]
) -> None:
    assert page_numbers(here, last) == expected


def test_one_page_has_no_pagination() -> None:
    assert pagination(1, 1, lambda n: f"?page={n}") is None
    assert pagination(1, 0, lambda n: f"?page={n}") is None


def test_a_named_list_says_which_list_each_link_is_a_page_of() -> None:
    made = pagination(2, 3, lambda n: f"?p={n}", "Cases you can see")
    assert made is not None
    assert [i.get("visuallyHiddenText") for i in made["items"]] == [
        "Cases you can see, page 1",
        "Cases you can see, page 2",
        "Cases you can see, page 3",
    ]
    assert made["landmarkLabel"] == "Cases you can see: pages"
    assert made["previous"] == {"href": "?p=1"} and made["next"] == {"href": "?p=3"}
    plain = pagination(2, 3, lambda n: f"?p={n}")
    assert plain is not None and plain["landmarkLabel"] == ""
    assert all("visuallyHiddenText" not in i for i in plain["items"])


def test_the_first_and_last_pages_have_no_link_before_or_after() -> None:
    first = pagination(1, 5, str)
    last = pagination(5, 5, str)
    assert first is not None and last is not None
    assert first["previous"] is None and first["next"] == {"href": "2"}
    assert last["next"] is None and last["previous"] == {"href": "4"}
    assert [i["number"] for i in last["items"]] == [1, 0, 4, 5]  # 0: an ellipsis
    assert [i["current"] for i in last["items"] if not i.get("ellipsis")] == [
        False,
        False,
        True,
    ]


def test_the_dashboard_and_the_register_give_the_same_numbers_for_the_same_page() -> None:
    request = RequestFactory().get("/", {"cases": "7"})
    page = Paginator(range(500), 50).get_page(7)
    dashboard = dashboard_pagination(request, page, "cases", "cases-heading", "Cases")
    register = pagination(7, 10, lambda n: f"?page={n}")
    assert dashboard is not None and register is not None
    numbers = [i["number"] for i in dashboard["items"]]
    assert numbers == [i["number"] for i in register["items"]] == [1, 0, 6, 7, 8, 0, 10]
