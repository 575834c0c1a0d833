"""Working-day calendars: Monday to Friday less the bank holidays of a UK region.

Bank holidays come from the ``holidays`` package (offline). The application may add
extra non-working days, such as a one-off bank holiday announced after the package
was released, and may mark a listed bank holiday as a working day where a partnership
knows it is not kept locally (a *worked bank holiday*). We count days, never hours.

The package knows the United Kingdom's bank holidays, for every region, only from
:data:`FIRST_YEAR` (1872, after the Bank Holidays Act 1871) to :data:`LAST_YEAR` (2100): for a
year outside those it returns no bank holidays at all, so a deadline would silently
land on Christmas Day. Asked about a day outside them, a calendar raises
:class:`OutsideCalendar` instead. Within them the rules are exact; one-off holidays (a
coronation, a jubilee) are known once announced and the package released, hence the
extra non-working days.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

import holidays

from escalate.procedures.model import Region

ONE_DAY = dt.timedelta(days=1)

#: The first and last years whose bank holidays the pinned ``holidays`` package (0.109)
#: knows for England and Wales, Scotland and Northern Ireland alike (its ``start_year``
#: and ``end_year`` for the United Kingdom); tests/procedures/test_calendar.py checks the
#: package still covers them.
FIRST_YEAR = 1872
LAST_YEAR = 2100

#: The most days a timescale counts (its ``amount``'s limit in
#: :class:`~escalate.procedures.timescales.Timescale`).
LONGEST_COUNT = 365


_SUBDIVISIONS: dict[Region, str] = {
    Region.ENGLAND_AND_WALES: "ENG",
    Region.SCOTLAND: "SCT",
    Region.NORTHERN_IRELAND: "NIR",
}


REGION_NAMES: dict[Region, str] = {
    Region.ENGLAND_AND_WALES: "England and Wales",
    Region.SCOTLAND: "Scotland",
    Region.NORTHERN_IRELAND: "Northern Ireland",
}


@lru_cache(maxsize=8192)
def format_day(day: dt.date) -> str:
    """'Thu 24 Dec 2026': short, unambiguous, readable aloud."""
    return f"{day:%a} {day.day} {day:%b %Y}"


class OutsideCalendar(ValueError):
    """A day before :data:`FIRST_YEAR` or after :data:`LAST_YEAR`: its bank holidays are
    not known, so working days cannot be counted. The message says so in plain English."""

    def __init__(self, day: dt.date) -> None:
        self.day = day
        if day.year > LAST_YEAR:
            edge = f"after {LAST_YEAR}, the last year"
        else:
            edge = f"before {FIRST_YEAR}, the first year"
        message = (
            f"{format_day(day)} is {edge} whose bank holidays Escalate knows, so working "
            "days cannot be counted then."
        )
        super().__init__(message)
        self.message = message


def covers(day: dt.date) -> bool:
    """Whether the bank holidays of ``day``'s year are known."""
    return FIRST_YEAR <= day.year <= LAST_YEAR


def _require_covered(day: dt.date) -> None:
    if not covers(day):
        raise OutsideCalendar(day)


@lru_cache(maxsize=512)
def _bank_holidays(region: Region, year: int) -> Mapping[dt.date, str]:
    """One region's bank holidays in one year, as a plain read-only mapping.

    Built in one go and cached per (region, year), so threads serving requests never
    see a half-populated year (the ``holidays`` package fills years in lazily).
    """
    found = holidays.country_holidays("GB", subdiv=_SUBDIVISIONS[region], years=year)
    # gov.uk calls a bank holiday moved off a weekend a "substitute day".
    return {
        day: name.replace("(observed)", "(substitute day)")
        for day, name in found.items()
        if day.year == year
    }


