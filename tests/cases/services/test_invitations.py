"""Both sides take part: the professional challenged is invited, acknowledges and
responds; everything they do is in the chronology."""

from __future__ import annotations

import datetime as dt

import factories
import pytest

from escalate import clock
from escalate.cases import services
from escalate.cases.errors import Conflict, Invalid, NotAllowed, NotFound
from escalate.cases.models import Case, Invitation, Response
from escalate.notifications.models import Notification
from escalate.procedures.model import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(cheshire: factories.World) -> Case:
    # Invited at an address with no account yet; the account is made afterwards (the
    # person proves the address by setting their password from the reset email).
    raised = factories.raise_case(
        cheshire,
        other_professional_name="Dr Other (invited)",
        other_professional_email="dr.other.personal@example.org",
    )
    newcomer = factories.user("Dr Other", email="dr.other.personal@example.org")
    factories.member(newcomer, cheshire.other, Role.PRACTITIONER)
    return raised


def test_raising_invites_the_other_professional(cheshire: factories.World, case: Case) -> None:
    invitation = Invitation.objects.get(case=case)
    assert invitation.agency == cheshire.other
    assert invitation.email == "dr.other.personal@example.org"
    assert invitation.expires_at - invitation.created_at == dt.timedelta(days=30)
    assert invitation.accepted_at is None
    assert len(invitation.token_hash) == 64  # only a hash is kept
    (told,) = Notification.objects.filter(case=case)
    assert (told.recipient_kind, told.email, told.invitation) == (
        "other_professional",
        "dr.other.personal@example.org",
        invitation,
    )
    assert told.event == "case.raised" and told.stage == 1


def test_accepting_the_invitation_ties_the_case_to_them(case: Case) -> None:
    from escalate.accounts.models import User

    invitation = Invitation.objects.get(case=case)
    token = services.new_invitation_token(invitation)
    doctor = User.objects.get(full_name="Dr Other")
    accepted = services.accept_invitation(doctor, token)
    assert accepted.other_professional == doctor
    assert accepted.other_professional_email == doctor.email
    assert accepted.version == case.version + 1
    assert accepted.stages.get(number=1).counterpart == doctor
    event = accepted.events.get(action="invitation.accepted")
    assert event.data == {"invited": "dr.other.personal@example.org", "accepted_by": doctor.email}

    with pytest.raises(Conflict, match="already been used"):
        services.accept_invitation(doctor, token)
    with pytest.raises(Conflict, match="already been used"):
        services.new_invitation_token(invitation)


def test_a_new_link_replaces_the_old_one(case: Case) -> None:
    from escalate.accounts.models import User

    invitation = Invitation.objects.get(case=case)
    old = services.new_invitation_token(invitation)
    new = services.new_invitation_token(invitation)
    doctor = User.objects.get(full_name="Dr Other")
    with pytest.raises(NotFound, match="not valid"):
        services.accept_invitation(doctor, old)
    assert services.accept_invitation(doctor, new).other_professional == doctor


def test_an_expired_invitation_is_refused(case: Case) -> None:
    from escalate.accounts.models import User

    token = services.new_invitation_token(Invitation.objects.get(case=case))
    clock.advance(days=31)
    with pytest.raises(Conflict, match="expired"):
        services.accept_invitation(User.objects.get(full_name="Dr Other"), token)
    assert Case.objects.get(pk=case.pk).other_professional is None


def test_the_invitation_is_only_for_the_person_it_was_sent_to(
    cheshire: factories.World, case: Case
) -> None:
    token = services.new_invitation_token(Invitation.objects.get(case=case))
    with pytest.raises(NotAllowed, match="only that person can use it"):
        services.accept_invitation(cheshire.person(Role.LINE_MANAGER), token)
    with pytest.raises(NotFound):
        services.accept_invitation(cheshire.other_professional, "not-a-token")
    assert Invitation.objects.get(case=case).accepted_at is None


def test_the_invitation_is_only_for_the_other_agency(cheshire: factories.World) -> None:
    case = factories.raise_case(
        cheshire, other_professional_name="Sam Moved", other_professional_email="sam@example.org"
    )
    moved = factories.user("Sam Moved", email="sam@example.org")
    factories.member(moved, cheshire.raising, Role.PRACTITIONER)  # not the agency invited
    token = services.new_invitation_token(Invitation.objects.get(case=case))
    with pytest.raises(NotAllowed, match="for someone working in"):
        services.accept_invitation(moved, token)
    assert Invitation.objects.get(case=case).accepted_at is None


def test_acknowledging_tells_the_raiser_once(cheshire: factories.World) -> None:
    w = cheshire
    case = factories.raise_case(w)
    case = services.acknowledge(w.other_professional, case, expected_version=case.version)
    assert case.acknowledged_at == clock.now()
    event = case.events.get(action="case.acknowledged")
    assert [(n.recipient_kind, n.recipient) for n in event.notifications.all()] == [
        ("raising_practitioner", w.raiser)
    ]
    with pytest.raises(Conflict, match="already acknowledged"):
        services.acknowledge(w.other_professional, case, expected_version=case.version)


def test_disagreeing_needs_a_reason(cheshire: factories.World) -> None:
    w = cheshire
    case = factories.raise_case(w)
    with pytest.raises(Invalid) as caught:
        services.respond(w.other_professional, case, agrees=False, expected_version=case.version)
    assert caught.value.errors == {"reason": ["Enter why you disagree."]}
    assert Case.objects.get(pk=case.pk).response == ""


def test_responding_is_recorded_and_told_to_the_raiser_and_stage_owner(
    cheshire: factories.World,
) -> None:
    w = cheshire
    case = factories.escalate_to(w, factories.raise_case(w), 2)
    case = services.respond(
        w.other_professional,
        case,
        agrees=False,
        reason="Our assessment found the package adequate.",
        expected_version=case.version,
    )
    assert case.response == Response.DISAGREE
    assert case.response_reason == "Our assessment found the package adequate."
    assert case.acknowledged_at == case.responded_at == clock.now()
    event = case.events.get(action="case.responded")
    assert event.data == {
        "response": "disagree",
        "reason": "Our assessment found the package adequate.",
    }
    assert {(n.recipient_kind, n.recipient) for n in event.notifications.all()} == {
        ("raising_practitioner", w.raiser),
        ("stage_owner", w.person(Role.LINE_MANAGER)),
    }
    # A change of mind while it is open is a correction with a reason, not a second
    # response.
    case = services.correct_response(
        w.other_professional,
        case,
        agrees=True,
        why_changed="We met the family again.",
        expected_version=case.version,
    )
    assert (case.response, case.response_reason) == (Response.AGREE, "")


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
