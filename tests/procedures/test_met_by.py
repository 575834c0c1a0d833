"""An extra deadline met by an event of the case (``met_by``): the other professional
acknowledging the challenge, or the first discussion at the stage. The format takes it
and refuses what cannot work, and every place that describes a procedure (``escalate
procedure show`` and ``deadlines``, the procedure page's sentences, the difference
between versions, the JSON Schema) says what meets the deadline. That the case's
stored deadline is then met and no longer chased is walked end to end in
tests/cases/test_riverside_end_to_end.py."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from escalate.procedures import cli, library
from escalate.procedures.diff import differences
from escalate.procedures.library import DefinitionError
from escalate.procedures.model import Procedure
from escalate.procedures.schema import json_schema
from escalate.procedures.stages import MetBy

RIVERSIDE_FILE = Path(__file__).parent / "definitions" / "riverside.toml"
RIVERSIDE_TEXT = RIVERSIDE_FILE.read_text(encoding="utf-8")
RIVERSIDE = library.load_file(RIVERSIDE_FILE)
MET_BY_LINE = 'met_by = "other_professional_acknowledged"'
MET_BY_DISCUSSION = 'met_by = "first_discussion"'


def refused(text: str) -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        library.parse(text, "changed.toml")
    return caught.value.problems


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def acknowledge(procedure: Procedure) -> Any:
    return next(d for d in procedure.stage(1).other_deadlines if d.key == "acknowledge")


def test_a_deadline_names_the_event_that_meets_it() -> None:
    assert acknowledge(RIVERSIDE).met_by is MetBy.OTHER_PROFESSIONAL_ACKNOWLEDGED
    speak = next(d for d in RIVERSIDE.stage(2).other_deadlines if d.key == "managers-speak")
    assert speak.met_by is MetBy.FIRST_DISCUSSION


def test_every_shipped_procedure_still_loads_without_it() -> None:
    for procedure in library.load_library().values():
        assert all(d.met_by is None for s in procedure.stages for d in s.other_deadlines)


def test_an_event_that_is_not_one_is_refused_naming_the_choices() -> None:
    wrong = 'met_by = "acknowledged"'
    text = RIVERSIDE_TEXT.replace(MET_BY_LINE, wrong)
    [problem] = refused(text)
    where = "stages[0] (stage 1).other_deadlines[0].met_by"
    assert problem.startswith(f"line {line_of(text, wrong)}, {where}: 'acknowledged'")
    assert "'other_professional_acknowledged'" in problem
    assert "'first_discussion'" in problem


def test_a_deadline_counted_from_the_event_that_meets_it_is_refused() -> None:
    text = RIVERSIDE_TEXT.replace(
        'anchor = "previous_stage_escalated"\nsource = "Line managers should speak',
        'anchor = "first_discussion"\nsource = "Line managers should speak',
    )
    [problem] = refused(text)
    assert problem == (
        f"line {line_of(text, MET_BY_DISCUSSION)}, "
        "stages[1] (stage 2).other_deadlines[0].met_by: 'Speak to the other line manager' "
        "counts from the event that meets it (first_discussion), so it would be met the day "
        "it begins; count it from an earlier day (such as 'concern_arose' or "
        "'stage_started') or leave out met_by"
    )


def show(argument: str) -> str:
    out = io.StringIO()
    assert cli.main(["show", argument], out=out) == 0
    return " ".join(out.getvalue().split())


def test_show_says_what_meets_the_deadline() -> None:
    said = show(str(RIVERSIDE_FILE))
    assert (
        "Acknowledge the challenge within 48 hours (2 working days) of the concern arising. "
        "Met when the other professional acknowledges the challenge."
    ) in said
    assert "Met when the first discussion at the stage is recorded." in said


def deadlines_json(*args: str) -> dict[str, Any]:
    out, err = io.StringIO(), io.StringIO()
    saved, sys.stderr = sys.stderr, err
    try:
        code = cli.main(["deadlines", str(RIVERSIDE_FILE), "--json", *args], out=out)
    finally:
        sys.stderr = saved
    assert (code, err.getvalue()) == (0, "")
    data: dict[str, Any] = json.loads(out.getvalue())
    return data


def test_deadlines_json_says_which_event_meets_each_deadline() -> None:
    data = deadlines_json("--arose", "2026-12-01")
    stage_1 = {d["key"]: d for d in data["stages"][0]["deadlines"]}
    assert stage_1["acknowledge"]["met_by"] == "other_professional_acknowledged"
    assert stage_1["tell-safeguarding-lead"]["met_by"] is None
    assert stage_1["conclude_by"]["met_by"] is None


def test_deadlines_text_says_what_meets_the_deadline() -> None:
    out = io.StringIO()
    assert cli.main(["deadlines", str(RIVERSIDE_FILE), "--arose", "2026-12-01"], out=out) == 0
    assert "(Met when the other professional acknowledges the challenge.)" in out.getvalue()


def test_the_difference_between_versions_names_what_meets_it() -> None:
    data = json.loads(RIVERSIDE.model_dump_json())
    data["stages"][0]["other_deadlines"][0]["met_by"] = None
    before = library.from_dict(data, "before")
    [row] = differences(before, RIVERSIDE)
    assert (row.what, row.before, row.after) == (
        "Other deadline",
        "Acknowledge the challenge within 48 hours (2 working days) of the concern arising. "
        "(Who: Practitioner.)",
        "Acknowledge the challenge within 48 hours (2 working days) of the concern arising. "
        "Met when the other professional acknowledges the challenge. (Who: Practitioner.)",
    )


def test_the_schema_describes_met_by_and_lists_its_events() -> None:
    schema = json_schema()
    field = schema["$defs"]["NamedDeadline"]["properties"]["met_by"]
    assert "meets it" in field["description"]
    text = json.dumps(field) + json.dumps(schema["$defs"].get("MetBy", {}))
    assert "other_professional_acknowledged" in text and "first_discussion" in text
