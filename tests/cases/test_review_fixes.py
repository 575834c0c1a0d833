"""Defects found in review, each pinned by a test."""

from __future__ import annotations

import datetime as dt

import factories
import pytest

from escalate import clock
from escalate.cases import selectors, services
from escalate.cases.errors import NotAllowed
from escalate.cases.models import Case, Invitation, PolicyIssueStatus
from escalate.procedures.model import Role

pytestmark = pytest.mark.django_db


def test_a_case_can_be_raised_on_29_february(frozen_clock) -> None:
    frozen_clock(dt.date(2028, 2, 29))
    w = factories.world("cheshire-east-sab")
    case = factories.raise_case(w, concern_arose_on=dt.date(2028, 2, 29))
    assert case.reference.endswith("-2028-0001")


def test_a_second_person_cannot_take_over_a_challenge_already_taken_part_in(
    cheshire: factories.World,
) -> None:
    case = factories.raise_case(cheshire)  # named: the other agency's practitioner
    invitation = Invitation.objects.get(case=case)
    colleague = factories.user("Forwarded Colleague")
    factories.member(colleague, cheshire.other, Role.PRACTITIONER)
    token = services.new_invitation_token(invitation)
    # The link is bound to the address it was sent to: a forwarded link is refused.
    with pytest.raises(NotAllowed, match="only that person can use it"):
        services.accept_invitation(colleague, token)
    assert Case.objects.get(pk=case.pk).other_professional == cheshire.other_professional


def test_a_resent_invitation_link_gets_a_fresh_expiry(cheshire: factories.World) -> None:
    case = factories.raise_case(
        cheshire, other_professional_name="Dr New", other_professional_email="new@example.org"
    )
    invitation = Invitation.objects.get(case=case)
    clock.advance(days=40)
    token = services.new_invitation_token(invitation)
    newcomer = factories.user("Dr New", email="new@example.org")
    factories.member(newcomer, cheshire.other, Role.PRACTITIONER)
    assert services.accept_invitation(newcomer, token).other_professional == newcomer


def test_the_chair_can_respond_to_a_policy_issue_after_the_case_has_moved_on(
    cheshire: factories.World,
) -> None:
    w = cheshire
    case = factories.raise_case(w)
    issue = services.flag_policy_issue(
        w.raiser, case, text="The discharge policy is silent.", expected_version=case.version
    )
    case.refresh_from_db()
    services.record_contact(
        w.raiser,
        case,
        kind="note",
        text="Phoned the ward.",
        expected_version=case.version,
    )
    issue = services.respond_to_policy_issue(
        w.person(Role.INDEPENDENT_CHAIR), issue, response="Taken to the policy group."
    )
    assert issue.status == PolicyIssueStatus.RESPONDED


def test_needs_action_never_lists_an_agreed_action_on_a_case_its_owner_cannot_see(
    cheshire: factories.World,
) -> None:
    from escalate.cases.models import AgreedAction

    w = cheshire
    case = factories.raise_case(w)
    third = factories.agency("Third agency", w.partnership)
    outsider = factories.user("Third Agency Worker")
    factories.member(outsider, third, Role.PRACTITIONER)
    services.add_agreed_action(
        w.raiser,
        case,
        what="Share the discharge plan",
        agency=third,
        owner=outsider,
        due_on=dt.date(2027, 1, 5),
        expected_version=case.version,
    )
    assert AgreedAction.objects.filter(owner=outsider).exists()
    assert [item.case for item in selectors.needs_action(outsider)] == []
