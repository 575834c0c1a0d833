"""Working days: Monday to Friday less the region's bank holidays and extra days off."""

from __future__ import annotations

import datetime as dt

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalate.procedures.calendar import (
    FIRST_YEAR,
    LAST_YEAR,
    OutsideCalendar,
    WorkingCalendar,
    format_day,
)
from escalate.procedures.engine import deadline_for
from escalate.procedures.model import Region, Timescale

D = dt.date
ENGLAND = WorkingCalendar.for_region("england-and-wales")
SCOTLAND = WorkingCalendar.for_region(Region.SCOTLAND)
NORTHERN_IRELAND = WorkingCalendar.for_region("northern-ireland")
CALENDARS = [ENGLAND, SCOTLAND, NORTHERN_IRELAND]


# ---------------------------------------------------------------- concrete days


@pytest.mark.parametrize(
    ("day", "why"),
    [
        (D(2026, 12, 24), None),  # Thu, Christmas Eve is a working day
        (D(2026, 12, 25), "bank holiday (Christmas Day)"),  # Fri
        (D(2026, 12, 26), "weekend"),  # Sat: Boxing Day falls on the weekend...
        (D(2026, 12, 27), "weekend"),
        (D(2026, 12, 28), "bank holiday (Boxing Day (substitute day))"),  # ...so Mon instead
        (D(2026, 12, 29), None),
        (D(2027, 1, 1), "bank holiday (New Year's Day)"),
        (D(2027, 1, 4), None),  # no 2 January holiday in England
        (D(2026, 4, 3), "bank holiday (Good Friday)"),
        (D(2026, 4, 6), "bank holiday (Easter Monday)"),
        (D(2026, 8, 31), "bank holiday (Late Summer Bank Holiday)"),
        (D(2026, 11, 30), None),  # St Andrew's Day is Scottish only
        (D(2026, 3, 17), None),  # St Patrick's Day is Northern Irish only
    ],
)
def test_england_and_wales(day: dt.date, why: str | None) -> None:
    assert ENGLAND.why_not_working(day) == why
    assert ENGLAND.is_working_day(day) is (why is None)


def test_christmas_2026_in_england_and_wales() -> None:
    assert [d for d, _ in ENGLAND.non_working_days(D(2026, 12, 24), D(2026, 12, 31))] == [
        D(2026, 12, 25),
        D(2026, 12, 26),
        D(2026, 12, 27),
        D(2026, 12, 28),
    ]
    assert ENGLAND.on_or_after(D(2026, 12, 25)) == D(2026, 12, 29)
    assert ENGLAND.add_working_days(D(2026, 12, 24), 1) == D(2026, 12, 29)
    assert ENGLAND.add_working_days(D(2026, 12, 23), 5) == D(2027, 1, 4)


@pytest.mark.parametrize(
    ("day", "why"),
    [
        (D(2026, 1, 1), "bank holiday (New Year's Day)"),
        (D(2026, 1, 2), "bank holiday (New Year Holiday)"),  # Fri 2 Jan: Scotland only
        (D(2026, 4, 6), None),  # no Easter Monday in Scotland
        (D(2026, 8, 3), "bank holiday (Summer Bank Holiday)"),  # first Monday in August
        (D(2026, 8, 31), None),  # England's late summer holiday is a working day
        (D(2026, 11, 30), "bank holiday (Saint Andrew's Day)"),  # Mon
        (D(2027, 1, 4), "bank holiday (New Year Holiday (substitute day))"),  # 2 Jan is a Sat
    ],
)
def test_scotland(day: dt.date, why: str | None) -> None:
    assert SCOTLAND.why_not_working(day) == why


def test_second_of_january_differs_between_scotland_and_england() -> None:
    assert SCOTLAND.add_working_days(D(2025, 12, 31), 1) == D(2026, 1, 5)
    assert ENGLAND.add_working_days(D(2025, 12, 31), 1) == D(2026, 1, 2)


@pytest.mark.parametrize(
    ("day", "why"),
    [
        (D(2026, 3, 17), "bank holiday (Saint Patrick's Day)"),  # Tue
        (D(2027, 3, 17), "bank holiday (Saint Patrick's Day)"),  # Wed
        (D(2026, 4, 6), "bank holiday (Easter Monday)"),
        (D(2026, 7, 12), "weekend"),  # the Twelfth is a Sunday in 2026...
        (D(2026, 7, 13), "bank holiday (Battle of the Boyne (substitute day))"),  # ...so Mon
        (D(2027, 7, 12), "bank holiday (Battle of the Boyne)"),  # Mon
    ],
)
def test_northern_ireland(day: dt.date, why: str | None) -> None:
    assert NORTHERN_IRELAND.why_not_working(day) == why


