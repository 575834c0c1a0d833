"""The dashboard's pages: the GOV.UK pagination markup (checked against govuk-frontend's
own fixtures), and links to a list's pages that keep the other lists' pages."""

from __future__ import annotations

import govuk_fixtures
import pytest
from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.test import RequestFactory

from escalate.core.views import pagination

#: The fixtures of what the template supports (not the block style of previous and next
#: alone, nor items left empty, nor extra attributes).
SUPPORTED = [
    "default",
    "with custom link and item text",
    "with many pages",
    "first page",
    "last page",
    "with custom classes",
    "with custom navigation landmark",
    "with custom accessible labels on item links",
]


@pytest.mark.parametrize("fixture", SUPPORTED)
def test_the_pagination_matches_the_govuk_frontend_reference_html(fixture: str) -> None:
    found = govuk_fixtures.fixtures("pagination")[fixture]
    ours = render_to_string("components/pagination.html", found["options"])
    assert govuk_fixtures.normalise(ours) == govuk_fixtures.normalise(found["html"])


def test_the_comparison_notices_a_difference() -> None:
    found = govuk_fixtures.fixtures("pagination")["default"]
    options = {**found["options"], "next": None}
    ours = render_to_string("components/pagination.html", options)
    assert govuk_fixtures.normalise(ours) != govuk_fixtures.normalise(found["html"])


def test_page_links_keep_the_other_lists_pages_and_skip_the_far_ones() -> None:
    request = RequestFactory().get("/", {"cases": "3", "actions": "7"})
    page = Paginator(range(200), 20).get_page(7)
    made = pagination(request, page, "actions", "needs-action-heading", "Needs your action")
    assert made is not None
    numbers = [item["number"] for item in made["items"]]
    assert numbers == [1, 0, 6, 7, 8, 0, 10]  # 0: an ellipsis
    current = next(item for item in made["items"] if item.get("current"))
    assert current["href"] == "?cases=3&actions=7#needs-action-heading"
    assert made["next"]["href"] == "?cases=3&actions=8#needs-action-heading"
    assert made["previous"]["href"] == "?cases=3&actions=6#needs-action-heading"
    assert made["landmarkLabel"] == "Needs your action: pages"
    one = Paginator(range(5), 20).get_page(1)
    assert pagination(request, one, "actions", "needs-action-heading", "Needs") is None
