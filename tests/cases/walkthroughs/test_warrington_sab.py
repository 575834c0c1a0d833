"""Warrington SAB: who every move tells, on every path (shared/seeds/warrington-sab.txt).

Stage 1 practitioners; stage 2 line managers or safeguarding leads; stage 3 senior
management and the agencies' WSAB representatives; stage 4 the WSAB Independent Chair.
"All stages ... should be recorded and shared with the relevant personnel, including the
person raising the concerns", and "if an adult is thought to be at immediate risk
discretion should be used to initiate at the most relevant stage".
"""

from __future__ import annotations

import factories
import pytest

from escalate.cases.errors import NotAllowed
from escalate.notifications.models import Notification

from .story import (
    BU,
    OP,
    RP,
    Told,
    at_stage,
    escalate,
    expedite,
    flag_policy_issue,
    resolve,
    start,
    told_by_last_move,
    withdraw,
)

KEY = "warrington-sab"
REPS = {
    ("board_representatives", "R:board_representative"),
    ("board_representatives", "O:board_representative"),
}
# Stage 2 to 3: "consult with senior management and representatives on the Warrington
# Safeguarding Adults Board"; the flowchart's "notify their senior manager".
SENIOR = {("senior_managers", "R:senior_manager"), ("senior_managers", "O:senior_manager")}

#: Who escalating into each stage tells (made by the owner of the stage before).
ESCALATED: dict[int, Told] = {
    2: {("stage_owner", "R:line_manager")},  # the raiser escalated: not told of it
    3: {("stage_owner", "R:senior_manager"), ("senior_managers", "O:senior_manager"), *REPS, RP},
    # "the issue should be brought to the Safeguarding Partnership Manager"
    4: {("stage_owner", "P:independent_chair"), *BU, RP},
}
#: Who starting straight at each stage tells: what moving there from stage 1 tells.
STARTED: dict[int, Told] = {
    2: {OP, ("stage_owner", "R:line_manager")},
    3: {OP, ("stage_owner", "R:senior_manager"), ("senior_managers", "O:senior_manager"), *REPS},
    4: {OP, ("stage_owner", "P:independent_chair"), *SENIOR, *REPS, *BU},
}
#: Who resolving at each stage tells (recorded by the stage's owner).
RESOLVED: dict[int, Told] = {
    1: set(),  # the raiser resolved it
    2: {RP},
    3: {RP},
    # "This will be reported to the WSAB Main Board"
    4: {*BU, *REPS, RP},
}


@pytest.fixture
def w() -> factories.World:
    return factories.world(KEY)


@pytest.mark.django_db
def test_raising_at_stage_1_tells_the_other_professional(w: factories.World) -> None:
    assert told_by_last_move(w, start(w)) == {OP}


@pytest.mark.django_db
@pytest.mark.parametrize("number", sorted(ESCALATED))
def test_escalating_into_each_stage_tells_whom_the_document_names(
    w: factories.World, number: int
) -> None:
    case = escalate(w, at_stage(w, number - 1))
    assert told_by_last_move(w, case) == ESCALATED[number]


@pytest.mark.django_db
@pytest.mark.parametrize("number", sorted(STARTED))
def test_starting_at_a_later_stage_tells_whom_the_stages_before_it_would_have(
    w: factories.World, number: int
) -> None:
    case = start(w, number)
    assert case.current_stage == number
    assert told_by_last_move(w, case) == STARTED[number]


@pytest.mark.django_db
@pytest.mark.parametrize("number", [3, 4])
def test_starting_later_tells_what_expediting_there_from_stage_1_tells(number: int) -> None:
    started = factories.world(KEY)
    expedited = factories.world(KEY)
    case = expedite(expedited, start(expedited), number)
    assert told_by_last_move(started, start(started, number)) == {
        OP,
        *told_by_last_move(expedited, case),
    }


@pytest.mark.django_db
def test_expediting_from_stage_2_to_4_tells_everyone_the_skipped_stage_owes(
    w: factories.World,
) -> None:
    case = expedite(w, at_stage(w, 2), 4)
    assert told_by_last_move(w, case) == {
        ("stage_owner", "P:independent_chair"),
        *SENIOR,
        *REPS,
        *BU,
        RP,
    }


@pytest.mark.django_db
@pytest.mark.parametrize("number", sorted(RESOLVED))
def test_resolving_at_each_stage_tells_whom_the_document_names(
    w: factories.World, number: int
) -> None:
    case = resolve(w, at_stage(w, number))
    assert told_by_last_move(w, case) == RESOLVED[number]


@pytest.mark.django_db
def test_a_case_started_at_stage_4_reports_the_chairs_recommendation_to_the_main_board(
    w: factories.World,
) -> None:
    case = resolve(w, start(w, 4))
    assert told_by_last_move(w, case) == {*BU, *REPS, RP}


@pytest.mark.django_db
def test_only_the_independent_chair_records_the_stage_4_recommendation(
    w: factories.World,
) -> None:
    """ "the agency representative on the WSAB should refer the issue to the WSAB
    Independent Chair to recommend what action should be taken"."""
    case = at_stage(w, 4)
    before = Notification.objects.count()
    with pytest.raises(NotAllowed, match="independent chair"):
        resolve(w, case, by="R:board_representative")
    case.refresh_from_db()
    assert case.status == "open" and Notification.objects.count() == before
    assert resolve(w, case, by="P:independent_chair").status == "resolved"


@pytest.mark.django_db
def test_a_policy_issue_goes_via_the_representatives_to_the_independent_chair(
    w: factories.World,
) -> None:
    """ "these must be raised via the relevant representative to the WSAB Independent
    Chair" (the business unit keeps the list of policy issues)."""
    case = flag_policy_issue(w, start(w))
    assert told_by_last_move(w, case) == {
        *REPS,
        ("independent_chair", "P:independent_chair"),
        *BU,
    }


@pytest.mark.django_db
@pytest.mark.parametrize("number", [1, 2, 3, 4])
def test_withdrawing_at_each_stage_tells_both_professionals_and_the_owner(
    w: factories.World, number: int
) -> None:
    case = withdraw(w, at_stage(w, number), by="R:practitioner")
    owner = {
        1: set(),  # the raiser owns stage 1 and withdrew it
        2: {("stage_owner", "R:line_manager")},
        3: {("stage_owner", "R:senior_manager")},
        4: {("stage_owner", "P:independent_chair")},
    }[number]
    assert told_by_last_move(w, case) == {*owner, OP}
