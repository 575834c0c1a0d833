"""Decisions about the challenge, which the procedure engine rules on: ticking off a
stage's required actions, resolving, escalating, expediting, referring to a panel and
withdrawing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from escalate import clock
from escalate.cases import deadlines
from escalate.cases.errors import Conflict, from_refusal
from escalate.cases.facts import facts_of, procedure_of
from escalate.cases.models import (
    LONG_TEXT_MAX,
    SHORT_TEXT_MAX,
    Case,
    CaseStatus,
    Conclusion,
    StageRecord,
)
from escalate.cases.permissions import CaseAction
from escalate.cases.services import notices
from escalate.cases.services.agreed_actions import (
    ActionInput,
    action_data,
    create_actions,
    validate_actions,
)
from escalate.cases.services.new_stage import check_owner, counterpart, deadline_fields
from escalate.cases.services.unit import change_case
from escalate.cases.services.validation import Form
from escalate.procedures import engine, events
from escalate.procedures.model import Procedure, Role

if TYPE_CHECKING:
    from escalate.accounts.models import User


def where(case: Case) -> tuple[Procedure, dict[int, StageRecord], engine.CaseFacts]:
    """The case's procedure, its stage records and the facts the engine rules on."""
    procedure, records = procedure_of(case), notices.stage_records(case)
    return procedure, records, facts_of(case, records.values(), procedure=procedure)


def apply_move(
    procedure: Procedure,
    facts: engine.CaseFacts,
    move: engine.Action,
    role: Role,
    today: dt.date,
    **kwargs: Any,
) -> engine.Outcome:
    try:
        return engine.apply(procedure, facts, move, role, on=today, **kwargs)
    except engine.Refused as refused:
        raise from_refusal(refused) from None


def tick_required_action(
    actor: User, case: Case, *, item: str, expected_version: int, once: str = ""
) -> Case:
    """Tick off one of the current stage's required actions."""
    what = events.recorded_as(engine.Action.TICK)
    with change_case(
        actor, case, CaseAction.TICK, expected_version, once=once, what=what
    ) as change:
        case = change.case
        procedure, records, facts = where(case)
        role = change.acting_role(facts, item=item, field="item")
        engine.apply(procedure, facts, engine.Action.TICK, role, on=clock.today(), item=item)
        record = records[case.current_stage]
        if item in record.checklist_done:
            raise Conflict("That required action is already ticked off.", reason="done")
        record.checklist_done = [*record.checklist_done, item]
        record.save(update_fields=["checklist_done"])
        deadlines.mark_met_by_checklist(case, case.current_stage, item, procedure, clock.today())
        text = next(c.text for c in procedure.stage(case.current_stage).checklist if c.key == item)
        change.record(what, data={"item": item, "text": text, "role": role.value})
    return case


def resolve(
    actor: User,
    case: Case,
    *,
    outcome: str,
    agreed_actions: Sequence[ActionInput] = (),
    expected_version: int,
    once: str = "",
) -> Case:
    """Record that the current stage resolved the disagreement, with the outcome and any
    actions agreed. Closes the case."""
    today = clock.today()
    form = Form()
    result = form.text("outcome", outcome, label="the outcome", limit=LONG_TEXT_MAX)
    what = events.recorded_as(engine.Action.RESOLVE)
    with change_case(
        actor, case, CaseAction.RESOLVE, expected_version, once=once, what=what
    ) as change:
        case = change.case
        procedure, records, facts = where(case)
        role = change.acting_role(facts)
        validate_actions(form, case, agreed_actions, today, "agreed_actions")
        form.check()
        moved = apply_move(procedure, facts, engine.Action.RESOLVE, role, today)
        here = case.current_stage
        record = records[here]
        record.conclusion, record.outcome, record.concluded_on = Conclusion.RESOLVED, result, today
        record.save(update_fields=["conclusion", "outcome", "concluded_on"])
        actions = create_actions(case, actor, agreed_actions, today)
        case.status, case.closed_on = CaseStatus.RESOLVED, today
        change.save("status", "closed_on")
        change.record(
            what,
            stage=here,
            data={
                "role": role.value,
                "outcome": result,
                "agreed_actions": [action_data(a) for a in actions],
            },
        )
        change.notify(notices.from_engine(moved.notices), decided_at=here)
    return case


def escalate(
    actor: User,
    case: Case,
    *,
    owner: User | None,
    summary: str,
    owner_role: Role | str | None = None,
    counterpart_name: str = "",
    counterpart_email: str = "",
    to_stage: int | None = None,
    expected_version: int,
    once: str = "",
) -> Case:
    """Move an unresolved case to the next stage, naming its new owner (who must hold
    one of that stage's owner roles) and, optionally, the counterpart opposite them.
    ``summary`` says what was tried and why it did not resolve the disagreement."""
    return _move(
        actor,
        case,
        engine.Action.ESCALATE,
        CaseAction.ESCALATE,
        owner=owner,
        owner_role=owner_role,
        text=summary,
        text_field="summary",
        text_label="what was tried and why it did not resolve the disagreement",
        counterpart_name=counterpart_name,
        counterpart_email=counterpart_email,
        to_stage=to_stage,
        expected_version=expected_version,
        once=once,
    )


