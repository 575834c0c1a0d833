"""The figures mark: the database moves a partnership's mark with every change to a row
its report counts, and a report kept under the mark is never shown once it moved."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import board_fixtures
import factories
import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from escalate.cases import services
from escalate.cases.models import CaseDeadline, PolicyIssue, StageRecord
from escalate.partnerships.models import (
    NonWorkingDay,
    Partnership,
    ProcedureVersion,
    WorkedBankHoliday,
)
from escalate.procedures.model import Role
from escalate.procedures.timescales import Region
from escalate.reports import figures_mark, report_data
from escalate.reports.models import FiguresMark
from escalate.reports.selectors import parse_period

# Each change commits on its own, as a request's does (PostgreSQL's triggers move a mark
# once a transaction: inside one test-long transaction it would move only once).
pytestmark = pytest.mark.django_db(transaction=True)

REPORT_DAY = dt.date(2027, 2, 1)
YEAR = parse_period("2026")


@pytest.fixture
def board(frozen_clock) -> board_fixtures.Board:
    built = board_fixtures.build(frozen_clock)
    frozen_clock(REPORT_DAY)
    return built


def marks() -> dict[int, int]:
    return dict(FiguresMark.objects.values_list("partnership_id", "mark"))


def moved_by(change: Callable[[], Any]) -> set[int]:
    """The partnerships whose mark ``change`` moved."""
    before = marks()
    change()
    after = marks()
    return {pk for pk in after if before.get(pk) != after[pk]}


# ---------------------------------------------------------------- what is watched


def test_every_trigger_is_in_the_database() -> None:
    assert figures_mark.missing() == []


def test_every_table_the_report_reads_is_watched(board) -> None:
    with CaptureQueriesContext(connection) as queries:
        report_data.build_report(board.w.partnership, YEAR)
    read = {
        table
        for query in queries
        for table in re.findall(r'(?:FROM|JOIN)\s+"?(\w+)"?', query["sql"], flags=re.IGNORECASE)
    }
    watched = {w.table for w in figures_mark.WATCHED}
    assert read, "the report read nothing"
    assert read - watched == set()


def test_a_partnership_made_gets_a_mark_of_its_own() -> None:
    made = factories.partnership()
    assert FiguresMark.objects.filter(partnership=made).exists()


def test_triggers_a_migration_dropped_are_made_again_after_migrate() -> None:
    figures_mark.uninstall()
    assert figures_mark.missing() != []
    figures_mark.installed_after_migrate(using="default")
    assert figures_mark.missing() == []


def test_migrating_again_makes_no_trigger_again() -> None:
    # (Making a trigger locks its table: a server migrating as it starts must not.)
    with CaptureQueriesContext(connection) as queries:
        figures_mark.installed_after_migrate(using="default")
    made = [q["sql"] for q in queries if q["sql"].startswith(("CREATE TRIGGER", "DROP TRIGGER"))]
    assert made == []
    assert figures_mark.missing() == []


def test_migrations_that_rebuild_the_case_table_run_and_leave_every_trigger(board) -> None:
    # Back to before cases 0010 and forward again: on SQLite, changing a table is making
    # a new one and renaming it, refused while another table's trigger names the old.
    before = marks()
    call_command("migrate", "cases", "0009", verbosity=0)
    call_command("migrate", verbosity=0)
    assert figures_mark.missing() == []
    after = marks()
    # Every mark moved: the migrations changed data with no trigger to say so.
    assert set(after) == set(before) and all(after[p] != before[p] for p in before)


# ---------------------------------------------------------------- what moves it


def test_a_change_to_a_case_moves_its_partnerships_mark_alone(board) -> None:
    w = board.w
    mine = {w.partnership.pk}  # (board_fixtures made another partnership's case too)
    assert moved_by(lambda: factories.raise_case(w, **board_fixtures.PERSON)) == mine
    case = board.d
    assert (
        moved_by(
            lambda: services.withdraw(
                w.other_professional, case, reason="Sorted.", expected_version=case.version
            )
        )
        == mine
    )


@pytest.mark.parametrize(
    "change",
    [
        "stage_record",
        "deadline_met",
        "deadline_deleted",
        "policy_issue",
        "case_deleted_rows",
    ],
)
def test_a_change_to_a_row_of_a_case_moves_its_partnerships_mark(board, change) -> None:
    w, case = board.w, board.e
    mine = {w.partnership.pk}
    if change == "stage_record":
        done = lambda: StageRecord.objects.filter(case=case).update(act_by=REPORT_DAY)  # noqa: E731
    elif change == "deadline_met":
        done = lambda: CaseDeadline.objects.filter(case=case).update(met_on=REPORT_DAY)  # noqa: E731
    elif change == "deadline_deleted":
        done = lambda: CaseDeadline.objects.filter(case=case).delete()  # noqa: E731
    elif change == "policy_issue":
        done = lambda: PolicyIssue.objects.filter(case=board.b).update(text="Reworded.")  # noqa: E731
    else:
        done = lambda: StageRecord.objects.filter(case=case).delete()  # noqa: E731
    assert moved_by(done) == mine


def test_renaming_an_agency_moves_the_mark_of_every_partnership_it_is_in(board) -> None:
    w = board.w
    second = factories.partnership()
    w.raising.partnerships.add(second)
    w.raising.name = "Renamed agency"
    assert moved_by(w.raising.save) == {w.partnership.pk, second.pk}


def test_renaming_an_agency_that_left_moves_the_mark_where_its_cases_are(board) -> None:
    w = board.w
    w.partnership.agencies.remove(w.other)
    w.other.name = "Renamed after leaving"
    assert moved_by(w.other.save) == {w.partnership.pk}
    named = dict(report_data.kept_report(w.partnership, YEAR).by_other_agency)
    assert "Renamed after leaving" in named


def test_an_agency_joining_or_leaving_moves_that_partnerships_mark(board) -> None:
    w = board.w
    assert moved_by(lambda: w.partnership.agencies.remove(board.quiet)) == {w.partnership.pk}
    assert moved_by(lambda: w.partnership.agencies.add(board.quiet)) == {w.partnership.pk}


def test_renaming_the_partnership_or_changing_a_version_moves_its_mark(board) -> None:
    p = board.w.partnership
    p.name = "Cheshire East Safeguarding Adults Board (renamed)"
    assert moved_by(p.save) == {p.pk}
    assert ProcedureVersion.objects.filter(partnership=p).exists()
    moved = moved_by(
        lambda: ProcedureVersion.objects.filter(partnership=p).update(version_label="Renamed")
    )
    assert moved == {p.pk}


@pytest.mark.parametrize("model", [NonWorkingDay, WorkedBankHoliday])
def test_a_day_off_moves_the_mark_of_every_partnership_in_its_region(board, model) -> None:
    p = board.w.partnership
    elsewhere = factories.partnership(region=Region.SCOTLAND.value)
    in_region = set(Partnership.objects.filter(region=p.region).values_list("pk", flat=True))
    made = moved_by(lambda: model.objects.create(date=REPORT_DAY, region=p.region, reason="Fete"))
    assert made == in_region and elsewhere.pk not in made
    assert moved_by(lambda: model.objects.filter(region=p.region).delete()) == in_region


def test_a_change_rolled_back_leaves_the_mark_as_it_was(board) -> None:
    before = marks()
    with pytest.raises(RuntimeError), transaction.atomic():
        factories.raise_case(board.w, **board_fixtures.PERSON)
        raise RuntimeError("rolled back")
    assert marks() == before


# ---------------------------------------------------------------- the kept report


def report_page(board: board_fixtures.Board) -> tuple[str, int]:
    client = Client()
    client.force_login(board.w.person(Role.BUSINESS_UNIT))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/board/{board.w.partnership.slug}/report/?period=2026")
        text = response.content.decode()
    assert response.status_code == 200
    return text, len(queries)


def raised_figure(text: str) -> str:
    found = re.search(r"Cases raised(?:\s|<[^>]*>)*(\d+)", text)
    assert found, "the page shows no count of escalations raised"
    return found.group(1)


def test_the_report_asked_again_unchanged_is_not_counted_again(board) -> None:
    first, counted = report_page(board)
    again, kept = report_page(board)
    assert raised_figure(first) == raised_figure(again)
    assert kept < counted - 10


def test_the_report_counts_again_as_soon_as_a_case_changes(board, frozen_clock) -> None:
    w = board.w
    first, _ = report_page(board)
    frozen_clock(dt.date(2026, 12, 31))
    factories.raise_case(w, **board_fixtures.PERSON)
    frozen_clock(REPORT_DAY)
    after, _ = report_page(board)
    assert int(raised_figure(after)) == int(raised_figure(first)) + 1


def test_the_report_names_an_agency_as_it_is_called_now(board) -> None:
    report_page(board)
    board.w.raising.name = "Cheshire East Adult Social Care"
    board.w.raising.save()
    after, _ = report_page(board)
    assert "Cheshire East Adult Social Care" in after


def test_a_period_asked_for_in_other_words_is_named_as_asked(board) -> None:
    year = report_data.kept_report(board.w.partnership, YEAR)
    same_days = parse_period(since="2026-01-01", until="2026-12-31")
    again = report_data.kept_report(board.w.partnership, same_days)
    assert (year.period.label, again.period.label) == (YEAR.label, same_days.label)
    assert YEAR.label != same_days.label and again.raised == year.raised


def test_the_report_is_counted_again_on_a_new_day(board, frozen_clock) -> None:
    kept = report_data.kept_report(board.w.partnership, YEAR)
    frozen_clock(REPORT_DAY + dt.timedelta(days=1))
    again = report_data.kept_report(board.w.partnership, YEAR)
    assert (kept.generated_on, again.generated_on) == (REPORT_DAY, REPORT_DAY + dt.timedelta(1))


def test_a_partnership_without_a_mark_is_counted_every_time(board) -> None:
    FiguresMark.objects.filter(partnership=board.w.partnership).delete()
    first = report_data.kept_report(board.w.partnership, YEAR)
    # (A change the mark would have shown: with no mark, the next report still has it.)
    board.w.raising.name = "Unmarked agency"
    board.w.raising.save()
    again = report_data.kept_report(board.w.partnership, YEAR)
    assert "Unmarked agency" not in dict(first.by_raising_agency)
    assert "Unmarked agency" in dict(again.by_raising_agency)


def test_on_postgresql_a_transaction_moves_each_mark_once_however_many_rows_it_changes(
    board,
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's triggers move the mark for every row (no cost to it there)")
    before = marks()
    with transaction.atomic(), connection.cursor() as cursor:
        changed = CaseDeadline.objects.filter(case__partnership=board.w.partnership).update(
            met_on=REPORT_DAY
        )
        cursor.execute("SELECT txid_current()")
        (this_transaction,) = cursor.fetchone()
        # (Moved as the transaction commits, not before.)
        assert marks() == before
    moved = FiguresMark.objects.get(partnership=board.w.partnership)
    assert changed > 1
    assert moved.moved_in == this_transaction and moved.mark != before[board.w.partnership.pk]


def test_a_report_asked_for_by_the_transaction_changing_it_counts_each_change(board) -> None:
    w = board.w
    with transaction.atomic():
        w.raising.name = "First name"
        w.raising.save()
        first = report_data.kept_report(w.partnership, YEAR)
        w.raising.name = "Second name"
        w.raising.save()
        second = report_data.kept_report(w.partnership, YEAR)
    assert "First name" in dict(first.by_raising_agency)
    assert "Second name" in dict(second.by_raising_agency)
    # Once committed, the report is kept again under the mark the change left.
    assert report_data.kept_report(w.partnership, YEAR).by_raising_agency == (
        second.by_raising_agency
    )
