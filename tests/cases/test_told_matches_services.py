"""The preview of who will be told and the notices a change really owes come from one
place: for each change the procedure engine does not rule on (acknowledging, responding
and correcting the response, sending the invitation again, flagging a policy issue and
responding to one), the service's own ``*_owed`` function. So what an action page says
will happen (:func:`escalate.cases.told.will_be_told`) is what the service then does,
person for person and reason for reason, and changing who a service tells changes the
preview with it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import factories
import pytest

from escalate import clock
from escalate.accounts.models import User
from escalate.cases import services, told
from escalate.cases.models import Case, Event, PolicyIssue
from escalate.cases.permissions import CaseAction
from escalate.cases.services import invitations, notices, records
from escalate.notifications.models import Notification
from escalate.procedures.model import Recipient, Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def on_23_december() -> Iterator[None]:
    clock.freeze(dt.date(2026, 12, 23))
    try:
        yield
    finally:
        clock.unfreeze()


@dataclass
class Change:
    """One change: who makes it, on which case, what the preview is asked, and the
    service call that makes it."""

    actor: User
    case: Case
    action: CaseAction
    make: Callable[[], Any]
    issue: PolicyIssue | None = None
    correcting: bool = False


def preview(change: Change) -> set[tuple[str, str]]:
    """(address, why) of everyone the action page says will be told."""
    groups = told.will_be_told(
        change.actor,
        change.case,
        change.action,
        issue=change.issue,
        correcting=change.correcting,
    )
    assert groups is not None, change.action
    assert all(not g.chosen_on_form for g in groups)
    return {(p.email, p.why) for g in groups for p in g.people}


def actually_told(change: Change) -> set[tuple[str, str]]:
    """(address, why) of everyone the change owed an email, once made."""
    after = Event.objects.filter(case=change.case).order_by("-id").values_list("id", flat=True)
    last = after.first() or 0
    change.make()
    rows = Notification.objects.filter(case=change.case, source_event_id__gt=last)
    return {(n.email, n.why) for n in rows}


def acknowledge() -> Change:
    w = factories.world("cheshire-east-sab")
    case = factories.raise_case(w)
    actor = w.other_professional
    return Change(
        actor,
        case,
        CaseAction.ACKNOWLEDGE,
        lambda: services.acknowledge(actor, case, expected_version=case.version),
    )


def respond() -> Change:
    w = factories.world("pan-cheshire-children")
    case = factories.escalate_to(w, factories.raise_case(w), 2)
    actor = w.other_professional
    return Change(
        actor,
        case,
        CaseAction.RESPOND,
        lambda: services.respond(
            actor,
            case,
            agrees=False,
            reason="We see it differently.",
            expected_version=case.version,
        ),
    )


def correct_response() -> Change:
    w = factories.world("hammersmith-fulham-sab")
    case = factories.escalate_to(w, factories.raise_case(w), 2)
    actor = w.other_professional
    case = services.respond(actor, case, agrees=True, expected_version=case.version)
    return Change(
        actor,
        case,
        CaseAction.RESPOND,
        lambda: services.correct_response(
            actor,
            case,
            agrees=False,
            reason="New information.",
            why_changed="The GP's letter arrived.",
            expected_version=case.version,
        ),
        correcting=True,
    )


def resend_invitation() -> Change:
    w = factories.world("shropshire-sscp")
    case = factories.raise_case(w)
    actor = w.raiser
    return Change(
        actor,
        case,
        CaseAction.RESEND_INVITATION,
        lambda: services.resend_invitation(actor, case, expected_version=case.version),
    )


def flag_policy_issue(key: str, *, chair: bool = True) -> Callable[[], Change]:
    def made() -> Change:
        w = factories.world(key)
        if not chair:
            gone = w.person(Role.INDEPENDENT_CHAIR)
            gone.is_active = False
            gone.save(update_fields=["is_active"])
        case = factories.escalate_to(w, factories.raise_case(w), 2)
        actor = w.person(Role.LINE_MANAGER, side="other")
        return Change(
            actor,
            case,
            CaseAction.FLAG_POLICY_ISSUE,
            lambda: services.flag_policy_issue(
                actor, case, text="No shared contact list.", expected_version=case.version
            ),
        )

    return made


def respond_to_policy_issue() -> Change:
    w = factories.world("warrington-sab")
    case = factories.raise_case(w)
    issue = services.flag_policy_issue(
        w.raiser, case, text="No shared contact list.", expected_version=case.version
    )
    case.refresh_from_db()
    chair = w.person(Role.INDEPENDENT_CHAIR)
    return Change(
        chair,
        case,
        CaseAction.RESPOND_TO_POLICY_ISSUE,
        lambda: services.respond_to_policy_issue(
            chair, issue, response="The board will publish one."
        ),
        issue=issue,
    )


SEED_KEYS = [
    "cheshire-east-sab",
    "hammersmith-fulham-sab",
    "pan-cheshire-children",
    "shropshire-sscp",
    "warrington-sab",
]

CHANGES: dict[str, Callable[[], Change]] = {
    "acknowledge": acknowledge,
    "respond": respond,
    "correct the response": correct_response,
    "send the invitation again": resend_invitation,
    **{f"flag a policy issue ({key})": flag_policy_issue(key) for key in SEED_KEYS},
    "flag a policy issue (no chair registered)": flag_policy_issue(
        "cheshire-east-sab", chair=False
    ),
    "respond to a policy issue": respond_to_policy_issue,
}


@pytest.mark.parametrize("name", list(CHANGES))
def test_the_preview_names_exactly_who_the_change_tells_and_why(name: str) -> None:
    change = CHANGES[name]()
    expected = preview(change)
    assert expected, name
    assert change.actor.email.lower() not in {email for email, _why in expected}
    assert actually_told(change) == expected


#: Each ``*_owed`` function, the change whose notices it says, and how to add someone.
OWED: dict[str, tuple[Any, str, Callable[[], Change]]] = {
    "acknowledgement_owed": (invitations, "acknowledgement_owed", acknowledge),
    "response_owed": (invitations, "response_owed", respond),
    "response_owed (correcting)": (invitations, "response_owed", correct_response),
    "resend_owed": (invitations, "resend_owed", resend_invitation),
    "policy_issue_owed": (records, "policy_issue_owed", flag_policy_issue("warrington-sab")),
    "policy_response_owed": (records, "policy_response_owed", respond_to_policy_issue),
}


@pytest.mark.parametrize("name", list(OWED))
def test_who_a_service_tells_and_its_preview_come_from_one_function(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Change the one function, and the preview and the real notices both change."""
    module, attribute, make = OWED[name]
    original = getattr(module, attribute)
    extra_why = "added by the test, to both or neither"

    def with_senior_managers(*args: Any, **kwargs: Any) -> notices.Owing:
        """What the function owed, and both agencies' senior managers (whom none of
        these changes tells)."""
        owing: notices.Owing = original(*args, **kwargs)
        _recipient, stage, event, _why = owing.owed[0]
        added = (Recipient.SENIOR_MANAGERS, stage, event, extra_why)
        resolver = owing.resolver
        if resolver is None:
            return notices.Owing((*owing.owed, added))

        def resolve(recipient: Recipient | str, number: int) -> list[notices.Addressee]:
            if recipient == Recipient.SENIOR_MANAGERS:
                return [notices.Addressee("added@example.org", None, str(recipient))]
            return list(resolver(recipient, number))

        return notices.Owing((*owing.owed, added), resolve)

    monkeypatch.setattr(module, attribute, with_senior_managers)
    change = make()
    expected = preview(change)
    assert any(why == extra_why for _email, why in expected), expected
    assert actually_told(change) == expected
