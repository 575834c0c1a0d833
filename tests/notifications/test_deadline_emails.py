"""Emails say exactly what is expected of their recipient, by which date and how it was
worked out, for every stored deadline: a role's (Cheshire East's chair's recommendation
"within 5 working days of the issue being brought to their attention"), the next stage's
start, and their line managers'; and emails about a policy issue say truthfully whether
a response is needed from the person they go to.

Concern arose Tue 1 Dec 2026 and reached step 4 (the chair) that day: the chair's
recommendation is due Tue 8 Dec 2026; step 4 itself must conclude by Mon 21 Dec 2026.
The services do not store deadlines yet, so the tests sync them as the services will.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import factories
import pytest
from notification_helpers import traces_in

from escalate.cases import deadlines
from escalate.cases import services as case_services
from escalate.cases.models import Case
from escalate.notifications import services
from escalate.procedures.model import Role

D = dt.date
AROSE = D(2026, 12, 1)
CHAIR_LABEL = "Chair's recommendation communicated to all involved"
CHAIR_HOW = "5 working days after stage 4 began on Tue 1 Dec 2026 = Tue 8 Dec 2026"
NOTHING_TO_DO = "You do not need to do anything now"

FrozenClock = Callable[[dt.date | dt.datetime], dt.datetime]


@pytest.fixture
def world(frozen_clock: FrozenClock) -> factories.World:
    frozen_clock(AROSE)
    return factories.world("cheshire-east-sab")


def at_step_4(w: factories.World, frozen_clock: FrozenClock) -> Case:
    frozen_clock(AROSE)
    case = factories.raise_case(w, concern_arose_on=AROSE)
    case = factories.escalate_to(w, case, 4)
    deadlines.sync_case_deadlines(case)
    return case


def sent_on(day: dt.date, frozen_clock: FrozenClock, mailoutbox: list) -> list:
    """The reminders swept and sent at 8am on ``day`` (earlier emails sent first)."""
    services.deliver_pending()
    frozen_clock(dt.datetime.combine(day, dt.time(8, 0)))
    services.sweep_reminders()
    del mailoutbox[:]
    services.deliver_pending()
    return list(mailoutbox)


def to(messages: list, person_or_address: object) -> list:
    address = getattr(person_or_address, "email", person_or_address)
    return [m for m in messages if m.to == [str(address).lower()] or m.to == [address]]


def html_of(message) -> str:
    return next(body for body, kind in message.alternatives if kind == "text/html")


@pytest.mark.django_db
def test_a_chair_who_does_not_own_step_4_is_told_what_is_expected_of_them_and_by_when(
    world: factories.World, frozen_clock: FrozenClock, mailoutbox: list
) -> None:
    deputy = factories.user("Deputy Chair")
    factories.partnership_role(deputy, world.partnership, Role.INDEPENDENT_CHAIR)
    case = at_step_4(world, frozen_clock)
    assert case.stages.get(number=4).owner != deputy

    (message,) = to(sent_on(D(2026, 12, 7), frozen_clock, mailoutbox), deputy)

    body = message.body
    assert (
        "What you need to do: As the independent chair, this is yours to do at stage 4: "
        f"{CHAIR_LABEL}. Do it by Tue 8 Dec 2026." in body
    )
    assert "By: Tue 8 Dec 2026" in body
    assert CHAIR_HOW in body
    assert NOTHING_TO_DO not in body
    assert "21 Dec" not in body
    assert "By Tue 8 Dec 2026" in html_of(message)
    assert traces_in(message.subject + body) == []


@pytest.mark.django_db
def test_the_chairs_step_4_email_gives_the_chairs_own_date_and_how_it_was_worked_out(
    world: factories.World, frozen_clock: FrozenClock, mailoutbox: list
) -> None:
    chair = world.person(Role.INDEPENDENT_CHAIR)
    case = at_step_4(world, frozen_clock)
    assert case.stages.get(number=4).owner == chair
    del mailoutbox[:]
    services.deliver_pending()

    told = [m for m in to(mailoutbox, chair) if m.subject.endswith("escalated to stage 4")]
    assert told
    for message in told:
        body = message.body
        # The chair's own date comes first, with how it was worked out ...
        assert "By: Tue 8 Dec 2026" in body, body
        assert f"As the independent chair, this is yours to do at stage 4: {CHAIR_LABEL}." in body
        assert "Do it by Tue 8 Dec 2026." in body
        assert f"By: Tue 8 Dec 2026\nHow the date was worked out: {CHAIR_HOW}\n" in body
        # ... and the step's own end, the last step's, is said as its own.
        assert (
            "You own stage 4, the last stage. Resolve the disagreement and record the "
            "outcome by Mon 21 Dec 2026." in body
        )
        assert "escalate it to the next stage" not in body


@pytest.mark.django_db
def test_the_chairs_line_manager_is_asked_about_the_chairs_deadline_not_the_stage_owners(
    world: factories.World, frozen_clock: FrozenClock, mailoutbox: list
) -> None:
    chair = world.person(Role.INDEPENDENT_CHAIR)
    deputy = factories.user("Deputy Chair")
    factories.partnership_role(deputy, world.partnership, Role.INDEPENDENT_CHAIR)
    boss = factories.user("Chair's Manager")
    deputy.line_manager = boss
    deputy.save(update_fields=["line_manager"])
    at_step_4(world, frozen_clock)
    sent_on(D(2026, 12, 9), frozen_clock, mailoutbox)

    # Two working days late (Wed 9, Thu 10 Dec): the deputy's manager is asked.
    (message,) = to(sent_on(D(2026, 12, 10), frozen_clock, mailoutbox), boss)

    assert (
        "Check with the independent chair, who reports to you, that “"
        f"{CHAIR_LABEL}” (stage 4) is done now: it was due by Tue 8 Dec 2026." in message.body
    )
    assert "By: Tue 8 Dec 2026" in message.body
    assert "Check with the stage owner" not in message.body
    assert not to(mailoutbox, chair)  # the chair has no manager recorded


@pytest.mark.django_db
def test_with_no_manager_recorded_the_business_unit_is_told_whose_deadline_it_is(
    world: factories.World, frozen_clock: FrozenClock, mailoutbox: list
) -> None:
    at_step_4(world, frozen_clock)
    sent_on(D(2026, 12, 9), frozen_clock, mailoutbox)

    unit = world.partnership.business_unit_email
    (message,) = [
        m
        for m in to(sent_on(D(2026, 12, 10), frozen_clock, mailoutbox), unit)
        if "deadline passed" in m.subject
    ]

    assert (
        "No line manager is recorded for the independent chair. Check with them that “"
        f"{CHAIR_LABEL}” (stage 4) is done now: it was due by Tue 8 Dec 2026." in message.body
    )
    assert "reports to you" not in message.body.split("What you need to do:")[1]


@pytest.mark.django_db
def test_the_owner_of_step_3_is_told_step_4_must_start_by_its_own_date(
    world: factories.World, frozen_clock: FrozenClock, mailoutbox: list
) -> None:
    frozen_clock(AROSE)
    case = factories.escalate_to(world, factories.raise_case(world, concern_arose_on=AROSE), 3)
    deadlines.sync_case_deadlines(case)
    owner3 = case.stages.get(number=3).owner

    # Step 3 concludes by Mon 14 Dec; step 4 must start by day 16, Wed 16 Dec.
    sent = to(sent_on(D(2026, 12, 15), frozen_clock, mailoutbox), owner3)
    (message,) = [m for m in sent if m.subject.endswith("stage 4 deadline tomorrow")]

    assert (
        "What you need to do: You own stage 3. Stage 4 must start by Wed 16 Dec 2026: "
        "resolve the disagreement, or escalate it to stage 4, by then." in message.body
    )
    assert "By: Wed 16 Dec 2026" in message.body


@pytest.mark.django_db
@pytest.mark.parametrize("closed", [False, True])
def test_the_chair_is_told_a_response_to_a_policy_issue_is_needed_from_them(
    world: factories.World, frozen_clock: FrozenClock, mailoutbox: list, settings, closed: bool
) -> None:
    settings.BASE_URL = "https://escalate.example.gov.uk"
    frozen_clock(AROSE)
    case = factories.raise_case(world, concern_arose_on=AROSE)
    if closed:
        case = case_services.resolve(
            world.raiser, case, outcome="Agreed a review.", expected_version=case.version
        )
    services.deliver_pending()
    del mailoutbox[:]
    case_services.flag_policy_issue(
        world.raiser, case, text="No guidance on joint visits.", expected_version=case.version
    )
    services.deliver_pending()

    (chair,) = to(mailoutbox, world.person(Role.INDEPENDENT_CHAIR))
    page = f"https://escalate.example.gov.uk/board/{world.partnership.slug}/policy-issues/"
    assert "A response to this policy issue is needed from you." in chair.body
    assert page in chair.body and f'href="{page}"' in html_of(chair)
    assert "Nothing more is needed" not in chair.body and NOTHING_TO_DO not in chair.body

    (unit,) = to(mailoutbox, world.partnership.business_unit_email)
    assert "The response is for the independent chair or the statutory partners" in unit.body
    assert "A response to this policy issue is needed from you" not in unit.body


@pytest.mark.django_db
def test_a_policy_issue_email_sent_after_it_was_answered_says_nothing_more_is_needed(
    world: factories.World, frozen_clock: FrozenClock, mailoutbox: list
) -> None:
    frozen_clock(AROSE)
    case = factories.raise_case(world, concern_arose_on=AROSE)
    issue = case_services.flag_policy_issue(
        world.raiser, case, text="No guidance on joint visits.", expected_version=case.version
    )
    chair = world.person(Role.INDEPENDENT_CHAIR)
    case_services.respond_to_policy_issue(chair, issue, response="Guidance will be written.")
    del mailoutbox[:]
    services.deliver_pending()

    (told,) = [m for m in to(mailoutbox, chair) if m.subject.endswith("policy issue flagged")]
    assert "This policy issue has already been responded to" in told.body
    assert "A response to this policy issue is needed from you" not in told.body
    (raiser,) = [m for m in to(mailoutbox, world.raiser) if "responded to" in m.subject]
    assert "read the response to the policy issue you flagged on the case page" in raiser.body
