"""The board's report is counted by the database: the same queries for a handful of
cases or hundreds, and the figures the hand count (board_fixtures) did not check."""

from __future__ import annotations

import csv
import datetime as dt
import io

import board_fixtures
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from register_cases import many_more

from escalate.cases.models import Case
from escalate.procedures.model import Role
from escalate.reports import selectors
from escalate.reports.selectors import parse_period

pytestmark = pytest.mark.django_db

REPORT_DAY = dt.date(2027, 2, 1)
YEAR = parse_period("2026")
WINTER = parse_period(since="2026-12-01", until="2027-02-28")


@pytest.fixture
def board(frozen_clock) -> board_fixtures.Board:
    built = board_fixtures.build(frozen_clock)
    frozen_clock(REPORT_DAY)
    return built


def report_queries(board: board_fixtures.Board, query: str) -> int:
    client = Client()
    client.force_login(board.w.person(Role.BUSINESS_UNIT))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/board/{board.w.partnership.slug}/report/?{query}")
        response.getvalue()
    assert response.status_code == 200
    return len(queries)


def test_the_report_takes_the_same_queries_for_5_or_400_cases(board) -> None:
    w = board.w
    pages = ["from=2026-12-01&to=2027-02-28", "period=2027&format=csv", "period=2026"]

    def counted() -> tuple[int, list[int]]:
        with CaptureQueriesContext(connection) as queries:
            selectors.build_report(w.partnership, WINTER)
        return len(queries), [report_queries(board, q) for q in pages]

    few = counted()
    many_more(w, 400)
    # Some of them closed, with learning recorded, so every figure has rows to count.
    copies = Case.objects.filter(partnership=w.partnership, raised_on=REPORT_DAY)
    resolved = copies.order_by("pk").values("pk")[:150]
    Case.objects.filter(pk__in=resolved).update(
        status="resolved", closed_on=dt.date(2027, 2, 1), learning_themes=["Capacity"]
    )
    assert selectors.build_report(w.partnership, WINTER).raised == 406
    assert counted() == few


def test_cases_with_the_same_figures_are_counted_together_in_every_breakdown(board) -> None:
    w = board.w
    report = selectors.build_report(w.partnership, YEAR)
    assert report.by_other_sector == [
        ("NHS trust", 3),
        ("Local authority adult social care", 1),
    ]
    # Themes the same but for case and spaces are one theme, counted once per case.
    Case.objects.filter(pk=board.b.pk).update(learning_themes=[" communication", "capacity"])
    Case.objects.filter(pk=board.c.pk).update(learning_themes=[" communication", "capacity"])
    themes = selectors.build_report(w.partnership, YEAR).themes
    assert themes == [("Communication", 3), ("Capacity", 2), ("Information sharing", 1)]


def test_a_case_with_no_category_is_counted_as_such(board) -> None:
    w = board.w
    Case.objects.filter(pk__in=[board.a.pk, board.c.pk]).update(categories=[])
    first, second = [c.label for c in w.procedure.categories][:2]
    report = selectors.build_report(w.partnership, YEAR)
    assert sorted(report.by_category) == sorted([(first, 1), (second, 1), ("No category", 2)])


def test_a_case_in_two_categories_is_counted_in_each(board) -> None:
    w = board.w
    first, second = [c.key for c in w.procedure.categories][:2]
    Case.objects.filter(pk=board.a.pk).update(categories=[first, second])
    labels = {c.key: c.label for c in w.procedure.categories}
    report = selectors.build_report(w.partnership, YEAR)
    assert sorted(report.by_category) == sorted([(labels[first], 2), (labels[second], 3)])
    # The register's category filter finds it under either.
    client = Client()
    client.force_login(w.person(Role.BUSINESS_UNIT))
    url = f"/board/{w.partnership.slug}/register/?reached=all&format=csv&category="
    every_first = {board.a, board.b, board.e}  # E (2027) too: the register is for all time
    for key, expected in ((first, every_first), (second, {board.a, board.c, board.d})):
        rows = list(csv.reader(io.StringIO(client.get(url + key).getvalue().decode("utf-8-sig"))))
        assert {r[0] for r in rows[1:]} == {c.reference for c in expected}, key


def test_the_days_to_resolution_are_one_per_resolved_case_even_on_the_same_dates(board) -> None:
    w = board.w
    many_more(w, 10)
    copies = Case.objects.filter(partnership=w.partnership, raised_on=REPORT_DAY)
    Case.objects.filter(pk__in=copies.values("pk")).update(
        status="resolved", closed_on=dt.date(2027, 2, 3)
    )
    report = selectors.build_report(w.partnership, WINTER)
    assert report.resolved == 13  # A, B, and the 11 raised on the report day
    assert sorted(report.days_to_resolution) == [2] * 12 + [3]
    assert (report.median_days, report.p90_days) == (2.0, 2.0)
