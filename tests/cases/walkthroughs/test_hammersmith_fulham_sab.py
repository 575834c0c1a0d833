"""Hammersmith & Fulham SAB: who every move tells, on every path
(shared/seeds/hammersmith-fulham-sab.txt).

Stage 1 practitioners; stage 2 line managers; stage 3 senior managers (High-Risk Panel);
stage 4 the organisation's Board member, a statutory member chairing the meeting. "At all
stages of the escalation process, actions and decisions must be timely, recorded in
writing and shared with relevant practitioners, including the worker who initially raised
the concern." No stage may be skipped.
"""

from __future__ import annotations

import factories
import pytest

from escalate.cases import services
from escalate.cases.errors import Conflict
from escalate.notifications.models import Notification

from .story import (
    BU,
    OP,
    RP,
    Told,
    at_stage,
    escalate,
    flag_policy_issue,
    person,
    resolve,
    start,
    told_by_last_move,
    withdraw,
)

KEY = "hammersmith-fulham-sab"
LEADS = {
    ("safeguarding_leads", "R:safeguarding_lead"),
    ("safeguarding_leads", "O:safeguarding_lead"),
}
#: Who escalating into each stage tells (made by the owner of the stage before).
ESCALATED: dict[int, Told] = {
    2: {("stage_owner", "R:line_manager")},  # "consult with their line manager"
    3: {("stage_owner", "R:senior_manager"), ("senior_managers", "O:senior_manager"), RP},
    # "escalation should be made to the relevant ... Safeguarding Adults Board member for
    # the respective organisation"
    4: {
        ("stage_owner", "R:board_representative"),
        ("board_representatives", "O:board_representative"),
        RP,
    },
}
#: Who resolving at each stage tells (recorded by the stage's owner).
RESOLVED: dict[int, Told] = {
    1: set(),  # the raiser resolved it
    # "Notification of the dispute and outcomes should be provided to the relevant
    # agencies' designated safeguarding leads."
    2: {*LEADS, RP},
    3: {*LEADS, RP},
    # "Senior managers consider the need to review policies or procedures"
    4: {
        *LEADS,
        ("senior_managers", "R:senior_manager"),
        ("senior_managers", "O:senior_manager"),
        RP,
    },
}


@pytest.fixture
def w() -> factories.World:
    return factories.world(KEY)


@pytest.mark.django_db
def test_raising_tells_the_other_professional(w: factories.World) -> None:
    assert told_by_last_move(w, start(w)) == {OP}


@pytest.mark.django_db
@pytest.mark.parametrize("number", sorted(ESCALATED))
def test_escalating_into_each_stage_tells_whom_the_document_names(
    w: factories.World, number: int
) -> None:
    case = escalate(w, at_stage(w, number - 1))
    assert told_by_last_move(w, case) == ESCALATED[number]


@pytest.mark.django_db
@pytest.mark.parametrize("number", sorted(RESOLVED))
def test_resolving_at_each_stage_tells_whom_the_document_names(
    w: factories.World, number: int
) -> None:
    case = resolve(w, at_stage(w, number))
    assert told_by_last_move(w, case) == RESOLVED[number]


@pytest.mark.django_db
def test_the_statutory_member_chairing_the_meeting_may_record_its_outcome(
    w: factories.World,
) -> None:
    case = resolve(w, at_stage(w, 4), by="P:statutory_partner")
    assert told_by_last_move(w, case) == RESOLVED[4]


@pytest.mark.django_db
def test_a_referral_to_the_high_risk_panel_is_shared_with_the_raiser(
    w: factories.World,
) -> None:
    case = at_stage(w, 3)
    case = services.refer_to_panel(
        person(w, "R:senior_manager"),
        case,
        details="The adult remains at a high level of risk.",
        expected_version=case.version,
    )
    assert told_by_last_move(w, case) == {RP}


@pytest.mark.django_db
@pytest.mark.parametrize("number", [2, 3, 4])
def test_no_case_starts_at_a_later_stage_and_nobody_is_told(
    w: factories.World, number: int
) -> None:
    with pytest.raises(Conflict, match="always starts at stage 1"):
        start(w, number)
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_withdrawing_at_stage_4_tells_both_professionals(w: factories.World) -> None:
    case = withdraw(w, at_stage(w, 4))
    assert told_by_last_move(w, case) == {OP, RP}


@pytest.mark.django_db
def test_policy_gaps_go_to_the_chair_of_the_board(w: factories.World) -> None:
    """ "If the process highlights gaps in policies and procedures this must be brought
    to the attention of the Chair"."""
    case = flag_policy_issue(w, start(w))
    assert told_by_last_move(w, case) == {("independent_chair", "P:independent_chair"), *BU}
