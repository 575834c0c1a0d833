"""Meeting the conditions some procedures put on a move, which the procedure engine
rules on: giving the other organisation notice that the case is to be escalated
(a stage's ``notice_before_escalation``), and recording the consultation a skip of
stages needs first (``[expedite] skip_needs_consultation``). Each is a chronology entry
the engine reads back (:func:`escalate.cases.facts.conditions_met`) before it allows
the escalation or the skip."""

from __future__ import annotations

from typing import TYPE_CHECKING

from escalate import clock
from escalate.cases.errors import Conflict
from escalate.cases.models import SHORT_TEXT_MAX, Case
from escalate.cases.permissions import CaseAction
from escalate.cases.services import notices
from escalate.cases.services.stages import apply_move, where
from escalate.cases.services.unit import change_case
from escalate.cases.services.validation import Form
from escalate.procedures import engine, events
from escalate.procedures.skips import role_words

if TYPE_CHECKING:
    from escalate.accounts.models import User

#: How long a consulted person's name may be.
NAME_MAX = 200


def give_notice_of_escalation(
    actor: User, case: Case, *, details: str, expected_version: int, once: str = ""
) -> Case:
    """Record that the escalating agency has told the other organisation it intends to
    escalate the current stage, and email the other professional (and the counterpart
    at this stage) that it has. ``details`` says what they were told, and how."""
    form = Form()
    words = form.text("details", details, label="what you told them, and how", limit=SHORT_TEXT_MAX)
    what = events.recorded_as(engine.Action.GIVE_NOTICE)
    with change_case(
        actor, case, CaseAction.GIVE_NOTICE, expected_version, once=once, what=what
    ) as change:
        case = change.case
        procedure, _records, facts = where(case)
        role = change.acting_role(facts)
        form.check()
        moved = apply_move(procedure, facts, engine.Action.GIVE_NOTICE, role, clock.today())
        change.record(what, data={"details": words, "role": role.value})
        change.notify(notices.from_engine(moved.notices), decided_at=case.current_stage)
    return case


def record_consultation(
    actor: User,
    case: Case,
    *,
    consulted: str,
    advice: str = "",
    expected_version: int,
    once: str = "",
) -> Case:
    """Record whom the person consulted (a line manager, as the procedure asks) before
    skipping stages, and what they advised. Nobody else is told: the consultation is
    within the agency."""
    form = Form()
    what = events.recorded_as(engine.Action.RECORD_CONSULTATION)
    with change_case(
        actor, case, CaseAction.RECORD_CONSULTATION, expected_version, once=once, what=what
    ) as change:
        case = change.case
        procedure, _records, facts = where(case)
        needed = procedure.expedite.skip_needs_consultation
        if needed is None:
            raise Conflict(
                f"{procedure.name} does not ask for a consultation before skipping stages.",
                reason="wrong_stage",
            )
        who = role_words(procedure, needed)
        name = form.text("consulted", consulted, label=f"the name of {who}", limit=NAME_MAX)
        advised = form.text(
            "advice", advice, label="what they advised", limit=SHORT_TEXT_MAX, required=False
        )
        role = change.acting_role(facts, field="consulted")
        form.check()
        apply_move(procedure, facts, engine.Action.RECORD_CONSULTATION, role, clock.today())
        change.record(
            what,
            data={
                "consulted": name,
                "consulted_role": needed.value,
                "advice": advised,
                "role": role.value,
            },
        )
    return case
