"""The board's "within timescale" figures count every deadline a case keeps: each
stage's start-by, conclude-by and act-by and the definition's extra deadlines, such as
Cheshire East's chair's recommendation "within 5 working days of the issue being brought
to their attention", but never twice for one date and one owner.

A Cheshire East concern arose on Tue 1 Dec 2026 and went to step 4 that day: the
chair's recommendation is due Tue 8 Dec 2026; step 4 must be concluded by Mon 21 Dec.
Its stored deadlines (the services do not write them yet, so the tests sync them as the
services will):

=====  ============  =========  ====================================  ===============
stage  deadline      due        met                                   counted
=====  ============  =========  ====================================  ===============
1      start-by      Wed 2 Dec  1 Dec (raised)                        yes
1      act-by        Thu 3 Dec  1 Dec                                 yes
2      start-by      Thu 3 Dec  1 Dec                                 no: = 1's act-by
2      conclude-by   Wed 9 Dec  1 Dec                                 no: = 2's act-by
2      act-by        Wed 9 Dec  1 Dec                                 yes
3      start-by      Wed 9 Dec  1 Dec                                 no: = 2's act-by
3      conclude-by   Mon 14 Dec 1 Dec                                 no: = 3's act-by
3      act-by        Mon 14 Dec 1 Dec                                 yes
4      start-by      Wed 16 Dec 1 Dec                                 yes
4      chair's       Tue 8 Dec  (see each test)                       yes, once due
4      act-by        Mon 21 Dec not yet                               not yet due
=====  ============  =========  ====================================  ===============
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import factories
import pytest
from django.test import Client

from escalate.cases import deadlines
from escalate.cases.models import Case, CaseDeadline
from escalate.procedures.model import Role
from escalate.reports import selectors
from escalate.reports.selectors import parse_period

D = dt.date
AROSE = D(2026, 12, 1)
CHAIR_DUE = D(2026, 12, 8)
CHAIR_KEY = "chair-recommendation"
YEAR = parse_period("2026")

FrozenClock = Callable[[dt.date | dt.datetime], dt.datetime]


@pytest.fixture
def world(frozen_clock: FrozenClock) -> factories.World:
    frozen_clock(AROSE)
    return factories.world("cheshire-east-sab")


def at_step_4(w: factories.World, frozen_clock: FrozenClock) -> Case:
    """A concern that arose on AROSE and reached the chair (step 4) the same day."""
    frozen_clock(AROSE)
    case = factories.raise_case(w, concern_arose_on=AROSE)
    case = factories.escalate_to(w, case, 4)
    deadlines.sync_case_deadlines(case)
    return case


@pytest.mark.django_db
def test_the_chairs_missed_deadline_counts_as_a_missed_timescale_of_the_partnership(
    world: factories.World, frozen_clock: FrozenClock
) -> None:
    at_step_4(world, frozen_clock)
    frozen_clock(D(2026, 12, 10))  # the chair's date has passed; step 4's has not

    report = selectors.build_report(world.partnership, YEAR)

    # Six deadlines counted (see the table): five met in time, the chair's missed.
    assert (report.deadlines_timed, report.deadlines_in_time) == (6, 5)
    assert report.in_time_pct == 83.3
    assert report.missed_by_stage == [("Stage 4", 1)]
    assert report.missed_by_agency == [(world.partnership.name, 1)]


@pytest.mark.django_db
def test_a_deadline_still_to_come_is_not_counted_until_it_passes_or_is_met(
    world: factories.World, frozen_clock: FrozenClock
) -> None:
    at_step_4(world, frozen_clock)
    frozen_clock(D(2026, 12, 7))  # the chair still has a day

    report = selectors.build_report(world.partnership, YEAR)

    assert (report.deadlines_timed, report.deadlines_in_time) == (5, 5)
    assert report.missed_by_stage == [] and report.missed_by_agency == []


@pytest.mark.django_db
def test_the_chairs_recommendation_on_time_or_late_is_counted_as_such(
    world: factories.World, frozen_clock: FrozenClock
) -> None:
    case = at_step_4(world, frozen_clock)
    frozen_clock(D(2026, 12, 8))
    assert deadlines.mark_met_by_checklist(case, 4, "recommendation-communicated") == 1
    frozen_clock(D(2027, 1, 4))

    on_time = selectors.build_report(world.partnership, YEAR)
    # Step 4's own act-by (Mon 21 Dec) has now passed, not met: one missed, step 4's.
    assert (on_time.deadlines_timed, on_time.deadlines_in_time) == (7, 6)

    CaseDeadline.objects.filter(case=case, key=CHAIR_KEY).update(met_on=D(2026, 12, 9))
    late = selectors.build_report(world.partnership, YEAR)
    assert (late.deadlines_timed, late.deadlines_in_time) == (7, 5)
    assert late.missed_by_stage == [("Stage 4", 2)]


@pytest.mark.django_db
def test_a_start_or_conclude_by_on_its_owners_act_by_day_is_counted_once(
    world: factories.World, frozen_clock: FrozenClock
) -> None:
    case = at_step_4(world, frozen_clock)
    # Stage 3's start-by is owned by stage 2's owner, on stage 2's act-by day.
    repeat = CaseDeadline.objects.get(case=case, stage=3, key="start_by")
    assert repeat.due == case.stages.get(number=2).act_by
    frozen_clock(D(2026, 12, 10))
    assert selectors.build_report(world.partnership, YEAR).deadlines_timed == 6

    # Had it been on a day of its own, it would be a deadline of its own.
    CaseDeadline.objects.filter(pk=repeat.pk).update(due=D(2026, 12, 4))
    assert selectors.build_report(world.partnership, YEAR).deadlines_timed == 7


@pytest.mark.django_db
def test_a_case_with_no_stored_deadlines_is_still_counted_by_its_stages_act_bys(
    world: factories.World, frozen_clock: FrozenClock
) -> None:
    # As a case closed before deadlines were stored: only its stage records.
    frozen_clock(AROSE)
    case = factories.raise_case(world, concern_arose_on=AROSE)
    case = factories.escalate_to(world, case, 2)
    CaseDeadline.objects.filter(case=case).delete()
    frozen_clock(D(2026, 12, 10))  # stage 1 escalated in time; stage 2's act-by passed

    report = selectors.build_report(world.partnership, YEAR)

    assert (report.deadlines_timed, report.deadlines_in_time) == (2, 1)
    assert report.missed_by_stage == [("Stage 2", 1)]


@pytest.mark.django_db
def test_a_case_whose_only_passed_deadline_is_the_chairs_is_overdue_now(
    world: factories.World, frozen_clock: FrozenClock
) -> None:
    case = at_step_4(world, frozen_clock)
    frozen_clock(D(2026, 12, 10))
    assert selectors.build_report(world.partnership, YEAR).overdue_now == 1

    deadlines.mark_met_by_checklist(case, 4, "recommendation-communicated")
    assert selectors.build_report(world.partnership, YEAR).overdue_now == 0


@pytest.mark.django_db
def test_the_report_page_shows_the_deadline_figure_and_still_suppresses_small_numbers(
    world: factories.World, frozen_clock: FrozenClock
) -> None:
    at_step_4(world, frozen_clock)
    frozen_clock(D(2026, 12, 10))
    client = Client()
    client.force_login(world.person(Role.BUSINESS_UNIT))
    url = f"/board/{world.partnership.slug}/report/?period=2026"

    page = client.get(url).content.decode()
    assert "83.3%" in page

    suppressed = client.get(url + "&suppress=1").content.decode()
    assert "83.3%" not in suppressed  # one missed: it would reveal a count below 5
    assert "withheld (small numbers)" in suppressed
