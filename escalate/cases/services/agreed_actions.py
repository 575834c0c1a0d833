"""Actions agreed between the agencies, to be checked back on: agreed on their own or
when a stage resolves the disagreement, and recorded as done (also after closure)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from escalate import clock
from escalate.cases.errors import Conflict
from escalate.cases.models import NAME_MAX, SHORT_TEXT_MAX, AgreedAction, Case
from escalate.cases.permissions import CaseAction
from escalate.cases.services.unit import change_case
from escalate.cases.services.validation import Form

if TYPE_CHECKING:
    from escalate.accounts.models import User
    from escalate.partnerships.models import Agency


@dataclass(frozen=True)
class ActionInput:
    """An action agreed between the agencies, to be checked back on."""

    what: str
    agency: Agency
    due_on: dt.date
    owner: User | None = None
    owner_name: str = ""


def validate_actions(
    form: Form, case: Case, actions: Sequence[ActionInput], today: dt.date, prefix: str
) -> None:
    """Put every problem with ``actions`` on the form: fields ``prefix[i].what`` and so
    on, or plain ``what`` when ``prefix`` is "agreed_action" (a single action)."""
    from escalate.partnerships.models import Membership

    agencies = set(case.partnership.agencies.values_list("pk", flat=True))
    for i, a in enumerate(actions):
        name = f"{prefix}[{i}]" if prefix != "agreed_action" else ""

        def key(f: str) -> str:
            return f"{name}.{f}" if name else f  # noqa: B023

        form.text(key("what"), a.what, label="what was agreed", limit=SHORT_TEXT_MAX)
        if a.agency is None or a.agency.pk not in agencies:
            form.add(key("agency"), f"Choose an agency in {case.partnership}.")
        form.date(
            key("due_on"),
            a.due_on,
            label="the date it is due",
            not_before=today,
            before_words="in the past",
        )
        if a.owner is None:
            form.text(key("owner_name"), a.owner_name, label="who will do it", limit=NAME_MAX)
        elif (
            a.agency is not None
            and not Membership.objects.filter(person=a.owner, agency=a.agency).exists()
        ):
            form.add(key("owner"), f"{a.owner} does not work in {a.agency}.")


def create_actions(
    case: Case, actor: User, actions: Sequence[ActionInput], today: dt.date
) -> list[AgreedAction]:
    """Write the (checked) actions, agreed today at the case's current stage."""
    return [
        AgreedAction.objects.create(
            case=case,
            stage=case.current_stage,
            what=a.what.strip(),
            agency=a.agency,
            owner=a.owner,
            owner_name=(a.owner.full_name if a.owner else a.owner_name.strip()),
            due_on=a.due_on,
            agreed_on=today,
            recorded_by=actor,
        )
        for a in actions
    ]


def action_data(action: AgreedAction) -> dict[str, Any]:
    """An agreed action as the chronology keeps it."""
    return {
        "action": action.pk,
        "what": action.what,
        "agency": action.agency.name,
        "owner": action.owner_display,
        "due_on": action.due_on.isoformat(),
    }


def add_agreed_action(
    actor: User,
    case: Case,
    *,
    what: str,
    agency: Agency,
    due_on: dt.date,
    owner: User | None = None,
    owner_name: str = "",
    expected_version: int,
    once: str = "",
) -> AgreedAction:
    """Record an action agreed between the agencies, to be checked back on."""
    today = clock.today()
    asked = ActionInput(what, agency, due_on, owner, owner_name)
    with change_case(
        actor, case, CaseAction.ADD_AGREED_ACTION, expected_version, once=once, what="action.agreed"
    ) as change:
        form = Form()
        validate_actions(form, change.case, [asked], today, "agreed_action")
        form.check()
        (action,) = create_actions(change.case, actor, [asked], today)
        change.record("action.agreed", data=action_data(action))
        return change.made(action)


def complete_agreed_action(
    actor: User,
    action: AgreedAction,
    *,
    done_on: dt.date | None = None,
    note: str = "",
    expected_version: int,
    once: str = "",
) -> AgreedAction:
    """Check back: record that an agreed action was done (also after the case closed)."""
    today = clock.today()
    with change_case(
        actor,
        action.case_id,
        CaseAction.COMPLETE_AGREED_ACTION,
        expected_version,
        once=once,
        what="action.completed",
    ) as change:
        action = AgreedAction.objects.select_for_update().get(pk=action.pk, case=change.case)
        if action.done_on is not None:
            raise Conflict(
                f"This action was already recorded as done on {action.done_on:%d %B %Y}.",
                reason="done",
            )
        form = Form()
        when = form.date(
            "done_on",
            done_on or today,
            label="the date it was done",
            not_after=today,
            not_before=action.agreed_on,
            before_words="before it was agreed",
        )
        text = form.text("note", note, label="the note", limit=SHORT_TEXT_MAX, required=False)
        form.check()
        assert when is not None
        action.done_on = when
        action.completed_by = actor
        action.completion_note = text
        action.save(update_fields=["done_on", "completed_by", "completion_note"])
        change.record(
            "action.completed",
            stage=action.stage,
            data={**action_data(action), "done_on": when.isoformat(), "note": text},
        )
        return change.made(action)
