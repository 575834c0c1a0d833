"""The board's report: figures checked against a hand-counted set of cases (see
board_fixtures), small-number suppression, and no one's identity in anything exported."""

from __future__ import annotations

import csv
import datetime as dt
import io

import board_fixtures
import pytest
from django.test import Client
from pypdf import PdfReader

from escalate.cases.errors import Invalid
from escalate.cases.facts import calendar_for
from escalate.procedures.calendar import WorkingCalendar
from escalate.procedures.model import Region, Role
from escalate.reports import selectors
from escalate.reports.exports import report_table
from escalate.reports.selectors import WorkingDays, median, parse_period, percentile

REPORT_DAY = dt.date(2027, 2, 1)


@pytest.fixture
def board(frozen_clock) -> board_fixtures.Board:
    built = board_fixtures.build(frozen_clock)
    frozen_clock(REPORT_DAY)
    return built


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_case_raised_before_christmas_and_resolved_after_took_two_working_days():
    england = WorkingCalendar.for_region(Region.ENGLAND_AND_WALES)
    days = WorkingDays(england)
    # Thu 24 and Tue 29 Dec 2026 are working days; 25, 26, 27 and 28 Dec are not.
    assert days.between(dt.date(2026, 12, 23), dt.date(2026, 12, 29)) == 2
    assert days.between(dt.date(2026, 12, 23), dt.date(2026, 12, 30)) == 3
    assert days.between(dt.date(2026, 12, 23), dt.date(2026, 12, 23)) == 0
    # The lookup agrees with the calendar's own count across a whole year.
    start = dt.date(2026, 1, 1)
    for n in range(0, 400, 7):
        end = start + dt.timedelta(days=n)
        assert days.between(start, end) == england.working_days_between(start, end)


def test_median_and_90th_percentile_by_nearest_rank():
    assert median([2, 3]) == 2.5 and percentile([2, 3], 90) == 3
    assert median([5, 1, 3]) == 3 and percentile(list(range(1, 11)), 90) == 9
    assert median([]) is None and percentile([], 90) is None


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("2026-Q3", dt.date(2026, 7, 1), dt.date(2026, 9, 30)),
        ("2026q4", dt.date(2026, 10, 1), dt.date(2026, 12, 31)),
        ("2026", dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
    ],
)
def test_periods_are_years_or_quarters(text, first, last):
    period = parse_period(text)
    assert (period.first, period.last) == (first, last)


def test_bad_periods_are_refused_in_plain_english():
    with pytest.raises(Invalid) as refused:
        parse_period("last summer")
    assert refused.value.errors["period"] == [
        "Enter the period as a year, like 2026, or a quarter, like 2026-Q3."
    ]
    with pytest.raises(Invalid) as refused:
        parse_period(since="2026-09-01", until="2026-08-01")
    assert "end date" in refused.value.errors["to"][0]


@pytest.mark.django_db
def test_report_figures_match_the_hand_count(board):
    w = board.w
    report = selectors.board_report(
        w.person(Role.BUSINESS_UNIT), w.partnership, parse_period("2026")
    )
    cats = {c.key: c.label for c in w.procedure.categories}
    first, second = list(cats.values())[:2]

    assert report.raised == 4  # A, B, C, D: not E (2027) nor the other partnership's
    assert report.by_stage_outcome == [(1, 1, 1, 1), (2, 1, 0, 0), (3, 0, 0, 0), (4, 0, 0, 0)]
    assert report.by_raising_agency == [(w.raising.name, 3), (w.other.name, 1)]
    assert report.by_other_agency == [(w.other.name, 3), (w.raising.name, 1)]
    assert report.by_raising_sector == [
        ("Local authority adult social care", 3),
        ("NHS trust", 1),
    ]
    assert sorted(report.by_category) == sorted([(first, 2), (second, 2)])
    assert (report.resolved, report.resolved_at_lowest, report.resolved_at_lowest_pct) == (
        2,
        1,
        50.0,
    )
    assert sorted(report.days_to_resolution) == [2, 3]
    assert (report.median_days, report.p90_days) == (2.5, 3.0)
    # Every stored deadline counts (issue 11), not only act-bys: the stages' act-bys and
    # the start-by and conclude-by dates that fall on other days, nine in all. D's stage 1
    # (act by Tue 29 Dec) is still open: its one deadline missed.
    assert (report.deadlines_timed, report.deadlines_in_time, report.in_time_pct) == (9, 8, 88.9)
    assert report.missed_by_stage == [("Stage 1", 1)]
    assert report.missed_by_agency == [(w.other.name, 1)]
    assert (report.open_now, report.overdue_now) == (2, 2)  # D and E, both past act-by
    assert report.agencies_raising_none == ["Quiet agency"]
    assert report.policy_issues == [("Awaiting a response", 1), ("Responded to", 0)]
    assert (report.closed, report.debriefs_offered, report.debriefs_held) == (3, 1, 1)
    assert report.themes == [("Communication", 1), ("Information sharing", 1)]