def test_extra_non_working_day() -> None:
    # e.g. a one-off bank holiday announced after the holidays package was released
    extra = D(2026, 6, 10)  # a Wednesday
    calendar = WorkingCalendar.for_region("england-and-wales", [extra])
    assert ENGLAND.is_working_day(extra)
    assert calendar.why_not_working(extra) == "non-working day"
    assert calendar.add_working_days(D(2026, 6, 9), 1) == D(2026, 6, 11)
    assert calendar.working_days_between(D(2026, 6, 8), D(2026, 6, 12)) == 3
    assert calendar.on_or_after(extra) == D(2026, 6, 11)
    # a bank holiday that is also listed keeps its name
    both = WorkingCalendar.for_region("england-and-wales", [D(2026, 12, 25)])
    assert both.why_not_working(D(2026, 12, 25)) == "bank holiday (Christmas Day)"


def test_unknown_region_is_refused() -> None:
    with pytest.raises(ValueError, match="wales"):
        WorkingCalendar.for_region("wales")


@pytest.mark.parametrize("calendar", CALENDARS, ids=lambda c: c.region.value)
def test_a_day_after_the_last_known_year_is_refused_not_guessed(
    calendar: WorkingCalendar,
) -> None:
    christmas = D(LAST_YEAR + 50, 12, 25)  # a Friday in 2150, with no bank holidays known
    with pytest.raises(OutsideCalendar, match=f"after {LAST_YEAR}, the last year") as refused:
        calendar.why_not_working(christmas)
    assert str(refused.value).startswith("Fri 25 Dec 2150 is after 2100")
    assert refused.value.day == christmas
    with pytest.raises(OutsideCalendar):
        calendar.why_not_working(D(LAST_YEAR + 1, 1, 1))
    with pytest.raises(OutsideCalendar):  # a weekend too: no count crosses the edge
        calendar.is_working_day(D(2150, 12, 26))
    with pytest.raises(OutsideCalendar):
        calendar.bank_holiday(christmas)


def test_counting_stops_at_the_end_of_the_last_known_year() -> None:
    assert ENGLAND.bank_holiday(D(LAST_YEAR, 12, 25)) == "Christmas Day"  # a Saturday
    assert ENGLAND.add_working_days(D(LAST_YEAR, 12, 29), 1) == D(LAST_YEAR, 12, 30)
    with pytest.raises(OutsideCalendar, match="Sat 1 Jan 2101"):
        ENGLAND.add_working_days(D(LAST_YEAR, 12, 29), 5)
    with pytest.raises(OutsideCalendar):
        ENGLAND.on_or_after(D(LAST_YEAR, 12, 31) + dt.timedelta(days=1))
    with pytest.raises(OutsideCalendar):
        ENGLAND.working_days_between(D(LAST_YEAR, 12, 1), D(LAST_YEAR + 1, 1, 10))
    with pytest.raises(OutsideCalendar):
        ENGLAND.non_working_days(D(LAST_YEAR, 12, 30), D(LAST_YEAR + 1, 1, 2))


def test_a_day_before_the_first_known_year_is_refused() -> None:
    with pytest.raises(OutsideCalendar, match=f"before {FIRST_YEAR}, the first year"):
        ENGLAND.why_not_working(D(FIRST_YEAR - 1, 12, 25))
    assert ENGLAND.why_not_working(D(FIRST_YEAR, 12, 25)) == "bank holiday (Christmas Day)"


@pytest.mark.parametrize("subdivision", ["ENG", "SCT", "NIR"])
def test_the_holidays_package_knows_every_year_the_calendar_trusts(subdivision: str) -> None:
    # If an upgrade of the holidays package narrowed its range, deadlines in the years
    # it dropped would silently lose their bank holidays: move FIRST_YEAR/LAST_YEAR.
    known = holidays.country_holidays("GB", subdiv=subdivision)
    assert known.start_year <= FIRST_YEAR and known.end_year >= LAST_YEAR
    for year in (FIRST_YEAR, LAST_YEAR):
        found = holidays.country_holidays("GB", subdiv=subdivision, years=year)
        assert any(name == "Christmas Day" for name in found.values())


