"""The dashboard's "Cases you can see" (each way of seeing a case giving its id and
when it was raised, sorted and counted once) lists exactly the cases
:func:`~escalate.cases.visibility.visible_case_ids` gives, newest first, each once,
with their number, a page at a time."""

from __future__ import annotations

import factories
import pytest
from django.contrib.auth.models import AnonymousUser

from escalate.accounts.models import User
from escalate.cases import dashboard, visibility
from escalate.cases.models import Case

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(cheshire_with_cases: factories.World) -> factories.World:
    # Two cases raised at the same moment: the newer id comes first.
    first, second = Case.objects.order_by("id")[:2]
    Case.objects.filter(pk=second.pk).update(raised_at=first.raised_at)
    return cheshire_with_cases


def expected(person: User) -> list[int]:
    return list(
        Case.objects.filter(pk__in=visibility.visible_case_ids(person))
        .order_by("-raised_at", "-id")
        .values_list("pk", flat=True)
    )


@pytest.mark.parametrize("per_page", [1, 2, 50])
def test_each_page_lists_the_visible_cases_newest_first_each_once_with_their_number(
    world: factories.World, per_page: int
) -> None:
    saw_several = False
    for person in world.one_of_each():
        wanted = expected(person)
        saw_several |= len(wanted) > 2
        pages = max(1, -(-len(wanted) // per_page))
        for number in range(1, pages + 1):
            page, rows = dashboard.cases_page(person, number, per_page)
            chunk = wanted[(number - 1) * per_page : number * per_page]
            assert [r.case.pk for r in rows] == chunk, (person, number)
            assert page.number == number
            assert page.paginator.count == len(wanted), person
        # Past the last page (and not a number): the last page, and the first.
        page, rows = dashboard.cases_page(person, pages + 3, per_page)
        assert page.number == pages
        assert [r.case.pk for r in rows] == wanted[(pages - 1) * per_page : pages * per_page]
        page, rows = dashboard.cases_page(person, "many", per_page)
        assert page.number == 1
        assert [r.case.pk for r in rows] == wanted[:per_page]
    assert saw_several


def test_a_case_seen_in_several_ways_is_listed_and_counted_once(
    world: factories.World,
) -> None:
    raiser = world.raiser  # raised every case, and owns the first stage of each
    ways = list(visibility.visible_case_ids(raiser).values_list("pk", flat=True))
    assert len(ways) > len(set(ways))
    page, rows = dashboard.cases_page(raiser, 1, 50)
    assert sorted(r.case.pk for r in rows) == sorted(set(ways))
    assert page.paginator.count == len(set(ways))


def test_no_one_signed_in_sees_no_cases(world: factories.World) -> None:
    page, rows = dashboard.cases_page(AnonymousUser())
    assert rows == [] and page.paginator.count == 0
