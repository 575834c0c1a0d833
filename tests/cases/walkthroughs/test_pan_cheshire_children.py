"""Pan Cheshire children: who every move tells, on every path
(shared/seeds/pan-cheshire-children.txt).

Step 1 workers; step 2 line managers or safeguarding leads; step 3 "escalated by a senior
manager ... to the Safeguarding Partnership representative"; step 4 the Statutory
Partners. At steps 2 and 3 "The outcome of the challenge should also be fed back to the
practitioner who raised the concern", whatever the outcome. No step may be skipped.
"""

from __future__ import annotations

import factories
import pytest

from escalate.cases.errors import Conflict, NotAllowed
from escalate.notifications.models import Notification

from .story import (
    BU,
    OP,
    RP,
    Told,
    at_stage,
    escalate,
    flag_policy_issue,
    resolve,
    start,
    told_by_last_move,
    withdraw,
)

KEY = "pan-cheshire-children"
#: Who escalating into each step tells (made by the owner of the step before).
ESCALATED: dict[int, Told] = {
    2: {("stage_owner", "R:line_manager")},  # the raiser escalated: not told of it
    # "the professionals must notify their senior manager"; the outcome fed back
    3: {
        ("stage_owner", "R:board_representative"),
        ("senior_managers", "R:senior_manager"),
        ("senior_managers", "O:senior_manager"),
        RP,
    },
    # "the issue should be brought to the Safeguarding Partnership Manager"; "escalated to
    # the Statutory Partners"; the step 3 outcome fed back
    4: {("stage_owner", "P:statutory_partner"), *BU, RP},
}
ALL_INVOLVED = {
    ("all_involved", who)
    for who in (
        "R:practitioner",
        "O:practitioner",
        "R:line_manager",
        "O:line_manager",
        "R:board_representative",
        "O:board_representative",
    )
}
#: Who resolving at each step tells (recorded by the step's owner).
RESOLVED: dict[int, Told] = {
    1: set(),  # the raiser resolved it; "the local Safeguarding Partnership does not need
    # to be informed"
    2: {RP},
    3: {RP},
    # "A recommendation will be made"; "The local Safeguarding Partnership will maintain a
    # record of all escalations and outcomes at step 4"
    4: {*BU, *ALL_INVOLVED},
}


@pytest.fixture
def w() -> factories.World:
    return factories.world(KEY)


@pytest.mark.django_db
def test_raising_tells_the_other_professional(w: factories.World) -> None:
    assert told_by_last_move(w, start(w)) == {OP}


@pytest.mark.django_db
@pytest.mark.parametrize("number", sorted(ESCALATED))
def test_escalating_into_each_step_tells_whom_the_document_names(
    w: factories.World, number: int
) -> None:
    case = escalate(w, at_stage(w, number - 1))
    assert told_by_last_move(w, case) == ESCALATED[number]


@pytest.mark.django_db
def test_a_senior_manager_escalates_step_2_to_the_partnership_representative(
    w: factories.World,
) -> None:
    """ "they must be escalated by a senior manager ... to the Safeguarding Partnership
    representative"."""
    case = escalate(w, at_stage(w, 2), by="R:senior_manager")
    assert case.current_stage == 3
    assert told_by_last_move(w, case) == {
        ("stage_owner", "R:board_representative"),
        ("senior_managers", "O:senior_manager"),
        RP,
    }


@pytest.mark.django_db
def test_a_director_cannot_escalate_step_2(w: factories.World) -> None:
    case = at_stage(w, 2)
    with pytest.raises(NotAllowed):
        escalate(w, case, by="R:director")


@pytest.mark.django_db
@pytest.mark.parametrize("number", sorted(RESOLVED))
def test_resolving_at_each_step_tells_whom_the_document_names(
    w: factories.World, number: int
) -> None:
    case = resolve(w, at_stage(w, number))
    assert told_by_last_move(w, case) == RESOLVED[number]


@pytest.mark.django_db
@pytest.mark.parametrize("number", [2, 3, 4])
def test_no_case_starts_at_a_later_step_and_nobody_is_told(w: factories.World, number: int) -> None:
    with pytest.raises(Conflict, match="always starts at stage 1"):
        start(w, number)
    assert not Notification.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("number", [2, 3])
def test_withdrawing_at_steps_2_and_3_tells_both_professionals(
    w: factories.World, number: int
) -> None:
    case = withdraw(w, at_stage(w, number))
    # the owner withdrew it
    assert told_by_last_move(w, case) == {OP, RP}


@pytest.mark.django_db
def test_a_policy_issue_goes_to_the_independent_chair(w: factories.World) -> None:
    case = flag_policy_issue(w, start(w))
    assert told_by_last_move(w, case) == {("independent_chair", "P:independent_chair"), *BU}
