"""A timescale counted from a stage's first discussion counts from the first meeting or
contact recorded at that stage, on the day it happened; a discussion recorded at the
stage but dated before the stage started (a meeting noted late, after the escalation)
predates the stage and is not its first discussion (Riverside stage 2: "within 5 working
days of their first discussion")."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import factories
import pytest

from escalate.cases import services
from escalate.cases.deadline_events import case_events
from escalate.cases.models import Case
from escalate.cases.models.deadlines import CONCLUDE_BY, CaseDeadline
from escalate.procedures import library

pytestmark = pytest.mark.django_db

FrozenClock = Callable[[dt.date | dt.datetime], dt.datetime]
KEY = "riverside"
RIVERSIDE = library.load_file(
    Path(__file__).parents[1] / "procedures" / "definitions" / f"{KEY}.toml"
)
AROSE = dt.date(2026, 12, 1)  # a Tuesday
ESCALATED = dt.date(2026, 12, 7)  # the Monday after: stage 2 starts


@pytest.fixture(autouse=True)
def riverside_in_the_library(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setitem(library.load_library(), KEY, RIVERSIDE)
    yield


def at_stage_2(frozen_clock: FrozenClock) -> Case:
    w = factories.world(KEY)
    frozen_clock(dt.datetime.combine(AROSE, dt.time(9, 0)))
    case = factories.raise_case(w, concern_arose_on=AROSE)
    frozen_clock(dt.datetime.combine(ESCALATED, dt.time(9, 0)))
    return factories.escalate_to(w, case, 2)


def discussed(case: Case, on: dt.date) -> Case:
    owner = case.stages.get(number=2).owner
    services.record_contact(
        owner, case, kind="meeting", text="Met.", occurred_on=on, expected_version=case.version
    )
    return Case.objects.get(pk=case.pk)


def stage_2_conclude_by(case: Case) -> dt.date | None:
    row = CaseDeadline.objects.filter(case=case, stage=2, key=CONCLUDE_BY).first()
    return row.due if row else None


def test_a_meeting_dated_before_the_stage_started_is_not_its_first_discussion(
    frozen_clock: FrozenClock,
) -> None:
    case = at_stage_2(frozen_clock)
    frozen_clock(dt.datetime.combine(dt.date(2026, 12, 8), dt.time(10, 0)))
    case = discussed(case, dt.date(2026, 12, 3))  # stage 1's meeting, noted late
    assert 2 not in case_events(case).first_discussion
    assert stage_2_conclude_by(case) is None  # not yet due: no discussion at stage 2 yet


def test_the_first_discussion_on_or_after_the_stage_started_counts(
    frozen_clock: FrozenClock,
) -> None:
    case = at_stage_2(frozen_clock)
    frozen_clock(dt.datetime.combine(dt.date(2026, 12, 9), dt.time(10, 0)))
    case = discussed(case, dt.date(2026, 12, 3))  # before stage 2: ignored
    case = discussed(case, dt.date(2026, 12, 8))  # Tue 8 Dec: 5 working days end Tue 15 Dec
    assert case_events(case).first_discussion[2] == dt.date(2026, 12, 8)
    assert stage_2_conclude_by(case) == dt.date(2026, 12, 15)


def test_a_discussion_on_the_day_the_stage_started_counts(frozen_clock: FrozenClock) -> None:
    case = at_stage_2(frozen_clock)
    case = discussed(case, ESCALATED)  # Mon 7 Dec: 5 working days end Mon 14 Dec
    assert stage_2_conclude_by(case) == dt.date(2026, 12, 14)