@dataclass(frozen=True)
class WorkingCalendar:
    """Working days of one region.

    ``extra_non_working``: days off besides the listed bank holidays.
    ``worked_bank_holidays``: listed bank holidays that are working days here all the
    same. Such a day still falling on a weekend stays a weekend, and one that is also an
    extra non-working day stays a day off; a worked day the package does not list has no
    effect.
    """

    region: Region
    extra_non_working: frozenset[dt.date] = field(default_factory=frozenset)
    worked_bank_holidays: frozenset[dt.date] = field(default_factory=frozenset)

    @classmethod
    def for_region(
        cls,
        region: Region | str,
        extra_non_working: Iterable[dt.date] = (),
        worked_bank_holidays: Iterable[dt.date] = (),
    ) -> WorkingCalendar:
        return cls(Region(region), frozenset(extra_non_working), frozenset(worked_bank_holidays))

    def bank_holiday(self, day: dt.date) -> str | None:
        """The name of the region's bank holiday on ``day``, if it is one.

        Raises :class:`OutsideCalendar` for a day whose year's bank holidays are unknown.
        """
        _require_covered(day)
        return _bank_holidays(self.region, day.year).get(day)

    def why_not_working(self, day: dt.date) -> str | None:
        """None for a working day; otherwise the reason in words.

        Raises :class:`OutsideCalendar` for a day whose year's bank holidays are unknown,
        weekend or not: every count through it stops there rather than guess.
        """
        _require_covered(day)
        if day.weekday() >= 5:
            return "weekend"
        name = self.bank_holiday(day)
        if name and day not in self.worked_bank_holidays:
            return f"bank holiday ({name})"
        if day in self.extra_non_working:
            return "non-working day"
        return None

    def worked_bank_holiday(self, day: dt.date) -> str | None:
        """The name of the listed bank holiday on ``day`` when it is a working day here
        all the same (a worked bank holiday that is a working day); otherwise None.

        Raises :class:`OutsideCalendar` for a day whose year's bank holidays are unknown.
        """
        _require_covered(day)
        if day not in self.worked_bank_holidays or not self.is_working_day(day):
            return None
        return self.bank_holiday(day)

    def why_cannot_be_worked(self, day: dt.date) -> str | None:
        """Why ``day`` cannot be marked as a worked bank holiday in this region, in plain
        English for the person marking it; None when it can (a listed bank holiday on a
        weekday of a year whose bank holidays are known)."""
        if not covers(day):
            return OutsideCalendar(day).message
        long = f"{day.day} {day:%B %Y}"
        name = self.bank_holiday(day)
        if name is None:
            return (
                f"{long} is not a bank holiday in {REGION_NAMES[self.region]}, so it is "
                "already a working day."
            )
        if day.weekday() >= 5:
            return (
                f"{long} ({name}) is a {day:%A}, so it is not a working day whatever the "
                "bank holidays say."
            )
        return None

    def why_working(self, day: dt.date) -> str | None:
        """Why ``day`` is a working day although the bank holidays list it, in words to
        follow "<day> is": 'a working day here, although it is listed as a bank holiday
        (Christmas Day), by the partnership's decision'. None for any other day."""
        name = self.worked_bank_holiday(day)
        if name is None:
            return None
        return (
            f"a working day here, although it is listed as a bank holiday ({name}), "
            "by the partnership's decision"
        )

    def is_working_day(self, day: dt.date) -> bool:
        year = day.year
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise OutsideCalendar(day)
        return day not in self._days.year(year).off

    def on_or_after(self, day: dt.date) -> dt.date:
        """The day itself if it is a working day, otherwise the next working day."""
        year = day.year
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise OutsideCalendar(day)
        days = self._days
        found = days.years.get(year) or days.year(year)
        if day not in found.off:
            return day
        return days.nth_from(year, bisect_right(found.work, day))

    def add_working_days(self, day: dt.date, n: int) -> dt.date:
        """The Nth working day strictly after ``day`` (``day`` itself for n = 0)."""
        if n <= 0:
            if n < 0:
                raise ValueError("n must not be negative")
            return day
        year = day.year
        if FIRST_YEAR <= year <= LAST_YEAR:
            days = self._days
            work = (days.years.get(year) or days.year(year)).work
            index = bisect_right(work, day) + n - 1
            return work[index] if index < len(work) else days.nth_from(year, index)
        after = day + ONE_DAY
        if not covers(after):
            raise OutsideCalendar(after)
        return self._days.nth_from(FIRST_YEAR, n - 1)  # counting from 1 January 1872

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """How many working days lie after ``start`` up to and including ``end``.

        Negative when ``end`` is before ``start``. A case raised on Monday and resolved
        on Wednesday of the same week took 2 working days.
        """
        if end < start:
            return -self.working_days_between(end, start)
        if end == start:
            return 0
        if start.year < FIRST_YEAR or start.year > LAST_YEAR:
            after = start + ONE_DAY
            if not covers(after):
                raise OutsideCalendar(after)
        if end.year > LAST_YEAR:
            raise OutsideCalendar(dt.date(LAST_YEAR + 1, 1, 1))
        days = self._days
        year = max(start.year, FIRST_YEAR)
        work = days.year(year).work
        count = -bisect_right(work, start)
        while year < end.year:
            count += len(work)
            year += 1
            work = days.year(year).work
        return count + bisect_right(work, end)

    def non_working_days(self, first: dt.date, last: dt.date) -> list[tuple[dt.date, str]]:
        """Every non-working day from ``first`` to ``last`` inclusive, with its reason."""
        if last < first:
            return []
        if not covers(first):
            raise OutsideCalendar(first)
        if last.year > LAST_YEAR:
            raise OutsideCalendar(dt.date(LAST_YEAR + 1, 1, 1))
        found: list[tuple[dt.date, str]] = []
        days = self._days
        for year in range(first.year, last.year + 1):
            off = days.year(year).off_in_order
            found += off[bisect_left(off, first, key=_day) : bisect_right(off, last, key=_day)]
        return found

    @cached_property
    def countable_days(self) -> tuple[dt.date, dt.date]:
        """The first day, and the day after the last, from which every count a
        timescale can make (up to :data:`LONGEST_COUNT` working days, or calendar day
        :data:`LONGEST_COUNT` rolled forward to a working day) stays within the years
        whose bank holidays are known, so is never refused."""
        return self._days.countable_days()

    @cached_property
    def memo_key(self) -> Hashable:
        """The same for every equal calendar and for no other (and quicker to hash than
        the calendar): to keep what is worked out from a calendar by."""
        return self._days

    @cached_property
    def _days(self) -> _WorkingDays:
        return _working_days(self)

    def __reduce__(
        self,
    ) -> tuple[type[WorkingCalendar], tuple[Region, frozenset[dt.date], frozenset[dt.date]]]:
        # Pickled and copied by its fields alone, without the cached years.
        return (type(self), (self.region, self.extra_non_working, self.worked_bank_holidays))

    def worked_bank_holidays_between(
        self, first: dt.date, last: dt.date
    ) -> list[tuple[dt.date, str]]:
        """Every listed bank holiday from ``first`` to ``last`` inclusive that is a working
        day here, with :meth:`why_working`'s words; for an explanation of a deadline that
        counts through or lands on one."""
        return [
            (day, why)
            for day in sorted(self.worked_bank_holidays)
            if first <= day <= last and (why := self.why_working(day)) is not None
        ]


