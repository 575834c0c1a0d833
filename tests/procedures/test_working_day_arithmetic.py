"""The calendar counts working days by looking them up, not walking: it must give what a
day-by-day walk gives (tests/procedures/walking_calendar.py), in every region, at the
edges of the years it knows (1872 and 2100), with extra days off and worked bank
holidays, refusals included (the same day refused, in the same words)."""

from __future__ import annotations

import datetime as dt
import pickle

from hypothesis import given, settings
from hypothesis import strategies as st
from walking_calendar import bank_holidays, outcome, walking

from escalate.procedures import calendar as calendar_module
from escalate.procedures.calendar import (
    CALENDARS_KEPT,
    FIRST_YEAR,
    LAST_YEAR,
    LONGEST_COUNT,
    WorkingCalendar,
)
from escalate.procedures.model import Region

D = dt.date
EDGE_DAYS = 120

#: Days anywhere in the years known, and days close to either edge (either side of it).
anywhere = st.dates(min_value=D(FIRST_YEAR, 1, 1), max_value=D(LAST_YEAR, 12, 31))
near_start = st.dates(
    min_value=D(FIRST_YEAR, 1, 1) - dt.timedelta(days=EDGE_DAYS),
    max_value=D(FIRST_YEAR, 1, 1) + dt.timedelta(days=EDGE_DAYS),
)
near_end = st.dates(
    min_value=D(LAST_YEAR, 12, 31) - dt.timedelta(days=EDGE_DAYS),
    max_value=D(LAST_YEAR, 12, 31) + dt.timedelta(days=EDGE_DAYS),
)
near_christmas = st.builds(
    lambda year, offset: D(year, 12, 20) + dt.timedelta(days=offset),
    st.integers(FIRST_YEAR, LAST_YEAR - 1),
    st.integers(-10, 20),
)
days = st.one_of(anywhere, near_start, near_end, near_christmas)
regions = st.sampled_from(list(Region))
counts = st.one_of(st.integers(0, 25), st.integers(0, LONGEST_COUNT + 30))


@st.composite
def calendars(draw: st.DrawFn, around: dt.date) -> WorkingCalendar:
    """A region's calendar with extra days off and worked bank holidays near ``around``
    (so that the counts from it meet them): some of the year's bank holidays worked, some
    of them also days off, and days off that are no bank holiday."""
    region = draw(regions)
    near = st.integers(-30, 400).map(lambda n: around + dt.timedelta(days=n))
    listed: list[dt.date] = []
    for year in {around.year, around.year + 1}:
        if FIRST_YEAR <= year <= LAST_YEAR:
            listed += sorted(bank_holidays(region, year))
    worked = draw(st.frozensets(st.sampled_from(listed), max_size=4)) if listed else frozenset()
    extra = draw(st.frozensets(near, max_size=6))
    if worked and draw(st.booleans()):
        extra |= {min(worked)}  # a worked bank holiday that is a day off all the same
    worked |= draw(st.frozensets(near, max_size=2))  # worked days that are no bank holiday
    return WorkingCalendar(region, extra, worked)


def both(calendar: WorkingCalendar, method: str, *args: object) -> tuple[object, object]:
    return (
        outcome(getattr(calendar, method), *args),
        outcome(getattr(walking(calendar), method), *args),
    )


@settings(deadline=None, max_examples=400)
@given(data=st.data(), day=days, n=counts)
def test_adding_working_days_gives_what_walking_gives(
    data: st.DataObject, day: dt.date, n: int
) -> None:
    calendar = data.draw(calendars(day))
    fast, walked = both(calendar, "add_working_days", day, n)
    assert fast == walked


@settings(deadline=None, max_examples=300)
@given(data=st.data(), day=days)
def test_the_next_working_day_and_each_day_are_what_walking_gives(
    data: st.DataObject, day: dt.date
) -> None:
    calendar = data.draw(calendars(day - dt.timedelta(days=10)))
    for method in ("on_or_after", "is_working_day"):
        fast, walked = both(calendar, method, day)
        assert fast == walked, method


@settings(deadline=None, max_examples=300)
@given(data=st.data(), start=days, span=st.integers(-420, 420))
def test_counting_between_two_days_and_listing_days_off_are_what_walking_gives(
    data: st.DataObject, start: dt.date, span: int
) -> None:
    calendar = data.draw(calendars(start - dt.timedelta(days=30)))
    end = start + dt.timedelta(days=span)
    fast, walked = both(calendar, "working_days_between", start, end)
    assert fast == walked
    fast, walked = both(calendar, "non_working_days", start, end)
    assert fast == walked


