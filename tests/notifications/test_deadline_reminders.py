"""Reminders of every stored deadline, not only a stage's act-by: the start-by of the
next stage and the definition's extra deadlines, such as Cheshire East's chair's
recommendation ("within 5 working days of the issue being brought to their attention"),
each before, on and after its own date, once, to its own owner, naming it.

Concern arose Tue 1 Dec 2026. The services do not store deadlines yet (the lead wires
them in), so each test calls :func:`escalate.cases.deadlines.sync_case_deadlines`
after each change, as the services will.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import factories
import pytest
from django.db.models import Max

from escalate.cases import deadlines
from escalate.cases.models import Case
from escalate.notifications import services
from escalate.notifications.models import Notification, Reminder
from escalate.procedures.model import Role

D = dt.date
AROSE = D(2026, 12, 1)
CHAIR_DUE = D(2026, 12, 8)  # 5 working days after step 4 began on Tue 1 Dec

FrozenClock = Callable[[dt.date | dt.datetime], dt.datetime]


def at_stage(w: factories.World, number: int, frozen_clock: FrozenClock, on: dt.date) -> Case:
    frozen_clock(AROSE)
    case = factories.raise_case(w, concern_arose_on=AROSE)
    frozen_clock(on)
    case = factories.escalate_to(w, case, number)
    deadlines.sync_case_deadlines(case)
    return case


def sweep_each_day(
    first: D, last: D, frozen_clock: FrozenClock, due_on: D
) -> dict[D, list[tuple[str, str]]]:
    """Sweep twice every calendar day; what was new each day about the deadlines due on
    ``due_on`` (event, address)."""
    found: dict[D, list[tuple[str, str]]] = {}
    day = first
    while day <= last:
        frozen_clock(dt.datetime.combine(day, dt.time(8, 0)))
        before = Notification.objects.aggregate(last=Max("id"))["last"] or 0
        services.sweep_reminders()
        services.sweep_reminders()
        fresh = Notification.objects.filter(due_on=due_on, pk__gt=before).order_by("id")
        if fresh:
            found[day] = [(n.event, n.email) for n in fresh]
        day += dt.timedelta(days=1)
    return found


@pytest.fixture
def world(frozen_clock: FrozenClock) -> factories.World:
    frozen_clock(AROSE)
    return factories.world("cheshire-east-sab")


@pytest.mark.django_db
def test_the_chair_is_reminded_of_their_own_deadline_before_on_and_after_it_once_each(
    world: factories.World, frozen_clock: FrozenClock
) -> None:
    at_stage(world, 4, frozen_clock, AROSE)
    chair = world.person(Role.INDEPENDENT_CHAIR).email.lower()
    unit = world.partnership.business_unit_email.lower()

    found = sweep_each_day(AROSE, D(2026, 12, 16), frozen_clock, CHAIR_DUE)

    assert found == {
        D(2026, 12, 7): [("reminder.due_soon", chair)],
        D(2026, 12, 8): [("reminder.due_today", chair)],
        D(2026, 12, 9): [("reminder.overdue", chair)],
        # Two working days late; no line manager is recorded for the chair.
        D(2026, 12, 10): [("reminder.overdue_manager", unit)],
        # A working week later, still not met: told again.
        D(2026, 12, 16): [("reminder.overdue", chair)],
    }
    soon = Notification.objects.get(due_on=CHAIR_DUE, event="reminder.due_soon")
    assert soon.stage == 4
    assert soon.recipient == world.person(Role.INDEPENDENT_CHAIR)
    assert soon.why == (
        "you are the independent chair for this case's partnership: “Chair's recommendation "
        "communicated to all involved” (stage 4) is due by Tue 8 Dec 2026, one working day "
        "away. How it was worked out: 5 working days after stage 4 began on Tue 1 Dec 2026 "
        "= Tue 8 Dec 2026"
    )
    manager = Notification.objects.get(due_on=CHAIR_DUE, event="reminder.overdue_manager")
    assert "no line manager is recorded for the independent chair" in manager.why


@pytest.mark.django_db
def test_the_chairs_reminder_email_gives_the_chairs_date_not_the_stages_end(
    world: factories.World, frozen_clock: FrozenClock, mailoutbox
) -> None:
    case = at_stage(world, 4, frozen_clock, AROSE)
    services.deliver_pending()
    frozen_clock(dt.datetime(2026, 12, 7, 8, 0))
    services.sweep_reminders()
    del mailoutbox[:]
    services.deliver_pending()

    (message,) = [m for m in mailoutbox if m.to == [world.person(Role.INDEPENDENT_CHAIR).email]]
    assert message.subject == f"Escalate {case.reference}: reminder, stage 4 deadline tomorrow"
    assert "By: Tue 8 Dec 2026" in message.body
    assert "Chair's recommendation communicated to all involved" in message.body
    assert "Mon 21 Dec" not in message.body


@pytest.mark.django_db
def test_the_next_stages_start_by_is_chased_with_the_owner_of_the_stage_being_worked(
    world: factories.World, frozen_clock: FrozenClock
) -> None:
    # At step 3 (conclude by Mon 14 Dec), step 4 must start by day 16, Wed 16 Dec.
    case = at_stage(world, 3, frozen_clock, AROSE)
    owner3 = case.stages.get(number=3).owner.email.lower()
    unit = world.partnership.business_unit_email.lower()

    found = sweep_each_day(AROSE, D(2026, 12, 24), frozen_clock, D(2026, 12, 16))

    assert found == {
        D(2026, 12, 15): [("reminder.due_soon", owner3)],
        D(2026, 12, 16): [("reminder.due_today", owner3)],
        D(2026, 12, 17): [("reminder.overdue", owner3)],
        D(2026, 12, 18): [("reminder.overdue_manager", unit)],
        D(2026, 12, 24): [("reminder.overdue", owner3)],
    }
    soon = Notification.objects.get(due_on=D(2026, 12, 16), event="reminder.due_soon")
    assert soon.why.startswith(
        "you own stage 3: the start of stage 4 is due by Wed 16 Dec 2026, one working day away."
    )
    # Step 3's own act-by (Mon 14 Dec) is still reminded as before, separately.
    assert Notification.objects.filter(
        due_on=D(2026, 12, 14), event="reminder.due_today", email=owner3
    ).exists()


@pytest.mark.django_db
def test_a_met_deadline_is_not_reminded(world: factories.World, frozen_clock: FrozenClock) -> None:
    case = at_stage(world, 4, frozen_clock, AROSE)
    frozen_clock(D(2026, 12, 3))
    assert deadlines.mark_met_by_checklist(case, 4, "recommendation-communicated") == 1

    assert sweep_each_day(D(2026, 12, 3), D(2026, 12, 16), frozen_clock, CHAIR_DUE) == {}


@pytest.mark.django_db
def test_a_start_by_is_not_reminded_once_its_stage_has_begun(
    world: factories.World, frozen_clock: FrozenClock
) -> None:
    case = at_stage(world, 3, frozen_clock, AROSE)
    frozen_clock(D(2026, 12, 14))
    case = factories.escalate_to(world, case, 4)
    deadlines.sync_case_deadlines(case)

    assert sweep_each_day(D(2026, 12, 14), D(2026, 12, 18), frozen_clock, D(2026, 12, 16)) == {}


@pytest.mark.django_db
def test_an_extra_deadline_on_the_act_by_day_is_reminded_as_well_as_the_act_by(
    world: factories.World, frozen_clock: FrozenClock
) -> None:
    # Step 4 begins Mon 14 Dec: the chair's recommendation is due Mon 21 Dec, the very
    # day step 4 must be concluded. Two deadlines, two reminders, each named.
    at_stage(world, 4, frozen_clock, D(2026, 12, 14))
    chair = world.person(Role.INDEPENDENT_CHAIR).email.lower()

    found = sweep_each_day(D(2026, 12, 18), D(2026, 12, 18), frozen_clock, D(2026, 12, 21))

    assert found == {
        D(2026, 12, 18): [("reminder.due_soon", chair), ("reminder.due_soon", chair)],
    }
    whys = sorted(Notification.objects.filter(due_on=D(2026, 12, 21)).values_list("why", flat=True))
    assert "“Chair's recommendation communicated to all involved” (stage 4)" in whys[0]
    assert whys[1].startswith("you own stage 4, which must be resolved or escalated by")


@pytest.mark.django_db
def test_everyone_holding_the_role_is_reminded_under_one_key(
    world: factories.World, frozen_clock: FrozenClock
) -> None:
    deputy = factories.user("Deputy Chair")
    factories.partnership_role(deputy, world.partnership, Role.INDEPENDENT_CHAIR)
    at_stage(world, 4, frozen_clock, AROSE)

    found = sweep_each_day(D(2026, 12, 7), D(2026, 12, 7), frozen_clock, CHAIR_DUE)

    assert sorted(found[D(2026, 12, 7)]) == sorted(
        [
            ("reminder.due_soon", world.person(Role.INDEPENDENT_CHAIR).email.lower()),
            ("reminder.due_soon", deputy.email.lower()),
        ]
    )
    assert Reminder.objects.filter(key__startswith="deadline:", kind="due_soon").count() == 1


@pytest.mark.django_db
def test_with_no_chair_registered_the_business_unit_is_reminded_instead(
    world: factories.World, frozen_clock: FrozenClock
) -> None:
    case = at_stage(world, 4, frozen_clock, AROSE)
    chair = world.person(Role.INDEPENDENT_CHAIR)
    chair.is_active = False
    chair.save(update_fields=["is_active"])

    found = sweep_each_day(D(2026, 12, 7), D(2026, 12, 7), frozen_clock, CHAIR_DUE)

    assert found == {
        D(2026, 12, 7): [("reminder.due_soon", world.partnership.business_unit_email.lower())]
    }
    (told,) = Notification.objects.filter(case=case, due_on=CHAIR_DUE)
    assert told.why.startswith(
        "no independent chair is registered for this case, so the business unit is told instead"
    )