def expedite(
    actor: User,
    case: Case,
    *,
    to_stage: int,
    reason: str,
    owner: User | None,
    owner_role: Role | str | None = None,
    counterpart_name: str = "",
    counterpart_email: str = "",
    expected_version: int,
    once: str = "",
) -> Case:
    """Skip to a later stage because someone is at immediate risk, where the procedure
    allows it; ``reason`` says why."""
    return _move(
        actor,
        case,
        engine.Action.EXPEDITE,
        CaseAction.EXPEDITE,
        owner=owner,
        owner_role=owner_role,
        text=reason,
        text_field="reason",
        text_label="why someone is at immediate risk",
        counterpart_name=counterpart_name,
        counterpart_email=counterpart_email,
        to_stage=to_stage,
        expected_version=expected_version,
        once=once,
    )


def _move(
    actor: User,
    case: Case,
    move: engine.Action,
    action: CaseAction,
    *,
    owner: User | None,
    owner_role: Role | str | None,
    text: str,
    text_field: str,
    text_label: str,
    counterpart_name: str,
    counterpart_email: str,
    to_stage: int | None,
    expected_version: int,
    once: str = "",
) -> Case:
    today = clock.today()
    form = Form()
    with change_case(
        actor, case, action, expected_version, once=once, what=events.recorded_as(move)
    ) as change:
        case = change.case
        procedure, records, facts = where(case)
        here = case.current_stage
        target = to_stage if to_stage is not None else here + 1
        role = change.acting_role(
            facts,
            to_stage=target,
            reason=text or "",
            field="to_stage" if move is engine.Action.ESCALATE else text_field,
        )
        words = form.text(text_field, text, label=text_label, limit=SHORT_TEXT_MAX)
        new_owner = check_owner(
            form, case.partnership, case.raising_agency, procedure, target, owner, owner_role
        )
        opposite = counterpart(
            form,
            case.other_agency,
            new_owner.role if new_owner else None,
            counterpart_name,
            counterpart_email,
        )
        form.check()
        assert new_owner is not None
        moved = apply_move(procedure, facts, move, role, today, to_stage=target, reason=words)

        left = records[here]
        left.conclusion = (
            Conclusion.ESCALATED if move is engine.Action.ESCALATE else Conclusion.EXPEDITED
        )
        left.outcome, left.concluded_on = words, today
        left.save(update_fields=["conclusion", "outcome", "concluded_on"])
        StageRecord.objects.create(
            case=case,
            number=target,
            started_on=moved.facts.stage_started[target],
            owner=new_owner.user,
            owner_role=new_owner.role.value,
            counterpart_name=opposite.name,
            counterpart_email=opposite.email,
            counterpart=opposite.user,
            **deadline_fields(procedure, case, moved.facts, target),
        )
        case.current_stage = target
        case.immediate_risk = moved.facts.immediate_risk
        change.save("current_stage", "immediate_risk")
        change.record(
            events.recorded_as(move),
            stage=target,
            data={
                "from_stage": here,
                "to_stage": target,
                "role": role.value,
                text_field: words,
                "owner": new_owner.user.full_name,
                "owner_role": new_owner.role.value,
                "counterpart": opposite.name,
            },
        )
        change.notify(notices.from_engine(moved.notices), decided_at=here)
    return case


def refer_to_panel(
    actor: User, case: Case, *, details: str, expected_version: int, once: str = ""
) -> Case:
    """Refer the case to the current stage's panel (the High-Risk Panel, say)."""
    form = Form()
    words = form.text(
        "details", details, label="why the case is being referred", limit=SHORT_TEXT_MAX
    )
    what = events.recorded_as(engine.Action.REFER_TO_PANEL)
    with change_case(
        actor, case, CaseAction.REFER_TO_PANEL, expected_version, once=once, what=what
    ) as change:
        case = change.case
        procedure, _records, facts = where(case)
        role = change.acting_role(facts)
        form.check()
        moved = apply_move(procedure, facts, engine.Action.REFER_TO_PANEL, role, clock.today())
        panel = procedure.stage(case.current_stage).panel
        assert panel is not None
        case.panel_referred = sorted(moved.facts.panel_referred)
        change.save("panel_referred")
        change.record(what, data={"panel": panel.name, "details": words, "role": role.value})
        change.notify(notices.from_engine(moved.notices), decided_at=case.current_stage)
    return case


def withdraw(
    actor: User, case: Case, *, reason: str, expected_version: int, once: str = ""
) -> Case:
    """Withdraw the challenge, saying why. Closes the case."""
    today = clock.today()
    form = Form()
    words = form.text(
        "reason", reason, label="why the challenge is being withdrawn", limit=SHORT_TEXT_MAX
    )
    what = events.recorded_as(engine.Action.WITHDRAW)
    with change_case(
        actor, case, CaseAction.WITHDRAW, expected_version, once=once, what=what
    ) as change:
        case = change.case
        procedure, records, facts = where(case)
        role = change.acting_role(facts, reason=words, field="reason")
        form.check()
        moved = apply_move(procedure, facts, engine.Action.WITHDRAW, role, today, reason=words)
        here = case.current_stage
        record = records[here]
        record.conclusion, record.outcome, record.concluded_on = Conclusion.WITHDRAWN, words, today
        record.save(update_fields=["conclusion", "outcome", "concluded_on"])
        case.status, case.closed_on, case.withdrawn_reason = CaseStatus.WITHDRAWN, today, words
        change.save("status", "closed_on", "withdrawn_reason")
        change.record(what, stage=here, data={"reason": words, "role": role.value})
        change.notify(notices.from_engine(moved.notices), decided_at=here)
    return case
