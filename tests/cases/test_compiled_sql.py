"""The lists' SQL compiled once per process (escalate.cases.compiled) is the SQL Django
compiles for the database in use, kept apart for each kind of database, forgotten when
a setting changes; and a kept list's pages (the cases a person sees, newest first) are
the pages of the same queryset built for that person. The suite runs on SQLite and on
PostgreSQL, so each of these holds on both."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import factories
import pytest
from django.db import connection

from escalate.cases import compiled, dashboard, owned, visibility
from escalate.cases.models import Case
from escalate.procedures.model import Role

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 23)

#: Every list kept, by its key, as its module builds it.
KEPT = {
    "visible_case_ids": lambda: visibility.visible_case_ids(compiled.standin()),
    "waiting": lambda: dashboard.waiting(compiled.standin()),
    "waiting_in_cases": lambda: dashboard.waiting(compiled.standin(), compiled.CASE_IDS),
    "owned_deadline_ids": lambda: owned.owned_deadline_ids(compiled.standin()),
    "cases_seen": lambda: dashboard._seen(compiled.standin()),
    "owned_in_order": lambda: dashboard._owned_in_order(compiled.standin(), False),
    "owned_in_order_managers": lambda: dashboard._owned_in_order(compiled.standin(), True),
}


@pytest.fixture
def world(cheshire_with_cases: factories.World) -> factories.World:
    return cheshire_with_cases


@pytest.mark.parametrize("key", list(KEPT))
def test_the_kept_sql_is_what_django_compiles_for_the_database_in_use(
    world: factories.World, key: str
) -> None:
    kept = compiled.compile_once(key, KEPT[key])
    sql, params = KEPT[key]().query.get_compiler(connection=connection).as_sql()
    assert kept.sql == sql
    standins = compiled.values_for(compiled.standin(), compiled.CASE_IDS)  # as built
    assert kept.params(standins) == list(params)
    assert kept.alias == "default"
    # Run as it is kept, with a real person's values, on this database.
    assert isinstance(kept.rows(compiled.values_for(world.raiser)), list)


def test_sql_kept_for_one_kind_of_database_is_not_run_on_another(
    world: factories.World, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[str] = []

    def build() -> Any:
        built.append(connection.vendor)
        return KEPT["visible_case_ids"]()

    first = compiled.compile_once("vendor-check", build)
    assert compiled.compile_once("vendor-check", build) is first and len(built) == 1
    monkeypatch.setattr(connection, "vendor", "elsewhere")
    other = compiled.compile_once("vendor-check", build)
    assert len(built) == 2 and other is not first


def test_changing_a_setting_forgets_the_kept_sql(world: factories.World, settings: Any) -> None:
    built: list[int] = []

    def build() -> Any:
        built.append(1)
        return KEPT["visible_case_ids"]()

    compiled.compile_once("settings-check", build)
    compiled.compile_once("settings-check", build)
    assert len(built) == 1
    settings.USE_THOUSAND_SEPARATOR = not settings.USE_THOUSAND_SEPARATOR
    compiled.compile_once("settings-check", build)
    assert len(built) == 2


def newest_first(person: Any) -> list[int]:
    return list(
        visibility.visible_cases(person).order_by("-raised_at", "-id").values_list("pk", flat=True)
    )


@pytest.mark.parametrize(
    "who",
    [
        lambda w: w.raiser,
        lambda w: w.person(Role.LINE_MANAGER),
        lambda w: w.person(Role.BUSINESS_UNIT),
        lambda w: w.person(Role.BOARD_REPRESENTATIVE, side="other"),
    ],
)
def test_each_page_of_the_cases_a_person_sees_is_that_page_of_their_own_queryset(
    world: factories.World, who: Any
) -> None:
    person = who(world)
    every = newest_first(person)
    assert every  # the comparison compares something
    pages = -(-len(every) // 2)
    for number in range(1, pages + 1):
        page, rows = dashboard.cases_page(person, number, per_page=2)
        assert [r.case.pk for r in rows] == every[(number - 1) * 2 : number * 2], number
        assert (page.number, page.paginator.count, page.paginator.num_pages) == (
            number,
            len(every),
            pages,
        )
    # Past the last page, or a number too long to be one: the last page.
    for past in (pages + 1, 10**9, str(pages + 3)):
        page, rows = dashboard.cases_page(person, past, per_page=2)
        assert page.number == pages and [r.case.pk for r in rows] == every[(pages - 1) * 2 :]
    # Not a page number: the first.
    for odd in (None, 0, -3, "two"):
        page, rows = dashboard.cases_page(person, odd, per_page=2)
        assert page.number == 1 and [r.case.pk for r in rows] == every[:2]


def test_someone_who_sees_no_case_has_one_empty_page_whichever_is_asked_for(
    world: factories.World,
) -> None:
    nobody = factories.user("Sees nothing")
    assert not Case.objects.filter(pk__in=newest_first(nobody)).exists()
    for number in (1, 2, 10**9):
        page, rows = dashboard.cases_page(nobody, number)
        assert rows == [] and page.number == 1 and page.paginator.count == 0


def test_on_postgresql_a_kept_query_is_prepared_once_a_connection_and_logged_in_full(
    world: factories.World,
) -> None:
    from django.test.utils import CaptureQueriesContext

    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    kept = compiled.compile_once("waiting", KEPT["waiting"])
    values = compiled.values_for(world.raiser)
    with CaptureQueriesContext(connection) as queries:
        first = kept.rows(values)
        again = kept.rows(values)
    assert first == again == list(dashboard.waiting(world.raiser))
    logged = [q["sql"] for q in queries.captured_queries]
    assert len(logged) == 2 and all(f"= {world.raiser.pk}" in sql for sql in logged)
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    numbered = iter(range(1, 10_000))
    as_sent = re.sub("%s", lambda _: f"${next(numbered)}", kept.sql).replace("%%", "%")
    assert prepared.count(as_sent) == 1  # prepared once, run twice


def test_on_postgresql_a_query_kept_planned_once_is_planned_once_for_everyone(
    world: factories.World,
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("plans kept for prepared statements are PostgreSQL's")
    once = compiled.compile_once("test-planned-once", KEPT["waiting"], planned_once=True)
    guessed = compiled.compile_once("test-guessed", KEPT["owned_deadline_ids"])
    people = world.one_of_each()
    for person in people:
        values = compiled.values_for(person)
        assert once.rows(values) == list(dashboard.waiting(person)), person
        guessed.rows(values)

    def plans(kept: compiled.Compiled) -> tuple[int, int]:
        numbered = iter(range(1, 10_000))
        as_sent = re.sub("%s", lambda _: f"${next(numbered)}", kept.sql).replace("%%", "%")
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT generic_plans, custom_plans FROM pg_prepared_statements"
                " WHERE statement = %s",
                [as_sent],
            )
            generic, custom = cursor.fetchone()
        return generic, custom

    # The plan for everyone run for each of them, none planned for their values; the
    # other planned for each person's values (the first five runs at least).
    assert plans(once) == (len(people), 0)
    assert plans(guessed)[1] >= 5
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        assert cursor.fetchone()[0] == "auto"  # the connection told to guess again


def test_each_page_of_a_persons_own_deadlines_is_that_page_of_their_own_queryset(
    world: factories.World,
) -> None:
    chair = world.person(Role.INDEPENDENT_CHAIR)
    every = list(owned.owned_deadlines(chair).values_list("pk", flat=True))
    assert len(every) >= 2
    for number in (1, 2, len(every) + 5):
        page, found = dashboard.deadlines_page(chair, number, per_page=1)
        shown = min(number, len(every))
        assert [d.pk for d in found] == every[shown - 1 : shown], number
        assert page.number == shown and page.paginator.count == len(every)
    assert [d.pk for d in dashboard.deadlines_page(chair, per_page=50)[1]] == every
    page, found = dashboard.deadlines_page(factories.user("Owns nothing"), 3)
    assert found == [] and page.paginator.count == 0


def test_sql_for_postgresql_numbers_each_value_and_keeps_each_percent_sign() -> None:
    django = "a = %s AND b LIKE '%%s%%' AND c IN (%s, %s)"
    assert compiled.numbered(django) == "a = $1 AND b LIKE '%s%' AND c IN ($2, $3)"
    assert compiled.numbered("SELECT 1") == "SELECT 1"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("in_a_transaction", [False, True])
def test_on_postgresql_planning_once_is_set_for_the_querys_transaction_alone(
    in_a_transaction: bool,
) -> None:
    from django.db import transaction

    if connection.vendor != "postgresql":
        pytest.skip("plan_cache_mode is PostgreSQL's")
    setting = "SELECT current_setting('plan_cache_mode')"

    def run() -> str:
        with compiled.cursor(planned_once=True) as kept:
            kept.execute(setting)
            # Held by a transaction, never by the connection: a pooler handing out
            # connections a transaction at a time passes it to no one else.
            assert connection.in_atomic_block
            return str(kept.fetchone()[0])

    if in_a_transaction:
        with transaction.atomic():
            assert run() == "force_generic_plan"
            with connection.cursor() as cursor:  # later in the caller's transaction
                cursor.execute(setting)
                assert cursor.fetchone()[0] == "auto"
    else:
        assert run() == "force_generic_plan"
    with connection.cursor() as cursor:
        cursor.execute(setting)
        assert cursor.fetchone()[0] == "auto"
