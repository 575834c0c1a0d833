"""The reminder sweep asks only about the act-bys of stages still open: a partnership's
whole history of past deadlines (tens of thousands of dates) neither slows it down nor
breaks it (SQLite takes at most 32,766 parameters a query), and what is owed goes out
once, in the right working week late."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable

import factories
import pytest
from django.db import connection

from escalate.cases.models import CaseDeadline, CaseStatus, Conclusion, StageRecord
from escalate.notifications import reminders, services
from escalate.notifications.models import Reminder

D = dt.date
AROSE = D(2026, 12, 23)  # Cheshire East stage 1: resolve or escalate by Tue 29 Dec
TODAY = D(2026, 12, 31)
HISTORY = 13_000  # distinct past act-bys, 1985 to 2020: three parameters each was too many


@pytest.mark.django_db
def test_a_sweep_over_decades_of_closed_stages_sends_what_open_ones_are_owed_once(
    frozen_clock: Callable[[dt.datetime], dt.datetime], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reminders, "DATES_PER_QUERY", 3)  # open stages' dates, a few a query
    frozen_clock(dt.datetime.combine(AROSE, dt.time(9, 0)))
    w = factories.world("cheshire-east-sab")
    closed = factories.raise_case(w, concern_arose_on=AROSE)
    first = closed.stages.get(number=1)
    StageRecord.objects.filter(case=closed).update(
        conclusion=Conclusion.RESOLVED, concluded_on=AROSE
    )
    type(closed).objects.filter(pk=closed.pk).update(status=CaseStatus.RESOLVED, closed_on=AROSE)
    StageRecord.objects.bulk_create(
        [
            StageRecord(
                case=closed,
                number=n,
                started_on=day - dt.timedelta(days=3),
                owner_id=first.owner_id,
                owner_role=first.owner_role,
                act_by=day,
                conclusion=Conclusion.ESCALATED,
                concluded_on=day,
            )
            for n, day in enumerate(
                (D(1985, 1, 1) + dt.timedelta(days=i) for i in range(HISTORY)), start=2
            )
        ],
        batch_size=2000,
    )
    opened = [factories.raise_case(w, concern_arose_on=AROSE) for _ in range(9)]
    # Eight open stages long overdue, on dates years apart (in different windows of
    # three dates), and one passed two days ago.
    for i, case in enumerate(opened[:8]):
        long_ago = D(2019, 3, 4) + dt.timedelta(days=97 * i)
        StageRecord.objects.filter(case=case, number=1).update(act_by=long_ago)
        # The deadline it comes from (step 2's start-by) with it.
        CaseDeadline.objects.filter(case=case, due=D(2026, 12, 29)).update(due=long_ago)
    assert StageRecord.objects.values("act_by").distinct().count() > HISTORY

    frozen_clock(dt.datetime.combine(TODAY, dt.time(8, 0)))
    if connection.vendor == "sqlite":  # as SQLite is built by default (this one may allow more)
        connection.ensure_connection()
        connection.connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 32_766)
    most: list[int] = [0]

    def counted(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        if not many:
            most[0] = max(most[0], len(params or ()))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counted):
        assert services.sweep_reminders().counts == {"overdue": 9, "manager": 9}
    assert most[0] < 100  # bounded by the open stages' dates, a few a query, not by history
    assert services.sweep_reminders().total == 0  # each once

    calendar = reminders.calendar_for_region(w.partnership.region)
    assert not Reminder.objects.filter(case=closed).exists()
    for case in opened:
        act_by = case.stages.get(number=1).act_by
        late = calendar.working_days_between(act_by, TODAY)
        sent = set(Reminder.objects.filter(case=case).values_list("kind", "week", "due_on"))
        assert sent == {("overdue", (late - 1) // 5, act_by), ("manager", 0, act_by)}, act_by
