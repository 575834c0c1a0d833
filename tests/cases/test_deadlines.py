"""Every deadline of a case, stored with its own date, owner, status and explanation.

Cheshire East's chair must communicate a recommendation "within 5 working days of the
issue being brought to their attention": for a concern that arose on Tue 1 Dec 2026 and
reached the chair (step 4) that day, that is Tue 8 Dec 2026, while step 4 itself must
conclude by day 21, Mon 21 Dec 2026.

The services do not write these rows yet (the lead wires them in), so the tests call
:func:`escalate.cases.deadlines.sync_case_deadlines` after each change, as the services
will.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable

import factories
import pytest
from django.apps import apps as django_apps
from django.db import IntegrityError, transaction

from escalate.cases import deadlines
from escalate.cases import services as case_services
from escalate.cases.deadlines import DeadlineStatus
from escalate.cases.facts import calendar_for
from escalate.cases.models import Case, CaseStatus
from escalate.cases.models.deadlines import CaseDeadline
from escalate.procedures.model import Role

D = dt.date
AROSE = D(2026, 12, 1)  # Tue 1 Dec 2026: day 21 is Mon 21 Dec
CHAIR_KEY = "chair-recommendation"

FrozenClock = Callable[[dt.date], dt.datetime]


def at_stage(w: factories.World, number: int, frozen_clock: FrozenClock, on: dt.date) -> Case:
    """A Cheshire East case that arose on AROSE, escalated to stage ``number`` on ``on``."""
    frozen_clock(AROSE)
    case = factories.raise_case(w, concern_arose_on=AROSE)
    deadlines.sync_case_deadlines(case)
    frozen_clock(on)
    case = factories.escalate_to(w, case, number)
    deadlines.sync_case_deadlines(case)
    return case


def stored(case: Case) -> dict[tuple[int, str], CaseDeadline]:
    return {(d.stage, d.key): d for d in CaseDeadline.objects.filter(case=case)}


@pytest.fixture
def world(frozen_clock: FrozenClock) -> factories.World:
    frozen_clock(AROSE)
    return factories.world("cheshire-east-sab")


@pytest.mark.django_db
def test_the_chairs_recommendation_is_stored_with_its_own_date_owner_and_explanation(
    world: factories.World, frozen_clock: FrozenClock
) -> None:
    case = at_stage(world, 4, frozen_clock, AROSE)
    rows = stored(case)

    chair = rows[(4, CHAIR_KEY)]
    assert chair.due == D(2026, 12, 8)
    assert chair.label == "Chair's recommendation communicated to all involved"
    assert (
        chair.explanation == "5 working days after stage 4 began on Tue 1 Dec 2026 = Tue 8 Dec 2026"
    )
    assert chair.owner_role is Role.INDEPENDENT_CHAIR
    assert chair.owner_stage is None
    assert chair.met_on is None
    # The stage's own deadlines, owned by its owner: it concludes by day 21.
    assert rows[(4, "conclude_by")].due == D(2026, 12, 21)
    assert rows[(4, "act_by")].due == D(2026, 12, 21)
    assert rows[(4, "act_by")].owner_stage == case.stages.get(number=4)
    # Step 4 had to start by day 16; it started on day 1, so that one is met.
    assert (rows[(4, "start_by")].due, rows[(4, "start_by")].met_on) == (D(2026, 12, 16), AROSE)
    # The stages escalated through are concluded: their deadlines met that day.
    assert rows[(2, "conclude_by")].due == D(2026, 12, 9)
    assert rows[(2, "conclude_by")].met_on == AROSE


@pytest.mark.django_db
def test_an_extra_deadline_after_its_stages_conclude_by_says_so(
    world: factories.World, frozen_clock: FrozenClock
) -> None:
    # Step 4 begins on day 16, Wed 16 Dec: the chair has until Wed 23 Dec, two days
    # after step 4 must be concluded (Mon 21 Dec).
    case = at_stage(world, 4, frozen_clock, D(2026, 12, 16))
    rows = {(r.deadline.stage, r.deadline.key): r for r in deadlines.for_case(case)}

    chair = rows[(4, CHAIR_KEY)]
    assert chair.deadline.due == D(2026, 12, 23)
    assert chair.after_conclude_by == D(2026, 12, 21)
    assert chair.note == "This falls after stage 4 must be concluded (Mon 21 Dec 2026)."
    assert rows[(4, "act_by")].note == ""


@pytest.mark.django_db
def test_a_deadline_is_on_time_then_due_soon_then_overdue_until_it_is_met(
    world: factories.World, frozen_clock: FrozenClock
) -> None:
    case = at_stage(world, 4, frozen_clock, AROSE)
    chair = stored(case)[(4, CHAIR_KEY)]
    calendar = calendar_for(case.partnership)

    def on(day: dt.date) -> DeadlineStatus:
        return deadlines.status(chair, day, calendar)

    assert on(D(2026, 12, 3)) is DeadlineStatus.ON_TIME
    assert on(D(2026, 12, 4)) is DeadlineStatus.ON_TIME  # Fri: next working day is Mon 7
    assert on(D(2026, 12, 7)) is DeadlineStatus.DUE_SOON  # one working day away
    assert on(D(2026, 12, 8)) is DeadlineStatus.DUE_SOON  # due today
    assert on(D(2026, 12, 9)) is DeadlineStatus.OVERDUE
    assert chair.within_timescale(D(2026, 12, 9)) is False

    assert deadlines.mark_met(case, 4, [CHAIR_KEY], on=D(2026, 12, 7)) == 1
    chair.refresh_from_db()
    assert on(D(2026, 12, 9)) is DeadlineStatus.MET
    assert chair.within_timescale(D(2026, 12, 9)) is True
    # Only the deadline named was met.
    assert stored(case)[(4, "act_by")].met_on is None


@pytest.mark.django_db
def test_ticking_off_the_recommendation_meets_the_chairs_deadline(
    world: factories.World, frozen_clock: FrozenClock
) -> None:
    case = at_stage(world, 4, frozen_clock, AROSE)
    frozen_clock(D(2026, 12, 4))

    assert deadlines.mark_met_by_checklist(case, 4, "written-representations") == 0
    assert deadlines.mark_met_by_checklist(case, 4, "recommendation-communicated") == 1

    rows = stored(case)
    assert rows[(4, CHAIR_KEY)].met_on == D(2026, 12, 4)
    assert rows[(4, "act_by")].met_on is None
    # Writing the stage's deadlines again keeps the day it was met.
    deadlines.sync_case_deadlines(case)
    assert stored(case)[(4, CHAIR_KEY)].met_on == D(2026, 12, 4)


@pytest.mark.django_db
def test_the_chair_sees_their_own_deadline_first_on_their_dashboard(
    world: factories.World, frozen_clock: FrozenClock
) -> None:
    case = at_stage(world, 4, frozen_clock, AROSE)
    chair = world.person(Role.INDEPENDENT_CHAIR)

    rows = deadlines.deadlines_owned_by(chair, today=D(2026, 12, 7))

    assert [(r.deadline.key, r.deadline.due, r.status) for r in rows] == [
        (CHAIR_KEY, D(2026, 12, 8), DeadlineStatus.DUE_SOON),
        # The stage's act-by stands for its conclude-by (the same day): shown once.
        ("act_by", D(2026, 12, 21), DeadlineStatus.ON_TIME),
    ]
    assert rows[0].deadline.case == case
    assert rows[0].due_text == "Tue 8 Dec 2026"
    assert rows[0].yours_because == "you are the independent chair for this case's partnership"
    assert rows[0].deadline.explanation.endswith("= Tue 8 Dec 2026")
    assert rows[1].yours_because == "you own stage 4"
    # The chair's deadline is theirs, not the raising practitioner's.
    assert deadlines.deadlines_owned_by(world.raiser, today=D(2026, 12, 7)) == []


@pytest.mark.django_db
def test_the_dashboard_read_takes_the_same_queries_however_many_cases(
    world: factories.World, frozen_clock: FrozenClock, django_assert_num_queries
) -> None:
    at_stage(world, 4, frozen_clock, AROSE)
    chair = world.person(Role.INDEPENDENT_CHAIR)
    # Three (the deadlines, the regions' days off and the bank holidays they work),
    # whatever the number of cases.
    with django_assert_num_queries(3):
        assert len(deadlines.deadlines_owned_by(chair, today=D(2026, 12, 7))) == 2
    for _ in range(2):
        at_stage(world, 4, frozen_clock, AROSE)
    with django_assert_num_queries(3):
        assert len(deadlines.deadlines_owned_by(chair, today=D(2026, 12, 7))) == 6


@pytest.mark.django_db
def test_the_next_stages_start_by_belongs_to_the_owner_of_the_stage_being_worked(
    world: factories.World, frozen_clock: FrozenClock
) -> None:
    # At step 3 (conclude by day 14, Mon 14 Dec), step 4 must start by day 16 (Wed 16
    # Dec): a deadline of its own for step 3's owner.
    case = at_stage(world, 3, frozen_clock, AROSE)
    start4 = stored(case)[(4, "start_by")]
    assert start4.due == D(2026, 12, 16)
    assert start4.owner_stage == case.stages.get(number=3)
    assert start4.met_on is None

    owner3 = case.stages.get(number=3).owner
    mine = deadlines.deadlines_owned_by(owner3, today=D(2026, 12, 2))
    assert [(r.deadline.stage, r.deadline.key, r.deadline.due) for r in mine] == [
        (3, "act_by", D(2026, 12, 14)),
        (4, "start_by", D(2026, 12, 16)),
    ]
    assert [r.name for r in mine] == ["resolving or escalating stage 3", "the start of stage 4"]

    # Escalating to step 4 meets it, on the same row (so reminders sent stay sent).
    frozen_clock(D(2026, 12, 15))
    case = factories.escalate_to(world, case, 4)
    deadlines.sync_case_deadlines(case)
    again = CaseDeadline.objects.get(case=case, stage=4, key="start_by")
    assert (again.pk, again.met_on) == (start4.pk, D(2026, 12, 15))
    assert stored(case)[(3, "act_by")].met_on == D(2026, 12, 15)


@pytest.mark.django_db
def test_a_start_by_on_the_same_day_as_the_act_by_is_not_shown_twice(
    world: factories.World, frozen_clock: FrozenClock
) -> None:
    frozen_clock(AROSE)
    case = factories.raise_case(world, concern_arose_on=AROSE)
    rows = deadlines.record_stage_deadlines(case, 2)
    assert [(d.key, d.due) for d in rows] == [("start_by", D(2026, 12, 3))]
    deadlines.record_stage_deadlines(case, 1)
    mine = deadlines.deadlines_owned_by(world.raiser, today=AROSE)
    # Step 1 has no end of its own: resolve or escalate by the day step 2 must start.
    assert [(r.deadline.stage, r.deadline.key, r.deadline.due) for r in mine] == [
        (1, "act_by", D(2026, 12, 3)),
    ]


@pytest.mark.django_db
def test_a_closed_case_keeps_its_stages_deadlines_met_and_forgets_the_next_stage(
    world: factories.World, frozen_clock: FrozenClock
) -> None:
    case = at_stage(world, 3, frozen_clock, AROSE)
    frozen_clock(D(2026, 12, 10))
    case = case_services.resolve(
        case.stages.get(number=3).owner,
        case,
        outcome="Agreed a joint review.",
        expected_version=case.version,
    )
    deadlines.sync_case_deadlines(case)

    rows = stored(case)
    assert not [key for key in rows if key[0] == 4]
    assert rows[(3, "act_by")].met_on == D(2026, 12, 10)
    assert rows[(3, "act_by")].within_timescale(D(2026, 12, 10)) is True
    assert deadlines.deadlines_owned_by(case.stages.get(number=3).owner, D(2026, 12, 10)) == []


@pytest.mark.django_db
def test_backfilling_gives_open_cases_their_deadlines_and_closed_ones_none(
    world: factories.World, frozen_clock: FrozenClock
) -> None:
    open_case = at_stage(world, 4, frozen_clock, AROSE)
    closed = factories.raise_case(world, concern_arose_on=AROSE)
    closed = case_services.withdraw(
        world.raiser, closed, reason="Agreed informally.", expected_version=closed.version
    )
    assert closed.status == CaseStatus.WITHDRAWN
    CaseDeadline.objects.all().delete()

    assert deadlines.backfill_open_cases() == 1
    assert stored(open_case)[(4, CHAIR_KEY)].due == D(2026, 12, 8)
    assert not CaseDeadline.objects.filter(case=closed).exists()
    assert deadlines.backfill_open_cases() == 0


@pytest.mark.django_db
def test_the_data_migration_backfills_the_same_rows(
    world: factories.World, frozen_clock: FrozenClock
) -> None:
    case = at_stage(world, 4, frozen_clock, AROSE)
    expected = {k: (d.due, d.role, d.owner_stage_id, d.met_on) for k, d in stored(case).items()}
    CaseDeadline.objects.all().delete()

    migration = importlib.import_module("escalate.cases.migrations.0006_backfill_case_deadlines")
    migration.backfill(django_apps, None)

    assert {k: (d.due, d.role, d.owner_stage_id, d.met_on) for k, d in stored(case).items()} == (
        expected
    )


@pytest.mark.django_db
def test_the_database_refuses_a_deadline_with_two_owners_or_none(
    world: factories.World, frozen_clock: FrozenClock
) -> None:
    case = at_stage(world, 4, frozen_clock, AROSE)
    record = case.stages.get(number=4)
    base = {"case": case, "stage": 4, "label": "Extra", "due": AROSE, "explanation": "By hand"}
    for owners in (
        {"role": Role.INDEPENDENT_CHAIR.value, "owner_stage": record},
        {"role": ""},
        {"key": "act_by", "role": Role.INDEPENDENT_CHAIR.value},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            CaseDeadline.objects.create(**{"key": "extra", **base, **owners})
