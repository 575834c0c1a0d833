"""Each kind of timescale the definition format says is stored and chased, end to end:
a Riverside case (tests/procedures/definitions/riverside.toml) raised and
moved through the services keeps the deadline, and once it passes the reminder sweep
reminds its owner. A soft target ("where possible") is chased like any other, and
stored as soft so that the board report can leave it out of the deadlines missed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import factories
import pytest

from escalate.cases import services
from escalate.cases.facts import calendar_for
from escalate.cases.models import Case, ContactKind
from escalate.cases.models.deadlines import CONCLUDE_BY, CaseDeadline
from escalate.notifications import services as notification_services
from escalate.notifications.models import Notification
from escalate.procedures import library
from escalate.procedures.model import Role

pytestmark = pytest.mark.django_db

FrozenClock = Callable[[dt.date | dt.datetime], dt.datetime]
KEY = "riverside"
RIVERSIDE = library.load_file(
    Path(__file__).parents[1] / "procedures" / "definitions" / f"{KEY}.toml"
)
AROSE = dt.date(2026, 12, 1)  # a Tuesday


@pytest.fixture(autouse=True)
def riverside_in_the_library(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setitem(library.load_library(), KEY, RIVERSIDE)
    yield


def raised(w: factories.World, frozen_clock: FrozenClock, number: int = 1) -> Case:
    frozen_clock(dt.datetime.combine(AROSE, dt.time(9, 0)))
    case = factories.raise_case(w, concern_arose_on=AROSE)
    while case.current_stage < number:
        if w.procedure.stage(case.current_stage).notice_before_escalation:
            # Riverside asks for notice to the other agency before stage 2 is escalated.
            case = services.give_notice_of_escalation(
                case.stages.get(number=case.current_stage).owner,
                case,
                details="Emailed their manager that we intend to escalate.",
                expected_version=case.version,
            )
        case = factories.escalate_to(w, case, case.current_stage + 1)
    return case


def stored(case: Case, stage: int, key: str) -> CaseDeadline:
    return CaseDeadline.objects.get(case=case, stage=stage, key=key)


def chased(case: Case, deadline: CaseDeadline, frozen_clock: FrozenClock) -> set[str]:
    """Who the sweep reminds the first working day after ``deadline`` is due."""
    day = calendar_for(case.partnership).add_working_days(deadline.due, 1)
    frozen_clock(dt.datetime.combine(day, dt.time(8, 0)))
    notification_services.sweep_reminders()
    told = Notification.objects.filter(case=case, due_on=deadline.due, event="reminder.overdue")
    return {n.email for n in told}


def stage_owner(case: Case, number: int) -> str:
    return case.stages.get(number=number).owner.email.lower()


def test_a_deadline_counted_from_the_acknowledgement_waits_for_it_then_is_chased(
    frozen_clock: FrozenClock,
) -> None:
    w = factories.world(KEY)
    case = raised(w, frozen_clock)
    assert not CaseDeadline.objects.filter(case=case, stage=1, key=CONCLUDE_BY).exists()
    frozen_clock(dt.datetime.combine(dt.date(2026, 12, 2), dt.time(10, 0)))
    case = services.acknowledge(w.other_professional, case, expected_version=case.version)
    deadline = stored(case, 1, CONCLUDE_BY)
    assert deadline.due == dt.date(2026, 12, 9)
    assert "acknowledged the challenge on Wed 2 Dec 2026" in deadline.explanation
    assert stage_owner(case, 1) in chased(case, deadline, frozen_clock)


def test_acknowledging_keeps_the_stored_deadlines_in_step_by_itself(
    frozen_clock: FrozenClock,
) -> None:
    w = factories.world(KEY)
    case = raised(w, frozen_clock)
    case = services.acknowledge(w.other_professional, case, expected_version=case.version)
    assert CaseDeadline.objects.filter(case=case, stage=1, key=CONCLUDE_BY).exists()


def test_a_soft_target_from_the_first_discussion_is_chased_and_stored_as_soft(
    frozen_clock: FrozenClock,
) -> None:
    w = factories.world(KEY)
    case = raised(w, frozen_clock, 2)
    owner = case.stages.get(number=2).owner
    frozen_clock(dt.datetime.combine(dt.date(2026, 12, 3), dt.time(10, 0)))
    services.record_contact(
        owner,
        case,
        kind=ContactKind.MEETING,
        text="Spoke with the other line manager.",
        occurred_on=dt.date(2026, 12, 3),
        expected_version=case.version,
    )
    deadline = stored(case, 2, CONCLUDE_BY)
    assert deadline.soft is True
    assert deadline.label == "Where possible, conclude by"
    assert deadline.due == dt.date(2026, 12, 10)
    assert stage_owner(case, 2) in chased(case, deadline, frozen_clock)
    # The hard deadlines of the same case are not soft.
    assert stored(case, 2, "managers-speak").soft is False


def test_immediately_and_hours_deadlines_are_stored_and_chased(
    frozen_clock: FrozenClock,
) -> None:
    w = factories.world(KEY)
    case = raised(w, frozen_clock)
    now = stored(case, 1, "tell-safeguarding-lead")
    assert now.due == AROSE and now.explanation.startswith("immediately")
    assert stage_owner(case, 1) in chased(case, now, frozen_clock)
    within = stored(case, 1, "acknowledge")
    assert within.due == dt.date(2026, 12, 3)
    assert within.explanation.startswith("48 hours (2 working days)")
    practitioners = {
        w.person(Role.PRACTITIONER, side=s).email.lower() for s in ("raising", "other")
    }
    assert practitioners <= chased(case, within, frozen_clock)


def test_the_same_working_day_after_the_escalation_is_stored_and_chased(
    frozen_clock: FrozenClock,
) -> None:
    w = factories.world(KEY)
    case = raised(w, frozen_clock, 2)
    deadline = stored(case, 2, "managers-speak")
    assert deadline.due == AROSE  # escalated on Tuesday 1 December, a working day
    assert "stage 1 was escalated on Tue 1 Dec 2026" in deadline.explanation
    assert stage_owner(case, 2) in chased(case, deadline, frozen_clock)


def test_a_deadline_from_the_previous_stage_escalating_is_stored_and_chased(
    frozen_clock: FrozenClock,
) -> None:
    w = factories.world(KEY)
    case = raised(w, frozen_clock, 3)
    deadline = stored(case, 3, CONCLUDE_BY)
    assert deadline.due == dt.date(2026, 12, 15)  # 10 working days after Tue 1 Dec
    assert stage_owner(case, 3) in chased(case, deadline, frozen_clock)


def test_a_new_stage_record_counts_its_deadlines_from_the_escalation_before_it(
    frozen_clock: FrozenClock,
) -> None:
    w = factories.world(KEY)
    case = raised(w, frozen_clock, 3)
    record = case.stages.get(number=3)
    # What the reminders and the case page read: due 10 working days after Tue 1 Dec.
    assert record.conclude_by == dt.date(2026, 12, 15)
    assert record.act_by == dt.date(2026, 12, 15)
    assert (
        "stage 2 was escalated on Tue 1 Dec 2026" in record.deadlines["conclude_by"]["explanation"]
    )
