"""The engine: deadlines, stage statuses, next moves, refusals and notices owed."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalate.procedures import library
from escalate.procedures.calendar import WorkingCalendar
from escalate.procedures.engine import (
    Action,
    CaseFacts,
    CaseStatus,
    Notice,
    Outcome,
    Refused,
    StageStatus,
    act_by,
    apply,
    check,
    check_owner,
    next_moves,
    outstanding,
    raise_case,
    stage_deadlines,
    stage_statuses,
)
from escalate.procedures.model import Procedure, Recipient, Role

D = dt.date
CESAB = library.load_file(library.LIBRARY / "cheshire-east-sab.toml")
ENGLAND = WorkingCalendar.for_region(CESAB.region)
AROSE = D(2026, 12, 23)  # Wed, two days before Christmas

R = Role
P, LM, SL, SM, BR, BU, IC = (
    R.PRACTITIONER,
    R.LINE_MANAGER,
    R.SAFEGUARDING_LEAD,
    R.SENIOR_MANAGER,
    R.BOARD_REPRESENTATIVE,
    R.BUSINESS_UNIT,
    R.INDEPENDENT_CHAIR,
)

#: A small procedure that allows expediting, has a panel, stage-relative deadlines,
#: notices on start and someone told of every decision.
FAST = library.parse(
    """
key = "fast-track"
name = "Fast Track Procedure"
partnership = "Test Safeguarding Board"
version = "1"
effective = 2025-01-01
protects = "both"
region = "england-and-wales"
guidance = "Resolve it quickly."
on_every_decision = ["business_unit"]

[source]
title = "Fast Track"
publisher = "Test Safeguarding Board"
dated = "2025"

[expedite]
allowed = true
prompt = "If someone is at immediate risk, make a safeguarding referral now."

[[stages]]
number = 1
title = "Practitioners"
roles = ["practitioner"]
guidance = "Talk to the other worker."
notify_on_start = ["safeguarding_leads"]

[[stages.checklist]]
key = "talk"
text = "Talk to the other worker"

[stages.conclude_by]
amount = 5
unit = "working_days"
anchor = "stage_started"

[[stages.on_resolved]]
kind = "feed_back_to_raiser"
text = "Tell the raiser what was agreed."

[stages.on_unresolved]
text = "Tell your line manager."
notify = ["owner_line_manager"]

[[stages]]
number = 2
title = "Line managers"
roles = ["line_manager", "safeguarding_lead"]
owner_roles = ["line_manager"]
guidance = "Managers talk."

[stages.start_by]
amount = 5
unit = "working_days"
anchor = "concern_arose"

[stages.conclude_by]
amount = 3
unit = "working_days"
anchor = "stage_started"

[stages.on_unresolved]
text = "Tell your senior manager."
notify = ["senior_managers"]

[[stages]]
number = 3
title = "Senior managers"
roles = ["senior_manager"]
guidance = "Senior managers meet."

[[stages.checklist]]
key = "meet"
text = "Meet"

[stages.panel]
name = "High-Risk Panel"
when = "Someone is at high risk and the managers cannot agree."
notify = ["business_unit", "independent_chair"]

[stages.on_unresolved]
text = "Refer to the chair."
notify = ["business_unit"]

[[stages]]
number = 4
title = "Independent chair"
roles = ["independent_chair", "business_unit"]
guidance = "The chair decides."
notify_on_start = ["independent_chair", "all_involved"]

[[stages.on_resolved]]
kind = "notify_all_involved"
text = "Tell everyone."