@pytest.mark.django_db
def test_quarter_and_date_range_pick_the_cases_raised_in_them(board):
    bu, p = board.w.person(Role.BUSINESS_UNIT), board.w.partnership
    assert selectors.board_report(bu, p, parse_period("2026-Q3")).raised == 0
    assert selectors.board_report(bu, p, parse_period("2027-Q1")).raised == 1
    both = parse_period(since="2026-12-01", until="2027-01-31")
    assert selectors.board_report(bu, p, both).raised == 5


@pytest.mark.django_db
def test_the_report_page_shows_charts_with_their_data_and_can_suppress_small_counts(board):
    client = _client(board.w.person(Role.INDEPENDENT_CHAIR))
    url = f"/board/{board.w.partnership.slug}/report/?period=2026"

    page = client.get(url).content.decode()
    assert 'role="img"' in page and "<title id=" in page and "<desc id=" in page
    assert "<script" not in page.split("<main")[1].split("</main>")[0]
    assert (
        f'{board.w.raising.name}</th><td class="govuk-table__cell govuk-table__cell--numeric">3'
        in page
    )
    assert "2.5 working days" in page

    suppressed = client.get(url + "&suppress=1").content.decode()
    assert "fewer than 5" in suppressed
    assert ">3<" not in suppressed.split("<main")[1]
    assert "withheld (small numbers)" in suppressed


@pytest.mark.django_db
def test_exports_suppress_counts_below_five_and_never_identify_the_person(board):
    client = _client(board.w.person(Role.BUSINESS_UNIT))
    base = f"/board/{board.w.partnership.slug}/report/?period=2026"

    csv_text = client.get(base + "&format=csv").content.decode("utf-8-sig")
    rows = {(r[0], r[1]): r[2] for r in csv.reader(io.StringIO(csv_text))}
    assert rows[("Raised", "Cases raised")] == "fewer than 5"
    assert rows[("Stage 3 reached", "Resolved")] == "0"
    assert rows[("Resolution", "Median working days to resolution")] == "withheld (small numbers)"
    assert rows[("Member agencies that raised none", "Quiet agency")] == ""

    pdf = client.get(base + "&format=pdf")
    assert pdf["Content-Type"] == "application/pdf"
    pdf_text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "fewer than 5" in pdf_text and "Quiet agency" in pdf_text

    for text in (csv_text, pdf_text):
        for identity in board_fixtures.IDENTITY:
            assert identity not in text


@pytest.mark.django_db
def test_unsuppressed_table_keeps_the_real_counts_for_the_board(board):
    report = selectors.build_report(board.w.partnership, parse_period("2026"))
    rows = {(r[0], r[1]): r[2] for r in report_table(report, suppress=False)}
    assert rows[("Raised", "Cases raised")] == "4"
    assert rows[("Resolution", "Resolved at the lowest stage")] == "50.0%"


@pytest.mark.django_db
def test_working_days_leave_out_the_partnerships_own_non_working_days(board):
    from escalate.partnerships.models import NonWorkingDay

    NonWorkingDay.objects.create(
        date=dt.date(2026, 12, 29), region=board.w.partnership.region, reason="Office closed"
    )
    report = selectors.build_report(board.w.partnership, parse_period("2026"))
    assert sorted(report.days_to_resolution) == [1, 2]
    assert calendar_for(board.w.partnership).is_working_day(dt.date(2026, 12, 29)) is False


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["report", "register", "policy-issues"])
def test_board_pages_are_refused_to_everyone_but_the_business_unit_chair_and_statutory_partners(
    board, page
):
    w = board.w
    url = f"/board/{w.partnership.slug}/{page}/"
    for role in (Role.BUSINESS_UNIT, Role.INDEPENDENT_CHAIR, Role.STATUTORY_PARTNER):
        assert _client(w.person(role)).get(url).status_code == 200, role
    for person in (
        w.raiser,
        w.person(Role.SAFEGUARDING_LEAD),
        w.person(Role.BOARD_REPRESENTATIVE),
        w.administrator,
    ):
        response = _client(person).get(url)
        assert response.status_code == 403
        assert (
            "business unit, independent chair and statutory partners" in response.content.decode()
        )
    assert Client().get(url).status_code == 302  # signed out: to the sign-in page
    with pytest.raises(Exception, match="business unit"):
        selectors.board_report(w.raiser, w.partnership, parse_period("2026"))


@pytest.mark.django_db
def test_a_bad_period_on_the_page_is_explained_and_kept(board):
    client = _client(board.w.person(Role.BUSINESS_UNIT))
    response = client.get(f"/board/{board.w.partnership.slug}/report/?period=summer")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Enter the period as a year, like 2026" in page and 'value="summer"' in page
