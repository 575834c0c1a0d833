"""The engine's notices on every path: whom each move of each seed procedure tells, and
who may make it, as the documents in shared/seeds/ say."""

from __future__ import annotations

import datetime as dt

import pytest

from escalate.procedures import library
from escalate.procedures.engine import (
    Action,
    CaseFacts,
    Outcome,
    Refused,
    apply,
    check,
    raise_case,
)
from escalate.procedures.model import Procedure, Recipient, Role

D = dt.date
AROSE = D(2026, 12, 23)
R, T = Role, Recipient
SEEDS = [
    "cheshire-east-sab",
    "pan-cheshire-children",
    "shropshire-sscp",
    "hammersmith-fulham-sab",
    "warrington-sab",
]
EXPEDITING = [k for k in SEEDS if library.get(k).expedite.allowed]


def told(outcome: Outcome) -> set[Recipient]:
    return {n.recipient for n in outcome.notices}


def started_at(procedure: Procedure, number: int) -> Outcome:
    return raise_case(
        procedure,
        R.PRACTITIONER,
        arose=AROSE,
        on=AROSE,
        start_stage=number,
        immediate_risk=number > 1,
        reason="They could come to serious harm tonight." if number > 1 else "",
    )


def at(procedure: Procedure, number: int) -> CaseFacts:
    """A case escalated stage by stage to ``number``, each move by a stage role."""
    facts = started_at(procedure, 1).facts
    while facts.current_stage < number:
        stage = procedure.stage(facts.current_stage)
        facts = apply(procedure, facts, Action.ESCALATE, stage.escalators[0], on=AROSE).facts
    return facts


def moved_from_stage_1(procedure: Procedure, number: int) -> Outcome:
    """Escalating (to stage 2) or expediting (further) from stage 1, by the practitioner."""
    move = Action.ESCALATE if number == 2 else Action.EXPEDITE
    return apply(
        procedure,
        at(procedure, 1),
        move,
        R.PRACTITIONER,
        on=AROSE,
        to_stage=number,
        reason="They could come to serious harm tonight.",
    )


def resolved(procedure: Procedure, number: int, role: Role | None = None) -> Outcome:
    stage = procedure.stage(number)
    return apply(
        procedure, at(procedure, number), Action.RESOLVE, role or stage.owners[0], on=AROSE
    )


# ---------------------------------------------------------------- starting late


@pytest.mark.parametrize(
    ("key", "number"),
    [(k, n) for k in EXPEDITING for n in range(2, len(library.get(k).stages) + 1)],
)
def test_starting_at_a_later_stage_tells_what_moving_there_from_stage_1_tells(
    key: str, number: int
) -> None:
    procedure = library.get(key)
    started = started_at(procedure, number)
    assert told(started) == {T.OTHER_PROFESSIONAL} | told(moved_from_stage_1(procedure, number))
    # every email is about the stage the case starts at, as an expedited case
    assert {n.stage for n in started.notices} == {number}
    assert {n.event for n in started.notices} == {"case.expedited"}


def test_warrington_started_at_stage_3_tells_senior_managers_and_board_representatives() -> None:
    # "consult with senior management and representatives on the Warrington Safeguarding
    #  Adults Board to move the escalation onto stage 3"
    assert told(started_at(library.get("warrington-sab"), 3)) == {
        T.OTHER_PROFESSIONAL,
        T.STAGE_OWNER,
        T.SENIOR_MANAGERS,
        T.BOARD_REPRESENTATIVES,
        T.RAISING_PRACTITIONER,
    }


def test_warrington_started_at_stage_4_tells_the_safeguarding_partnership_manager() -> None:
    # "the issue should be brought to the Safeguarding Partnership Manager and the
    #  escalation will move to step 4"
    assert told(started_at(library.get("warrington-sab"), 4)) == {
        T.OTHER_PROFESSIONAL,
        T.STAGE_OWNER,
        T.SENIOR_MANAGERS,
        T.BOARD_REPRESENTATIVES,
        T.BUSINESS_UNIT,
        T.INDEPENDENT_CHAIR,
        T.RAISING_PRACTITIONER,
    }


@pytest.mark.parametrize("number", [3, 4])
def test_shropshire_started_at_stage_3_or_4_sends_senior_management_the_escalation_email(
    number: int,
) -> None:
    # "Send formal escalation email to your Senior Management"
    assert T.SENIOR_MANAGERS in told(started_at(library.get("shropshire-sscp"), number))


