"""The deadlines the case page works out for stages the case has not reached, and each
stage's status, count from the case's events as its stored deadlines do: the day the
other professional acknowledged, each stage's escalation and first discussion, the
dates owners set (:func:`escalate.cases.selectors.deadline_events`). Riverside
(tests/procedures/definitions/riverside.toml) counts stage 1 from the acknowledgement;
a variant adds a deadline of stage 3 counted from it too, which nothing stores while the
case is at stage 1."""

from __future__ import annotations

import datetime as dt
import tomllib

import factories
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from riverside_walk import (
    AROSE,
    CLOCK_SET_FREE_AFTER,
    RIVERSIDE_FILE,
    act,
    at,
    card,
    case_page,
    raised,
    running,
    saved,
)

from escalate.cases import selectors
from escalate.cases.facts import calendar_for
from escalate.cases.models import Case
from escalate.cases.models.deadlines import CaseDeadline
from escalate.procedures import library
from escalate.procedures.deadlines_plan import NO_EVENTS
from escalate.procedures.model import Procedure
from escalate.procedures.vocabulary import StageStatus

pytestmark = [pytest.mark.django_db, CLOCK_SET_FREE_AFTER]
D = dt.date

#: Stage 3 of the variant: a deadline of its owner counted from the acknowledgement.
CHRONOLOGY = """
[[other_deadlines]]
key = "send-chronology"
label = "Send the heads of service the chronology"

[other_deadlines.timescale]
amount = 15
unit = "working_days"
anchor = "other_professional_acknowledged"
source = "Send the chronology within 15 working days of the challenge being acknowledged."
"""


def variant() -> Procedure:
    """Riverside with stage 3's extra deadline counted from the acknowledgement."""
    data = tomllib.loads(RIVERSIDE_FILE.read_text())
    stage_3 = next(s for s in data["stages"] if s["number"] == 3)
    stage_3.setdefault("other_deadlines", []).extend(tomllib.loads(CHRONOLOGY)["other_deadlines"])
    return library.from_dict(data)


VARIANT = variant()


def acknowledged_on_2_december() -> Case:
    at(AROSE)
    w = running(VARIANT)
    case = raised(w)
    at(D(2026, 12, 2), 10)
    return saved(act(w.other_professional, "acknowledge", case), case)


def test_a_later_stage_counted_from_the_acknowledgement_shows_its_date_on_the_case_page() -> None:
    at(AROSE)
    w = running(VARIANT)
    case = raised(w)
    before = card(case_page(w.raiser, case), 3)
    assert (
        "not yet due: 15 working days counted from when the other professional acknowledges "
        "the challenge"
    ) in before

    at(D(2026, 12, 2), 10)
    case = saved(act(w.other_professional, "acknowledge", case), case)
    assert not CaseDeadline.objects.filter(case=case, stage=3).exists()  # nothing stored
    shown = card(case_page(w.raiser, case), 3)
    assert "Send the heads of service the chronology Wed 23 Dec 2026" in shown
    assert (
        "15 working days after the other professional acknowledged the challenge on "
        "Wed 2 Dec 2026 = Wed 23 Dec 2026"
    ) in shown
    assert "chronology: not yet due" not in shown


def test_the_projection_counts_stage_1_from_the_acknowledgement_as_the_stored_deadline_does() -> (
    None
):
    at(AROSE)
    w = running()
    case = raised(w)
    at(D(2026, 12, 2), 10)
    case = saved(act(w.other_professional, "acknowledge", case), case)

    [conclude_by] = [d for d in selectors.projected_deadlines(case)[1] if d["key"] == "conclude_by"]
    stored = CaseDeadline.objects.get(case=case, stage=1, key="conclude_by")
    assert conclude_by["due"] == stored.due.isoformat() == "2026-12-09"


def test_stage_1_is_overdue_once_5_working_days_from_the_acknowledgement_have_passed() -> None:
    at(AROSE)
    w = running()
    case = raised(w)
    at(D(2026, 12, 2), 10)
    case = saved(act(w.other_professional, "acknowledge", case), case)

    assert selectors.stage_statuses(case, on=D(2026, 12, 9))[1] is StageStatus.IN_PROGRESS
    assert selectors.stage_statuses(case, on=D(2026, 12, 10))[1] is StageStatus.OVERDUE
    at(D(2026, 12, 10))
    shown = card(case_page(w.raiser, case), 1)
    assert shown.startswith("Stage 1: Practitioner to practitioner Overdue Part of Informal")


def test_the_events_are_read_in_two_queries_and_the_selectors_then_take_none() -> None:
    case = acknowledged_on_2_december()
    records = list(case.stages.all())
    calendar = calendar_for(case.partnership)
    selectors.projected_deadlines(case, records, calendar=calendar)  # the procedure, parsed
    with CaptureQueriesContext(connection) as read:
        events = selectors.deadline_events(case, records)
    assert len(read) == 2
    assert events.acknowledged == D(2026, 12, 2)
    with CaptureQueriesContext(connection) as counted:
        projected = selectors.projected_deadlines(case, records, calendar=calendar, events=events)
        statuses = selectors.stage_statuses(case, stages=records, calendar=calendar, events=events)
    assert len(counted) == 0
    assert [d["due"] for d in projected[3] if d["key"] == "send-chronology"] == ["2026-12-23"]
    assert statuses[1] is StageStatus.IN_PROGRESS


def test_a_procedure_counting_from_no_event_reads_no_events(
    cheshire: factories.World,
) -> None:
    case = factories.raise_case(cheshire)
    records = list(case.stages.all())
    selectors.stage_statuses(case, stages=records)  # the procedure, parsed
    with CaptureQueriesContext(connection) as read:
        assert selectors.deadline_events(case, records) is NO_EVENTS
    assert len(read) == 0
