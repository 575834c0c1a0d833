"""A "where possible" target passed unmet (Riverside's stage 2 conclusion,
tests/procedures/definitions/riverside.toml) reads "Target passed" on the case page's
stage card and on the person's dashboard, never "Overdue": it is still chased, never
counted as missed. A hard deadline passed unmet still reads "Overdue"."""

from __future__ import annotations

import datetime as dt

import pytest
from riverside_walk import (
    AROSE,
    CLOCK_SET_FREE_AFTER,
    act,
    at,
    card,
    case_page,
    chased,
    email,
    escalated,
    raised,
    record_meeting,
    running,
    saved,
    signed_in,
    stored,
    words,
)

from escalate.cases.models.deadlines import CONCLUDE_BY, DeadlineStatus
from escalate.cases.selectors import calendar_for
from escalate.procedures.model import Role

pytestmark = [pytest.mark.django_db, CLOCK_SET_FREE_AFTER]
D = dt.date


def dashboard(person: object) -> str:
    page = signed_in(person).get("/")
    assert page.status_code == 200
    return words(page)


def test_a_passed_where_possible_target_reads_target_passed_not_overdue() -> None:
    at(AROSE)
    w = running()
    case = escalated(w, raised(w), Role.LINE_MANAGER)
    manager = w.person(Role.LINE_MANAGER)
    saved(act(manager, "tick", case, item="managers-speak"), case)  # the hard one, met
    at(D(2026, 12, 3), 10)
    case = record_meeting(manager, case, D(2026, 12, 3))
    target = stored(case, 2, CONCLUDE_BY)
    assert target.soft and target.due == D(2026, 12, 10)

    assert email(manager) in chased(case, target, D(2026, 12, 11))  # still chased
    at(D(2026, 12, 21))  # well past it, and still unmet
    assert target.status(D(2026, 12, 21), calendar_for(w.partnership)) == (
        DeadlineStatus.TARGET_PASSED
    )
    # Not counted as missed, nor as met when it is met late: a target, not a deadline.
    assert target.within_timescale(D(2026, 12, 21)) is None
    shown = card(case_page(manager, case), 2)
    assert shown.startswith("Stage 2: Line manager to line manager In progress")
    assert "Where possible, conclude by Thu 10 Dec 2026 Target passed" in shown
    assert "Overdue" not in shown

    home = dashboard(manager)
    assert case.reference in home
    # Needs your action, your deadlines, and what is due from you on the case.
    agencies = f"{case.raising_agency.name} and {case.other_agency.name}"
    assert f"Resolve or escalate stage 2 {agencies} 2 10 Dec 2026 Target passed" in home
    assert home.count("Target passed") == 2
    assert "Resolve or escalate stage 2, by 10 Dec 2026 (target passed)" in home
    assert "Overdue" not in home and "(overdue)" not in home


def test_a_passed_hard_deadline_still_reads_overdue() -> None:
    at(AROSE)
    w = running()
    case = raised(w)
    at(D(2026, 12, 2), 10)
    saved(act(w.other_professional, "acknowledge", case), case)
    deadline = stored(case, 1, CONCLUDE_BY)
    assert not deadline.soft and deadline.due == D(2026, 12, 9)

    at(D(2026, 12, 10))
    shown = card(case_page(w.raiser, case), 1)
    assert "Conclude by Wed 9 Dec 2026 Overdue" in shown
    assert "Target passed" not in shown
    home = dashboard(w.raiser)
    assert "Overdue" in home and "(overdue)" in home
    assert "Target passed" not in home and "(target passed)" not in home
