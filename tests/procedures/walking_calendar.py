"""The simple, day-by-day working-day arithmetic the fast calendar must agree with.

:class:`WalkingCalendar` is a :class:`WorkingCalendar` whose counting walks a day at a
time, asking :func:`reference_why_not_working` (weekends, the ``holidays`` package's
bank holidays, extra days off and worked bank holidays, straight from their rules) of
each day: the engine's way before the calendar kept its years as sorted lists. The
property tests compare the two, and the engine's deadlines worked out with each.
"""

from __future__ import annotations

import datetime as dt

import holidays

from escalate.procedures.calendar import (
    FIRST_YEAR,
    LAST_YEAR,
    ONE_DAY,
    OutsideCalendar,
    WorkingCalendar,
)
from escalate.procedures.model import Region

SUBDIVISIONS = {
    Region.ENGLAND_AND_WALES: "ENG",
    Region.SCOTLAND: "SCT",
    Region.NORTHERN_IRELAND: "NIR",
}
_KNOWN: dict[tuple[Region, int], dict[dt.date, str]] = {}


def bank_holidays(region: Region, year: int) -> dict[dt.date, str]:
    if (region, year) not in _KNOWN:
        found = holidays.country_holidays("GB", subdiv=SUBDIVISIONS[region], years=year)
        _KNOWN[region, year] = {
            d: name.replace("(observed)", "(substitute day)")
            for d, name in found.items()
            if d.year == year
        }
    return _KNOWN[region, year]


def reference_why_not_working(calendar: WorkingCalendar, day: dt.date) -> str | None:
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise OutsideCalendar(day)
    if day.weekday() >= 5:
        return "weekend"
    name = bank_holidays(calendar.region, day.year).get(day)
    if name and day not in calendar.worked_bank_holidays:
        return f"bank holiday ({name})"
    if day in calendar.extra_non_working:
        return "non-working day"
    return None


class WalkingCalendar(WorkingCalendar):
    """The same calendar, counting a day at a time."""

    def is_working_day(self, day: dt.date) -> bool:
        return reference_why_not_working(self, day) is None

    def on_or_after(self, day: dt.date) -> dt.date:
        while not self.is_working_day(day):
            day += ONE_DAY
        return day

    def add_working_days(self, day: dt.date, n: int) -> dt.date:
        if n < 0:
            raise ValueError("n must not be negative")
        while n:
            day += ONE_DAY
            if self.is_working_day(day):
                n -= 1
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
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
        found: list[tuple[dt.date, str]] = []
        day = first
        while day <= last:
            why = reference_why_not_working(self, day)
            if why:
                found.append((day, why))
            day += ONE_DAY
        return found


def walking(calendar: WorkingCalendar) -> WalkingCalendar:
    return WalkingCalendar(
        calendar.region, calendar.extra_non_working, calendar.worked_bank_holidays
    )


def outcome(work: object, *args: object) -> tuple[object, ...]:
    """What calling ``work(*args)`` gives: its result, or the refusal it raises (with the
    day refused and its message)."""
    try:
        return ("gives", work(*args))  # type: ignore[operator]
    except OutsideCalendar as refused:
        return ("refuses", refused.day, refused.message)
    except (ValueError, OverflowError) as error:
        return ("fails", type(error), str(error))
