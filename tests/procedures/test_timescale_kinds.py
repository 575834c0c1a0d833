"""The timescales real board procedures say, in the definition format: counted from
events of the case, "immediately", "the same working day", hours beside their
working-day equivalent, soft targets, timescales the stage's owner sets and "whichever
is shorter". Each refusal says what is wrong in plain words; the engine counts each
kind, and one counted from an event not yet happened is "not yet due"."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from escalate.procedures import library
from escalate.procedures.calendar import WorkingCalendar
from escalate.procedures.deadlines import CaseEvents, act_by, stage_deadlines
from escalate.procedures.library import DefinitionError
from escalate.procedures.model import Region, Timescale
from escalate.procedures.timescales import check_in_stage, in_words, sentence
from escalate.procedures.vocabulary import CaseFacts

RIVERSIDE_FILE = Path(__file__).parent / "definitions" / "riverside.toml"
RIVERSIDE = library.load_file(RIVERSIDE_FILE)
ENGLAND = WorkingCalendar.for_region(Region.ENGLAND_AND_WALES)
AROSE = dt.date(2026, 12, 1)  # a Tuesday
D = dt.date


def timescale(**fields: Any) -> Timescale:
    return Timescale.model_validate(fields)


def refusal(**fields: Any) -> str:
    data = RIVERSIDE.model_dump(mode="json")
    data["stages"][2]["conclude_by"] = fields
    with pytest.raises(DefinitionError) as caught:
        library.from_dict(data)
    (problem,) = caught.value.problems
    return problem


# ---------------------------------------------------------------- the format


def test_the_riverside_definition_says_every_kind_of_timescale_in_its_own_words() -> None:
    words = {
        (s.number, d.key if d else ""): in_words(t)
        for s in RIVERSIDE.stages
        for d, t in [(None, s.conclude_by), *[(d, d.timescale) for d in s.other_deadlines]]
        if t
    }
    assert words == {
        (1, ""): "5 working days",
        (1, "acknowledge"): "48 hours (2 working days)",
        (1, "tell-safeguarding-lead"): "immediately",
        (2, ""): "where possible, 5 working days",
        (2, "managers-speak"): "4 hours (the same working day)",
        (3, ""): "10 working days, or a shorter timescale the stage's owner sets to protect "
        "the person",
        (4, ""): "a timescale the stage's owner sets",
        (4, "arrange-conference"): "10 working days",
    }


def test_the_procedure_page_sentence_of_each_kind_reads_like_the_document() -> None:
    s1, s2, s3, s4 = RIVERSIDE.stages
    assert sentence(s1.conclude_by, what="Resolve or escalate") == (  # type: ignore[arg-type]
        "Resolve or escalate within 5 working days of the other professional acknowledging "
        "the challenge."
    )
    assert sentence(s2.conclude_by, what="Resolve or escalate") == (  # type: ignore[arg-type]
        "Where possible, resolve or escalate within 5 working days of the first discussion "
        "at the stage."
    )
    assert sentence(s2.other_deadlines[0].timescale, what="Speak") == (
        "Speak on the same working day as the previous stage being escalated (within 4 hours)."
    )
    assert sentence(s3.conclude_by, what="Resolve") == (  # type: ignore[arg-type]
        "Resolve within 10 working days of the previous stage being escalated, or sooner if "
        "the stage's owner sets a shorter timescale to protect the person."
    )
    assert sentence(s4.conclude_by, what="Resolve") == (  # type: ignore[arg-type]
        "Resolve within a timescale the stage's owner sets for the case."
    )


def test_old_timescales_read_on_the_procedure_page_as_they_always_did() -> None:
    t = timescale(amount=1, unit="working_days", anchor="concern_arose")
    assert sentence(t, what="Start") == "Start within 1 working day of the concern arising."
    t = timescale(amount=9, unit="calendar_days", anchor="stage_started", roll_forward=True)
    assert sentence(t, what="Conclude") == (
        "Conclude by day 9, counting the day it started as day 1 (moved to the next working "
        "day if that falls on a weekend or bank holiday)."
    )


def test_every_new_field_is_described_in_the_json_schema() -> None:
    schema = json.loads(library.json_schema())
    fields = schema["$defs"]["Timescale"]["properties"]
    for name in ("hours", "where_possible", "owner_may_shorten", "unit", "anchor", "amount"):
        assert fields[name].get("description"), name
    assert {"immediately", "same_working_day", "set_by_owner"} <= set(
        schema["$defs"]["Unit"]["enum"]
    )


def test_a_stored_definition_reads_back_the_same() -> None:
    again = library.from_dict(RIVERSIDE.model_dump(mode="json"))
    assert again == RIVERSIDE


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        (
            {"unit": "working_days", "anchor": "stage_started"},
            ["conclude_by.amount", "is required: say how many working days"],
        ),
        (
            {"amount": 3, "unit": "immediately", "anchor": "stage_started"},
            ["'immediately' takes no amount: remove amount"],
        ),
        (
            {"amount": 2, "unit": "same_working_day", "anchor": "stage_started"},
            ["'same_working_day' takes no amount"],
        ),
        (
            {"unit": "same_working_day", "anchor": "stage_started", "roll_forward": True},
            ["only applies to calendar days; the same working day always falls on a working day"],
        ),
        (
            {"hours": 48, "amount": 5, "unit": "working_days", "anchor": "stage_started"},
            ["48 hours does not agree with 5 working days", "2 or 3 working days"],
        ),
        (
            {"hours": 48, "amount": 1, "unit": "working_days", "anchor": "stage_started"},
            ["48 hours does not agree with 1 working day"],
        ),
        (
            {"hours": 72, "amount": 9, "unit": "calendar_days", "anchor": "stage_started"},
            ["72 hours does not agree with day 9", "day 4 or day 5"],
        ),
        (
            {"hours": 36, "unit": "same_working_day", "anchor": "stage_started"},
            ["36 hours is more than the same working day", "amount = 2"],
        ),
        (
            {"hours": 2, "unit": "immediately", "anchor": "stage_started"},
            ["'immediately' is not counted in hours: remove hours"],
        ),
        (
            {"hours": 0, "amount": 1, "unit": "working_days", "anchor": "stage_started"},
            ["conclude_by.hours"],
        ),
        (
            {"unit": "set_by_owner", "anchor": "stage_started", "owner_may_shorten": True},
            ["set_by_owner already lets the stage's owner set any date"],
        ),
        (
            {"unit": "immediately", "anchor": "stage_started", "owner_may_shorten": True},
            ["nothing is sooner than immediately"],
        ),
        (
            {"amount": 2, "unit": "working_days", "anchor": "when_convenient"},
            ["'when_convenient' is not allowed", "'other_professional_acknowledged'"],
        ),
    ],
)
def test_a_timescale_that_cannot_be_counted_is_refused_in_plain_words(
    fields: dict[str, Any], words: list[str]
) -> None:
    problem = refusal(**fields)
    assert problem.startswith("stages[2] (stage 3).conclude_by"), problem
    for word in words:
        assert word in problem, problem


def test_hours_and_working_days_that_agree_are_accepted() -> None:
    for hours, amount in ((24, 1), (24, 2), (48, 2), (48, 3), (72, 3), (36, 2)):
        t = timescale(hours=hours, amount=amount, unit="working_days", anchor="stage_started")
        assert in_words(t) == f"{hours} hours ({amount} working day{'s' if amount > 1 else ''})"
    assert timescale(hours=24, unit="same_working_day", anchor="concern_arose").hours == 24


def test_anchors_a_stage_cannot_have_are_refused() -> None:
    escalated = timescale(amount=2, unit="working_days", anchor="previous_stage_escalated")
    with pytest.raises(ValueError, match="stage 1 has no previous stage to be escalated"):
        check_in_stage(1, None, [("conclude_by", escalated)])
    with pytest.raises(ValueError, match="that is the day this stage starts"):
        check_in_stage(2, escalated, [])
    discussed = timescale(amount=2, unit="working_days", anchor="first_discussion")
    with pytest.raises(ValueError, match="the stage must start first"):
        check_in_stage(2, discussed, [])
    owners = timescale(unit="set_by_owner", anchor="concern_arose")
    with pytest.raises(ValueError, match="the stage has no owner until it starts"):
        check_in_stage(2, owners, [])
    check_in_stage(2, None, [("conclude_by", escalated)])  # fine from stage 2 on


# ---------------------------------------------------------------- the engine


STARTED = {2: D(2026, 12, 5), 3: D(2026, 12, 10), 4: D(2026, 12, 21)}


def deadlines(events: CaseEvents = CaseEvents()) -> dict[tuple[int, str], Any]:
    return {
        (s.number, d.key): d
        for s in stage_deadlines(
            RIVERSIDE, ENGLAND, arose=AROSE, stage_started=STARTED, events=events
        )
        for d in s.all
    }


def test_a_deadline_counted_from_an_event_not_yet_happened_is_not_yet_due() -> None:
    found = deadlines()
    assert found[(1, "conclude_by")].due is None
    assert found[(1, "conclude_by")].explanation == (
        "not yet due: 5 working days counted from when the other professional acknowledges "
        "the challenge"
    )
    assert found[(2, "conclude_by")].explanation.startswith(
        "not yet due: where possible, 5 working days counted from the first discussion at stage 2"
    )
    assert found[(4, "conclude_by")].explanation == (
        "not yet due: stage 4's owner sets this timescale for the case"
    )
    assert act_by(RIVERSIDE, ENGLAND, CaseFacts(arose=AROSE), 1) is None


def test_deadlines_are_counted_from_the_events_once_they_happen() -> None:
    found = deadlines(
        CaseEvents(
            acknowledged=D(2026, 12, 2),
            first_discussion={2: D(2026, 12, 7)},
            escalated={1: D(2026, 12, 5), 2: D(2026, 12, 10)},
        )
    )
    assert found[(1, "conclude_by")].due == D(2026, 12, 9)
    assert "the other professional acknowledged the challenge on Wed 2 Dec 2026" in (
        found[(1, "conclude_by")].explanation
    )
    assert found[(2, "conclude_by")].due == D(2026, 12, 14)
    assert found[(2, "conclude_by")].label == "Where possible, conclude by"
    assert found[(3, "conclude_by")].due == D(2026, 12, 24)
    assert "stage 2 was escalated on Thu 10 Dec 2026" in found[(3, "conclude_by")].explanation
    facts = CaseFacts(arose=AROSE)
    got = act_by(RIVERSIDE, ENGLAND, facts, 1, CaseEvents(acknowledged=D(2026, 12, 2)))
    assert got is not None and got.due == D(2026, 12, 9)


def test_immediately_is_the_day_itself_and_the_same_working_day_moves_off_a_weekend() -> None:
    found = deadlines()
    assert found[(1, "tell-safeguarding-lead")].due == AROSE
    assert found[(1, "tell-safeguarding-lead")].explanation == (
        "immediately: the concern arose on Tue 1 Dec 2026"
    )
    # Stage 2 began (stage 1 escalated) on Saturday 5 December: the next working day.
    assert found[(2, "managers-speak")].due == D(2026, 12, 7)
    assert found[(2, "managers-speak")].explanation.endswith("so Mon 7 Dec 2026: weekend")


def test_hours_are_shown_and_the_working_days_beside_them_are_counted() -> None:
    found = deadlines()
    assert found[(1, "acknowledge")].due == D(2026, 12, 3)  # 2 working days after Tuesday
    assert found[(1, "acknowledge")].explanation.startswith("48 hours (2 working days) after")


def test_an_owner_may_set_a_shorter_timescale_but_the_engine_never_takes_a_longer_one() -> None:
    escalated = {2: D(2026, 12, 10)}
    shorter = deadlines(
        CaseEvents(escalated=escalated, set_by_owner={(3, "conclude_by"): D(2026, 12, 14)})
    )
    assert shorter[(3, "conclude_by")].due == D(2026, 12, 14)
    assert "set by stage 3's owner to protect the person (sooner than 10 working days" in (
        shorter[(3, "conclude_by")].explanation
    )
    longer = deadlines(
        CaseEvents(escalated=escalated, set_by_owner={(3, "conclude_by"): D(2027, 2, 1)})
    )
    assert longer[(3, "conclude_by")].due == D(2026, 12, 24)


def test_a_timescale_the_owner_sets_is_due_on_their_date() -> None:
    found = deadlines(CaseEvents(set_by_owner={(4, "conclude_by"): D(2027, 1, 8)}))
    assert found[(4, "conclude_by")].due == D(2027, 1, 8)
    assert found[(4, "conclude_by")].explanation == (
        "set by stage 4's owner for the case: Fri 8 Jan 2027"
    )


def stage_refusal(number: int, where: str, **fields: Any) -> str:
    """The one problem the Riverside definition has with stage ``number``'s ``where``
    (start_by, conclude_by or an extra deadline's index) set to ``fields``."""
    data = RIVERSIDE.model_dump(mode="json")
    stage = data["stages"][number - 1]
    if where.isdigit():
        stage["other_deadlines"][int(where)]["timescale"] = fields
    else:
        stage[where] = fields
    with pytest.raises(DefinitionError) as caught:
        library.from_dict(data)
    (problem,) = caught.value.problems
    return problem


def test_a_definition_counting_stage_1_from_a_previous_escalation_is_refused() -> None:
    escalated = {"amount": 2, "unit": "working_days", "anchor": "previous_stage_escalated"}
    for where, path in (("conclude_by", "conclude_by"), ("1", "other_deadlines[1].timescale")):
        problem = stage_refusal(1, where, **escalated)
        assert problem.startswith(f"stages[0] (stage 1).{path}.anchor"), problem
        assert "stage 1 has no previous stage to be escalated" in problem, problem


def test_a_definition_with_a_start_by_the_stage_cannot_have_is_refused() -> None:
    escalated = {"amount": 2, "unit": "working_days", "anchor": "previous_stage_escalated"}
    problem = stage_refusal(2, "start_by", **escalated)
    assert problem.startswith("stages[1] (stage 2).start_by.anchor"), problem
    assert "that is the day this stage starts" in problem
    owner_sets = {"unit": "set_by_owner", "anchor": "concern_arose"}
    problem = stage_refusal(3, "start_by", **owner_sets)
    assert problem.startswith("stages[2] (stage 3).start_by.unit"), problem
    assert "the stage has no owner until it starts" in problem