def _day(entry: tuple[dt.date, str]) -> dt.date:
    return entry[0]


class _Year:
    """One year of one calendar: its working days in order, its days off (a set), and
    its days off in order with :meth:`WorkingCalendar.why_not_working`'s reasons."""

    __slots__ = ("off", "off_in_order", "work")

    def __init__(self, calendar: WorkingCalendar, year: int) -> None:
        day = dt.date(year, 1, 1)
        work: list[dt.date] = []
        off: list[tuple[dt.date, str]] = []
        while day.year == year:
            why = calendar.why_not_working(day)
            if why is None:
                work.append(day)
            else:
                off.append((day, why))
            day += ONE_DAY
        self.work = work
        self.off_in_order = off
        self.off = frozenset(d for d, _ in off)


class _WorkingDays:
    """The working days of one calendar, built a year at a time on first use and kept:
    counting is then a binary search in a year's list of working days, not a walk.

    Shared by every equal calendar (see :func:`_working_days`). A year is built whole
    before it is stored, so threads never see half a year; two threads building the
    same year at once build equal ones and either is kept.
    """

    __slots__ = ("_calendar", "_countable", "years")

    def __init__(self, calendar: WorkingCalendar) -> None:
        self._calendar = calendar
        #: The years built so far.
        self.years: dict[int, _Year] = {}
        self._countable: tuple[dt.date, dt.date] | None = None

    def countable_days(self) -> tuple[dt.date, dt.date]:
        """As :meth:`WorkingCalendar.countable_days`. The end is :data:`LONGEST_COUNT`
        days before the working day with :data:`LONGEST_COUNT` working days from it to
        the end of :data:`LAST_YEAR` (itself counted): from any day before, at least
        that many working days follow within the years known, and a calendar day up to
        :data:`LONGEST_COUNT` days on is before one of them."""
        found = self._countable
        if found is None:
            year, left = LAST_YEAR, LONGEST_COUNT
            work = self.year(year).work
            while left > len(work):
                left -= len(work)
                year -= 1
                work = self.year(year).work
            end = work[len(work) - left] - dt.timedelta(days=LONGEST_COUNT)
            found = self._countable = (dt.date(FIRST_YEAR, 1, 1), end)
        return found

    def year(self, year: int) -> _Year:
        found = self.years.get(year)
        if found is None:
            found = self.years[year] = _Year(self._calendar, year)
        return found

    def nth_from(self, year: int, index: int) -> dt.date:
        """The working day ``index`` places into the working days of ``year`` and those
        after it (0: the year's first). Raises :class:`OutsideCalendar` for a count that
        runs past :data:`LAST_YEAR`."""
        work = self.year(year).work
        while index >= len(work):
            index -= len(work)
            year += 1
            if year > LAST_YEAR:
                raise OutsideCalendar(dt.date(LAST_YEAR + 1, 1, 1))
            work = self.year(year).work
        return work[index]


#: Distinct calendars whose counting tables are kept. A calendar with every year
#: built holds about 7 MB of tables, so this bounds them at about 110 MB per process;
#: there is one calendar per region and partnership's days off, far fewer than this.
CALENDARS_KEPT = 16


@lru_cache(maxsize=CALENDARS_KEPT)
def _working_days(calendar: WorkingCalendar) -> _WorkingDays:
    """The counting tables of a calendar, one per distinct calendar: the application
    builds a new (equal) calendar for each request, and they share one (the
    :data:`CALENDARS_KEPT` used most recently are kept)."""
    return _WorkingDays(calendar)
