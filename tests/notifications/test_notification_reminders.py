"""Deadline reminders, day by day across Christmas 2026 (Fri 25 Dec Christmas Day, Mon 28
Dec Boxing Day's substitute, Fri 1 Jan New Year's Day): the stage owner before, on and
after the deadline, their line manager after the grace period, an agreed action's owner
when it falls due. Each reminder is sent once however often the sweep runs."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

import factories
import pytest
from django.db import connection
from notification_helpers import person_for, traces_in

from escalate import clock
from escalate.cases import services as case_services
from escalate.notifications import services
from escalate.notifications.models import Notification, Reminder
from escalate.partnerships.models import NonWorkingDay

D = dt.date
AROSE = D(2026, 12, 23)  # Cheshire East stage 1: resolve or escalate by Tue 29 Dec


def reminders_sent(case) -> list[tuple[str, str]]:
    rows = Notification.objects.filter(case=case, event__startswith="reminder.").order_by("id")
    return [(n.event, n.email) for n in rows]


def sweep_each_day(first: D, last: D, frozen_clock) -> dict[D, list[tuple[str, str]]]:
    """Run the sweep every calendar day (twice, as a cron job might); what was new each day."""
    seen: list[tuple[str, str]] = []
    found: dict[D, list[tuple[str, str]]] = {}
    day = first
    while day <= last:
        frozen_clock(dt.datetime.combine(day, dt.time(8, 0)))
        services.sweep_reminders()
        services.sweep_reminders()
        now = list(
            Notification.objects.filter(event__startswith="reminder.")
            .order_by("id")
            .values_list("event", "email")
        )
        if now[len(seen) :]:
            found[day] = now[len(seen) :]
        seen = now
        day += dt.timedelta(days=1)
    return found


@pytest.fixture
def cheshire(frozen_clock: Callable[[dt.date], dt.datetime]):
    frozen_clock(AROSE)
    w = factories.world("cheshire-east-sab")
    case = factories.raise_case(w, concern_arose_on=AROSE, **person_for("cheshire-east-sab"))
    assert case.stages.get(number=1).act_by == D(2026, 12, 29)
    return w, case


@pytest.mark.django_db
def test_stage_owner_is_reminded_before_on_and_after_the_deadline_on_working_days_only(
    cheshire, frozen_clock
) -> None:
    w, case = cheshire
    owner = w.raiser.email.lower()
    manager = w.raising_people[factories.Role.LINE_MANAGER].email.lower()

    found = sweep_each_day(AROSE, D(2027, 1, 8), frozen_clock)

    assert found == {
        # Thu 24 Dec: the next working day is Tue 29 Dec, past Christmas and Boxing Day.
        D(2026, 12, 24): [("reminder.due_soon", owner)],
        D(2026, 12, 29): [("reminder.due_today", owner)],
        D(2026, 12, 30): [("reminder.overdue", owner)],
        # Two working days late: the owner's line manager is told, once.
        D(2026, 12, 31): [("reminder.overdue_manager", manager)],
        # Still overdue a working week later (New Year's Day not counted): told again.
        D(2027, 1, 7): [("reminder.overdue", owner)],
    }


@pytest.mark.django_db
def test_reminder_emails_say_the_deadline_and_never_name_the_person(
    cheshire, frozen_clock, mailoutbox
) -> None:
    w, case = cheshire
    frozen_clock(dt.datetime(2026, 12, 24, 8, 0))
    services.deliver_pending()
    del mailoutbox[:]
    services.sweep_reminders()
    services.deliver_pending()
    (message,) = mailoutbox
    assert message.to == [w.raiser.email.lower()]
    assert message.subject == f"Escalate {case.reference}: reminder, stage 1 deadline tomorrow"
    assert "By: Tue 29 Dec 2026" in message.body
    assert f"/cases/{case.reference}/" in message.body
    assert traces_in(message.subject + message.body) == []

    frozen_clock(dt.datetime(2026, 12, 31, 8, 0))
    services.sweep_reminders()
    del mailoutbox[:]
    services.deliver_pending()
    manager_mail = [m for m in mailoutbox if "deadline passed" in m.subject]
    assert {m.to[0] for m in manager_mail} == {
        w.raiser.email.lower(),
        w.raising_people[factories.Role.LINE_MANAGER].email.lower(),
    }
    (to_manager,) = [m for m in manager_mail if m.to[0] != w.raiser.email.lower()]
    assert "reports to you" in to_manager.body


@pytest.mark.django_db
def test_the_grace_period_before_telling_the_line_manager_is_a_setting(
    cheshire, frozen_clock, settings
) -> None:
    settings.REMINDER_GRACE_WORKING_DAYS = 4
    found = sweep_each_day(AROSE, D(2027, 1, 8), frozen_clock)
    manager_days = [d for d, sent in found.items() if sent[0][:1] == ("reminder.overdue_manager",)]
    # 30, 31 Dec, (1 Jan holiday, weekend), 4, 5 Jan: four working days late on Tue 5 Jan.
    assert manager_days == [D(2027, 1, 5)]


@pytest.mark.django_db
def test_a_day_off_added_by_the_partnership_is_not_a_reminder_day(cheshire, frozen_clock) -> None:
    NonWorkingDay.objects.create(date=D(2026, 12, 24), region="england-and-wales", reason="Closure")
    found = sweep_each_day(AROSE, D(2026, 12, 29), frozen_clock)
    assert [(d, e) for d, sent in found.items() for e, _ in sent] == [
        (D(2026, 12, 23), "reminder.due_soon"),  # the working day before Tue 29 Dec
        (D(2026, 12, 29), "reminder.due_today"),
    ]


@pytest.mark.django_db
def test_once_escalated_the_old_stage_stops_and_the_new_owner_is_reminded(
    cheshire, frozen_clock
) -> None:
    w, case = cheshire
    frozen_clock(D(2026, 12, 24))
    case = case_services.escalate(
        w.raiser, case, owner=w.owner_for(2), summary="No agreement.", expected_version=case.version
    )
    stage2 = case.stages.get(number=2)
    assert stage2.act_by == D(2026, 12, 31)
    found = sweep_each_day(D(2026, 12, 24), D(2026, 12, 31), frozen_clock)
    owner2 = stage2.owner.email.lower()
    assert found == {
        D(2026, 12, 30): [("reminder.due_soon", owner2)],
        D(2026, 12, 31): [("reminder.due_today", owner2)],
    }


@pytest.mark.django_db
def test_an_agreed_actions_owner_is_told_when_it_falls_due_even_after_resolution(
    cheshire, frozen_clock
) -> None:
    w, case = cheshire
    frozen_clock(D(2026, 12, 24))
    case = case_services.resolve(
        w.raiser,
        case,
        outcome="Agreed a joint review.",
        agreed_actions=[
            case_services.ActionInput(
                "Joint review", w.other, D(2027, 1, 4), owner=w.other_professional
            ),
            case_services.ActionInput("Done early", w.raising, D(2027, 1, 4), owner=w.raiser),
        ],
        expected_version=case.version,
    )
    early = case.agreed_actions.get(what="Done early")
    frozen_clock(D(2026, 12, 31))
    case.refresh_from_db()
    case_services.complete_agreed_action(
        w.raiser, early, note="Done.", expected_version=case.version
    )
    found = sweep_each_day(D(2026, 12, 24), D(2027, 1, 6), frozen_clock)
    assert found == {D(2027, 1, 4): [("reminder.action_due", w.other_professional.email.lower())]}


@pytest.mark.django_db(transaction=True)
def test_sweeps_running_at_the_same_time_send_each_reminder_exactly_once(frozen_clock) -> None:
    frozen_clock(AROSE)
    w = factories.world("cheshire-east-sab")
    cases = [factories.raise_case(w, concern_arose_on=AROSE) for _ in range(6)]
    frozen_clock(dt.datetime(2026, 12, 31, 8, 0))  # overdue, and past the grace period
    start = threading.Barrier(4)
    errors: list[BaseException] = []

    def sweep() -> None:
        try:
            start.wait()
            services.sweep_reminders()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    for case in cases:
        assert sorted(e for e, _ in reminders_sent(case)) == [
            "reminder.overdue",
            "reminder.overdue_manager",
        ]
    assert Reminder.objects.count() == 12
    assert clock.is_frozen()


@pytest.mark.django_db
def test_a_sweep_in_many_small_batches_writes_each_reminder_once(frozen_clock, monkeypatch):
    from django.test.utils import CaptureQueriesContext

    from escalate.notifications import reminders

    monkeypatch.setattr(reminders, "SWEEP_CHUNK", 4)
    frozen_clock(AROSE)
    w = factories.world("cheshire-east-sab")
    cases = [factories.raise_case(w, concern_arose_on=AROSE) for _ in range(5)]
    frozen_clock(dt.datetime(2026, 12, 31, 8, 0))  # overdue, and past the grace period
    first = services.sweep_reminders()
    assert first.counts == {"overdue": 5, "manager": 5}
    with CaptureQueriesContext(connection) as few:
        assert services.sweep_reminders().total == 0

    cases += [factories.raise_case(w, concern_arose_on=AROSE) for _ in range(7)]
    assert services.sweep_reminders().counts == {"overdue": 7, "manager": 7}
    with CaptureQueriesContext(connection) as more:
        assert services.sweep_reminders().total == 0
    for case in cases:
        assert sorted(e for e, _ in reminders_sent(case)) == [
            "reminder.overdue",
            "reminder.overdue_manager",
        ]
    # A sweep that finds everything sent asks the same questions however much was due.
    assert len(more.captured_queries) == len(few.captured_queries)
