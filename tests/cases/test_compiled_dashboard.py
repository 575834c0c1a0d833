"""The dashboard's queries compiled once and run with each person's values give what
the same querysets built for that person give; the dashboard's tables have the GOV.UK
table component's markup."""

from __future__ import annotations

import datetime as dt

import factories
import pytest
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string

from escalate.cases import compiled, dashboard, owned, services, visibility
from escalate.cases.views import dashboard_rows
from escalate.govuk.templatetags.govuk import render_component
from escalate.procedures.model import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(cheshire: factories.World) -> factories.World:
    w = cheshire
    first = factories.escalate_to(w, factories.raise_case(w), 4)
    services.add_agreed_action(
        w.raiser,
        first,
        what="Send the care plan",
        agency=w.other,
        due_on=dt.date(2027, 1, 8),
        owner=w.other_professional,
        expected_version=first.version,
    )
    first.refresh_from_db()
    services.flag_policy_issue(w.raiser, first, text="Gap.", expected_version=first.version)
    factories.raise_case(w)
    return w


def test_the_kept_queries_give_each_person_what_their_own_querysets_give(
    world: factories.World,
) -> None:
    ids = compiled.compile_once(
        "visible_case_ids", lambda: visibility.visible_case_ids(compiled.standin())
    )
    waiting = compiled.compile_once("waiting", lambda: dashboard.waiting(compiled.standin()))
    mine = compiled.compile_once(
        "owned_deadline_ids", lambda: owned.owned_deadline_ids(compiled.standin())
    )
    seen_anything = waited_for = owned_any = False
    for person in world.one_of_each():
        values = compiled.values_for(person)
        expected_ids = sorted(visibility.visible_case_ids(person).values_list("pk", flat=True))
        assert sorted(r[0] for r in ids.rows(values)) == expected_ids, person
        expected_waiting = list(dashboard.waiting(person))
        assert waiting.rows(values) == expected_waiting, person
        expected_own = sorted(owned.owned_deadline_ids(person).values_list("pk", flat=True))
        assert sorted(r[0] for r in mine.rows(values)) == expected_own, person
        seen_anything |= bool(expected_ids)
        waited_for |= bool(expected_waiting)
        owned_any |= bool(expected_own)
    assert seen_anything and waited_for and owned_any  # the comparisons compared something


def test_a_kept_query_takes_a_page_of_its_rows(world: factories.World) -> None:
    chair = world.person(Role.INDEPENDENT_CHAIR)
    waiting = compiled.compile_once("waiting", lambda: dashboard.waiting(compiled.standin()))
    values = compiled.values_for(chair)
    every = waiting.rows(values)
    assert len(every) >= 2
    assert waiting.rows(values, limit=1, offset=1) == every[1:2]
    assert waiting.rows(values, offset=1) == every[1:]


def test_each_page_of_what_needs_action_is_that_page_of_what_is_waiting_in_one_query(
    world: factories.World,
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    chair = world.person(Role.INDEPENDENT_CHAIR)
    every = dashboard.items(dashboard.waiting(chair))
    assert len(every) >= 2

    def shown(number: object) -> tuple[int, int, list[tuple[str, int, object]]]:
        page, items = dashboard.needs_action_page(chair, number, per_page=1)
        assert items == list(page.object_list)
        return page.number, page.paginator.count, [(i.kind, i.case.pk, i.due) for i in items]

    def expected(n: int) -> tuple[int, int, list[tuple[str, int, object]]]:
        item = every[n - 1]
        return n, len(every), [(item.kind, item.case.pk, item.due)]

    for n in range(1, len(every) + 1):
        assert shown(n) == expected(n)
        assert shown(str(n)) == expected(n)
    assert shown(10**9) == shown("10000000000000000000000") == expected(len(every))
    assert shown("two") == shown(None) == shown(0) == shown(-3) == expected(1)
    # Digits of other scripts, and control characters or NUL bytes after one, are no
    # page number: the first page.
    assert shown("\uff12") == shown("\u0662") == shown("2\x00") == shown("\x1f2") == expected(1)
    with CaptureQueriesContext(connection) as queries:
        dashboard.needs_action_page(chair, 2, per_page=1)
    assert len(queries) == 2  # the page with how many there are; the cases on it


def test_the_cases_of_a_page_take_the_stand_in_case_ids_places(world: factories.World) -> None:
    values = compiled.values_for(world.raiser, [5, 7])
    assert values[compiled.CASE_IDS[0]] == 5 and values[compiled.CASE_IDS[1]] == 7
    assert values[compiled.CASE_IDS[2]] == 0  # no case has it
    with pytest.raises(ValueError, match="at most"):
        compiled.values_for(world.raiser, range(len(compiled.CASE_IDS) + 1))


def test_someone_not_signed_in_is_waited_for_by_nothing_and_sees_no_case(
    world: factories.World,
) -> None:
    nobody = AnonymousUser()
    page, rows = dashboard.cases_page(nobody)
    assert rows == [] and page.paginator.count == 0
    page, items = dashboard.needs_action_page(nobody)
    assert items == [] and page.paginator.count == 0
    assert not visibility.visible_cases(nobody).exists()


def test_the_dashboard_tables_have_the_govuk_table_components_markup(
    world: factories.World,
) -> None:
    chair = world.person(Role.INDEPENDENT_CHAIR)
    _, rows = dashboard.cases_page(chair)
    _, actions = dashboard.needs_action_page(chair)
    tag = {"text": "Overdue", "classes": "govuk-tag--red"}
    tables = [
        dashboard_rows.cases_table(rows),
        dashboard_rows.actions_table((item, tag) for item in actions),
    ]
    assert all(t.rows for t in tables)
    for table in tables:
        component = render_component(
            "table",
            {
                "attributes": {"id": table.id},
                "caption": table.caption,
                "captionClasses": "govuk-visually-hidden",
                "firstCellIsHeader": True,
                "responsive": True,
                "head": [{"text": h} for h in table.head],
                "rows": [[{"html": html} for _, html in cells] for cells in table.rows],
            },
        )
        ours = render_to_string("core/_dashboard_table.html", {"table": table})
        assert ours.strip() == component


def test_how_each_deadline_was_worked_out_is_the_govuk_details_components_markup(
    world: factories.World,
) -> None:
    from django.utils.html import format_html
    from django.utils.text import capfirst

    chair = world.person(Role.INDEPENDENT_CHAIR)
    mine = owned.owned_rows(chair, owned.owned_deadlines(chair))
    assert mine
    first = mine[0]
    first.deadline.explanation = 'five <working> days & more after "the" meeting'
    table = dashboard_rows.deadlines_table([(first, {"text": "On time", "classes": "x"})])
    words = capfirst(first.deadline.explanation)
    details = render_component(
        "details",
        {
            "summaryText": "How it was worked out",
            "classes": "govuk-!-margin-bottom-0",
            "html": format_html('<p class="govuk-body">{}</p>', words),
        },
    )
    _, what = table.rows[0][1]
    assert str(details) in str(what)
    assert "&lt;working&gt; days &amp; more" in str(what)
