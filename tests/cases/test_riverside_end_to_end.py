"""Every kind of timescale Riverside says (tests/procedures/definitions/riverside.toml),
walked end to end on a partnership running it as its own published version: made on
the case's pages by the people whose move it is, what they then see on the case page,
the deadline stored, the reminder sweep chasing it, the emails and the register and
board report counting it (a "where possible" target never as missed). The moves,
routes and words are in test_riverside_end_to_end_moves.py; shared steps in
riverside_walk.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

import factories
import pytest
from riverside_walk import (
    AROSE,
    CLOCK_SET_FREE_AFTER,
    act,
    at,
    card,
    case_page,
    chased,
    delivered,
    email,
    escalated,
    raised,
    record_meeting,
    running,
    saved,
    set_timescale,
    signed_in,
    stored,
    words,
)

from escalate.cases.models.deadlines import CONCLUDE_BY, CaseDeadline
from escalate.notifications.models import Notification
from escalate.procedures.model import Role
from escalate.reports import report_data
from escalate.reports.common import parse_period

pytestmark = [pytest.mark.django_db, CLOCK_SET_FREE_AFTER]
D = dt.date


def register_words(w: factories.World) -> str:
    """The escalation register of every case, as the partnership liaison officer sees it."""
    register = f"/board/{w.partnership.slug}/register/?reached=all"
    page = signed_in(w.person(Role.BUSINESS_UNIT)).get(register)
    assert page.status_code == 200
    return words(page)


# ---------------------------------------------------------------- counted from events


def test_stage_1_is_due_5_working_days_after_the_other_professional_acknowledges() -> None:
    at(AROSE)
    w = running()
    case = raised(w)
    assert not CaseDeadline.objects.filter(case=case, stage=1, key=CONCLUDE_BY).exists()

    at(D(2026, 12, 2), 10)
    saved(act(w.other_professional, "acknowledge", case), case)
    shown = card(case_page(w.raiser, case), 1)
    assert "Conclude by Wed 9 Dec 2026" in shown
    assert (
        "Conclude by: 5 working days after the other professional acknowledged the challenge "
        "on Wed 2 Dec 2026 = Wed 9 Dec 2026"
    ) in shown
    deadline = stored(case, 1, CONCLUDE_BY)
    assert deadline.due == D(2026, 12, 9) and not deadline.soft

    assert email(w.raiser) in chased(case, deadline, D(2026, 12, 10))
    assert "Conclude by Wed 9 Dec 2026 Overdue" in card(case_page(w.raiser, case), 1)
    report = report_data.build_report(w.partnership, parse_period("2026"))
    assert report.overdue_now == 1
    assert dict(report.missed_by_stage)["Stage 1"] >= 1


def test_the_register_counts_the_passed_deadline_from_the_acknowledgement_as_missed() -> None:
    at(AROSE)
    w = running()
    case = raised(w)
    at(D(2026, 12, 2), 10)
    saved(act(w.other_professional, "acknowledge", case), case)
    at(D(2026, 12, 10))
    shown = register_words(w)
    assert case.reference in shown
    assert "Timescale missed" in shown


def test_stage_3_is_due_10_working_days_after_stage_2_is_escalated(mailoutbox: list[Any]) -> None:
    at(AROSE)
    w = running()
    case = escalated(w, raised(w), Role.LINE_MANAGER)
    at(D(2026, 12, 3))
    delivered(mailoutbox)
    mailoutbox.clear()
    case = escalated(w, case, Role.SENIOR_MANAGER)
    head = w.person(Role.SENIOR_MANAGER)

    shown = card(case_page(head, case), 3)
    assert "Conclude by Thu 17 Dec 2026" in shown
    assert "10 working days after stage 2 was escalated on Thu 3 Dec 2026 = Thu 17 Dec 2026" in (
        shown
    )
    (owner_email,) = [m for m in delivered(mailoutbox) if m.to == [head.email]]
    assert "escalate it to the next stage by Thu 17 Dec 2026" in owner_email.body
    deadline = stored(case, 3, CONCLUDE_BY)
    assert deadline.due == D(2026, 12, 17)
    assert email(head) in chased(case, deadline, D(2026, 12, 18))
    assert "Timescale missed" in register_words(w)


# ---------------------------------------------------------------- hours, immediately, same day


def test_the_48_hours_are_2_working_days_from_the_concern_and_chased_unacknowledged(
    mailoutbox: list[Any],
) -> None:
    at(AROSE)
    w = running()
    procedure = words(signed_in(w.raiser).get(f"/partnerships/{w.partnership.slug}/procedure/"))
    assert "Acknowledge the challenge within 48 hours (2 working days) of the concern" in (
        procedure
    )
    case = raised(w)
    how = "48 hours (2 working days) after the concern arose on Tue 1 Dec 2026 = Thu 3 Dec 2026"
    assert f"Acknowledge the challenge: {how}" in card(case_page(w.raiser, case), 1)
    (invited,) = [m for m in delivered(mailoutbox) if m.to == [w.other_professional.email]]
    assert "Acknowledge the challenge. Do it by Thu 3 Dec 2026." in invited.body
    assert f"How the date was worked out: {how}" in invited.body

    deadline = stored(case, 1, "acknowledge")
    assert deadline.due == D(2026, 12, 3)
    told = chased(case, deadline, D(2026, 12, 4))
    assert {email(w.raiser), email(w.other_professional)} <= told


def test_acknowledging_meets_the_48_hour_deadline_and_stops_it_being_chased() -> None:
    at(AROSE)
    w = running()
    case = raised(w)
    at(D(2026, 12, 2), 10)
    saved(act(w.other_professional, "acknowledge", case), case)
    deadline = stored(case, 1, "acknowledge")
    assert email(w.other_professional) not in chased(case, deadline, D(2026, 12, 4))
    assert deadline.met_on == D(2026, 12, 2)
    assert "Acknowledge the challenge Thu 3 Dec 2026 Met" in card(
        case_page(w.other_professional, case), 1
    )


def test_an_unacknowledged_challenge_is_chased_on_the_other_professional() -> None:
    at(AROSE)
    w = running()
    case = raised(w)
    deadline = stored(case, 1, "acknowledge")
    assert deadline.met_on is None
    assert email(w.other_professional) in chased(case, deadline, D(2026, 12, 4))


def test_telling_the_safeguarding_lead_is_due_immediately_and_met_by_ticking_it_off() -> None:
    at(AROSE)
    w = running()
    case = raised(w)
    shown = card(case_page(w.raiser, case), 1)
    assert "Tell your safeguarding lead Tue 1 Dec 2026" in shown
    assert "Tell your safeguarding lead: immediately: the concern arose on Tue 1 Dec 2026" in (
        shown
    )
    deadline = stored(case, 1, "tell-safeguarding-lead")
    assert deadline.due == AROSE
    assert email(w.raiser) in chased(case, deadline, D(2026, 12, 2))

    saved(act(w.raiser, "tick", case, item="tell-safeguarding-lead"), case)
    assert stored(case, 1, "tell-safeguarding-lead").met_on == D(2026, 12, 2)
    assert "Tell your safeguarding lead Tue 1 Dec 2026 Met" in card(case_page(w.raiser, case), 1)


def test_the_managers_speak_the_same_working_day_as_the_escalation_or_the_next() -> None:
    at(AROSE)
    w = running()
    case = raised(w)
    at(D(2026, 12, 5), 11)  # a Saturday
    case = escalated(w, case, Role.LINE_MANAGER, by=w.raiser)
    manager = w.person(Role.LINE_MANAGER)
    shown = card(case_page(manager, case), 2)
    assert "Speak to the other line manager Mon 7 Dec 2026" in shown
    assert (
        "Speak to the other line manager: 4 hours (the same working day): stage 1 was "
        "escalated on Sat 5 Dec 2026, so Mon 7 Dec 2026: weekend"
    ) in shown
    deadline = stored(case, 2, "managers-speak")
    assert deadline.due == D(2026, 12, 7) and not deadline.soft
    assert email(manager) in chased(case, deadline, D(2026, 12, 8))


def test_recording_the_managers_first_discussion_meets_speaking_to_the_other_manager() -> None:
    at(AROSE)
    w = running()
    case = escalated(w, raised(w), Role.LINE_MANAGER)
    manager = w.person(Role.LINE_MANAGER)
    at(D(2026, 12, 2), 10)
    case = record_meeting(manager, case, D(2026, 12, 2))
    deadline = stored(case, 2, "managers-speak")
    assert deadline.met_on == D(2026, 12, 2)
    assert email(manager) not in chased(case, deadline, D(2026, 12, 3))


# ---------------------------------------------------------------- where possible


def test_a_where_possible_target_from_the_first_discussion_is_chased_never_missed() -> None:
    at(AROSE)
    w = running()
    case = escalated(w, raised(w), Role.LINE_MANAGER)
    manager = w.person(Role.LINE_MANAGER)
    saved(act(manager, "tick", case, item="managers-speak"), case)  # the hard one, met today
    at(D(2026, 12, 3), 10)
    case = record_meeting(manager, case, D(2026, 12, 3))

    shown = card(case_page(manager, case), 2)
    assert "Where possible, conclude by Thu 10 Dec 2026" in shown
    assert (
        "where possible, 5 working days after the first discussion at stage 2 was on "
        "Thu 3 Dec 2026 = Thu 10 Dec 2026"
    ) in shown
    target = stored(case, 2, CONCLUDE_BY)
    assert (target.soft, target.due, target.label) == (
        True,
        D(2026, 12, 10),
        "Where possible, conclude by",
    )
    assert email(manager) in chased(case, target, D(2026, 12, 11))

    at(D(2026, 12, 21))  # well past it, and still unmet
    report = report_data.build_report(w.partnership, parse_period("2026"))
    assert report.overdue_now == 0
    assert all(n == 0 for _stage, n in report.missed_by_stage), report.missed_by_stage
    shown = register_words(w)
    assert case.reference in shown and "Timescale missed" not in shown


# ---------------------------------------------------------------- set by the stage's owner


def test_the_head_of_service_may_shorten_stage_3_to_protect_the_person_never_lengthen(
    mailoutbox: list[Any],
) -> None:
    at(AROSE)
    w = running()
    case = escalated(w, escalated(w, raised(w), Role.LINE_MANAGER), Role.SENIOR_MANAGER)
    head = w.person(Role.SENIOR_MANAGER)
    assert "/timescale/" in case_page(head, case)  # "Set a timescale" is offered
    page = words(signed_in(head).get(f"/cases/{case.reference}/timescale/"))
    assert "you may set a date no later than Tue 15 Dec 2026" in page
    delivered(mailoutbox)
    mailoutbox.clear()

    why = "The person's carer leaves on Friday."
    longer = set_timescale(head, case, D(2026, 12, 18), why)
    assert longer.status_code == 400
    assert "The date must be on or before Tue 15 Dec 2026" in words(longer)
    assert why in words(longer)  # kept as typed
    assert stored(case, 3, CONCLUDE_BY).due == D(2026, 12, 15)

    saved(set_timescale(head, case, D(2026, 12, 4), why), case)
    assert "Conclude by Fri 4 Dec 2026" in card(case_page(head, case), 3)
    deadline = stored(case, 3, CONCLUDE_BY)
    assert deadline.due == D(2026, 12, 4)
    assert "set by stage 3's owner to protect the person (sooner than 10 working days" in (
        deadline.explanation
    )
    told = {m.to[0].lower(): m.body for m in delivered(mailoutbox)}
    for person in (w.raiser, w.other_professional):
        assert (
            "the owner of stage 3 set the date for “Conclude by”: Fri 4 Dec 2026"
            in (told[email(person)])
        )
    assert email(head) in chased(case, deadline, D(2026, 12, 7))


def test_the_liaison_officer_sets_the_conferences_date_and_it_is_kept_and_chased() -> None:
    at(AROSE)
    w = running()
    case = raised(w)
    for role in (Role.LINE_MANAGER, Role.SENIOR_MANAGER, Role.BUSINESS_UNIT):
        case = escalated(w, case, role)
    liaison = w.person(Role.BUSINESS_UNIT)
    assert not CaseDeadline.objects.filter(case=case, stage=4, key=CONCLUDE_BY).exists()
    refused = signed_in(w.person(Role.SENIOR_MANAGER)).get(f"/cases/{case.reference}/timescale/")
    assert refused.status_code == 403  # stage 3's owner no longer

    at(D(2026, 12, 2))
    saved(set_timescale(liaison, case, D(2026, 12, 18), "The directors meet on the 18th."), case)
    assert "Conclude by Fri 18 Dec 2026" in card(case_page(liaison, case), 4)
    deadline = stored(case, 4, CONCLUDE_BY)
    assert deadline.due == D(2026, 12, 18)
    assert deadline.explanation == "set by stage 4's owner for the case: Fri 18 Dec 2026"
    assert Notification.objects.filter(case=case, event="timescale.set").exists()
    assert email(liaison) in chased(case, deadline, D(2026, 12, 21))


def test_a_deadline_waiting_for_its_owners_date_says_so_on_the_stage_card() -> None:
    at(AROSE)
    w = running()
    case = raised(w)
    for role in (Role.LINE_MANAGER, Role.SENIOR_MANAGER, Role.BUSINESS_UNIT):
        case = escalated(w, case, role)
    shown = card(case_page(w.person(Role.BUSINESS_UNIT), case), 4)
    assert "Worked out when the stage starts" not in shown
    assert "Conclude by: not yet due: stage 4's owner sets this timescale for the case" in shown
