"""A deadline not yet due says what it waits for in one sentence, read aloud: a
timescale the stage's owner may shorten closes its aside with a comma ("10 working
days, or a shorter timescale the stage's owner sets to protect the person, counted from
...")."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from escalate.procedures import library
from escalate.procedures.calendar import WorkingCalendar
from escalate.procedures.deadlines import deadline_for, stage_deadlines
from escalate.procedures.model import Region, Timescale

RIVERSIDE = library.load_file(Path(__file__).parent / "definitions" / "riverside.toml")
ENGLAND = WorkingCalendar.for_region(Region.ENGLAND_AND_WALES)
AROSE = dt.date(2026, 12, 1)
SHORTER = "10 working days, or a shorter timescale the stage's owner sets to protect the person"


def test_riversides_stage_3_waits_for_stage_2_to_be_escalated_in_one_punctuated_sentence() -> None:
    conclude_by = stage_deadlines(RIVERSIDE, ENGLAND, arose=AROSE)[2].conclude_by
    assert conclude_by is not None and conclude_by.due is None
    assert conclude_by.explanation == (
        f"not yet due: {SHORTER}, counted from when stage 2 is escalated"
    )


def pending(**anchor: Any) -> str:
    t = Timescale.model_validate(
        {"amount": 10, "unit": "working_days", "owner_may_shorten": True, **anchor}
    )
    due, words = deadline_for(t, ENGLAND, arose=AROSE, stage_started=None, stage_number=3)
    assert due is None
    return words


@pytest.mark.parametrize(
    ("anchor", "waits_for"),
    [
        ("stage_started", "counted from the day stage 3 begins, not yet known"),
        ("previous_stage_escalated", "counted from when stage 2 is escalated"),
        (
            "other_professional_acknowledged",
            "counted from when the other professional acknowledges the challenge",
        ),
        (
            "first_discussion",
            "counted from the first discussion at stage 3 (the first meeting or contact "
            "recorded there)",
        ),
    ],
)
def test_each_wait_of_a_timescale_the_owner_may_shorten_has_its_comma(
    anchor: str, waits_for: str
) -> None:
    assert pending(anchor=anchor).endswith(f"{SHORTER}, {waits_for}")


def test_a_timescale_the_owner_may_not_shorten_needs_no_comma() -> None:
    t = Timescale.model_validate(
        {"amount": 10, "unit": "working_days", "anchor": "previous_stage_escalated"}
    )
    _, words = deadline_for(t, ENGLAND, arose=AROSE, stage_started=None, stage_number=3)
    assert words == "not yet due: 10 working days counted from when stage 2 is escalated"