@settings(deadline=None, max_examples=40)
@given(region=regions, start=anywhere, years=st.integers(1, 4))
def test_counting_across_several_years_is_what_walking_gives(
    region: Region, start: dt.date, years: int
) -> None:
    calendar = WorkingCalendar(region)
    end = start + dt.timedelta(days=365 * years + 3)
    fast, walked = both(calendar, "working_days_between", start, end)
    assert fast == walked


def test_the_first_and_last_known_days_count_like_any_other() -> None:
    for region in Region:
        calendar = WorkingCalendar(region)
        for day in (
            D(FIRST_YEAR - 1, 12, 30),
            D(FIRST_YEAR - 1, 12, 31),
            D(FIRST_YEAR, 1, 1),
            D(LAST_YEAR, 12, 24),
            D(LAST_YEAR, 12, 31),
            D(LAST_YEAR + 1, 1, 1),
            dt.date.max,
        ):
            for n in (0, 1, 2, 5, 300):
                assert (
                    both(calendar, "add_working_days", day, n)[0]
                    == (both(calendar, "add_working_days", day, n)[1])
                ), (region, day, n)
            if day < dt.date.max:
                fast, walked = both(calendar, "on_or_after", day)
                assert fast == walked, (region, day)
        assert both(calendar, "add_working_days", D(2026, 1, 1), -1)[0][0] == "fails"


@settings(deadline=None, max_examples=150)
@given(data=st.data(), n=st.integers(0, LONGEST_COUNT))
def test_no_count_from_a_countable_day_is_refused(data: st.DataObject, n: int) -> None:
    # Near the end of the years known, with days off piling up in the last of them.
    region = data.draw(regions)
    extra = data.draw(
        st.frozensets(st.dates(D(LAST_YEAR - 1, 6, 1), D(LAST_YEAR, 12, 31)), max_size=60)
    )
    calendar = WorkingCalendar(region, extra)
    low, high = calendar.countable_days
    assert low == D(FIRST_YEAR, 1, 1)
    day = data.draw(
        st.one_of(
            st.dates(high - dt.timedelta(days=30), high - dt.timedelta(days=1)),
            st.dates(low, low + dt.timedelta(days=30)),
        )
    )
    assert calendar.add_working_days(day, n) <= D(LAST_YEAR, 12, 31)
    assert calendar.on_or_after(day + dt.timedelta(days=max(n - 1, 0))) <= D(LAST_YEAR, 12, 31)


def test_the_countable_days_end_where_the_longest_count_would_run_out() -> None:
    calendar = WorkingCalendar(Region.ENGLAND_AND_WALES)
    _, high = calendar.countable_days
    last = calendar.add_working_days(high, LONGEST_COUNT)  # from the first day not promised
    assert last <= D(LAST_YEAR, 12, 31)
    assert calendar.working_days_between(high, D(LAST_YEAR, 12, 31)) >= LONGEST_COUNT


def test_equal_calendars_count_alike_and_differing_ones_do_not_share_their_counts() -> None:
    christmas_eve = D(2026, 12, 24)
    plain = WorkingCalendar(Region.ENGLAND_AND_WALES)
    assert plain.add_working_days(D(2026, 12, 23), 1) == christmas_eve
    off = WorkingCalendar.for_region(Region.ENGLAND_AND_WALES, [christmas_eve])
    assert off.add_working_days(D(2026, 12, 23), 1) == D(2026, 12, 29)
    again = WorkingCalendar(Region.ENGLAND_AND_WALES, frozenset({christmas_eve}))
    assert again.memo_key is off.memo_key and again.memo_key is not plain.memo_key
    assert again.add_working_days(D(2026, 12, 23), 1) == D(2026, 12, 29)


def test_a_calendar_pickles_and_compares_by_its_days_alone() -> None:
    calendar = WorkingCalendar.for_region("scotland", [D(2026, 12, 24)], [D(2026, 11, 30)])
    calendar.add_working_days(D(2026, 12, 1), 20)  # its years built
    copied = pickle.loads(pickle.dumps(calendar))
    assert copied == calendar and hash(copied) == hash(calendar)
    assert copied.add_working_days(D(2026, 12, 1), 20) == calendar.add_working_days(
        D(2026, 12, 1), 20
    )
    assert repr(copied) == repr(calendar)


def test_the_counting_tables_of_at_most_sixteen_calendars_are_kept() -> None:
    """Each calendar's tables can reach about 7 MB: many partnerships' calendars in one
    worker must not keep them all."""
    assert CALENDARS_KEPT == 16
    first = dt.date(2030, 1, 1)
    for n in range(3 * CALENDARS_KEPT):
        own = WorkingCalendar.for_region(Region.ENGLAND_AND_WALES, [first + dt.timedelta(days=n)])
        assert own.add_working_days(first, 5) >= first + dt.timedelta(days=5)
        kept = calendar_module._working_days.cache_info().currsize
        assert kept <= CALENDARS_KEPT