def test_an_expedited_case_is_told_about_the_stage_it_reaches_not_the_ones_it_skips() -> None:
    shropshire = library.get("shropshire-sscp")
    out = apply(
        shropshire,
        at(shropshire, 3),
        Action.EXPEDITE,
        R.LINE_MANAGER,
        on=AROSE,
        to_stage=5,
        reason="At risk of harm.",
    )
    assert told(out) == {T.STAGE_OWNER, T.SENIOR_MANAGERS, T.BUSINESS_UNIT}
    assert {n.stage for n in out.notices} == {5}  # stage 4's business unit notice too


# ---------------------------------------------------------------- final-stage outcomes


def test_warrington_stage_4_recommendation_is_reported_to_the_main_board() -> None:
    # "This will be reported to the WSAB Main Board and written records will be kept."
    out = resolved(library.get("warrington-sab"), 4, R.INDEPENDENT_CHAIR)
    assert [n.recipient for n in out.notices] == [
        T.BUSINESS_UNIT,
        T.BOARD_REPRESENTATIVES,
        T.RAISING_PRACTITIONER,
    ]


def test_pan_cheshire_step_4_recommendation_reaches_all_involved_and_the_partnership() -> None:
    out = resolved(library.get("pan-cheshire-children"), 4)
    assert told(out) == {T.BUSINESS_UNIT, T.ALL_INVOLVED}


def test_cheshire_east_step_4_tells_all_involved_and_the_business_unit() -> None:
    out = resolved(library.get("cheshire-east-sab"), 4, R.INDEPENDENT_CHAIR)
    assert told(out) == {
        T.ALL_INVOLVED,
        T.BUSINESS_UNIT,
        T.RAISING_PRACTITIONER,
        T.OTHER_PROFESSIONAL,
    }


def test_shropshire_stage_4_agreement_reaches_the_other_agency_and_the_business_unit() -> None:
    out = resolved(library.get("shropshire-sscp"), 4)
    assert told(out) == {T.COUNTERPART, T.BUSINESS_UNIT}


def test_hammersmith_fulham_stage_4_outcome_reaches_the_senior_managers() -> None:
    # "Senior managers consider the need to review policies or procedures"
    out = resolved(library.get("hammersmith-fulham-sab"), 4)
    assert told(out) == {T.SAFEGUARDING_LEADS, T.SENIOR_MANAGERS, T.RAISING_PRACTITIONER}


# ---------------------------------------------------------------- every decision


@pytest.mark.parametrize(("number", "to"), [(2, 3), (3, 4)])
def test_pan_cheshire_feeds_an_escalation_at_steps_2_and_3_back_to_the_raiser(
    number: int, to: int
) -> None:
    pan = library.get("pan-cheshire-children")
    out = apply(pan, at(pan, number), Action.ESCALATE, pan.stage(number).roles[0], on=AROSE)
    assert out.facts.current_stage == to
    assert T.RAISING_PRACTITIONER in told(out)


def test_pan_cheshire_step_1_decisions_are_the_raisers_own() -> None:
    pan = library.get("pan-cheshire-children")
    out = apply(pan, at(pan, 1), Action.ESCALATE, R.PRACTITIONER, on=AROSE)
    assert told(out) == {T.STAGE_OWNER}


@pytest.mark.parametrize("number", [2, 3])
def test_cheshire_east_shares_every_escalation_with_both_professionals(number: int) -> None:
    cesab = library.get("cheshire-east-sab")
    out = apply(cesab, at(cesab, number), Action.ESCALATE, cesab.stage(number).roles[0], on=AROSE)
    assert {T.RAISING_PRACTITIONER, T.OTHER_PROFESSIONAL} <= told(out)


# ---------------------------------------------------------------- who acts


@pytest.mark.parametrize("key", ["cheshire-east-sab", "pan-cheshire-children"])
def test_a_senior_manager_escalates_step_2_to_the_board_representative(key: str) -> None:
    procedure = library.get(key)
    out = apply(procedure, at(procedure, 2), Action.ESCALATE, R.SENIOR_MANAGER, on=AROSE)
    assert out.facts.current_stage == 3
    with pytest.raises(Refused) as refused:
        check(procedure, at(procedure, 2), Action.ESCALATE, R.DIRECTOR)
    assert refused.value.code == "forbidden"
    assert refused.value.reason.endswith(
        "line manager; designated or named safeguarding lead; senior manager."
    )
    # escalating is theirs; resolving step 2 stays with its own roles
    with pytest.raises(Refused):
        check(procedure, at(procedure, 2), Action.RESOLVE, R.SENIOR_MANAGER)


