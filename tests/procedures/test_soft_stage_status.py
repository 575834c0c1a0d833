"""A stage whose act-by is a "where possible" target (Riverside's stage 2 conclusion,
tests/procedures/definitions/riverside.toml) is still in progress once the target has
passed, never overdue; a stage with a hard act-by passed is overdue."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from escalate.procedures import library
from escalate.procedures.calendar import WorkingCalendar
from escalate.procedures.deadlines import CaseEvents, act_by_is_soft, stage_statuses
from escalate.procedures.vocabulary import CaseFacts, StageStatus

RIVERSIDE = library.load_file(Path(__file__).parent / "definitions" / "riverside.toml")
CALENDAR = WorkingCalendar.for_region(RIVERSIDE.region)
D = dt.date


def test_a_passed_where_possible_act_by_leaves_the_stage_in_progress() -> None:
    facts = CaseFacts(arose=D(2026, 12, 1), stage_started={2: D(2026, 12, 1)}, current_stage=2)
    events = CaseEvents(first_discussion={2: D(2026, 12, 3)}, escalated={1: D(2026, 12, 1)})
    assert act_by_is_soft(RIVERSIDE, 2, own=True)

    passed = stage_statuses(RIVERSIDE, CALENDAR, facts, D(2026, 12, 21), events)
    assert passed[2] is StageStatus.IN_PROGRESS


def test_a_passed_hard_act_by_makes_the_stage_overdue() -> None:
    facts = CaseFacts(arose=D(2026, 12, 1))
    events = CaseEvents(acknowledged=D(2026, 12, 2))  # stage 1 due Wed 9 Dec 2026
    assert not act_by_is_soft(RIVERSIDE, 1, own=True)

    assert stage_statuses(RIVERSIDE, CALENDAR, facts, D(2026, 12, 9), events)[1] is (
        StageStatus.IN_PROGRESS
    )
    assert stage_statuses(RIVERSIDE, CALENDAR, facts, D(2026, 12, 10), events)[1] is (
        StageStatus.OVERDUE
    )


def test_a_stage_due_by_the_next_stages_soft_start_is_never_overdue() -> None:
    """Cheshire East step 1 has no end of its own: it is due by step 2's start. Softened
    ("where possible"), passing it leaves step 1 in progress; hard, it is overdue."""
    data = library.get("cheshire-east-sab").model_dump(mode="json")
    assert data["stages"][0]["conclude_by"] is None and data["stages"][1]["start_by"]
    hard = library.from_dict(data)
    data["stages"][1]["start_by"]["where_possible"] = True
    soft = library.from_dict(data)
    assert act_by_is_soft(soft, 1, own=False) and not act_by_is_soft(hard, 1, own=False)
    facts = CaseFacts(arose=D(2026, 12, 1))
    calendar = WorkingCalendar.for_region(hard.region)
    later = D(2027, 1, 29)

    assert stage_statuses(hard, calendar, facts, later)[1] is StageStatus.OVERDUE
    assert stage_statuses(soft, calendar, facts, later)[1] is StageStatus.IN_PROGRESS
