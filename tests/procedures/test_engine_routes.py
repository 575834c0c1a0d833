"""The engine's routes that depend on the case (Riverside,
tests/procedures/definitions/riverside.toml): the final forum chosen by whom the
case is about, a looked-after child's case told to whom its route names when raised and
never moved up the stages, a route that tells someone as well leaving the stages as they
are, and kinds of case refused when unknown or for someone else."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from escalate.procedures import library, routes
from escalate.procedures.engine import (
    Action,
    CaseFacts,
    Refused,
    apply,
    next_moves,
    raise_case,
)
from escalate.procedures.model import Protects, Recipient, Role
from escalate.procedures.vocabulary import RefusalCode

RIVERSIDE = library.load_file(Path(__file__).parent / "definitions" / "riverside.toml")
AROSE = dt.date(2026, 12, 23)
LOOKED_AFTER = frozenset({"looked_after_child"})
REASON = "The child could come to serious harm tonight."


def raised(**kw: Any) -> Any:
    return raise_case(RIVERSIDE, Role.PRACTITIONER, arose=AROSE, on=AROSE, **kw)


def at_stage(number: int, **facts: Any) -> CaseFacts:
    started = {n: AROSE for n in range(1, number + 1)}
    return CaseFacts(arose=AROSE, stage_started=started, current_stage=number, **facts)


def test_the_final_forum_is_the_adults_or_the_childrens_by_whom_the_case_is_about() -> None:
    assert routes.forum(RIVERSIDE, 4, Protects.ADULTS) == (
        "Safeguarding Adults Board resolution panel"
    )
    assert routes.forum(RIVERSIDE, 4, routes.person_group("family")) == (
        "Children's Partnership executive"
    )
    assert routes.forum(RIVERSIDE, 4, None) is None  # not known
    assert routes.forum(RIVERSIDE, 3, Protects.CHILDREN) is None  # stage 3 names none
    assert routes.person_group("adult") is Protects.ADULTS
    assert routes.person_group("someone") is None


def test_raising_a_looked_after_childs_case_tells_whom_the_route_names() -> None:
    plain = {(n.recipient, n.why) for n in raised().notices}
    outcome = raised(kinds=LOOKED_AFTER, person=Protects.CHILDREN)
    told = {(n.recipient, n.why) for n in outcome.notices}
    assert told - plain == {
        (
            Recipient.BUSINESS_UNIT,
            "The child is looked after by the local authority: the procedure sends it to "
            "the named officer for looked-after children",
        )
    }
    assert outcome.facts.kinds == LOOKED_AFTER
    assert outcome.facts.person is Protects.CHILDREN


def test_a_case_routed_instead_of_the_ladder_is_never_escalated_or_expedited() -> None:
    facts = at_stage(1, kinds=LOOKED_AFTER, person=Protects.CHILDREN)
    offered = {m.action for m in next_moves(RIVERSIDE, facts)}
    assert Action.ESCALATE not in offered and Action.EXPEDITE not in offered
    assert {Action.RESOLVE, Action.WITHDRAW, Action.RECORD} <= offered
    with pytest.raises(Refused) as refused:
        apply(RIVERSIDE, facts, Action.ESCALATE, Role.PRACTITIONER, on=AROSE, to_stage=2)
    assert refused.value.code is RefusalCode.ROUTED
    assert refused.value.reason == (
        "The child is looked after by the local authority: Riverside Resolving Professional "
        "Differences Procedure sends such a case to the named officer for looked-after "
        "children instead of up the stages. Call the Riverside looked-after children's "
        "service on 01632 960000. Record what they decide, then resolve or withdraw the "
        "case here."
    )
    with pytest.raises(Refused) as skipped:
        apply(
            RIVERSIDE,
            facts,
            Action.EXPEDITE,
            Role.SAFEGUARDING_LEAD,
            on=AROSE,
            to_stage=3,
            reason=REASON,
        )
    assert skipped.value.code is RefusalCode.ROUTED
    resolved = apply(RIVERSIDE, facts, Action.RESOLVE, Role.PRACTITIONER, on=AROSE, reason="Done.")
    assert resolved.facts.status.value == "resolved"


def test_a_routed_case_cannot_be_raised_at_a_later_stage() -> None:
    with pytest.raises(Refused) as refused:
        raise_case(
            RIVERSIDE,
            Role.SENIOR_MANAGER,
            arose=AROSE,
            on=AROSE,
            start_stage=3,
            immediate_risk=True,
            reason=REASON,
            consulted=frozenset({Role.LINE_MANAGER}),
            kinds=frozenset({"before_child_protection_conference"}),
            person=Protects.CHILDREN,
        )
    assert refused.value.code is RefusalCode.ROUTED
    assert "the chair of the child protection conference instead of up the stages" in (
        refused.value.reason
    )


def test_a_route_that_tells_someone_as_well_leaves_the_stages_as_they_are() -> None:
    kinds = frozenset({"section_42_enquiry"})
    outcome = raised(kinds=kinds, person=Protects.ADULTS)
    assert (
        Recipient.SAFEGUARDING_LEADS,
        "A Section 42 safeguarding enquiry is open: the procedure sends it to the lead "
        "officer of the Section 42 enquiry",
    ) in {(n.recipient, n.why) for n in outcome.notices}
    offered = {m.action for m in next_moves(RIVERSIDE, at_stage(1, kinds=kinds))}
    assert Action.ESCALATE in offered


def test_kinds_of_case_unknown_or_for_someone_else_are_refused() -> None:
    with pytest.raises(Refused) as unknown:
        raised(kinds=frozenset({"nonsense"}))
    assert unknown.value.code is RefusalCode.INVALID
    assert "lists no such kind of case (nonsense): choose from the list" in unknown.value.reason
    with pytest.raises(Refused) as adult:
        raised(kinds=LOOKED_AFTER, person=Protects.ADULTS)
    assert adult.value.reason == (
        "“The child is looked after by the local authority” is for cases about children; "
        "this case is about an adult. Untick it, or check who is at risk."
    )
