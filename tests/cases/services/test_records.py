"""Procedures are frozen into cases; agreed actions are checked back; withdrawal, policy
issues, debriefs and learning."""

from __future__ import annotations

import datetime as dt

import factories
import pytest

from escalate.cases import services
from escalate.cases.errors import Conflict, Invalid, NotAllowed
from escalate.cases.models import CaseStatus, Conclusion, PolicyIssueStatus
from escalate.notifications.models import Notification
from escalate.procedures import library
from escalate.procedures.model import Role

pytestmark = pytest.mark.django_db
D = dt.date


def test_changing_a_procedure_never_changes_an_open_case(
    cheshire: factories.World, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = cheshire
    old_case = factories.raise_case(w)
    data = library.get("cheshire-east-sab").model_dump(mode="json")
    data["version"] = "April 2027"
    data["stages"][1]["conclude_by"]["amount"] = 8  # step 2 concluded by day 8, not 9
    revised = library.from_dict(data)
    real_get = library.get
    monkeypatch.setattr(
        library, "get", lambda key: revised if key == "cheshire-east-sab" else real_get(key)
    )

    new_case = factories.raise_case(w)
    assert new_case.procedure_version == "April 2027"
    assert old_case.procedure_version == "April 2023"

    old_case = factories.escalate_to(w, old_case, 2)
    new_case = factories.escalate_to(w, new_case, 2)
    assert old_case.stages.get(number=2).conclude_by == D(2026, 12, 31)  # day 9, as raised
    assert new_case.stages.get(number=2).conclude_by == D(2026, 12, 30)  # day 8, revised


def test_agreed_actions_are_checked_back_after_the_case_closes(
    cheshire: factories.World,
) -> None:
    w = cheshire
    case = factories.raise_case(w)
    owner = w.person(Role.LINE_MANAGER, side="other")
    case = services.resolve(
        w.raiser,
        case,
        outcome="Agreed a joint review.",
        agreed_actions=[services.ActionInput("Joint review", w.other, D(2027, 1, 8), owner=owner)],
        expected_version=case.version,
    )
    (action,) = case.agreed_actions.all()
    assert (action.owner, action.owner_name, action.stage, action.agreed_on) == (
        owner,
        owner.full_name,
        1,
        D(2026, 12, 23),
    )
    with pytest.raises(Invalid) as caught:
        services.complete_agreed_action(
            owner, action, done_on=D(2026, 12, 30), expected_version=case.version
        )
    assert caught.value.errors == {"done_on": ["The date it was done cannot be in the future."]}

    action = services.complete_agreed_action(
        owner, action, note="Review held; plan changed.", expected_version=case.version
    )
    assert (action.done_on, action.completed_by) == (D(2026, 12, 23), owner)
    event = case.events.get(action="action.completed")
    assert (
        event.data["what"] == "Joint review" and event.data["note"] == "Review held; plan changed."
    )
    with pytest.raises(Conflict, match="already recorded as done"):
        services.complete_agreed_action(owner, action, expected_version=case.version + 1)


def test_an_action_owner_must_work_in_the_agency_doing_it(cheshire: factories.World) -> None:
    case = factories.raise_case(cheshire)
    with pytest.raises(Invalid) as caught:
        services.add_agreed_action(
            cheshire.raiser,
            case,
            what="Visit",
            agency=cheshire.other,
            due_on=D(2027, 1, 4),
            owner=cheshire.raiser,
            expected_version=case.version,
        )
    assert caught.value.errors == {
        "owner": [f"{cheshire.raiser} does not work in {cheshire.other}."]
    }


def test_withdrawing_closes_the_case_with_the_reason(cheshire: factories.World) -> None:
    w = cheshire
    case = factories.escalate_to(w, factories.raise_case(w), 2)
    with pytest.raises(Invalid) as caught:
        services.withdraw(w.raiser, case, reason="", expected_version=case.version)
    assert list(caught.value.errors) == ["reason"]
    case = services.withdraw(
        w.raiser,
        case,
        reason="The other agency has changed its plan.",
        expected_version=case.version,
    )
    assert case.status == CaseStatus.WITHDRAWN and case.closed_on == D(2026, 12, 23)
    assert case.withdrawn_reason == "The other agency has changed its plan."
    stage_2 = case.stages.get(number=2)
    assert (stage_2.conclusion, stage_2.concluded_on) == (Conclusion.WITHDRAWN, D(2026, 12, 23))
    event = case.events.get(action="case.withdrawn")
    assert {
        (n.recipient_kind, n.recipient) for n in Notification.objects.filter(source_event=event)
    } == {
        ("stage_owner", w.person(Role.LINE_MANAGER)),
        ("other_professional", w.other_professional),
    }


def test_the_chair_responds_to_a_policy_issue_and_the_flagger_is_told(
    cheshire: factories.World,
) -> None:
    w = cheshire
    case = factories.raise_case(w)
    issue = services.flag_policy_issue(
        w.person(Role.SAFEGUARDING_LEAD, side="other"),
        case,
        text="The hospital discharge policy does not mention escalation.",
        expected_version=case.version,
    )
    chair = w.person(Role.INDEPENDENT_CHAIR)
    with pytest.raises(Invalid):
        services.respond_to_policy_issue(
            chair, issue, response=" ", expected_version=case.version + 1
        )
    issue = services.respond_to_policy_issue(
        chair, issue, response="Referred to the policy subgroup.", expected_version=case.version + 1
    )
    assert (issue.status, issue.responded_by) == (PolicyIssueStatus.RESPONDED, chair)
    event = case.events.get(action="policy_issue.responded")
    assert [(n.recipient_kind, n.recipient) for n in event.notifications.all()] == [
        ("person", w.person(Role.SAFEGUARDING_LEAD, side="other"))
    ]
    with pytest.raises(Conflict, match="already been responded to"):
        services.respond_to_policy_issue(
            chair, issue, response="Again.", expected_version=case.version + 2
        )
    with pytest.raises(NotAllowed):
        services.respond_to_policy_issue(
            w.person(Role.BUSINESS_UNIT), issue, response="x", expected_version=case.version + 2
        )


def test_without_a_chair_policy_issues_go_to_the_statutory_partners(
    frozen_clock: object,
) -> None:
    from escalate import clock

    clock.freeze(D(2026, 12, 23))
    w = factories.world("pan-cheshire-children")
    w.person(Role.INDEPENDENT_CHAIR).partnership_roles.all().delete()
    case = factories.raise_case(w)
    services.flag_policy_issue(w.raiser, case, text="Gap.", expected_version=case.version)
    kinds = {n.recipient_kind for n in Notification.objects.filter(event="policy_issue.flagged")}
    assert kinds == {"statutory_partners", "business_unit"}


def test_a_recipient_nobody_holds_is_passed_to_the_business_unit(
    cheshire: factories.World,
) -> None:
    w = cheshire
    w.person(Role.INDEPENDENT_CHAIR).partnership_roles.all().delete()
    w.person(Role.BUSINESS_UNIT).partnership_roles.all().delete()
    case = factories.escalate_to(w, factories.raise_case(w), 3)
    # Step 4 must be owned by a chair: with none registered, nobody can own it.
    with pytest.raises(Invalid, match="independent chair"):
        services.escalate(
            w.person(Role.BOARD_REPRESENTATIVE),
            case,
            owner=w.person(Role.BOARD_REPRESENTATIVE),
            summary="x",
            expected_version=case.version,
        )
    # A line manager's notice with no line manager set goes to the business unit mailbox.
    shropshire = factories.world("shropshire-sscp", label="S")
    raiser = shropshire.raiser
    raiser.line_manager = None
    raiser.save()
    case = factories.raise_case(shropshire)
    case = services.escalate(
        raiser,
        case,
        owner=shropshire.person(Role.LINE_MANAGER),
        summary="Not resolved.",
        expected_version=case.version,
    )
    passed_on = Notification.objects.get(case=case, recipient_kind="owner_line_manager")
    assert passed_on.email == shropshire.partnership.business_unit_email
    assert passed_on.why.startswith(
        "no stage owner's line manager is registered for this partnership, so the business "
        "unit is told instead: stage 1:"
    )


def test_debrief_and_learning_are_recorded(cheshire: factories.World) -> None:
    w = cheshire
    lead = w.person(Role.SAFEGUARDING_LEAD)
    case = factories.escalate_to(w, factories.raise_case(w), 2)
    case = services.resolve(lead, case, outcome="Agreed.", expected_version=case.version)
    with pytest.raises(Invalid) as caught:
        services.record_debrief(
            lead,
            case,
            offered_on=D(2026, 12, 23),
            held_on=D(2026, 12, 22),
            expected_version=case.version,
        )
    assert set(caught.value.errors) == {"held_on"}
    case = services.record_debrief(
        lead, case, held_on=D(2026, 12, 23), expected_version=case.version
    )
    assert case.debrief_offered_on == case.debrief_held_on == D(2026, 12, 23)

    with pytest.raises(Invalid) as caught:
        services.record_learning(
            lead, case, why_not_earlier="", themes=["x" * 101], expected_version=case.version
        )
    assert caught.value.errors == {
        "why_not_earlier": ["Enter why it was not resolved at an earlier stage."],
        "themes[0]": ["The theme must be 100 characters or fewer; it is 101."],
    }
    with pytest.raises(Invalid) as caught:
        services.record_learning(
            lead, case, why_not_earlier="x", themes=[], expected_version=case.version
        )
    assert caught.value.errors == {"themes": ["Enter at least one theme."]}
    case = services.record_learning(
        lead,
        case,
        why_not_earlier="The practitioners did not know each other's managers.",
        themes=["Communication", "communication", "Roles and responsibilities"],
        good_practice="Quick, respectful challenge.",
        expected_version=case.version,
    )
    assert case.learning_themes == ["Communication", "Roles and responsibilities"]
    assert case.learning_recorded_by == lead
    assert [e.action for e in case.events.order_by("id")][-2:] == [
        "debrief.recorded",
        "learning.recorded",
    ]
    with pytest.raises(NotAllowed):
        services.record_learning(
            w.raiser, case, why_not_earlier="x", themes=["y"], expected_version=case.version
        )


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
