"""Every deadline each seed procedure sets is chased: for each of the five, a case at
each stage keeps its deadlines (:mod:`escalate.cases.deadlines`: the stage's
conclude-by and act-by, its extra deadlines, the next stage's start-by); moved past
each one, the reminder sweep reminds its owner (the stage's owner, or everyone holding
the role the definition names) that it has passed, and the deadline is overdue.
Warrington sets no timescale, so nothing of it is chased.

Concern arose Tue 1 Dec 2026; each case is moved stage by stage to the stage tested on
that day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import factories
import pytest

from escalate.cases import deadlines
from escalate.cases.facts import calendar_for
from escalate.cases.models import Case
from escalate.cases.models.deadlines import ACT_BY, CONCLUDE_BY, START_BY, CaseDeadline
from escalate.notifications import services
from escalate.notifications.models import Notification
from escalate.procedures.calendar import format_day
from escalate.procedures.model import PARTNERSHIP_ROLES, Procedure, Role

pytestmark = pytest.mark.django_db

FrozenClock = Callable[[dt.date | dt.datetime], dt.datetime]
AROSE = dt.date(2026, 12, 1)
TIMED = ["cheshire-east-sab", "hammersmith-fulham-sab", "pan-cheshire-children", "shropshire-sscp"]


def at_stage(w: factories.World, number: int, frozen_clock: FrozenClock) -> Case:
    frozen_clock(dt.datetime.combine(AROSE, dt.time(9, 0)))
    case = factories.raise_case(w, concern_arose_on=AROSE)
    return factories.escalate_to(w, case, number)


def owners(w: factories.World, deadline: CaseDeadline) -> set[str]:
    """Whose the deadline is: its stage record's owner, or everyone holding its role in
    the case (a partnership role in the partnership; an agency role in either agency)."""
    if deadline.owner_stage is not None:
        return {deadline.owner_stage.owner.email.lower()}
    role = Role(deadline.role)
    if role in PARTNERSHIP_ROLES:
        return {w.person(role).email.lower()}
    return {w.person(role, side=side).email.lower() for side in ("raising", "other")}


def kinds_defined(procedure: Procedure) -> set[tuple[int, str]]:
    """Each (stage, key) the definition sets a deadline for that a case can still miss:
    every conclude-by and extra deadline, and the start-by of every stage after the first
    (stage 1 starts as the case is raised)."""
    found: set[tuple[int, str]] = set()
    for stage in procedure.stages:
        if stage.start_by and stage.number > 1:
            found.add((stage.number, START_BY))
        if stage.conclude_by:
            found.add((stage.number, CONCLUDE_BY))
        found |= {(stage.number, d.key) for d in stage.other_deadlines}
    return found


def overdue_day(case: Case, due: dt.date) -> dt.date:
    """The first working day after ``due``: the day its first overdue reminder goes."""
    return calendar_for(case.partnership).add_working_days(due, 1)


@pytest.mark.parametrize("key", TIMED)
def test_every_deadline_a_seed_sets_is_chased_with_its_owner_once_passed(
    key: str, frozen_clock: FrozenClock
) -> None:
    chased: set[tuple[int, str]] = set()
    procedure = factories.world(key).procedure
    for number in range(1, len(procedure.stages) + 1):
        w = factories.world(key)
        case = at_stage(w, number, frozen_clock)
        # Every deadline not met yet: the stage being worked's, the next stage's start-by.
        # (A start- or conclude-by on its owner's act-by day is chased as that act-by.)
        waiting = list(
            CaseDeadline.objects.filter(case=case, met_on__isnull=True)
            .select_related("owner_stage__owner")
            .order_by("due", "stage", "key")
        )
        assert {(d.stage, d.key) for d in waiting} >= {
            k for k in kinds_defined(procedure) if k[0] == number and k[1] != START_BY
        } | ({(number + 1, START_BY)} & kinds_defined(procedure)), number
        for deadline in waiting:
            day = overdue_day(case, deadline.due)
            frozen_clock(dt.datetime.combine(day, dt.time(8, 0)))
            services.sweep_reminders()

            told = Notification.objects.filter(
                case=case, due_on=deadline.due, event="reminder.overdue"
            )
            reminded = {n.email for n in told}
            assert owners(w, deadline) <= reminded, (number, deadline.stage, deadline.key)
            assert all(format_day(deadline.due) in n.why for n in told)
            (row,) = [r for r in deadlines.for_case(case, today=day) if r.deadline == deadline]
            assert row.status == deadlines.DeadlineStatus.OVERDUE, (deadline.stage, deadline.key)
            chased.add((deadline.stage, deadline.key))
    # Every kind of deadline the definition sets was among those chased.
    assert kinds_defined(procedure) <= chased
    assert any(k == ACT_BY for _n, k in chased)


def test_the_chairs_own_deadline_is_chased_with_the_chair_not_the_stage_owner(
    frozen_clock: FrozenClock,
) -> None:
    """Cheshire East's chair: the recommendation "within 5 working days of the issue
    being brought to their attention", owned by the role, reminded to its holder."""
    w = factories.world("cheshire-east-sab")
    case = at_stage(w, 4, frozen_clock)
    (chair_deadline,) = CaseDeadline.objects.filter(case=case, key="chair-recommendation")
    assert chair_deadline.role == Role.INDEPENDENT_CHAIR.value
    day = overdue_day(case, chair_deadline.due)
    frozen_clock(dt.datetime.combine(day, dt.time(8, 0)))
    services.sweep_reminders()
    told = Notification.objects.filter(
        case=case, due_on=chair_deadline.due, event="reminder.overdue"
    )
    assert {n.email for n in told} == {w.person(Role.INDEPENDENT_CHAIR).email.lower()}


def test_warrington_sets_no_timescale_so_nothing_is_chased(frozen_clock: FrozenClock) -> None:
    """ "Challenges must be resolved in a timely manner": no dates, no reminders."""
    for number in range(1, 5):
        w = factories.world("warrington-sab")
        case = at_stage(w, number, frozen_clock)
        assert not CaseDeadline.objects.filter(case=case).exists()
        frozen_clock(dt.datetime.combine(AROSE + dt.timedelta(days=60), dt.time(8, 0)))
        services.sweep_reminders()
        assert not Notification.objects.filter(case=case, event__startswith="reminder.").exists()
