"""The engine works deadlines out from plans and keeps them, and explains them only when
read: every seed procedure's deadlines, act-bys and stage statuses must be what the
plain way gives (each deadline counted afresh, day by day, and explained at once), to
the word, refusals at the calendar's edges included; and reading only the dates must
not write any explanation."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import pickle
from collections.abc import Callable, Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from walking_calendar import WalkingCalendar, outcome, walking

from escalate.procedures import deadlines, library
from escalate.procedures.calendar import FIRST_YEAR, LAST_YEAR, WorkingCalendar, format_day
from escalate.procedures.engine import (
    CaseFacts,
    Deadline,
    StageDeadlines,
    act_by,
    deadline_for,
    stage_deadlines,
    stage_statuses,
)
from escalate.procedures.model import Procedure, Region, Role, Timescale

D = dt.date
SEEDS = library.load_library()
ENGLAND = WorkingCalendar.for_region(Region.ENGLAND_AND_WALES)


# ---------------------------------------------------------------- the plain way


def plain_stage_deadlines(
    procedure: Procedure,
    calendar: WorkingCalendar,
    *,
    arose: dt.date,
    stage_started: Mapping[int, dt.date] | None = None,
) -> list[StageDeadlines]:
    """Every deadline counted afresh and explained at once (the engine before plans)."""
    started = {1: arose, **(stage_started or {})}
    result = []
    for stage in procedure.stages:

        def make(key: str, label: str, t: Timescale, role: Role | None = None) -> Deadline:
            due, why = deadline_for(
                t,
                calendar,
                arose=arose,
                stage_started=started.get(stage.number),  # noqa: B023
                stage_number=stage.number,  # noqa: B023
            )
            return Deadline(key, label, due, why, role)

        result.append(
            StageDeadlines(
                number=stage.number,
                title=stage.title,
                start_by=make("start_by", "Start by", stage.start_by) if stage.start_by else None,
                conclude_by=(
                    make("conclude_by", "Conclude by", stage.conclude_by)
                    if stage.conclude_by
                    else None
                ),
                other=tuple(
                    make(d.key, d.label, d.timescale, d.role) for d in stage.other_deadlines
                ),
            )
        )
    return result


def plain_act_by(
    procedure: Procedure, calendar: WorkingCalendar, facts: CaseFacts, number: int
) -> Deadline | None:
    all_deadlines = plain_stage_deadlines(
        procedure, calendar, arose=facts.arose, stage_started=facts.stage_started
    )
    here = all_deadlines[number - 1]
    if here.conclude_by and here.conclude_by.due:
        return here.conclude_by
    if number < len(all_deadlines):
        nxt = all_deadlines[number]
        if nxt.start_by and nxt.start_by.due:
            return Deadline(
                "act_by",
                f"Resolve or escalate to stage {number + 1} by",
                nxt.start_by.due,
                f"stage {number + 1} must start by then: {nxt.start_by.explanation}",
            )
    return None


def given_by(work: Callable[..., object], *args: object, **kwargs: object) -> tuple[object, ...]:
    try:
        return outcome(lambda: work(*args, **kwargs))
    except IndexError as error:
        return ("fails", IndexError, str(error))


def in_words(found: object) -> object:
    """Every field of every deadline, explanations read, to compare word for word."""
    if isinstance(found, list):
        return [in_words(s) for s in found]
    if isinstance(found, StageDeadlines):
        return (found.number, found.title, [in_words(d) for d in found.all])
    if isinstance(found, Deadline):
        return (repr(found), found.explanation, dataclasses.astuple(found))
    return found


# ---------------------------------------------------------------- cases

days = st.one_of(
    st.dates(D(2020, 1, 1), D(2035, 12, 31)),
    st.dates(D(LAST_YEAR, 10, 1), D(LAST_YEAR, 12, 31)),
    st.dates(D(FIRST_YEAR - 1, 12, 1), D(FIRST_YEAR, 2, 1)),
)


@st.composite
def cases(draw: st.DrawFn) -> tuple[Procedure, WorkingCalendar, CaseFacts]:
    procedure = draw(st.sampled_from(list(SEEDS.values())))
    arose = draw(days)
    current = draw(st.integers(1, len(procedure.stages)))
    first = draw(st.integers(1, current))  # a later first stage: started expedited
    started: dict[int, dt.date] = {}
    day = arose
    for number in range(first, current + 1):
        if number > first and draw(st.integers(0, 4)) == 0:
            continue  # skipped by expediting
        day += dt.timedelta(days=draw(st.integers(0, 12)))
        started[number] = day
    near = st.integers(-5, 60).map(lambda n: arose + dt.timedelta(days=n))
    listed = (
        [d for d, _ in ENGLAND.non_working_days(arose, arose + dt.timedelta(days=60))]
        if arose.year >= FIRST_YEAR and arose.year + 1 <= LAST_YEAR
        else []
    )
    calendar = WorkingCalendar(
        procedure.region,
        draw(st.frozensets(near, max_size=5)),
        draw(st.frozensets(st.sampled_from(listed), max_size=3)) if listed else frozenset(),
    )
    facts = CaseFacts(arose=arose, stage_started=started, current_stage=current)
    return procedure, calendar, facts


@settings(deadline=None, max_examples=300)
@given(case=cases())
def test_every_seed_procedures_deadlines_are_what_the_plain_way_gives(
    case: tuple[Procedure, WorkingCalendar, CaseFacts],
) -> None:
    procedure, calendar, facts = case
    plain = walking(calendar)
    expected = in_words(
        given_by(
            plain_stage_deadlines,
            procedure,
            plain,
            arose=facts.arose,
            stage_started=facts.stage_started,
        )
    )
    for _ in ("worked out", "kept"):
        found = given_by(
            stage_deadlines,
            procedure,
            calendar,
            arose=facts.arose,
            stage_started=facts.stage_started,
        )
        assert in_words(found) == expected
        if found[0] == "gives":
            assert found == given_by(
                plain_stage_deadlines,
                procedure,
                plain,
                arose=facts.arose,
                stage_started=facts.stage_started,
            )


@settings(deadline=None, max_examples=300)
@given(case=cases(), number=st.integers(0, 6))
def test_every_seed_procedures_act_by_is_what_the_plain_way_gives(
    case: tuple[Procedure, WorkingCalendar, CaseFacts], number: int
) -> None:
    procedure, calendar, facts = case
    expected = given_by(plain_act_by, procedure, walking(calendar), facts, number)
    for _ in ("worked out", "kept"):
        found = given_by(act_by, procedure, calendar, facts, number)
        assert in_words(found) == in_words(expected)
        assert found == expected


@settings(deadline=None, max_examples=100)
@given(case=cases(), later=st.integers(0, 40))
def test_stage_statuses_are_what_the_plain_way_gives(
    case: tuple[Procedure, WorkingCalendar, CaseFacts], later: int
) -> None:
    procedure, calendar, facts = case
    today = facts.arose + dt.timedelta(days=later)
    expected = given_by(stage_statuses, procedure, walking(calendar), facts, today)
    assert given_by(stage_statuses, procedure, calendar, facts, today) == expected


# ---------------------------------------------------------------- explained when read

CESAB = SEEDS["cheshire-east-sab"]
FACTS = CaseFacts(
    arose=D(2026, 12, 22), stage_started={1: D(2026, 12, 22), 4: D(2027, 1, 6)}, current_stage=4
)


def test_reading_only_the_dates_writes_no_explanation(monkeypatch: pytest.MonkeyPatch) -> None:
    written: list[dt.date] = []

    def counting(day: dt.date) -> str:
        written.append(day)
        return format_day(day)

    monkeypatch.setattr(deadlines, "format_day", counting)
    calendar = WorkingCalendar.for_region(Region.ENGLAND_AND_WALES, [D(2026, 12, 31)])
    deadlines.forget_kept()
    found = stage_deadlines(CESAB, calendar, arose=FACTS.arose, stage_started=FACTS.stage_started)
    act = act_by(CESAB, calendar, FACTS, 1)
    dues = [d.due for s in found for d in s.all] + [act.due if act else None]
    assert None not in dues[:-1] and act is not None
    assert written == []
    plain = plain_stage_deadlines(
        CESAB, walking(calendar), arose=FACTS.arose, stage_started=FACTS.stage_started
    )
    assert [d.explanation for s in found for d in s.all] == [
        d.explanation for s in plain for d in s.all
    ]
    assert written
    assert act.explanation.startswith("stage 2 must start by then: day 3 (day 1 = the concern")


def test_a_deadline_explained_when_read_is_like_any_other_deadline() -> None:
    [chair] = stage_deadlines(CESAB, ENGLAND, arose=FACTS.arose, stage_started=FACTS.stage_started)[
        3
    ].other
    [plain] = plain_stage_deadlines(
        CESAB, walking(ENGLAND), arose=FACTS.arose, stage_started=FACTS.stage_started
    )[3].other
    assert isinstance(chair, Deadline)
    assert chair == plain and plain == chair
    assert chair in {plain} and plain in {chair}
    assert hash(chair) == hash(plain)
    assert repr(chair) == repr(plain)
    assert chair.as_json() == plain.as_json()
    assert dataclasses.asdict(chair) == dataclasses.asdict(plain)
    assert pickle.loads(pickle.dumps(chair)) == plain
    assert copy.copy(chair) == plain and copy.deepcopy(chair) == plain
    moved = dataclasses.replace(chair, due=D(2027, 2, 1))
    assert moved.due == D(2027, 2, 1) and moved.explanation == plain.explanation
    with pytest.raises(dataclasses.FrozenInstanceError):
        chair.due = D(2027, 2, 1)  # type: ignore[misc]
    with pytest.raises(AttributeError):
        _ = chair.no_such_field  # type: ignore[attr-defined]
    assert chair != "Start by" and chair != Deadline("k", "l", None, "", None)


def test_each_call_gives_its_own_list_and_other_calendars_their_own_deadlines() -> None:
    first = stage_deadlines(CESAB, ENGLAND, arose=D(2026, 12, 22))
    first.clear()
    again = stage_deadlines(CESAB, ENGLAND, arose=D(2026, 12, 22))
    assert len(again) == len(CESAB.stages)
    assert again[1].start_by is not None and again[1].start_by.due == D(2026, 12, 24)  # day 3
    christmas_eve_off = WorkingCalendar.for_region(Region.ENGLAND_AND_WALES, [D(2026, 12, 24)])
    other = stage_deadlines(CESAB, christmas_eve_off, arose=D(2026, 12, 22))
    assert other[1].start_by is not None and other[1].start_by.due == D(2026, 12, 29)
    assert "Thu 24 Dec 2026 non-working day" in other[1].start_by.explanation
    assert stage_deadlines(CESAB, ENGLAND, arose=D(2026, 12, 22)) == again


def test_deadlines_near_the_end_of_the_known_years_are_refused_as_before() -> None:
    facts = CaseFacts(arose=D(LAST_YEAR, 12, 20), current_stage=1)
    expected = given_by(plain_act_by, CESAB, WalkingCalendar(Region.ENGLAND_AND_WALES), facts, 1)
    assert expected[0] == "refuses"  # step 4's day 16 is in 2101
    assert given_by(act_by, CESAB, ENGLAND, facts, 1) == expected


def test_the_deadlines_kept_stay_within_their_limit_when_only_act_by_is_asked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(deadlines, "_KEPT_MOST", 40)
    deadlines.forget_kept()
    for n in range(300):
        arose = D(2026, 1, 5) + dt.timedelta(days=n)
        facts = CaseFacts(arose=arose, stage_started={2: arose + dt.timedelta(days=1)})
        act_by(CESAB, ENGLAND, facts, 1)
        act_by(CESAB, ENGLAND, facts, 2)
        assert len(deadlines._KEPT) <= 40
    deadlines.forget_kept()
