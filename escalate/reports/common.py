"""What the escalation register and the board's report share.

Who may see them, the period asked about, working days counted by lookup, medians
and percentiles, and the sectors' labels. (Stages and categories are each case's own procedure
version's: :mod:`escalate.reports.procedure_versions`.)
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from escalate import clock
from escalate.cases.errors import Invalid, NotAllowed
from escalate.partnerships import permissions
from escalate.procedures.calendar import WorkingCalendar

if TYPE_CHECKING:
    from escalate.accounts.models import User
    from escalate.partnerships.models import Partnership

SUPPRESS_BELOW = 5
FEWER = f"fewer than {SUPPRESS_BELOW}"


def require_statistics(user: User | Any, partnership: Partnership) -> None:
    if not permissions.sees_statistics(user, partnership):
        raise NotAllowed(
            "The escalation register and the board's reports are for the partnership's "
            "business unit, independent chair and statutory partners."
        )


# ---------------------------------------------------------------- periods


@dataclass(frozen=True)
class Period:
    first: dt.date
    last: dt.date
    label: str
    key: str

    def __contains__(self, day: dt.date) -> bool:
        return self.first <= day <= self.last


def parse_period(
    text: str | None = None, *, since: str | None = None, until: str | None = None
) -> Period:
    """``2026-Q3``, ``2026`` or a from/to pair of dates (YYYY-MM-DD). Nothing: this
    calendar year so far."""
    text = (text or "").strip().upper()
    if since or until:
        first, last = _iso(since, "the start date"), _iso(until, "the end date")
        if last < first:
            raise Invalid({"to": ["The end date must be the same as or after the start date."]})
        if (last - first).days > 3660:
            raise Invalid({"to": ["Choose a period of 10 years or less."]})
        label = f"{_day(first)} to {_day(last)}"
        return Period(first, last, label, f"{first.isoformat()}..{last.isoformat()}")
    if not text:
        year = clock.today().year
        return Period(dt.date(year, 1, 1), dt.date(year, 12, 31), str(year), str(year))
    # ASCII digits only (re.ASCII): never another script's digits, as the date fields.
    m = re.fullmatch(r"(\d{4})(?:-?Q([1-4]))?", text, re.ASCII)
    if not m or not 2000 <= int(m[1]) <= 2100:
        raise Invalid(
            {"period": ["Enter the period as a year, like 2026, or a quarter, like 2026-Q3."]}
        )
    year = int(m[1])
    if m[2] is None:
        return Period(dt.date(year, 1, 1), dt.date(year, 12, 31), str(year), str(year))
    q = int(m[2])
    first = dt.date(year, 3 * q - 2, 1)
    last = (dt.date(year + 1, 1, 1) if q == 4 else dt.date(year, 3 * q + 1, 1)) - dt.timedelta(1)
    return Period(
        first, last, f"{year} quarter {q} ({_day(first)} to {_day(last)})", f"{year}-Q{q}"
    )


def _iso(value: str | None, label: str) -> dt.date:
    try:
        return dt.date.fromisoformat((value or "").strip())
    except ValueError:
        key = "from" if "start" in label else "to"
        raise Invalid({key: [f"Enter {label} as a date, like 2026-07-01."]}) from None


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


# ---------------------------------------------------------------- working days


class WorkingDays:
    """Working days between two dates by lookup: one pass over the calendar instead
    of a walk per case."""

    def __init__(self, calendar: WorkingCalendar) -> None:
        self.calendar = calendar
        self._index: dict[dt.date, int] = {}
        self._first: dt.date | None = None
        self._last: dt.date | None = None

    def cover(self, first: dt.date, last: dt.date) -> None:
        """Make the lookup reach from ``first`` to ``last`` at once (before many
        :meth:`between` calls over those days: one pass, not one per widening)."""
        self._cover(min(first, last), max(first, last))

    def _cover(self, first: dt.date, last: dt.date) -> None:
        if (
            self._first is not None
            and self._last is not None
            and self._first <= first
            and last <= self._last
        ):
            return
        first = min(first, self._first or first) - dt.timedelta(days=7)
        last = max(last, self._last or last) + dt.timedelta(days=7)
        count, day, index = 0, first, {}
        while day <= last:
            if day != first and self.calendar.is_working_day(day):
                count += 1
            index[day] = count
            day += dt.timedelta(days=1)
        self._index, self._first, self._last = index, first, last

    def between(self, start: dt.date, end: dt.date) -> int:
        """As :meth:`WorkingCalendar.working_days_between`: after ``start`` up to and
        including ``end``."""
        self._cover(min(start, end), max(start, end))
        return self._index[end] - self._index[start]


def percentile(values: list[int], p: float) -> float | None:
    """The p-th percentile by the nearest-rank method (``None`` for no values)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return float(ordered[rank - 1])


def median(values: list[int]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[mid])
    return (ordered[mid - 1] + ordered[mid]) / 2


# ---------------------------------------------------------------- the cases


def sector_label_map() -> dict[str, str]:
    from escalate.partnerships.models import Sector

    return dict(Sector.choices)
