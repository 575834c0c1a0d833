"""Reads: what needs your action, and who sees the directory and board-level statistics."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import factories
import pytest

from escalate.cases import selectors, services
from escalate.cases.errors import NotAllowed, NotFound
from escalate.partnerships import permissions
from escalate.procedures.engine import StageStatus
from escalate.procedures.model import Role

pytestmark = pytest.mark.django_db
D = dt.date


def test_needs_your_action_is_sorted_by_when_it_is_due(
    frozen_clock: Callable[[dt.date], dt.datetime],
) -> None:
    frozen_clock(D(2026, 12, 23))
    w = factories.world("cheshire-east-sab")
    manager = w.person(Role.LINE_MANAGER)
    later = factories.escalate_to(w, factories.raise_case(w, concern_arose_on=D(2026, 12, 23)), 2)
    sooner = factories.escalate_to(w, factories.raise_case(w, concern_arose_on=D(2026, 12, 14)), 2)
    done = factories.escalate_to(w, factories.raise_case(w), 2)
    services.resolve(manager, done, outcome="Agreed.", expected_version=done.version)
    action = services.add_agreed_action(
        w.raiser,
        later,
        what="Send the assessment",
        agency=w.raising,
        due_on=D(2026, 12, 28),
        owner=manager,
        expected_version=later.version,
    )
    frozen_clock(D(2026, 12, 24))
    items = selectors.needs_action(manager)
    assert [(i.kind, i.case.pk, i.due, i.overdue) for i in items] == [
        ("stage", sooner.pk, D(2026, 12, 22), True),  # day 9 of 14 Dec, already past
        ("agreed_action", later.pk, D(2026, 12, 28), False),
        ("stage", later.pk, D(2026, 12, 31), False),
    ]
    assert items[1].agreed_action_id == action.pk

    # The other professional is waiting to respond to both; the chair to a policy issue.
    assert {i.kind for i in selectors.needs_action(w.other_professional)} == {"respond"}
    services.flag_policy_issue(
        w.raiser, sooner, text="No escalation contacts list.", expected_version=sooner.version
    )
    chair_items = selectors.needs_action(w.person(Role.INDEPENDENT_CHAIR))
    assert [(i.kind, i.due) for i in chair_items] == [("policy_issue", None)]
    assert selectors.needs_action(factories.user("Nobody")) == []


def test_cases_for_lists_only_visible_cases(cheshire: factories.World) -> None:
    w = cheshire
    mine = factories.raise_case(w)
    b = factories.world("cheshire-east-sab", label="B")
    factories.raise_case(b)
    assert list(selectors.cases_for(w.raiser)) == [mine]
    assert list(selectors.cases_for(w.person(Role.SAFEGUARDING_LEAD), status="open")) == [mine]
    assert list(selectors.cases_for(w.person(Role.SAFEGUARDING_LEAD), status="resolved")) == []
    assert list(selectors.cases_for(w.administrator)) == []
    assert selectors.get_case(w.raiser, reference=mine.reference.lower()) == mine
    with pytest.raises(NotFound):
        selectors.get_case(w.raiser, reference="XX-2026-9999")
    with pytest.raises(NotAllowed):
        selectors.get_case(b.raiser, pk=mine.pk)


def test_stage_statuses_follow_the_stored_dates(cheshire: factories.World) -> None:
    case = factories.escalate_to(cheshire, factories.raise_case(cheshire), 2)
    assert selectors.stage_statuses(case) == {
        1: StageStatus.CONCLUDED,
        2: StageStatus.IN_PROGRESS,
        3: StageStatus.NOT_REACHED,
        4: StageStatus.NOT_REACHED,
    }
    assert selectors.stage_statuses(case, on=D(2027, 1, 1))[2] == StageStatus.OVERDUE


def test_the_directory_is_for_people_working_in_the_partnership(
    cheshire: factories.World,
) -> None:
    w = cheshire
    assert permissions.sees_directory(w.other_professional, w.partnership)
    assert not permissions.sees_directory(factories.user("Outsider"), w.partnership)


def test_the_business_unit_sees_statistics_of_cases_it_cannot_open(
    cheshire: factories.World,
) -> None:
    w = cheshire
    factories.raise_case(w)
    business_unit = w.person(Role.BUSINESS_UNIT)
    assert permissions.sees_statistics(business_unit, w.partnership)
    # The business unit counts cases it cannot open (it is involved from step 4).
    assert not selectors.cases_for(business_unit).exists()
    for allowed in (Role.INDEPENDENT_CHAIR, Role.STATUTORY_PARTNER):
        assert permissions.sees_statistics(w.person(allowed), w.partnership)
    for refused in (w.person(Role.BOARD_REPRESENTATIVE), w.person(Role.SAFEGUARDING_LEAD)):
        assert not permissions.sees_statistics(refused, w.partnership)


def test_policy_issues_reach_the_chair_without_the_case(cheshire: factories.World) -> None:
    w = cheshire
    case = factories.raise_case(w)
    issue = services.flag_policy_issue(
        w.raiser, case, text="Out-of-hours contacts are not shared.", expected_version=case.version
    )
    chair = w.person(Role.INDEPENDENT_CHAIR)
    assert list(selectors.policy_issues_for(chair)) == [issue]
    assert not selectors.cases_for(chair).exists()
    assert list(selectors.policy_issues_for(factories.user("Outsider"))) == []
    event = case.events.get(action="policy_issue.flagged")
    assert {(n.recipient_kind, n.email) for n in event.notifications.all()} == {
        ("independent_chair", chair.email),
        ("business_unit", w.person(Role.BUSINESS_UNIT).email),
        ("business_unit", w.partnership.business_unit_email),
    }


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