[[stages.on_resolved]]
kind = "record_in_writing"
text = "Write it down."
notify = ["safeguarding_leads", "senior_managers"]
""",
    "fast-track.toml",
)


def raised(procedure: Procedure = CESAB, arose: dt.date = AROSE) -> CaseFacts:
    return raise_case(procedure, P, arose=arose, on=arose).facts


def go(procedure: Procedure, facts: CaseFacts, *moves: tuple[object, ...]) -> CaseFacts:
    """Apply moves written (action, role, on) or (action, role, on, to_stage).

    An expedite with no stage given goes to the stage after next."""
    for action, role, on, *rest in moves:
        assert isinstance(action, Action) and isinstance(role, Role)
        assert isinstance(on, dt.date)
        to_stage = rest[0] if rest else None
        if action is Action.EXPEDITE and to_stage is None:
            to_stage = facts.current_stage + 2
        assert to_stage is None or isinstance(to_stage, int)
        reason = "they are at risk" if action in (Action.EXPEDITE, Action.WITHDRAW) else ""
        facts = apply(procedure, facts, action, role, on=on, to_stage=to_stage, reason=reason).facts
    return facts


def refusal(call: object, *args: object, **kwargs: object) -> Refused:
    assert callable(call)
    with pytest.raises(Refused) as caught:
        call(*args, **kwargs)
    refused = caught.value
    assert refused.code in {"forbidden", "wrong_stage", "closed", "invalid"}
    assert str(refused) == refused.reason
    assert refused.reason.endswith((".", "?")), refused.reason
    return refused


def recipients(outcome: Outcome) -> list[Recipient]:
    return [n.recipient for n in outcome.notices]


# ---------------------------------------------------------------- deadlines


def test_cheshire_east_deadlines_over_christmas() -> None:
    stages = stage_deadlines(CESAB, ENGLAND, arose=AROSE)
    got = [
        (
            s.number,
            s.start_by.due if s.start_by else None,
            s.conclude_by.due if s.conclude_by else None,
        )
        for s in stages
    ]
    assert got == [
        (1, D(2026, 12, 24), None),
        (2, D(2026, 12, 29), D(2026, 12, 31)),  # day 3 is Christmas Day; 28th is Boxing Day's
        (3, D(2026, 12, 31), D(2027, 1, 5)),
        (4, D(2027, 1, 7), D(2027, 1, 12)),
    ]
    stage2 = stages[1]
    assert stage2.start_by is not None
    assert "day 3" in stage2.start_by.explanation
    assert "rolled to Tue 29 Dec 2026" in stage2.start_by.explanation
    assert "Christmas Day" in stage2.start_by.explanation
    assert [d.key for d in stage2.all] == ["start_by", "conclude_by"]


def test_stage_relative_deadline_is_null_until_the_stage_starts() -> None:
    [chair] = stage_deadlines(CESAB, ENGLAND, arose=AROSE)[3].other
    assert chair.key == "chair-recommendation"
    assert chair.role is IC
    assert chair.due is None
    assert "not yet known" in chair.explanation
    assert chair.as_json()["due"] is None

    started = {2: D(2026, 12, 29), 3: D(2026, 12, 31), 4: D(2027, 1, 6)}
    [chair] = stage_deadlines(CESAB, ENGLAND, arose=AROSE, stage_started=started)[3].other
    assert chair.due == D(2027, 1, 13)  # 5 working days after Wed 6 Jan
    assert chair.explanation.startswith("5 working days after stage 4 began on Wed 6 Jan 2027")
    assert chair.as_json() == {
        "key": "chair-recommendation",
        "label": "Chair's recommendation communicated to all involved",
        "due": "2027-01-13",
        "explanation": chair.explanation,
    }


def test_stage_one_starts_the_day_the_concern_arose() -> None:
    first = stage_deadlines(FAST, ENGLAND, arose=D(2026, 9, 2))[0]
    assert first.conclude_by is not None
    assert first.conclude_by.due == D(2026, 9, 9)  # 5 working days after Wed 2 Sep
    second = stage_deadlines(FAST, ENGLAND, arose=D(2026, 9, 2))[1]
    assert second.conclude_by is not None and second.conclude_by.due is None


def test_act_by_is_the_conclude_by_else_the_next_start_by() -> None:
    facts = raised()
    stage1 = act_by(CESAB, ENGLAND, facts, 1)
    assert stage1 is not None
    assert stage1.key == "act_by"
    assert stage1.due == D(2026, 12, 29)
    assert stage1.label == "Resolve or escalate to stage 2 by"
    assert "stage 2 must start by then" in stage1.explanation
    stage2 = act_by(CESAB, ENGLAND, facts, 2)
    assert stage2 is not None and stage2.key == "conclude_by" and stage2.due == D(2026, 12, 31)
    stage4 = act_by(CESAB, ENGLAND, facts, 4)
    assert stage4 is not None and stage4.due == D(2027, 1, 12)


def test_act_by_with_no_deadline_at_all() -> None:
    facts = raised(FAST, D(2026, 9, 2))
    assert act_by(FAST, ENGLAND, facts, 3) is None  # no conclude-by, stage 4 no start-by
    assert act_by(FAST, ENGLAND, facts, 4) is None
    # stage 2's own conclude-by counts from its start, unknown until then
    assert act_by(FAST, ENGLAND, facts, 2) is None
    later = go(FAST, facts, (Action.ESCALATE, P, D(2026, 9, 4)))
    due = act_by(FAST, ENGLAND, later, 2)
    assert due is not None and due.due == D(2026, 9, 9)  # 3 working days after Fri 4 Sep


# ---------------------------------------------------------------- statuses

NR, IP, OD, CO, SK = (
    StageStatus.NOT_REACHED,
    StageStatus.IN_PROGRESS,
    StageStatus.OVERDUE,
    StageStatus.CONCLUDED,
    StageStatus.SKIPPED,
)


def statuses(procedure: Procedure, facts: CaseFacts, today: dt.date) -> list[StageStatus]:
    return list(stage_statuses(procedure, ENGLAND, facts, today).values())


def test_statuses_of_a_new_case() -> None:
    facts = raised()
    assert statuses(CESAB, facts, AROSE) == [IP, NR, NR, NR]
    assert statuses(CESAB, facts, D(2026, 12, 29)) == [IP, NR, NR, NR]  # due that day
    assert statuses(CESAB, facts, D(2026, 12, 30)) == [OD, NR, NR, NR]
    assert statuses(CESAB, facts, D(2026, 12, 22)) == [NR, NR, NR, NR]  # before it arose


def test_statuses_after_escalation_and_resolution() -> None:
    facts = go(CESAB, raised(), (Action.ESCALATE, P, D(2026, 12, 29)))
    assert statuses(CESAB, facts, D(2026, 12, 29)) == [CO, IP, NR, NR]
    assert statuses(CESAB, facts, D(2026, 12, 31)) == [CO, IP, NR, NR]
    assert statuses(CESAB, facts, D(2027, 1, 1)) == [CO, OD, NR, NR]
    # asked about a day before the escalation, the case was still at stage 1
    assert statuses(CESAB, facts, D(2026, 12, 28)) == [IP, NR, NR, NR]

    done = go(CESAB, facts, (Action.RESOLVE, LM, D(2027, 1, 4)))
    assert done.status is CaseStatus.RESOLVED
    assert statuses(CESAB, done, D(2027, 1, 4)) == [CO, CO, NR, NR]
    assert statuses(CESAB, done, D(2027, 3, 1)) == [CO, CO, NR, NR]  # never overdue once done
    assert statuses(CESAB, done, D(2027, 1, 1)) == [CO, OD, NR, NR]  # it was late, then


def test_statuses_of_an_expedited_case() -> None:
    facts = go(FAST, raised(FAST, D(2026, 9, 1)), (Action.EXPEDITE, P, D(2026, 9, 2)))
    assert facts.current_stage == 3
    assert facts.immediate_risk
    assert statuses(FAST, facts, D(2026, 9, 2)) == [CO, SK, IP, NR]
    assert statuses(FAST, facts, D(2026, 9, 1)) == [IP, NR, NR, NR]
    # a case raised straight at stage 3 skipped stages 1 and 2
    late = raise_case(
        FAST,
        SL,
        arose=D(2026, 9, 1),
        on=D(2026, 9, 3),
        start_stage=3,
        immediate_risk=True,
        reason="an adult is at immediate risk",
    ).facts
    assert statuses(FAST, late, D(2026, 9, 3)) == [SK, SK, IP, NR]
    assert statuses(FAST, late, D(2026, 9, 2)) == [NR, NR, NR, NR]


def test_withdrawn_stage_is_concluded() -> None:
    facts = raised()
    out = apply(CESAB, facts, Action.WITHDRAW, P, on=AROSE, reason="we talked and agreed")
    assert out.facts.status is CaseStatus.WITHDRAWN
    assert statuses(CESAB, out.facts, D(2027, 2, 1)) == [CO, NR, NR, NR]


def test_outstanding_required_actions() -> None:
    facts = raised()
    assert [c.key for c in outstanding(CESAB, facts, 1)] == [
        "raise-with-other-agency",
        "record-in-agency-records",
    ]
    ticked = apply(CESAB, facts, Action.TICK, P, on=AROSE, item="raise-with-other-agency")
    assert ticked.notices == ()
    assert [c.key for c in outstanding(CESAB, ticked.facts, 1)] == ["record-in-agency-records"]
    assert [c.key for c in outstanding(CESAB, facts, 1)] == [
        "raise-with-other-agency",
        "record-in-agency-records",
    ]  # facts are immutable: the old ones are unchanged
    again = apply(CESAB, ticked.facts, Action.TICK, P, on=AROSE, item="raise-with-other-agency")
    assert again.facts == ticked.facts  # ticking twice changes nothing
    assert len(outstanding(CESAB, facts, 4)) == 3


# ---------------------------------------------------------------- next moves


def moves(
    procedure: Procedure, facts: CaseFacts
) -> dict[tuple[Action, int | None], tuple[Role, ...]]:
    return {(m.action, m.to_stage): m.roles for m in next_moves(procedure, facts)}


def test_next_moves_at_cheshire_east_stage_1() -> None:
    found = moves(CESAB, raised())
    assert list(found) == [
        (Action.RECORD, None),
        (Action.TICK, None),
        (Action.RESOLVE, None),
        (Action.ESCALATE, 2),
        (Action.WITHDRAW, None),
    ]  # no expedite: Cheshire East does not allow it; no panel
    assert found[(Action.RECORD, None)] == tuple(Role)
    assert found[(Action.RESOLVE, None)] == (P,)
    assert found[(Action.ESCALATE, 2)] == (P,)
    assert found[(Action.WITHDRAW, None)] == (P,)


def test_next_moves_at_cheshire_east_stage_2_and_the_final_stage() -> None:
    facts = go(CESAB, raised(), (Action.ESCALATE, P, D(2026, 12, 28)))
    found = moves(CESAB, facts)
    # "they should be escalated by a Senior Manager to the CESAB Board representative"
    assert found[(Action.ESCALATE, 3)] == (LM, SL, SM)
    assert found[(Action.WITHDRAW, None)] == (P, LM, SL)
    final = go(
        CESAB, facts, (Action.ESCALATE, LM, D(2026, 12, 30)), (Action.ESCALATE, BR, D(2027, 1, 6))
    )
    found = moves(CESAB, final)
    assert not [a for a, _ in found if a is Action.ESCALATE]
    assert found[(Action.RESOLVE, None)] == (IC,)


def test_next_moves_with_expedite_and_panel() -> None:
    facts = raised(FAST, D(2026, 9, 1))
    found = moves(FAST, facts)
    assert found[(Action.ESCALATE, 2)] == (P,)
    assert found[(Action.EXPEDITE, 3)] == (P, SM)
    assert found[(Action.EXPEDITE, 4)] == (P,)  # the chair does not jump cases to themselves
    assert (Action.EXPEDITE, 2) not in found  # the next stage is an escalation
    assert all(m.needs_reason for m in next_moves(FAST, facts) if m.action is Action.EXPEDITE)
    at3 = go(FAST, facts, (Action.EXPEDITE, P, D(2026, 9, 2)))
    assert moves(FAST, at3)[(Action.REFER_TO_PANEL, None)] == (SM,)
    referred = go(FAST, at3, (Action.REFER_TO_PANEL, SM, D(2026, 9, 3)))
    assert (Action.REFER_TO_PANEL, None) not in moves(FAST, referred)


def test_a_closed_case_only_takes_notes() -> None:
    done = go(CESAB, raised(), (Action.RESOLVE, P, AROSE))
    [only] = next_moves(CESAB, done)
    assert only.action is Action.RECORD
    assert apply(CESAB, done, Action.RECORD, IC, on=D(2027, 1, 1)).facts == done


# ---------------------------------------------------------------- refusals


def test_a_role_that_may_not_act_is_refused() -> None:
    at2 = go(CESAB, raised(), (Action.ESCALATE, P, D(2026, 12, 28)))
    r = refusal(check, CESAB, at2, Action.ESCALATE, P)
    assert r.code == "forbidden"
    assert r.reason == (
        "A practitioner cannot escalate the case at stage 2 (Safeguarding leads and line "
        "managers) of CESAB Multi-agency Escalation Procedure. At this stage that is for: "
        "line manager; designated or named safeguarding lead; senior manager."
    )
    r = refusal(apply, CESAB, raised(), Action.RESOLVE, IC, on=AROSE)
    assert r.code == "forbidden"
    assert r.reason.startswith("An independent chair cannot record the disagreement as resolved")
    r = refusal(check, CESAB, raised(), Action.TICK, BU, item="raise-with-other-agency")
    assert r.code == "forbidden" and "tick off required actions" in r.reason


def test_the_role_is_checked_before_asking_for_a_reason() -> None:
    r = refusal(check, FAST, raised(FAST), Action.EXPEDITE, LM, to_stage=3)
    assert r.code == "forbidden"
    assert "practitioner; senior manager" in r.reason


def test_skipping_a_stage_by_escalating_is_refused() -> None:
    r = refusal(check, CESAB, raised(), Action.ESCALATE, P, to_stage=3)
    assert r.code == "wrong_stage"
    assert "would skip stage 2" in r.reason
    assert "does not allow skipping stages: escalate to stage 2" in r.reason
    r = refusal(check, FAST, raised(FAST), Action.ESCALATE, P, to_stage=4)
    assert r.code == "wrong_stage"
    assert "would skip stages" in r.reason
    assert "expedite the case instead and give the reason" in r.reason


def test_escalating_backwards_is_refused() -> None:
    at2 = go(CESAB, raised(), (Action.ESCALATE, P, D(2026, 12, 28)))
    for to in (1, 2):
        r = refusal(check, CESAB, at2, Action.ESCALATE, LM, to_stage=to)
        assert r.code == "wrong_stage"
        assert f"escalating moves it on to stage 3, not to stage {to}" in r.reason


def test_escalating_past_the_final_stage_is_refused() -> None:
    at4 = go(
        CESAB,
        raised(),
        (Action.ESCALATE, P, D(2026, 12, 28)),
        (Action.ESCALATE, SL, D(2026, 12, 31)),
        (Action.ESCALATE, SM, D(2027, 1, 5)),
    )
    assert at4.current_stage == 4
    for to in (None, 5, 6):
        r = refusal(check, CESAB, at4, Action.ESCALATE, IC, to_stage=to)
        assert r.code == "wrong_stage"
        assert "Stage 4 is the final stage" in r.reason
        assert "cannot be escalated any further" in r.reason
        assert "resolve it" in r.reason


def test_acting_after_resolution_or_withdrawal_is_refused() -> None:
    resolved = go(CESAB, raised(), (Action.RESOLVE, P, D(2026, 12, 24)))
    withdrawn = go(CESAB, raised(), (Action.WITHDRAW, P, D(2026, 12, 24)))
    for facts, word in ((resolved, "resolved"), (withdrawn, "withdrawn")):
        for action, role in (
            (Action.ESCALATE, P),
            (Action.RESOLVE, P),
            (Action.WITHDRAW, P),
            (Action.TICK, P),
            (Action.EXPEDITE, P),
        ):
            r = refusal(
                apply,
                CESAB,
                facts,
                action,
                role,
                on=D(2026, 12, 28),
                reason="x",
                item="raise-with-other-agency",
                to_stage=3,
            )
            assert r.code == "closed"
            assert r.reason.startswith(f"This case has been {word}, so you cannot ")
            assert "You can still add a note or a correction." in r.reason
        check(CESAB, facts, Action.RECORD, P)  # notes are still allowed


def test_expedite_where_the_procedure_does_not_allow_it() -> None:
    r = refusal(check, CESAB, raised(), Action.EXPEDITE, P, to_stage=3, reason="at risk")
    assert r.code == "wrong_stage"
    assert "does not allow skipping stages, even when someone is at immediate risk" in r.reason
    assert CESAB.expedite.prompt in r.reason  # says what to do instead


def test_expedite_without_a_reason_is_refused() -> None:
    for reason in ("", "   "):
        r = refusal(check, FAST, raised(FAST), Action.EXPEDITE, P, to_stage=3, reason=reason)
        assert r.code == "invalid"
        assert r.reason == (
            "Give a reason to expedite this case: say why someone is at immediate risk."
        )


def test_expedite_to_a_stage_that_is_not_a_skip() -> None:
    facts = raised(FAST)
    r = refusal(check, FAST, facts, Action.EXPEDITE, P, reason="risk")
    assert r.code == "wrong_stage"
    assert r.reason == "Choose the stage to expedite the case to: a stage from 3 to 4."
    r = refusal(check, FAST, facts, Action.EXPEDITE, P, to_stage=2, reason="risk")
    assert r.code == "wrong_stage"
    assert "stage 2 is next anyway: escalate to it instead" in r.reason
    r = refusal(check, FAST, facts, Action.EXPEDITE, P, to_stage=9, reason="risk")
    assert r.code == "wrong_stage"
    at3 = go(FAST, facts, (Action.EXPEDITE, P, D(2026, 12, 24)))
    r = refusal(check, FAST, at3, Action.EXPEDITE, SM, to_stage=4, reason="risk")
    assert r.code == "wrong_stage"
    assert r.reason == "There is no stage to skip: stage 4 is next, so escalate the case to it."
    at4 = go(FAST, at3, (Action.ESCALATE, SM, D(2026, 12, 29)))
    r = refusal(check, FAST, at4, Action.EXPEDITE, IC, to_stage=5, reason="risk")
    assert r.code == "wrong_stage" and "Stage 4 is the final stage" in r.reason


def test_panel_referral_where_there_is_none() -> None:
    r = refusal(check, CESAB, raised(), Action.REFER_TO_PANEL, P)
    assert r.code == "wrong_stage"
    assert r.reason == (
        "Stage 1 (Professionals resolving disagreements) of CESAB Multi-agency Escalation "
        "Procedure has no panel to refer to."
    )
    r = refusal(check, FAST, raised(FAST), Action.REFER_TO_PANEL, P)
    assert r.code == "wrong_stage"


def test_panel_referral_twice_is_refused() -> None:
    at3 = go(FAST, raised(FAST), (Action.EXPEDITE, P, D(2026, 12, 24)))
    referred = go(FAST, at3, (Action.REFER_TO_PANEL, SM, D(2026, 12, 24)))
    r = refusal(check, FAST, referred, Action.REFER_TO_PANEL, SM)
    assert r.code == "invalid"
    assert r.reason == "This case has already been referred to the High-Risk Panel."
    r = refusal(check, FAST, at3, Action.REFER_TO_PANEL, P)
    assert r.code == "forbidden"


def test_ticking_an_unknown_checklist_item() -> None:
    r = refusal(check, CESAB, raised(), Action.TICK, P, item="have-a-cup-of-tea")
    assert r.code == "invalid"
    assert r.reason == (
        "Stage 1 has no required action called 'have-a-cup-of-tea'; its required actions "
        "are: raise-with-other-agency, record-in-agency-records."
    )
    r = refusal(check, CESAB, raised(), Action.TICK, P)
    assert r.code == "invalid"
    assert r.reason.startswith("Say which required action to tick off: raise-with-other-agency")
    # an item from another stage is not this stage's
    r = refusal(check, CESAB, raised(), Action.TICK, P, item="identify-problem")
    assert r.code == "invalid"


def test_ticking_where_there_is_no_checklist() -> None:
    facts = raised(FAST)
    at2 = go(FAST, facts, (Action.ESCALATE, P, D(2026, 12, 24)))
    r = refusal(check, FAST, at2, Action.TICK, LM, item="talk")
    assert r.code == "wrong_stage"
    assert r.reason == "Stage 2 (Line managers) has no required actions to tick off."


def test_withdraw_without_a_reason() -> None:
    r = refusal(apply, CESAB, raised(), Action.WITHDRAW, P, on=AROSE)
    assert r.code == "invalid"
    assert r.reason == (
        "Give a reason to withdraw this case: say why the challenge is being withdrawn."
    )


def test_raising_again_is_refused() -> None:
    r = refusal(check, CESAB, raised(), Action.RAISE, P)
    assert r.code == "wrong_stage"
    assert "already been raised" in r.reason


def test_a_move_dated_before_the_stage_began_is_refused() -> None:
    at2 = go(CESAB, raised(), (Action.ESCALATE, P, D(2026, 12, 29)))
    r = refusal(apply, CESAB, at2, Action.ESCALATE, LM, on=D(2026, 12, 28))
    assert r.code == "invalid"
    assert r.reason == (
        "You cannot escalate the case on Mon 28 Dec 2026: stage 2 began on Tue 29 Dec 2026. "
        "Check the date."
    )
    r = refusal(apply, CESAB, raised(), Action.RESOLVE, P, on=D(2026, 12, 22))
    assert r.code == "invalid"


def test_check_owner() -> None:
    check_owner(CESAB, 3, BR)
    check_owner(CESAB, 2, SL)  # no owner_roles: anyone acting at the stage
    r = refusal(check_owner, CESAB, 3, SM)
    assert r.code == "invalid"
    assert r.reason == (
        "The owner of stage 3 (CESAB Board members) must be a board or partnership "
        "representative, not a senior manager."
    )
    r = refusal(check_owner, CESAB, 2, IC)
    assert r.reason.endswith(
        "must be one of: line manager; designated or named safeguarding lead, "
        "not an independent chair."
    )


# ---------------------------------------------------------------- raising


def test_raise_a_case() -> None:
    out = raise_case(CESAB, P, arose=AROSE, on=D(2026, 12, 24))
    assert out.facts == CaseFacts(arose=AROSE, stage_started={1: AROSE}, current_stage=1)
    assert out.notices == (
        Notice(Recipient.OTHER_PROFESSIONAL, "case.raised", 1, "the challenge is raised with them"),
    )


def test_raise_with_the_concern_arising_in_the_future() -> None:
    r = refusal(raise_case, CESAB, P, arose=D(2026, 12, 24), on=AROSE)
    assert r.code == "invalid"
    assert r.reason == (
        "The concern cannot have arisen on Thu 24 Dec 2026, after the day it is raised "
        "(Wed 23 Dec 2026). Check the date the concern arose."
    )


def test_raise_by_someone_outside_the_agencies() -> None:
    r = refusal(raise_case, CESAB, IC, arose=AROSE, on=AROSE)
    assert r.code == "forbidden"
    assert r.reason.startswith("An independent chair cannot raise a challenge")
    assert "practitioner" in r.reason


def test_raise_at_a_later_stage() -> None:
    r = refusal(
        raise_case, FAST, P, arose=AROSE, on=AROSE, start_stage=3, reason="they are in danger"
    )
    assert r.code == "invalid"
    assert r.reason == (
        "A case can start at stage 3 only when someone is at immediate risk. "
        "Otherwise start at stage 1."
    )
    r = refusal(raise_case, FAST, P, arose=AROSE, on=AROSE, start_stage=3, immediate_risk=True)
    assert r.code == "invalid"
    assert r.reason == (
        "Give the reason to start at stage 3: say why someone is at immediate risk."
    )
    r = refusal(
        raise_case,
        CESAB,
        P,
        arose=AROSE,
        on=AROSE,
        start_stage=2,
        immediate_risk=True,
        reason="they are in danger",
    )
    assert r.code == "wrong_stage"
    assert r.reason.startswith(
        "CESAB Multi-agency Escalation Procedure always starts at stage 1, even when someone "
        "is at immediate risk."
    )
    assert CESAB.expedite.prompt in r.reason
    for stage in (0, 5):
        r = refusal(raise_case, CESAB, P, arose=AROSE, on=AROSE, start_stage=stage)
        assert r.code == "invalid"
        assert f"has stages 1 to 4; there is no stage {stage}" in r.reason


def test_raise_an_expedited_case() -> None:
    out = raise_case(
        FAST,
        P,
        arose=AROSE,
        on=D(2026, 12, 24),
        start_stage=4,
        immediate_risk=True,
        reason="they are in danger",
    )
    assert out.facts.current_stage == 4
    assert out.facts.stage_started == {4: D(2026, 12, 24)}
    assert out.facts.immediate_risk
    # Starting at stage 4 tells whoever expediting from stage 1 to stage 4 tells.
    assert recipients(out) == [
        Recipient.OTHER_PROFESSIONAL,
        Recipient.STAGE_OWNER,
        Recipient.OWNER_LINE_MANAGER,  # stage 1's on_unresolved
        Recipient.SENIOR_MANAGERS,  # stage 2's
        Recipient.BUSINESS_UNIT,  # stage 3's (and told of every decision)
        Recipient.INDEPENDENT_CHAIR,  # stage 4's notify_on_start
        Recipient.ALL_INVOLVED,
    ]
    assert {n.event for n in out.notices} == {"case.expedited"}
    assert {n.stage for n in out.notices} == {4}


def test_raise_tells_those_the_first_stage_notifies() -> None:
    out = raise_case(FAST, P, arose=AROSE, on=AROSE)
    assert recipients(out) == [Recipient.OTHER_PROFESSIONAL, Recipient.SAFEGUARDING_LEADS]
    assert {n.event for n in out.notices} == {"case.raised"}


# ---------------------------------------------------------------- notices


def test_notices_on_escalation() -> None:
    out = apply(CESAB, raised(), Action.ESCALATE, P, on=D(2026, 12, 28))
    assert out.facts.current_stage == 2
    assert out.facts.stage_started == {1: AROSE, 2: D(2026, 12, 28)}
    assert out.facts.stage_concluded == {1: D(2026, 12, 28)}
    assert out.notices == (
        # stage 1's "notify your line manager" is the new owner: told once
        Notice(Recipient.STAGE_OWNER, "case.escalated", 2, "they now own the case"),
        # decisions are shared with both professionals involved with the adult
        Notice(
            Recipient.RAISING_PRACTITIONER,
            "case.escalated",
            2,
            "told of every decision at every stage",
        ),
        Notice(
            Recipient.OTHER_PROFESSIONAL,
            "case.escalated",
            2,
            "told of every decision at every stage",
        ),
    )


def test_notices_on_escalation_to_the_chair() -> None:
    at3 = go(
        CESAB,
        raised(),
        (Action.ESCALATE, P, D(2026, 12, 28)),
        (Action.ESCALATE, LM, D(2026, 12, 30)),
    )
    out = apply(CESAB, at3, Action.ESCALATE, BR, on=D(2027, 1, 5))
    assert recipients(out) == [
        Recipient.STAGE_OWNER,
        Recipient.BUSINESS_UNIT,  # on_unresolved at stage 3; also notify_on_start: told once
        Recipient.INDEPENDENT_CHAIR,
        Recipient.RAISING_PRACTITIONER,
        Recipient.OTHER_PROFESSIONAL,
    ]


def test_notices_on_resolution() -> None:
    # stage 1's duties are records, not notifications; its decision is shared
    out = apply(CESAB, raised(), Action.RESOLVE, P, on=AROSE)
    assert recipients(out) == [Recipient.RAISING_PRACTITIONER, Recipient.OTHER_PROFESSIONAL]
    assert out.facts.stage_concluded == {1: AROSE}
    # a duty's kind implies its recipient; or it says whom to tell
    fast = apply(FAST, raised(FAST), Action.RESOLVE, P, on=AROSE)
    assert recipients(fast) == [Recipient.RAISING_PRACTITIONER, Recipient.BUSINESS_UNIT]
    at4 = go(FAST, raised(FAST), (Action.EXPEDITE, P, AROSE), (Action.ESCALATE, SM, AROSE))
    done = apply(FAST, at4, Action.RESOLVE, IC, on=D(2026, 12, 24))
    assert recipients(done) == [
        Recipient.ALL_INVOLVED,
        Recipient.SAFEGUARDING_LEADS,
        Recipient.SENIOR_MANAGERS,
        Recipient.BUSINESS_UNIT,
    ]
    assert {n.event for n in done.notices} == {"case.resolved"}


def test_notices_on_withdrawal() -> None:
    out = apply(CESAB, raised(), Action.WITHDRAW, P, on=AROSE, reason="misunderstanding")
    assert recipients(out) == [
        Recipient.STAGE_OWNER,
        Recipient.OTHER_PROFESSIONAL,
        Recipient.RAISING_PRACTITIONER,
    ]
    assert out.facts.status is CaseStatus.WITHDRAWN


def test_notices_on_expedite_and_panel() -> None:
    out = apply(FAST, raised(FAST), Action.EXPEDITE, P, on=AROSE, to_stage=4, reason="danger")
    assert recipients(out) == [
        Recipient.STAGE_OWNER,
        Recipient.OWNER_LINE_MANAGER,  # stage 1's on_unresolved
        Recipient.SENIOR_MANAGERS,  # stage 2's, though it was skipped
        Recipient.BUSINESS_UNIT,  # stage 3's, though it was skipped
        Recipient.INDEPENDENT_CHAIR,
        Recipient.ALL_INVOLVED,
    ]
    assert {n.event for n in out.notices} == {"case.expedited"}
    at3 = go(FAST, raised(FAST), (Action.EXPEDITE, P, AROSE))
    panel = apply(FAST, at3, Action.REFER_TO_PANEL, SM, on=AROSE)
    assert recipients(panel) == [Recipient.BUSINESS_UNIT, Recipient.INDEPENDENT_CHAIR]
    assert panel.facts.panel_referred == frozenset({3})
    assert panel.facts.current_stage == 3


def test_record_and_tick_owe_no_notices() -> None:
    facts = raised()
    assert apply(CESAB, facts, Action.RECORD, SM, on=AROSE) == Outcome(facts, ())


def test_a_whole_case_through_cheshire_east() -> None:
    facts = raised()
    for item in ("raise-with-other-agency", "record-in-agency-records"):
        facts = apply(CESAB, facts, Action.TICK, P, on=AROSE, item=item).facts
    assert outstanding(CESAB, facts, 1) == []
    facts = go(
        CESAB,
        facts,
        (Action.ESCALATE, P, D(2026, 12, 29)),
        (Action.ESCALATE, SL, D(2026, 12, 31)),
        (Action.ESCALATE, BR, D(2027, 1, 5)),
        (Action.RESOLVE, IC, D(2027, 1, 11)),
    )
    assert facts.status is CaseStatus.RESOLVED
    assert statuses(CESAB, facts, D(2027, 1, 11)) == [CO, CO, CO, CO]
    assert statuses(CESAB, facts, D(2027, 1, 6)) == [CO, CO, CO, IP]
    [chair] = stage_deadlines(CESAB, ENGLAND, arose=facts.arose, stage_started=facts.stage_started)[
        3
    ].other
    assert chair.due == D(2027, 1, 12)  # 5 working days after Tue 5 Jan


# ---------------------------------------------------------------- properties

PROCEDURES = {"cesab": CESAB, "fast": FAST}


@settings(deadline=None, max_examples=150)
@given(
    which=st.sampled_from(sorted(PROCEDURES)),
    choices=st.lists(st.tuples(st.integers(0, 50), st.integers(0, 50)), max_size=8),
    gaps=st.lists(st.integers(0, 4), min_size=8, max_size=8),
)
def test_every_offered_move_is_accepted_and_every_other_role_refused(
    which: str, choices: list[tuple[int, int]], gaps: list[int]
) -> None:
    """next_moves and check agree: what is offered to a role is accepted, for that role
    only, and the case only ever moves forward."""
    procedure = PROCEDURES[which]
    facts = raised(procedure, D(2026, 12, 21))
    day = D(2026, 12, 21)
    for (pick_move, pick_role), gap in zip(choices, gaps, strict=False):
        offered = next_moves(procedure, facts)
        move = offered[pick_move % len(offered)]
        role = move.roles[pick_role % len(move.roles)]
        item = None
        if move.action is Action.TICK:
            item = procedure.stage(facts.current_stage).checklist[0].key
        kwargs = {"to_stage": move.to_stage, "reason": "a reason", "item": item}
        for other in Role:
            if other not in move.roles:
                r = refusal(check, procedure, facts, move.action, other, **kwargs)
                assert r.code == "forbidden"
        day += dt.timedelta(days=gap)
        out = apply(procedure, facts, move.action, role, on=day, **kwargs)  # type: ignore[arg-type]
        assert out.facts.current_stage >= facts.current_stage
        assert len({n.recipient for n in out.notices}) == len(out.notices)
        if move.to_stage is not None:
            assert out.facts.current_stage == move.to_stage
        facts = out.facts
        found = stage_statuses(procedure, ENGLAND, facts, day)
        if facts.status is CaseStatus.OPEN:
            assert found[facts.current_stage] in (IP, OD)
        else:
            assert found[facts.current_stage] is CO
        assert all(found[n] is NR for n in found if n > facts.current_stage)
        assert all(found[n] in (CO, SK) for n in found if n < facts.current_stage)


@pytest.mark.parametrize(
    ("arose", "on", "words"),
    [
        (D(1850, 3, 1), D(2026, 12, 23), "before 1872, the first year"),
        (D(2101, 1, 4), D(2101, 1, 4), "after 2100, the last year"),
    ],
)
def test_days_past_the_years_the_calendar_knows_are_refused_not_counted_without_holidays(
    arose: dt.date, on: dt.date, words: str
) -> None:
    with pytest.raises(Refused) as refused:
        raise_case(CESAB, R.PRACTITIONER, arose=arose, on=on)
    assert refused.value.code == "invalid"
    assert words in refused.value.reason
    assert "whose bank holidays Escalate knows" in refused.value.reason


def test_a_move_on_a_day_past_the_calendar_is_refused() -> None:
    facts = raise_case(CESAB, R.PRACTITIONER, arose=AROSE, on=AROSE).facts
    with pytest.raises(Refused, match="after 2100, the last year"):
        apply(CESAB, facts, Action.WITHDRAW, R.PRACTITIONER, on=D(2101, 1, 4), reason="Sorted.")