def test_counting_rules() -> None:
    wed = D(2026, 9, 2)
    assert ENGLAND.add_working_days(wed, 0) == wed
    assert ENGLAND.add_working_days(wed, 1) == D(2026, 9, 3)  # Thu: strictly after
    assert ENGLAND.add_working_days(wed, 3) == D(2026, 9, 7)  # over the weekend
    assert ENGLAND.add_working_days(D(2026, 9, 5), 0) == D(2026, 9, 5)  # n=0 is the day
    assert ENGLAND.add_working_days(D(2026, 9, 5), 1) == D(2026, 9, 7)  # from a Saturday
    with pytest.raises(ValueError, match="negative"):
        ENGLAND.add_working_days(wed, -1)
    # "A case raised on Monday and resolved on Wednesday took 2 working days."
    assert ENGLAND.working_days_between(D(2026, 9, 7), D(2026, 9, 9)) == 2
    assert ENGLAND.working_days_between(D(2026, 9, 9), D(2026, 9, 7)) == -2
    assert ENGLAND.working_days_between(wed, wed) == 0
    assert ENGLAND.working_days_between(D(2026, 9, 4), D(2026, 9, 6)) == 0  # Fri to Sun


def test_format_day() -> None:
    assert format_day(D(2026, 12, 24)) == "Thu 24 Dec 2026"
    assert format_day(D(2027, 1, 5)) == "Tue 5 Jan 2027"


# ---------------------------------------------------------------- explanations


def _due(t: Timescale, arose: dt.date, started: dt.date | None = None) -> tuple[D | None, str]:
    return deadline_for(t, ENGLAND, arose=arose, stage_started=started, stage_number=2)


def test_calendar_day_rolled_over_a_weekend_explains_itself() -> None:
    day9 = Timescale(amount=9, unit="calendar_days", anchor="concern_arose", roll_forward=True)
    due, why = _due(day9, D(2026, 8, 28))  # Fri; day 9 = Sat 5 Sep
    assert due == D(2026, 9, 7)
    assert "day 9" in why
    assert "= Sat 5 Sep 2026, rolled to Mon 7 Sep 2026: weekend" in why
    assert "Fri 28 Aug 2026" in why  # day 1


def test_calendar_day_rolled_over_christmas_names_each_day_off() -> None:
    day3 = Timescale(amount=3, unit="calendar_days", anchor="concern_arose", roll_forward=True)
    due, why = _due(day3, D(2026, 12, 23))
    assert due == D(2026, 12, 29)
    assert "= Fri 25 Dec 2026, rolled to Tue 29 Dec 2026" in why
    assert "Christmas Day" in why
    assert "Sat 26 Dec 2026 to Sun 27 Dec 2026 weekend" in why
    assert "Mon 28 Dec 2026 bank holiday (Boxing Day (substitute day))" in why


def test_calendar_day_without_roll_forward_stays_put() -> None:
    day3 = Timescale(amount=3, unit="calendar_days", anchor="concern_arose")
    due, why = _due(day3, D(2026, 12, 23))
    assert due == D(2026, 12, 25)
    assert "rolled" not in why
    day1 = Timescale(amount=1, unit="calendar_days", anchor="concern_arose")
    assert _due(day1, D(2026, 12, 23))[0] == D(2026, 12, 23)  # day 1 is the day itself


def test_working_days_explain_the_bank_holidays_they_skip() -> None:
    five = Timescale(amount=5, unit="working_days", anchor="stage_started")
    due, why = _due(five, D(2026, 12, 23), started=D(2026, 12, 23))
    assert due == D(2027, 1, 4)
    assert why.startswith("5 working days after stage 2 began on Wed 23 Dec 2026 = Mon 4 Jan 2027")
    for holiday in ("Christmas Day", "Boxing Day (substitute day)", "New Year's Day"):
        assert holiday in why
    assert "weekend" not in why  # weekends go without saying
    one = Timescale(amount=1, unit="working_days", anchor="concern_arose")
    assert _due(one, D(2026, 9, 2)) == (
        D(2026, 9, 3),
        "1 working day after the concern arose on Wed 2 Sep 2026 = Thu 3 Sep 2026",
    )


def test_stage_relative_deadline_is_unknown_until_the_stage_starts() -> None:
    five = Timescale(amount=5, unit="working_days", anchor="stage_started")
    due, why = _due(five, D(2026, 12, 23))
    assert due is None
    assert "not yet known" in why and "stage 2" in why


# ---------------------------------------------------------------- properties