def test_only_the_warrington_independent_chair_records_the_stage_4_recommendation() -> None:
    # "refer the issue to the WSAB Independent Chair to recommend what action should be taken"
    procedure = library.get("warrington-sab")
    final = at(procedure, 4)
    with pytest.raises(Refused) as refused:
        apply(procedure, final, Action.RESOLVE, R.BOARD_REPRESENTATIVE, on=AROSE)
    assert refused.value.code == "forbidden"
    assert "At this stage that is for: independent chair." in refused.value.reason
    # the representative still refers the issue: a required action of stage 4
    check(procedure, final, Action.TICK, R.BOARD_REPRESENTATIVE, item="refer-to-independent-chair")
    apply(procedure, final, Action.RESOLVE, R.INDEPENDENT_CHAIR, on=AROSE)


def test_warrington_sends_policy_issues_via_the_representatives_to_the_chair() -> None:
    assert library.get("warrington-sab").policy_issues.notify == (
        T.BOARD_REPRESENTATIVES,
        T.INDEPENDENT_CHAIR,
    )


@pytest.mark.parametrize("key", [k for k in SEEDS if k != "warrington-sab"])
def test_other_seeds_send_policy_issues_to_the_chair(key: str) -> None:
    assert library.get(key).policy_issues.notify == (T.INDEPENDENT_CHAIR,)


# ---------------------------------------------------------------- a stage's own decisions

STAGED = library.parse(
    """
key = "staged"
name = "Staged"
partnership = "Test Board"
version = "1"
effective = 2025-01-01
protects = "both"
region = "england-and-wales"
guidance = "Resolve it."

[source]
title = "Staged"
publisher = "Test Board"
dated = "2025"

[expedite]
allowed = true
prompt = "Act now."

[[stages]]
number = 1
title = "Practitioners"
roles = ["practitioner"]
guidance = "Talk."
[stages.on_unresolved]
text = "Escalate."

[[stages]]
number = 2
title = "Managers"
roles = ["line_manager"]
escalate_roles = ["line_manager", "senior_manager"]
on_every_decision = ["safeguarding_leads"]
guidance = "Managers talk."
[stages.on_unresolved]
text = "Escalate."

[[stages]]
number = 3
title = "Senior managers"
roles = ["senior_manager", "director"]
resolve_roles = ["director"]
guidance = "Decide."
""",
    "staged.toml",
)


@pytest.mark.parametrize(
    ("action", "role", "kwargs"),
    [
        (Action.RESOLVE, R.LINE_MANAGER, {}),
        (Action.ESCALATE, R.SENIOR_MANAGER, {}),
        (Action.WITHDRAW, R.LINE_MANAGER, {"reason": "Agreed elsewhere."}),
    ],
)
def test_a_stages_own_recipients_are_told_of_every_decision_made_there(
    action: Action, role: Role, kwargs: dict[str, str]
) -> None:
    out = apply(STAGED, at(STAGED, 2), action, role, on=AROSE, **kwargs)
    assert T.SAFEGUARDING_LEADS in told(out)
    assert any("every decision at stage 2 (Managers)" in n.why for n in out.notices)


def test_a_stages_own_recipients_are_not_told_of_other_stages_decisions() -> None:
    assert T.SAFEGUARDING_LEADS not in told(
        apply(STAGED, at(STAGED, 1), Action.ESCALATE, R.PRACTITIONER, on=AROSE)
    )
    final = apply(STAGED, at(STAGED, 3), Action.RESOLVE, R.DIRECTOR, on=AROSE)
    assert T.SAFEGUARDING_LEADS not in told(final)


def test_starting_later_is_a_stage_1_decision() -> None:
    out = started_at(STAGED, 3)
    assert T.SAFEGUARDING_LEADS not in told(out)
    with pytest.raises(Refused):
        check(STAGED, out.facts, Action.RESOLVE, R.SENIOR_MANAGER)
