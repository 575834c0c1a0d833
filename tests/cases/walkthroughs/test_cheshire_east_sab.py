"""Cheshire East SAB: who every move tells, on every path
(shared/seeds/cheshire-east-sab.txt).

Step 1 workers; step 2 line managers or safeguarding leads; step 3 "escalated by a Senior
Manager to the CESAB Board representative"; step 4 the Independent Chair, through the
Business Manager. "At all steps of the process decisions should be taken in a timely way
and shared with the relevant professional who is involved with the service user(s)":
both professionals are told of every decision. No step may be skipped.
"""

from __future__ import annotations

import factories
import pytest

from escalate.cases.errors import Conflict, NotAllowed
from escalate.notifications.models import Notification
from escalate.procedures import library
from escalate.procedures.model import DutyKind

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

KEY = "cheshire-east-sab"
BOTH = {RP, OP}  # the relevant professionals involved with the adult
#: Who escalating into each step tells (made by the owner of the step before).
ESCALATED: dict[int, Told] = {
    2: {("stage_owner", "R:line_manager"), OP},  # the raiser escalated: not told of it
    # "If resolution cannot be achieved professionals must notify their Senior Managers"
    3: {
        ("stage_owner", "R:board_representative"),
        ("senior_managers", "R:senior_manager"),
        ("senior_managers", "O:senior_manager"),
        *BOTH,
    },
    # "the matter must be raised, via the form at Appendix A, to the SAB Business Manager.
    #  They will in turn notify the Independent Chair of the Board."
    4: {("stage_owner", "P:independent_chair"), *BU, *BOTH},
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
    1: {OP},  # the raiser resolved it
    2: BOTH,
    3: BOTH,
    # "communicated to all involved"; "CESAB will maintain a record of all escalations
    # and outcomes at Step 4"
    4: {*ALL_INVOLVED, *BU},
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
def test_a_senior_manager_escalates_step_2_to_the_board_representative(
    w: factories.World,
) -> None:
    """ "they should be escalated by a Senior Manager to the CESAB Board representative"."""
    case = escalate(w, at_stage(w, 2), by="R:senior_manager")
    assert case.current_stage == 3
    assert told_by_last_move(w, case) == {
        ("stage_owner", "R:board_representative"),
        ("senior_managers", "O:senior_manager"),  # the one escalating is not told
        *BOTH,
    }


@pytest.mark.django_db
def test_a_director_cannot_escalate_step_2(w: factories.World) -> None:
    case = at_stage(w, 2)
    with pytest.raises(NotAllowed, match="senior manager"):
        escalate(w, case, by="R:director")


@pytest.mark.django_db
@pytest.mark.parametrize("number", sorted(RESOLVED))
def test_resolving_at_each_step_tells_whom_the_document_names(
    w: factories.World, number: int
) -> None:
    case = resolve(w, at_stage(w, number))
    assert told_by_last_move(w, case) == RESOLVED[number]


@pytest.mark.django_db
@pytest.mark.parametrize("by", ["P:business_unit", "R:board_representative", "R:senior_manager"])
def test_only_the_chair_records_the_step_4_recommendation(w: factories.World, by: str) -> None:
    """ "The SAB Independent Chair will make a recommendation on the most appropriate way
    to proceed"; "CESAB Chair will make a recommendation ... and communicate this": the
    Business Manager, who brought the matter to the Chair, does not record it for them,
    nor does any agency party to the disagreement. Nothing is recorded, nobody told."""
    case = at_stage(w, 4)
    before = (Notification.objects.count(), case.version)
    with pytest.raises(NotAllowed):
        resolve(w, case, by=by)
    case.refresh_from_db()
    assert (Notification.objects.count(), case.version) == before
    assert case.status == "open"
    case = resolve(w, case, by="P:independent_chair")
    assert case.status == "resolved"
    assert told_by_last_move(w, case) == RESOLVED[4]


def test_the_step_4_outcome_is_to_be_recorded_on_the_adults_file() -> None:
    """ "Details of the disagreement, the decisions taken, and the outcomes must be
    recorded on the Adult's file" holds at step 4 as at every other step."""
    procedure = library.get(KEY)
    for stage in procedure.stages:
        assert DutyKind.NOTE_ON_CASE_RECORD in [d.kind for d in stage.on_resolved], stage.number


@pytest.mark.django_db
@pytest.mark.parametrize("number", [2, 3, 4])
def test_no_case_starts_at_a_later_step_and_nobody_is_told(w: factories.World, number: int) -> None:
    with pytest.raises(Conflict, match="always starts at stage 1"):
        start(w, number)
    assert not Notification.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("number", [1, 2, 3, 4])
def test_withdrawing_at_each_step_tells_the_owner_and_both_professionals(
    w: factories.World, number: int
) -> None:
    case = withdraw(w, at_stage(w, number), by="R:practitioner")
    owner = {
        1: set(),
        2: {("stage_owner", "R:line_manager")},
        3: {("stage_owner", "R:board_representative")},
        4: {("stage_owner", "P:independent_chair")},
    }[number]
    assert told_by_last_move(w, case) == {*owner, OP}


@pytest.mark.django_db
def test_a_policy_issue_goes_to_the_independent_chair(w: factories.World) -> None:
    case = flag_policy_issue(w, start(w))
    assert told_by_last_move(w, case) == {("independent_chair", "P:independent_chair"), *BU}