days = st.dates(min_value=D(2020, 1, 1), max_value=D(2035, 12, 31))
amounts = st.integers(min_value=0, max_value=60)
calendars = st.sampled_from(CALENDARS)
extras = st.frozensets(st.dates(min_value=D(2020, 1, 1), max_value=D(2036, 6, 30)), max_size=8)


@settings(deadline=None, max_examples=200)
@given(calendar=calendars, extra=extras, day=days, n=amounts)
def test_n_working_days_after_spans_exactly_n_working_days(
    calendar: WorkingCalendar, extra: frozenset[dt.date], day: dt.date, n: int
) -> None:
    calendar = WorkingCalendar(calendar.region, extra)
    due = calendar.add_working_days(day, n)
    assert calendar.working_days_between(day, due) == n
    assert due >= day
    if n >= 1:
        assert due > day
        assert calendar.is_working_day(due)
        # nothing earlier would do: the day before has one working day too few
        assert calendar.working_days_between(day, due - dt.timedelta(days=1)) == n - 1


@settings(deadline=None, max_examples=200)
@given(calendar=calendars, day=days, n=st.integers(min_value=0, max_value=59))
def test_deadlines_are_monotonic_in_n(calendar: WorkingCalendar, day: dt.date, n: int) -> None:
    assert calendar.add_working_days(day, n) < calendar.add_working_days(day, n + 1)
    for unit in ("calendar_days", "working_days"):
        if unit == "calendar_days" and n == 0:
            continue
        a = Timescale(amount=n, unit=unit, anchor="concern_arose", roll_forward=unit[0] == "c")
        b = Timescale(amount=n + 1, unit=unit, anchor="concern_arose", roll_forward=unit[0] == "c")
        due_a = deadline_for(a, calendar, arose=day, stage_started=None, stage_number=1)[0]
        due_b = deadline_for(b, calendar, arose=day, stage_started=None, stage_number=1)[0]
        assert due_a is not None and due_b is not None
        assert due_a <= due_b


@settings(deadline=None, max_examples=200)
@given(
    calendar=calendars,
    extra=extras,
    day=days,
    n=st.integers(min_value=1, max_value=60),
)
def test_a_rolled_deadline_is_never_a_non_working_day(
    calendar: WorkingCalendar, extra: frozenset[dt.date], day: dt.date, n: int
) -> None:
    calendar = WorkingCalendar(calendar.region, extra)
    t = Timescale(amount=n, unit="calendar_days", anchor="concern_arose", roll_forward=True)
    due, why = deadline_for(t, calendar, arose=day, stage_started=None, stage_number=1)
    assert due is not None
    assert calendar.is_working_day(due)
    day_n = day + dt.timedelta(days=n - 1)
    assert due >= day_n
    # it moves to the *first* working day: every day in between is a day off
    assert all(
        not calendar.is_working_day(day_n + dt.timedelta(days=i)) for i in range((due - day_n).days)
    )
    assert ("rolled to" in why) is (due != day_n)
    assert format_day(due) in why


@settings(deadline=None, max_examples=100)
@given(calendar=calendars, day=days)
def test_on_or_after_is_the_first_working_day(calendar: WorkingCalendar, day: dt.date) -> None:
    found = calendar.on_or_after(day)
    assert calendar.is_working_day(found)
    assert found == day or found == calendar.add_working_days(day, 1)


# ---------------------------------------------------------------- bank holidays worked

WORLD_CUP = D(2026, 6, 15)  # Mon: a Scotland bank holiday in the holidays package
WORLD_CUP_NAME = "Scotland's participation in the FIFA World Cup final"


def test_a_worked_bank_holiday_is_a_working_day_in_its_region() -> None:
    worked = WorkingCalendar.for_region(Region.SCOTLAND, worked_bank_holidays=[WORLD_CUP])
    assert SCOTLAND.why_not_working(WORLD_CUP) == f"bank holiday ({WORLD_CUP_NAME})"
    assert worked.is_working_day(WORLD_CUP)
    assert worked.why_not_working(WORLD_CUP) is None
    # still listed, and the calendar says why it is worked all the same
    assert worked.bank_holiday(WORLD_CUP) == WORLD_CUP_NAME
    assert worked.worked_bank_holiday(WORLD_CUP) == WORLD_CUP_NAME
    assert worked.why_working(WORLD_CUP) == (
        f"a working day here, although it is listed as a bank holiday ({WORLD_CUP_NAME}), "
        "by the partnership's decision"
    )
    assert SCOTLAND.why_working(WORLD_CUP) is None


