"""The reminder sweep passes over the open cases once for their current stages' act-bys:
which act-bys have passed is read from the stage records alone, and the stages due
tomorrow, today and already passed are asked about together. A rerun every few minutes
that finds everything sent is one pass, not three."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import factories
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from escalate.cases.models import StageRecord
from escalate.notifications import services
from escalate.notifications.models import Reminder

D = dt.date
AROSE = D(2026, 12, 23)
TODAY = D(2027, 1, 6)  # a Wednesday, no bank holiday near it
ACT_BYS = {
    D(2027, 1, 7): ["due_soon"],
    TODAY: ["due_today"],
    D(2027, 1, 4): ["overdue", "manager"],  # two working days late: the manager too
}


def passes_over_stages_and_cases(queries: CaptureQueriesContext) -> int:
    return sum(
        1
        for q in queries.captured_queries
        if 'FROM "cases_stagerecord"' in q["sql"] and '"cases_case"' in q["sql"]
    )


@pytest.mark.django_db
def test_a_sweep_asks_about_stages_due_tomorrow_today_and_passed_in_one_pass_over_the_cases(
    frozen_clock: Callable[[dt.date | dt.datetime], dt.datetime],
) -> None:
    frozen_clock(dt.datetime.combine(AROSE, dt.time(9, 0)))
    w = factories.world("cheshire-east-sab")
    cases = {day: factories.raise_case(w, concern_arose_on=AROSE).pk for day in ACT_BYS}
    for day, pk in cases.items():
        StageRecord.objects.filter(case_id=pk, number=1).update(act_by=day)
    frozen_clock(dt.datetime.combine(TODAY, dt.time(8, 0)))

    with CaptureQueriesContext(connection) as first:
        services.sweep_reminders()
    with CaptureQueriesContext(connection) as again:
        assert services.sweep_reminders().total == 0

    for day, pk in cases.items():
        sent = Reminder.objects.filter(case_id=pk, key__startswith="stage:")
        assert sorted(sent.values_list("kind", flat=True)) == sorted(ACT_BYS[day])
        assert set(sent.values_list("due_on", flat=True)) == {day}
    assert passes_over_stages_and_cases(first) == passes_over_stages_and_cases(again) == 1
