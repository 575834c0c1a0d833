"""The working days a partnership's cases count by: its region's bank holidays, less
those marked as worked there (:class:`~escalate.partnerships.models.WorkedBankHoliday`),
and its region's extra days off (:class:`~escalate.partnerships.models.NonWorkingDay`).
The one place that works it out: cases (``escalate.cases.facts.calendar_for``) ask it
too, so a draft's preview gives the deadlines a case would have."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from escalate.partnerships.models import NonWorkingDay, Partnership, WorkedBankHoliday
from escalate.procedures.calendar import WorkingCalendar


def calendar_for(partnership: Partnership) -> WorkingCalendar:
    """The partnership's working days (two queries)."""
    return calendars_for_regions([partnership.region])[partnership.region]


def calendars_for_regions(regions: Iterable[str]) -> dict[str, WorkingCalendar]:
    """Each region's working days, in two queries: its bank holidays, its extra days off
    and the listed bank holidays that are working days there."""
    wanted = sorted(set(regions))
    extra: dict[str, list[dt.date]] = {r: [] for r in wanted}
    worked: dict[str, list[dt.date]] = {r: [] for r in wanted}
    for found, model in ((extra, NonWorkingDay), (worked, WorkedBankHoliday)):
        rows = model.objects.filter(region__in=wanted).values_list("region", "date")
        for region, day in rows:
            found[region].append(day)
    return {r: WorkingCalendar.for_region(r, extra[r], worked[r]) for r in wanted}
