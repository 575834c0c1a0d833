"""The engine on what a procedure says about moves: its own role names in refusals, a
chair who mediates but may not decide, who is told of immediate risk, who may skip
stages and how far and after consulting whom, and the notice before escalating."""

from __future__ import annotations

import copy
import datetime as dt
import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from escalate.procedures import library
from escalate.procedures.engine import (
    Action,
    CaseFacts,
    Refused,
    apply,
    check,
    check_owner,
    next_moves,
    raise_case,
)
from escalate.procedures.model import Procedure, Recipient, Role
from escalate.procedures.vocabulary import RefusalCode

RIVERSIDE_FILE = Path(__file__).parent / "definitions" / "riverside.toml"
RIVERSIDE = library.load_file(RIVERSIDE_FILE)
AROSE = dt.date(2026, 12, 23)
R = Role
REASON = "The child could come to serious harm tonight."


def at_stage(number: int, **facts: Any) -> CaseFacts:
    started = {n: AROSE for n in range(1, number + 1)}
    return CaseFacts(arose=AROSE, stage_started=started, current_stage=number, **facts)


def refusal(
    procedure: Procedure, facts: CaseFacts, action: Action, role: Role, **kw: Any
) -> Refused:
    with pytest.raises(Refused) as caught:
        apply(procedure, facts, action, role, on=AROSE, **kw)
    return caught.value


def without(**changes: Any) -> Procedure:
    data: dict[str, Any] = tomllib.loads(RIVERSIDE_FILE.read_text(encoding="utf-8"))
    data = copy.deepcopy(data)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return library.from_dict(data)


# ---------------------------------------------------------------- role names


def test_refusals_name_roles_as_the_procedure_does() -> None:
    refused = refusal(RIVERSIDE, at_stage(3), Action.ESCALATE, R.PRACTITIONER)
    assert refused.code is RefusalCode.FORBIDDEN
    assert refused.reason == (
        "A practitioner cannot escalate the case at stage 3 (Heads of service) of Riverside "
        "Resolving Professional Differences Procedure. At this stage that is for: head of "
        "service; assistant director or director (or equivalent)."
    )
    with pytest.raises(Refused) as caught:
        check_owner(RIVERSIDE, 3, R.LINE_MANAGER)
    assert caught.value.reason == (
        "The owner of stage 3 (Heads of service) must be one of: head of service; assistant "
        "director or director (or equivalent), not a line manager."
    )
    with pytest.raises(Refused) as caught:
        check_owner(RIVERSIDE, 4, R.DIRECTOR)
    assert "must be a partnership liaison officer, not an assistant director" in (
        caught.value.reason
    )


def test_a_procedure_without_role_names_reads_as_before() -> None:
    plain = without(role_names=None)
    refused = refusal(plain, at_stage(3), Action.ESCALATE, R.PRACTITIONER)
    assert "that is for: senior manager; assistant director" in refused.reason


# ---------------------------------------------------------------- mediates, not decides


def test_the_conference_chair_mediates_but_may_not_decide() -> None:
    """resolve_roles already says it: the chair acts at stage 4 (notes, meetings) but only
    the directors record the decision that resolves it."""
    facts = at_stage(4)
    check(RIVERSIDE, facts, Action.RECORD, R.INDEPENDENT_CHAIR)
    refused = refusal(RIVERSIDE, facts, Action.RESOLVE, R.INDEPENDENT_CHAIR)
    assert refused.code is RefusalCode.FORBIDDEN
    assert refused.reason.startswith(
        "A conference chair cannot record the disagreement as resolved at stage 4"
    )
    assert refused.reason.endswith(
        "At this stage that is for: assistant director or director (or equivalent)."
    )
    done = apply(RIVERSIDE, facts, Action.RESOLVE, R.DIRECTOR, on=AROSE)
    assert done.facts.status.value == "resolved"


# ---------------------------------------------------------------- immediate risk


