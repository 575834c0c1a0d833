"""Working-day calendars: Monday to Friday less the bank holidays of a UK region.

Bank holidays come from the ``holidays`` package (offline). The application may add
extra non-working days, such as a one-off bank holiday announced after the package
was released. We count days, never hours.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

import holidays

from escalate.procedures.model import Region

ONE_DAY = dt.timedelta(days=1)

_SUBDIVISIONS: dict[Region, str] = {
    Region.ENGLAND_AND_WALES: "ENG",
    Region.SCOTLAND: "SCT",
    Region.NORTHERN_IRELAND: "NIR",
}


def format_day(day: dt.date) -> str:
    """'Thu 24 Dec 2026': short, unambiguous, readable aloud."""
    return f"{day:%a} {day.day} {day:%b %Y}"


@dataclass(frozen=True)
class WorkingCalendar:
    region: Region
    extra_non_working: frozenset[dt.date] = field(default_factory=frozenset)

    @classmethod
    def for_region(
        cls, region: Region | str, extra_non_working: Iterable[dt.date] = ()
    ) -> WorkingCalendar:
        return cls(Region(region), frozenset(extra_non_working))

    @cached_property
    def _bank_holidays(self) -> holidays.HolidayBase:
        return holidays.country_holidays("GB", subdiv=_SUBDIVISIONS[self.region])

    def why_not_working(self, day: dt.date) -> str | None:
        """None for a working day; otherwise the reason in words."""
        if day.weekday() >= 5:
            return "weekend"
        if day in self.extra_non_working:
            return "non-working day"
        name = self._bank_holidays.get(day)
        if name:
            return f"bank holiday ({name})"
        return None

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
