"""Shropshire SSCP: who every move tells, on every path (shared/seeds/shropshire-sscp.txt).

Stage 1 practitioners; stage 2 "Raise to Line Manager"; stage 3 the line manager sends a
"formal escalation email to your Senior Management"; stage 4 the senior manager (the
business unit is told: "Should any disagreements reach stage 4 ... referred to the
Shropshire Safeguarding Community Partnership"); stage 5 the Assistant Director (or
equivalent). "this process should be expedited if someone is at risk of harm".
"""

from __future__ import annotations

import factories
import pytest

from escalate.cases import told
from escalate.cases.permissions import CaseAction
from escalate.procedures import library
from escalate.procedures.cli import describe

from .story import (
    BU,
    OP,
    Told,
    at_stage,
    escalate,
    expedite,
    flag_policy_issue,
    owner,
    resolve,
    start,
    told_by_last_move,
    withdraw,
)

KEY = "shropshire-sscp"
SENIOR = {("senior_managers", "R:senior_manager"), ("senior_managers", "O:senior_manager")}
#: Who escalating into each stage tells (made by the owner of the stage before).
ESCALATED: dict[int, Told] = {
    2: {("stage_owner", "R:line_manager")},  # the raiser's own line manager
    # the line manager keeps stage 3 (so is not told of their own move); senior management
    # gets the formal escalation email
    3: SENIOR,
    4: {("stage_owner", "R:senior_manager"), ("senior_managers", "O:senior_manager"), *BU},
    5: {("stage_owner", "R:director"), *BU},
}
#: Who starting straight at each stage tells: what moving there from stage 1 tells.
STARTED: dict[int, Told] = {
    2: {OP, ("stage_owner", "R:line_manager")},
    3: {OP, ("stage_owner", "R:line_manager"), *SENIOR},
    4: {
        OP,
        ("stage_owner", "R:senior_manager"),
        ("owner_line_manager", "R:line_manager"),
        ("senior_managers", "O:senior_manager"),
        *BU,
    },
    5: {OP, ("stage_owner", "R:director"), ("owner_line_manager", "R:line_manager"), *SENIOR, *BU},
}
#: Who resolving at each stage tells (recorded by the stage's owner).
RESOLVED: dict[int, Told] = {
    1: set(),
    # "Confirm agreement in writing to the other agency/team"
    2: {("counterpart", "O:line_manager")},
    3: {("counterpart", "O:line_manager")},
    # ... and "Notify ... sscpbusinessunit@shropshire.gov.uk"
    4: {("counterpart", "O:senior_manager"), *BU},
    # "Confirm decision in writing to all parties"; "Notify sscpbusinessunit"
    5: {
        *{
            ("all_involved", who)
            for who in (
                "R:practitioner",
                "O:practitioner",
                "R:line_manager",
                "O:line_manager",
                "R:senior_manager",
                "O:senior_manager",
                "O:director",
            )
        },
        *BU,
    },
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
@pytest.mark.parametrize("number", [3, 4, 5])
def test_starting_later_tells_what_expediting_there_from_stage_1_tells(number: int) -> None:
    started = factories.world(KEY)
    expedited = factories.world(KEY)
    case = expedite(expedited, start(expedited), number)
    assert told_by_last_move(started, start(started, number)) == {
        OP,
        *told_by_last_move(expedited, case),
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("here", "to", "expected"),
    [
        (2, 4, {("stage_owner", "R:senior_manager"), ("senior_managers", "O:senior_manager"), *BU}),
        (2, 5, {("stage_owner", "R:director"), *SENIOR, *BU}),
        (3, 5, {("stage_owner", "R:director"), *SENIOR, *BU}),
    ],
)
def test_expediting_mid_case_tells_everyone_the_skipped_stages_owe(
    w: factories.World, here: int, to: int, expected: Told
) -> None:
    case = expedite(w, at_stage(w, here), to)
    assert told_by_last_move(w, case) == expected
    # each email says the case was expedited to the stage it is now at
    latest = case.events.latest("id")
    assert set(case.notifications.filter(source_event=latest).values_list("stage", flat=True)) == {
        to
    }


@pytest.mark.django_db
@pytest.mark.parametrize("number", sorted(RESOLVED))
def test_resolving_at_each_stage_tells_whom_the_document_names(
    w: factories.World, number: int
) -> None:
    case = resolve(w, at_stage(w, number))
    assert told_by_last_move(w, case) == RESOLVED[number]


@pytest.mark.django_db
def test_a_case_started_at_stage_4_and_resolved_there_tells_the_business_unit(
    w: factories.World,
) -> None:
    case = resolve(w, start(w, 4))
    assert told_by_last_move(w, case) == {("counterpart", "O:senior_manager"), *BU}


@pytest.mark.django_db
def test_withdrawing_tells_the_other_professional(w: factories.World) -> None:
    assert told_by_last_move(w, withdraw(w, start(w))) == {OP}


@pytest.mark.django_db
def test_a_policy_issue_goes_to_the_independent_chair(w: factories.World) -> None:
    case = flag_policy_issue(w, start(w))
    assert told_by_last_move(w, case) == {("independent_chair", "P:independent_chair"), *BU}


#: What the pages moving a case to stage 5 say of the Director (see readings).
DIRECTOR_WORDS = (
    "Escalate does not email their Director (or equivalent): the procedure says the owner "
    "of stage 5 must inform them"
)


@pytest.mark.django_db
@pytest.mark.parametrize("how", ["escalate", "expedite"])
def test_moving_to_stage_5_says_the_assistant_director_must_inform_their_director(
    w: factories.World, how: str
) -> None:
    """ "Assistant Director (or equivalent) should: Inform their Director (or
    equivalent)": Escalate's director role holds Assistant Directors and Directors alike,
    so nobody is emailed as "their Director". The page that moves the case to stage 5
    says, where it says who will be told, that the Assistant Director taking it informs
    them; and the move emails no director but the one chosen to own stage 5."""
    case = at_stage(w, 4 if how == "escalate" else 2)
    action = CaseAction.ESCALATE if how == "escalate" else CaseAction.EXPEDITE
    groups = told.will_be_told(owner(case), case, action)
    assert groups is not None
    (to_5,) = [g for g in groups if "stage 5" in g.heading] if how == "expedite" else groups
    (chosen,) = [c for c in to_5.chosen_on_form if "owner of stage 5" in c]
    assert chosen.endswith(DIRECTOR_WORDS)
    if how == "expedite":  # only the move to stage 5 says it
        assert all(
            DIRECTOR_WORDS not in c for g in groups if g is not to_5 for c in g.chosen_on_form
        )

    case = escalate(w, case) if how == "escalate" else expedite(w, case, 5)
    assert ("stage_owner", "R:director") in told_by_last_move(w, case)
    assert not {who for _kind, who in told_by_last_move(w, case)} & {"O:director"}


def test_informing_the_director_is_a_required_action_of_stage_5_that_says_so() -> None:
    stage = library.get(KEY).stage(5)
    (item,) = [c for c in stage.checklist if c.key == "inform-director"]
    assert item.source == "Inform their Director (or equivalent)"
    assert item.informs == "their Director (or equivalent)"
    assert "Escalate does not email the Director" in item.text
    assert stage.told_by_owner == ("their Director (or equivalent)",)
    assert all(not s.told_by_owner for s in library.get(KEY).stages[:4])
    shown = " ".join(describe(library.get(KEY)).split())
    assert (
        "Who is told: - When the stage starts: the board's business unit. - By the stage's "
        "owner, not by Escalate (it does not email them): their Director (or equivalent)."
    ) in shown