def test_raising_at_immediate_risk_tells_those_the_procedure_names() -> None:
    raised = raise_case(RIVERSIDE, R.PRACTITIONER, arose=AROSE, on=AROSE, immediate_risk=True)
    told = {n.recipient: n for n in raised.notices}
    assert {Recipient.BUSINESS_UNIT, Recipient.SAFEGUARDING_LEADS} <= set(told)
    assert told[Recipient.BUSINESS_UNIT].why.startswith("someone is at immediate risk")
    assert told[Recipient.BUSINESS_UNIT].event == "case.raised"
    calm = raise_case(RIVERSIDE, R.PRACTITIONER, arose=AROSE, on=AROSE)
    assert {n.recipient for n in calm.notices} == {Recipient.OTHER_PROFESSIONAL}


def test_expediting_tells_them_once_the_case_is_first_marked_at_risk() -> None:
    moved = apply(
        RIVERSIDE,
        at_stage(1, consulted=frozenset({R.LINE_MANAGER})),
        Action.EXPEDITE,
        R.SAFEGUARDING_LEAD,
        on=AROSE,
        to_stage=3,
        reason=REASON,
    )
    told = {n.recipient: n for n in moved.notices}
    assert told[Recipient.SAFEGUARDING_LEADS].event == "case.expedited"
    assert told[Recipient.SAFEGUARDING_LEADS].stage == 3
    assert moved.facts.immediate_risk
    # Already at immediate risk: nobody is told of it again.
    again = apply(
        RIVERSIDE,
        at_stage(1, consulted=frozenset({R.LINE_MANAGER}), immediate_risk=True),
        Action.EXPEDITE,
        R.SAFEGUARDING_LEAD,
        on=AROSE,
        to_stage=3,
        reason=REASON,
    )
    assert Recipient.SAFEGUARDING_LEADS not in {n.recipient for n in again.notices}


# ---------------------------------------------------------------- skipping


def test_only_the_named_roles_may_skip_and_the_page_offers_it_only_to_them() -> None:
    facts = at_stage(1, consulted=frozenset({R.LINE_MANAGER}))
    refused = refusal(RIVERSIDE, facts, Action.EXPEDITE, R.LINE_MANAGER, to_stage=3, reason=REASON)
    assert refused.code is RefusalCode.SKIP_ROLE
    assert refused.reason == (
        "In Riverside Resolving Professional Differences Procedure only a designated or "
        "named safeguarding lead or a head of service may skip stages, even when someone is "
        "at immediate risk; a line manager cannot. Ask one of them to do it."
    )
    (move,) = [m for m in next_moves(RIVERSIDE, facts) if m.action is Action.EXPEDITE]
    assert (move.to_stage, move.roles) == (3, (R.SAFEGUARDING_LEAD, R.SENIOR_MANAGER))
    apply(RIVERSIDE, facts, Action.EXPEDITE, R.SENIOR_MANAGER, on=AROSE, to_stage=3, reason=REASON)


def test_a_skip_beyond_the_stage_allowed_is_refused() -> None:
    facts = at_stage(1, consulted=frozenset({R.LINE_MANAGER}))
    refused = refusal(
        RIVERSIDE, facts, Action.EXPEDITE, R.SENIOR_MANAGER, to_stage=4, reason=REASON
    )
    assert refused.code is RefusalCode.SKIP_TOO_FAR
    assert refused.reason == (
        "Riverside Resolving Professional Differences Procedure lets you skip stages only as "
        "far as stage 3, even when someone is at immediate risk; you cannot expedite a case "
        "to stage 4. Choose a stage up to 3."
    )


def test_a_skip_needs_the_consultation_recorded_first() -> None:
    refused = refusal(
        RIVERSIDE, at_stage(1), Action.EXPEDITE, R.SENIOR_MANAGER, to_stage=3, reason=REASON
    )
    assert refused.code is RefusalCode.NEEDS_CONSULTATION
    assert refused.reason == (
        "Riverside Resolving Professional Differences Procedure lets you skip to stage 3 "
        "only after consulting a line manager: record the consultation on the case first."
    )
    # Consulting someone else does not count.
    other = at_stage(1, consulted=frozenset({R.DIRECTOR}))
    refused = refusal(
        RIVERSIDE, other, Action.EXPEDITE, R.SENIOR_MANAGER, to_stage=3, reason=REASON
    )
    assert refused.code is RefusalCode.NEEDS_CONSULTATION