def test_counting_working_days_counts_a_worked_bank_holiday() -> None:
    worked = WorkingCalendar.for_region(Region.SCOTLAND, worked_bank_holidays=[WORLD_CUP])
    friday = D(2026, 6, 12)
    assert SCOTLAND.add_working_days(friday, 1) == D(2026, 6, 16)
    assert worked.add_working_days(friday, 1) == WORLD_CUP
    assert worked.working_days_between(friday, D(2026, 6, 19)) == 5
    assert SCOTLAND.working_days_between(friday, D(2026, 6, 19)) == 4
    assert worked.on_or_after(D(2026, 6, 13)) == WORLD_CUP
    assert [d for d, _ in worked.non_working_days(friday, D(2026, 6, 16))] == [
        D(2026, 6, 13),
        D(2026, 6, 14),
    ]
    assert worked.worked_bank_holidays_between(friday, D(2026, 6, 16)) == [
        (WORLD_CUP, worked.why_working(WORLD_CUP))
    ]
    assert worked.worked_bank_holidays_between(D(2026, 6, 16), D(2026, 6, 30)) == []


def test_a_worked_day_has_no_effect_where_it_is_no_bank_holiday_or_on_a_weekend() -> None:
    # 15 June 2026 is no bank holiday in England: nothing to explain
    england = WorkingCalendar.for_region("england-and-wales", worked_bank_holidays=[WORLD_CUP])
    assert england.is_working_day(WORLD_CUP)
    assert england.why_working(WORLD_CUP) is None
    assert england.worked_bank_holidays_between(WORLD_CUP, WORLD_CUP) == []
    # Boxing Day 2026 is listed on a Saturday: marking it worked leaves it a weekend
    boxing_day = D(2026, 12, 26)
    assert ENGLAND.bank_holiday(boxing_day) == "Boxing Day"
    weekend = WorkingCalendar.for_region("england-and-wales", worked_bank_holidays=[boxing_day])
    assert weekend.why_not_working(boxing_day) == "weekend"
    assert weekend.why_working(boxing_day) is None


def test_an_extra_day_off_on_a_worked_bank_holiday_keeps_it_a_day_off() -> None:
    both = WorkingCalendar.for_region(Region.SCOTLAND, [WORLD_CUP], [WORLD_CUP])
    assert both.why_not_working(WORLD_CUP) == "non-working day"
    assert both.why_working(WORLD_CUP) is None


@pytest.mark.parametrize(
    ("region", "day", "problem"),
    [
        (Region.SCOTLAND, WORLD_CUP, None),
        (
            Region.ENGLAND_AND_WALES,
            WORLD_CUP,
            "15 June 2026 is not a bank holiday in England and Wales, so it is already a "
            "working day.",
        ),
        (
            Region.NORTHERN_IRELAND,
            D(2026, 12, 26),
            "26 December 2026 (Boxing Day) is a Saturday, so it is not a working day "
            "whatever the bank holidays say.",
        ),
        (
            Region.SCOTLAND,
            D(LAST_YEAR + 1, 1, 1),
            f"Sat 1 Jan {LAST_YEAR + 1} is after {LAST_YEAR}, the last year whose bank "
            "holidays Escalate knows, so working days cannot be counted then.",
        ),
    ],
)
def test_only_a_listed_weekday_bank_holiday_can_be_worked(
    region: Region, day: dt.date, problem: str | None
) -> None:
    assert WorkingCalendar.for_region(region).why_cannot_be_worked(day) == problem


#: Days the bank holidays list in some region (weekends among them), to mark as worked.
listed_days = st.sampled_from(
    sorted({d for c in CALENDARS for d, _ in c.non_working_days(D(2024, 1, 1), D(2027, 12, 31))})
)


@settings(deadline=None, max_examples=200)
@given(
    calendar=calendars,
    extra=extras,
    worked=extras,
    day=st.one_of(days, listed_days),
    mark=st.booleans(),
)
def test_working_a_bank_holiday_changes_only_that_listed_weekday(
    calendar: WorkingCalendar,
    extra: frozenset[dt.date],
    worked: frozenset[dt.date],
    day: dt.date,
    mark: bool,
) -> None:
    worked = worked | {day} if mark else worked
    before = WorkingCalendar(calendar.region, extra)
    after = WorkingCalendar(calendar.region, extra, worked)
    freed = (
        day in worked
        and day.weekday() < 5
        and before.bank_holiday(day) is not None
        and day not in extra
    )
    assert after.is_working_day(day) is (before.is_working_day(day) or freed)
    assert (after.why_working(day) is not None) is freed
