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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

import holidays

from escalate.procedures.model import Region

ONE_DAY = dt.timedelta(days=1)

#: The first and last years whose bank holidays the pinned ``holidays`` package (0.109)
#: knows for England and Wales, Scotland and Northern Ireland alike (its ``start_year``
#: and ``end_year`` for the United Kingdom); tests/procedures/test_calendar.py checks the
#: package still covers them.
FIRST_YEAR = 1872
LAST_YEAR = 2100

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
        return self.why_not_working(day) is None

    def on_or_after(self, day: dt.date) -> dt.date:
        """The day itself if it is a working day, otherwise the next working day."""
        while not self.is_working_day(day):
            day += ONE_DAY
        return day

    def add_working_days(self, day: dt.date, n: int) -> dt.date:
        """The Nth working day strictly after ``day`` (``day`` itself for n = 0)."""
        if n < 0:
            raise ValueError("n must not be negative")
        while n:
            day += ONE_DAY
            if self.is_working_day(day):
                n -= 1
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """How many working days lie after ``start`` up to and including ``end``.

        Negative when ``end`` is before ``start``. A case raised on Monday and resolved
        on Wednesday of the same week took 2 working days.
        """
        if end < start:
            return -self.working_days_between(end, start)
        count = 0
        day = start
        while day < end:
            day += ONE_DAY
            if self.is_working_day(day):
                count += 1
        return count

    def non_working_days(self, first: dt.date, last: dt.date) -> list[tuple[dt.date, str]]:
        """Every non-working day from ``first`` to ``last`` inclusive, with its reason."""
        found: list[tuple[dt.date, str]] = []
        day = first
        while day <= last:
            why = self.why_not_working(day)
            if why:
                found.append((day, why))
            day += ONE_DAY
        return found

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