def test_raising_at_a_later_stage_follows_the_same_skip_rules() -> None:
    def raised(role: Role, stage: int, consulted: frozenset[Role] = frozenset()) -> Any:
        return raise_case(
            RIVERSIDE,
            role,
            arose=AROSE,
            on=AROSE,
            start_stage=stage,
            immediate_risk=True,
            reason=REASON,
            consulted=consulted,
        )

    lm = frozenset({R.LINE_MANAGER})
    for role, stage, consulted, code in (
        (R.LINE_MANAGER, 3, lm, RefusalCode.SKIP_ROLE),
        (R.SENIOR_MANAGER, 4, lm, RefusalCode.SKIP_TOO_FAR),
        (R.SENIOR_MANAGER, 3, frozenset(), RefusalCode.NEEDS_CONSULTATION),
    ):
        with pytest.raises(Refused) as caught:
            raised(role, stage, consulted)
        assert caught.value.code is code, (role, stage)
    with pytest.raises(Refused) as caught:
        raised(R.SENIOR_MANAGER, 3)
    assert "say who you consulted when you raise the case" in caught.value.reason
    ok = raised(R.SENIOR_MANAGER, 3, lm)
    assert ok.facts.current_stage == 3
    assert Recipient.BUSINESS_UNIT in {n.recipient for n in ok.notices}


def test_without_skip_rules_expediting_is_as_before() -> None:
    expedite = {"allowed": True, "prompt": "Call the front door."}
    loose = without(expedite=expedite)
    moves = [m for m in next_moves(loose, at_stage(1)) if m.action is Action.EXPEDITE]
    assert [m.to_stage for m in moves] == [3, 4]
    apply(loose, at_stage(1), Action.EXPEDITE, R.LINE_MANAGER, on=AROSE, to_stage=4, reason=REASON)


# ---------------------------------------------------------------- notice


def test_escalating_stage_2_needs_notice_given_first() -> None:
    refused = refusal(RIVERSIDE, at_stage(2), Action.ESCALATE, R.LINE_MANAGER)
    assert refused.code is RefusalCode.NEEDS_NOTICE
    assert refused.reason == (
        "Riverside Resolving Professional Differences Procedure says the other organisation "
        "must be told that you intend to escalate before stage 2 (Line manager to line "
        "manager) is escalated. Give notice of escalation on the case first; then escalate."
    )
    # Someone who may not escalate at all is told that first.
    assert refusal(RIVERSIDE, at_stage(2), Action.ESCALATE, R.PRACTITIONER).code is (
        RefusalCode.FORBIDDEN
    )
    noticed = at_stage(2, notice_given=frozenset({2}))
    moved = apply(RIVERSIDE, noticed, Action.ESCALATE, R.LINE_MANAGER, on=AROSE)
    assert moved.facts.current_stage == 3
    # Stage 1 needs none; a notice given at stage 1 does not count for stage 2.
    apply(RIVERSIDE, at_stage(1), Action.ESCALATE, R.PRACTITIONER, on=AROSE)
    early = replace(at_stage(2), notice_given=frozenset({1}))
    assert refusal(RIVERSIDE, early, Action.ESCALATE, R.LINE_MANAGER).code is (
        RefusalCode.NEEDS_NOTICE
    )


# ---------------------------------------------------------------- not given


def test_refusals_read_well_when_the_document_gives_no_immediate_risk_words() -> None:
    silent = without(expedite=None)
    refused = refusal(
        silent, at_stage(1), Action.EXPEDITE, R.LINE_MANAGER, to_stage=3, reason=REASON
    )
    assert refused.reason == (
        "Riverside Resolving Professional Differences Procedure does not allow skipping "
        "stages, even when someone is at immediate risk."
    )
    with pytest.raises(Refused) as caught:
        raise_case(
            silent,
            R.PRACTITIONER,
            arose=AROSE,
            on=AROSE,
            start_stage=2,
            immediate_risk=True,
            reason=REASON,
        )
    assert caught.value.reason.endswith("even when someone is at immediate risk.")
    assert "None" not in caught.value.reason
