"""``escalate procedure ...`` run for real, in a subprocess, as people will run it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from escalate.procedures import library

CHESHIRE_EAST = library.LIBRARY / "cheshire-east-sab.toml"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "escalate", "procedure", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert "Traceback" not in result.stdout
    return result


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("escalate procedure: ")
    return lines[0]


# ---------------------------------------------------------------- deadlines


def test_deadlines_json_for_the_christmas_example() -> None:
    result = run("deadlines", "cheshire-east-sab", "--arose", "2026-12-23", "--json")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    data = json.loads(result.stdout)  # exactly one JSON object, nothing else
    assert result.stdout.count("\n") == 1
    assert list(data) == ["procedure", "arose", "stages"]
    assert data["procedure"] == "cheshire-east-sab"
    assert data["arose"] == "2026-12-23"
    assert [(s["number"], s["start_by"], s["conclude_by"]) for s in data["stages"]] == [
        (1, "2026-12-24", None),
        (2, "2026-12-29", "2026-12-31"),
        (3, "2026-12-31", "2027-01-05"),
        (4, "2027-01-07", "2027-01-12"),
    ]
    for stage in data["stages"]:  # the keys it always had, in their order, then more
        assert list(stage)[:5] == ["number", "title", "start_by", "conclude_by", "other_deadlines"]
    assert data["stages"][0]["title"] == "Professionals resolving disagreements"
    [chair] = data["stages"][3]["other_deadlines"]
    assert chair["key"] == "chair-recommendation"
    assert chair["due"] is None  # stage 4's start is not known yet
    assert "not yet known" in chair["explanation"]
    assert all(s["other_deadlines"] == [] for s in data["stages"][:3])


def test_deadlines_json_with_a_stage_started() -> None:
    result = run(
        "deadlines",
        "cheshire-east-sab",
        "--arose=2026-12-23",
        "--stage-started",
        "2=2026-12-29",
        "--stage-started",
        "4=2027-01-06",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    [chair] = data["stages"][3]["other_deadlines"]
    assert chair["due"] == "2027-01-13"
    assert chair["explanation"].startswith("5 working days after stage 4 began on Wed 6 Jan 2027")
    # deadlines counted from the day the concern arose do not move
    assert data["stages"][3]["conclude_by"] == "2027-01-12"


def test_deadlines_as_text_explain_themselves() -> None:
    result = run("deadlines", "cheshire-east-sab", "--arose", "2026-12-23")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("CESAB Multi-agency Escalation Procedure: concern arose Wed 23 Dec 2026")
    assert "Stage 2: Safeguarding leads and line managers" in out
    assert "Start by: Tue 29 Dec 2026" in out
    assert "= Fri 25 Dec 2026, rolled to Tue 29 Dec 2026" in out
    assert "Boxing Day (substitute day)" in out
    assert "Chair's recommendation communicated to all involved: not yet known" in out


def test_deadlines_for_an_unknown_procedure() -> None:
    result = run("deadlines", "no-such-board", "--arose", "2026-12-23", "--json")
    line = one_line_error(result)
    assert result.returncode == 1
    assert "there is no procedure called 'no-such-board'" in line
    assert "cheshire-east-sab" in line  # says which ones there are


@pytest.mark.parametrize(
    "day", ["2026-02-30", "2026-13-01", "23/12/2026", "tomorrow", "20261223", "", "9999-12-31"]
)
def test_deadlines_with_an_impossible_date(day: str) -> None:
    line = one_line_error(run("deadlines", "cheshire-east-sab", "--arose", day, "--json"))
    assert "argument --arose" in line
    assert "YYYY-MM-DD" in line or "out of range" in line


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("2", "should look like 2=2026-12-29"),
        ("two=2026-12-29", "should look like 2=2026-12-29"),
        ("-1=2026-12-29", "should look like 2=2026-12-29"),
        ("2=2026-02-30", "is not a real date"),
        ("2=", "is not a real date"),
        ("5=2026-12-29", "cheshire-east-sab has stages 1 to 4, not 5"),
        ("0=2026-12-29", "cheshire-east-sab has stages 1 to 4, not 0"),
        ("2=2026-12-22", "stage 2 cannot start on 2026-12-22, before the concern arose"),
    ],
)
def test_deadlines_with_a_malformed_stage_started(value: str, words: str) -> None:
    result = run(
        "deadlines", "cheshire-east-sab", "--arose", "2026-12-23", f"--stage-started={value}"
    )
    line = one_line_error(result)
    assert words in line


def test_deadlines_with_stages_started_out_of_order() -> None:
    result = run(
        "deadlines",
        "cheshire-east-sab",
        "--arose",
        "2026-12-23",
        "--stage-started",
        "3=2026-12-24",
        "--stage-started",
        "2=2026-12-29",
    )
    line = one_line_error(result)
    assert "stage 3 cannot start on 2026-12-24, before stage 2 started on 2026-12-29" in line


def test_deadlines_with_a_stage_started_twice() -> None:
    result = run(
        "deadlines",
        "cheshire-east-sab",
        "--arose",
        "2026-12-23",
        "--stage-started",
        "2=2026-12-29",
        "--stage-started",
        "2=2026-12-30",
    )
    assert "--stage-started 2=... is given more than once" in one_line_error(result)


def test_deadlines_without_arose() -> None:
    line = one_line_error(run("deadlines", "cheshire-east-sab"))
    assert "the following arguments are required: --arose" in line


# ---------------------------------------------------------------- list, show, schema


def test_list() -> None:
    result = run("list")
    assert result.returncode == 0, result.stderr
    line = next(ln for ln in result.stdout.splitlines() if ln.startswith("cheshire-east-sab "))
    assert "CESAB Multi-agency Escalation Procedure" in line
    assert "(Cheshire East Safeguarding Adults Board)" in line


def test_show() -> None:
    result = run("show", "cheshire-east-sab")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("CESAB Multi-agency Escalation Procedure\n=====")
    assert "Working days: england-and-wales bank holidays." in out
    for n, title in [(1, "Professionals resolving disagreements"), (4, "CESAB Independent Chair")]:
        assert f"Stage {n}: {title}" in out
    # each timescale as the procedure page says it (timescales.sentence)
    assert "Start by day 3, counting the day the concern arose as day 1" in out
    assert "Start within 1 working day of the concern arising." in out
    assert "within 5 working days of the stage starting." in out
    assert "Every case still starts at stage 1." in out
    assert "Form at this stage: Form for submitting cases" in out


def test_show_an_unknown_procedure() -> None:
    result = run("show", "nope")
    assert result.returncode == 1
    assert "there is no procedure called 'nope'" in one_line_error(result)


def test_schema_is_a_json_schema_of_the_format() -> None:
    result = run("schema")
    assert result.returncode == 0, result.stderr
    schema = json.loads(result.stdout)
    assert schema["type"] == "object"
    assert "stages" in schema["properties"]
    assert "stages" in schema["required"]
    assert schema["additionalProperties"] is False
    assert {"Stage", "Timescale"} <= set(schema["$defs"])
    unit = schema["$defs"]["Unit"]
    assert set(unit["enum"]) == {
        "calendar_days",
        "working_days",
        "immediately",
        "same_working_day",
        "set_by_owner",
    }


# ---------------------------------------------------------------- validate and usage


def test_validate_valid_and_invalid(tmp_path: Path) -> None:
    ok = run("validate", str(CHESHIRE_EAST))
    assert ok.returncode == 0
    assert ok.stdout.strip() == f"{CHESHIRE_EAST}: valid: cheshire-east-sab, 4 stages"
    bad = tmp_path / "cheshire-east-sab.toml"
    bad.write_text(
        CHESHIRE_EAST.read_text(encoding="utf-8").replace(
            'unit = "working_days"', 'unit = "weeks"', 1
        ),
        encoding="utf-8",
    )
    result = run("validate", str(bad))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"escalate procedure: {bad} is not a valid procedure definition:",
        f"  {bad}: line 94, stages[0] (stage 1).start_by.unit: 'weeks' is not allowed; use "
        "one of 'immediately', 'same_working_day', 'set_by_owner', 'calendar_days' or "
        "'working_days'",
    ]


@pytest.mark.parametrize(
    "args",
    [[], ["bogus"], ["deadlines"], ["show"], ["list", "extra"], ["deadlines", "x", "--nope"]],
)
def test_usage_errors_are_one_line(args: list[str]) -> None:
    result = run(*args)
    assert result.returncode == 2
    assert "see 'escalate procedure --help'" in one_line_error(result)


def test_help() -> None:
    result = run("--help")
    assert result.returncode == 0
    for command in ("list", "show", "validate", "deadlines", "schema"):
        assert command in result.stdout
    result = run("deadlines", "--help")
    assert result.returncode == 0
    assert "--stage-started N=YYYY-MM-DD" in result.stdout
