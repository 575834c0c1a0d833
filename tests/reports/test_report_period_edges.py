"""The board report counts a period's policy issues by the moment each was raised,
from the start of the period's first day to the start of the day after its last, in
the partnership's time zone (Europe/London): the same issues as reading each moment's
date, in Greenwich Mean Time and in British Summer Time, and by a range the raised_at
column's index can serve (no per-row conversion to a date)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import factories
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from escalate.cases import services
from escalate.cases.models import PolicyIssue
from escalate.reports import report_data
from escalate.reports.common import parse_period

pytestmark = pytest.mark.django_db
FrozenClock = Callable[[dt.date | dt.datetime], dt.datetime]

#: Local (London) times either side of midnight at the quarters' edges of 2026: the
#: clocks went forward on 29 March and back on 25 October, so 31 March, 1 April,
#: 30 June, 1 July, 30 September and 1 October are in summer time (00:30 is 23:30
#: the day before in UTC) and 31 December and 1 January in Greenwich Mean Time.
EDGES = [
    dt.datetime(2025, 12, 31, 23, 30),
    dt.datetime(2026, 1, 1, 0, 30),
    dt.datetime(2026, 3, 31, 23, 30),
    dt.datetime(2026, 4, 1, 0, 30),
    dt.datetime(2026, 6, 30, 23, 30),
    dt.datetime(2026, 7, 1, 0, 30),
    dt.datetime(2026, 9, 30, 23, 30),
    dt.datetime(2026, 10, 1, 0, 30),
    dt.datetime(2026, 12, 31, 23, 30),
    dt.datetime(2027, 1, 1, 0, 30),
]


@pytest.fixture
def world(frozen_clock: FrozenClock) -> factories.World:
    frozen_clock(dt.datetime(2025, 12, 1, 9, 0))
    w = factories.world("cheshire-east-sab")
    case = factories.raise_case(w, concern_arose_on=dt.date(2025, 12, 1))
    for moment in EDGES:
        frozen_clock(moment)
        case.refresh_from_db()
        services.flag_policy_issue(
            w.raiser, case, text=f"Raised {moment:%d %b %H:%M}.", expected_version=case.version
        )
    frozen_clock(dt.date(2027, 2, 1))
    return w


def issues_in(w: factories.World, **period: str) -> int:
    report = report_data.build_report(w.partnership, parse_period(**period))
    return sum(n for _status, n in report.policy_issues)


def by_date(w: factories.World, **period: str) -> int:
    """The count as the report made it before: each moment's date in Django's zone."""
    p = parse_period(**period)
    return PolicyIssue.objects.filter(
        case__partnership=w.partnership,
        raised_at__date__gte=p.first,
        raised_at__date__lte=p.last,
    ).count()


@pytest.mark.parametrize(
    "period",
    [
        {"text": "2026"},
        {"text": "2026-Q1"},  # starts in GMT, ends in BST
        {"text": "2026-Q2"},  # all BST
        {"text": "2026-Q3"},
        {"text": "2026-Q4"},  # starts in BST, ends in GMT
        {"since": "2026-03-31", "until": "2026-04-01"},
        {"since": "2026-04-01", "until": "2026-04-01"},
        {"since": "2025-12-31", "until": "2025-12-31"},
    ],
)
def test_policy_issues_raised_either_side_of_midnight_count_in_the_local_day(
    world: factories.World, period: dict[str, str]
) -> None:
    assert issues_in(world, **period) == by_date(world, **period)


def test_policy_issue_counts_at_the_edges_are_those_hand_counted(world: factories.World) -> None:
    assert issues_in(world, text="2026") == 8  # not 31 Dec 2025 23:30 nor 1 Jan 2027 00:30
    for quarter in ("2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"):
        assert issues_in(world, text=quarter) == 2  # its first day's 00:30, last day's 23:30
    assert issues_in(world, since="2026-04-01", until="2026-04-01") == 1  # 00:30 BST only
    assert issues_in(world, text="2027") == 1


def test_a_period_to_the_last_day_a_date_can_be_is_not_a_server_error(
    world: factories.World,
) -> None:
    assert issues_in(world, since="9990-01-01", until="9999-12-31") == 0


def test_the_policy_issue_count_reads_raised_at_as_a_range_not_a_date_per_row(
    world: factories.World,
) -> None:
    with CaptureQueriesContext(connection) as queries:
        issues_in(world, text="2026")
    (issue_query,) = [q["sql"] for q in queries.captured_queries if "policyissue" in q["sql"]]
    assert "cast_date" not in issue_query  # SQLite: a Python function per row
    assert "AT TIME ZONE" not in issue_query.upper()  # PostgreSQL
    assert "raised_at" in issue_query
