"""Malformed procedure definitions are refused, each with a message that says where and what.

Most cases start from the Cheshire East definition, change one thing, and check that
the one problem is reported at the right field in words someone editing TOML can act on.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from escalate.procedures import library
from escalate.procedures.library import DefinitionError
from escalate.procedures.model import Procedure, Recipient

CHESHIRE_EAST = library.LIBRARY / "cheshire-east-sab.toml"
BASE: dict[str, Any] = tomllib.loads(CHESHIRE_EAST.read_text(encoding="utf-8"))

Change = Callable[[dict[str, Any]], None]


def set_at(path: str, value: object) -> Change:
    """Set a value by dotted path; numbers index lists: 'stages.1.start_by.unit'."""

    def change(data: dict[str, Any]) -> None:
        *parents, last = _keys(path)
        node: Any = data
        for key in parents:
            node = node[key]
        node[last] = value

    return change


def drop(path: str) -> Change:
    def change(data: dict[str, Any]) -> None:
        *parents, last = _keys(path)
        node: Any = data
        for key in parents:
            node = node[key]
        del node[last]

    return change


def _keys(path: str) -> list[str | int]:
    return [int(p) if p.isdigit() else p for p in path.split(".")]


def problems_after(*changes: Change) -> list[str]:
    data = copy.deepcopy(BASE)
    for change in changes:
        change(data)
    with pytest.raises(DefinitionError) as caught:
        library.from_dict(data, "changed.toml")
    assert caught.value.source == "changed.toml"
    assert all(p.strip() for p in caught.value.problems)
    return caught.value.problems


def test_the_unchanged_definition_is_valid() -> None:
    procedure = library.from_dict(copy.deepcopy(BASE))
    assert isinstance(procedure, Procedure)
    assert [s.number for s in procedure.stages] == [1, 2, 3, 4]


def _swap_stages_2_and_3(data: dict[str, Any]) -> None:
    s = data["stages"]
    s[1], s[2] = s[2], s[1]


def _rename(old: str, new: str, under: str = "") -> Change:
    def change(data: dict[str, Any]) -> None:
        node: Any = data
        for key in _keys(under) if under else []:
            node = node[key]
        node[new] = node.pop(old)

    return change


#: (id, changes, where the problem is, words that must be in the message)
MUTATIONS: list[tuple[str, list[Change], str, list[str]]] = [
    ("no stages", [drop("stages")], "stages", ["is required but missing"]),
    ("empty stages", [set_at("stages", [])], "stages", ["must not be empty"]),
    (
        "stages as one table",
        [set_at("stages", {"number": 1})],
        "stages",
        ["must be a list", "[[stages]]"],
    ),
    (
        "duplicate stage numbers",
        [set_at("stages.2.number", 2)],
        "stages[2] (stage 2).number",
        ["duplicate stage number 2"],
    ),
    (
        "gapped stage numbers",
        [set_at("stages.3.number", 5)],
        "stages",
        ["must run 1 to 4 without gaps", "found 1, 2, 3 and 5", "no stage 4"],
    ),
    (
        "stages out of order",
        [_swap_stages_2_and_3],
        "stages",
        ["must be listed in order 1 to 4", "1, 3, 2 and 4"],
    ),
    (
        "stage number zero",
        [set_at("stages.0.number", 0)],
        "stages[0] (stage 0).number",
        ["0 must be 1 or more"],
    ),
    (
        "unknown unit",
        [set_at("stages.1.start_by.unit", "weeks")],
        "stages[1] (stage 2).start_by.unit",
        ["'weeks' is not allowed", "'calendar_days' or 'working_days'"],
    ),
    (
        "misspelt unit",
        [set_at("stages.1.conclude_by.unit", "working_day")],
        "stages[1] (stage 2).conclude_by.unit",
        ["'working_day' is not allowed", "did you mean 'working_days'?"],
    ),
    (
        "unknown role",
        [set_at("stages.0.roles", ["practioner"])],
        "stages[0] (stage 1).roles[0]",
        ["'practioner' is not allowed", "did you mean 'practitioner'?"],
    ),
    (
        "no roles",
        [set_at("stages.0.roles", [])],
        "stages[0] (stage 1).roles",
        ["must not be empty"],
    ),
    (
        "duplicate role",
        [set_at("stages.1.roles", ["line_manager", "line_manager"])],
        "stages[1] (stage 2).roles",
        ["duplicate role 'line_manager'"],
    ),
    (
        "unknown anchor",
        [set_at("stages.1.conclude_by.anchor", "case_opened")],
        "stages[1] (stage 2).conclude_by.anchor",
        ["'case_opened' is not allowed", "'concern_arose' or 'stage_started'"],
    ),
    (
        "negative amount",
        [set_at("stages.2.conclude_by.amount", -3)],
        "stages[2] (stage 3).conclude_by.amount",
        ["-3 must be 0 or more"],
    ),
    (
        "amount not a number",
        [set_at("stages.2.conclude_by.amount", "fourteen")],
        "stages[2] (stage 3).conclude_by.amount",
        ["'fourteen' must be a whole number"],
    ),
    (
        "fractional amount",
        [set_at("stages.2.conclude_by.amount", 2.5)],
        "stages[2] (stage 3).conclude_by.amount",
        ["2.5 must be a whole number"],
    ),
    (
        "amount over a year",
        [set_at("stages.2.conclude_by.amount", 400)],
        "stages[2] (stage 3).conclude_by.amount",
        ["400 must be 365 or less"],
    ),
    (
        "calendar day 0",
        [set_at("stages.1.start_by.amount", 0)],
        "stages[1] (stage 2).start_by.amount",
        ["0 is not a day number", "day 1", "1 or more"],
    ),
    (
        "start_by later than conclude_by",
        [set_at("stages.1.start_by.amount", 10)],
        "stages[1] (stage 2).start_by",
        ["start_by (day 10) is later than conclude_by (day 9)"],
    ),
    (
        "working-day start_by always after a calendar-day conclude_by",
        [
            set_at(
                "stages.1.start_by",
                {"amount": 9, "unit": "working_days", "anchor": "concern_arose"},
            )
        ],
        "stages[1] (stage 2).start_by",
        ["start_by (9 working days) is later than conclude_by (day 9)"],
    ),
    (
        "later stage due sooner",
        [set_at("stages.2.start_by.amount", 2)],
        "stages[2] (stage 3).start_by",
        ["stage 3's start_by (day 2) is earlier than stage 2's (day 3)"],
    ),
    (
        "roll_forward on working days",
        [set_at("stages.0.start_by.roll_forward", True)],
        "stages[0] (stage 1).start_by.roll_forward",
        ["only applies to calendar days"],
    ),
    (
        "start_by anchored to stage_started",
        [set_at("stages.1.start_by.anchor", "stage_started")],
        "stages[1] (stage 2).start_by.anchor",
        ["start-by cannot be counted from the day that stage started", "'concern_arose'"],
    ),
    (
        "roll_forward not a boolean",
        [set_at("stages.1.start_by.roll_forward", "yes please")],
        "stages[1] (stage 2).start_by.roll_forward",
        ["must be true or false"],
    ),
    (
        "unknown top-level field (typo)",
        [_rename("partnership", "partnershp")],
        "partnershp",
        ["is not a field this format knows", "did you mean 'partnership'?"],
    ),
    (
        "unknown stage field (typo)",
        [_rename("conclude_by", "conclude_bye", under="stages.1")],
        "stages[1] (stage 2).conclude_bye",
        ["is not a field this format knows", "did you mean 'conclude_by'?"],
    ),
    (
        "unknown field nowhere near a real one",
        [set_at("stages.1.start_by.colour", "red")],
        "stages[1] (stage 2).start_by.colour",
        ["is not a field this format knows (check the spelling)"],
    ),
    ("missing key", [drop("key")], "key", ["is required but missing"]),
    ("missing stage title", [drop("stages.2.title")], "stages[2] (stage 3).title", ["missing"]),
    (
        "missing timescale unit",
        [drop("stages.1.start_by.unit")],
        "stages[1] (stage 2).start_by.unit",
        ["is required but missing"],
    ),
    (
        "bad key slug",
        [set_at("key", "Cheshire East SAB")],
        "key",
        ["'Cheshire East SAB' must be lower-case letters and digits", "cheshire-east-sab"],
    ),
    (
        "bad effective date",
        [set_at("effective", "April 2023")],
        "effective",
        ["'April 2023' is not a date", "YYYY-MM-DD"],
    ),
    (
        "review before effective",
        [set_at("review", dt.date(2022, 4, 1))],
        "review",
        ["review date 2022-04-01 is before the effective date 2023-04-01"],
    ),
    (
        "missing on_unresolved on a non-final stage",
        [drop("stages.1.on_unresolved")],
        "stages[1] (stage 2).on_unresolved",
        ["is required", "stage 2 does not resolve", "only the final stage"],
    ),
    (
        "duplicate checklist keys",
        [set_at("stages.1.checklist.1.key", "identify-problem")],
        "stages[1] (stage 2).checklist[1].key",
        ["duplicate key 'identify-problem'"],
    ),
    (
        "bad checklist key",
        [set_at("stages.1.checklist.0.key", "Identify problem")],
        "stages[1] (stage 2).checklist[0].key",
        ["must be lower-case letters and digits"],
    ),
    (
        "owner_roles not in roles",
        [set_at("stages.2.owner_roles", ["director"])],
        "stages[2] (stage 3).owner_roles",
        ["'director' must also be listed in this stage's roles"],
    ),
    (
        "deadline role that does not act at the stage",
        [set_at("stages.3.other_deadlines.0.role", "director")],
        "stages[3] (stage 4).other_deadlines[0].role",
        ["'director' does not act at this stage"],
    ),
    (
        "unknown recipient",
        [set_at("stages.1.on_unresolved.notify", ["the_boss"])],
        "stages[1] (stage 2).on_unresolved.notify[0]",
        ["'the_boss' is not allowed", "'stage_owner'"],
    ),
    (
        "unknown duty kind",
        [set_at("stages.0.on_resolved.0.kind", "write_it_down")],
        "stages[0] (stage 1).on_resolved[0].kind",
        ["'write_it_down' is not allowed", "'record_in_writing'"],
    ),
    (
        "unknown region",
        [set_at("region", "wales")],
        "region",
        ["'wales' is not allowed", "'england-and-wales'"],
    ),
    (
        "unknown protects",
        [set_at("protects", "everyone")],
        "protects",
        ["'everyone' is not allowed", "'adults', 'children' or 'both'"],
    ),
    (
        "referral form without fields",
        [set_at("stages.3.referral_form.fields", [])],
        "stages[3] (stage 4).referral_form.fields",
        ["must not be empty"],
    ),
    (
        "duplicate form field keys",
        [set_at("stages.3.referral_form.fields.1.key", "adult-name")],
        "stages[3] (stage 4).referral_form.fields[1].key",
        ["duplicate key 'adult-name'"],
    ),
    (
        "unknown prefill",
        [set_at("stages.3.referral_form.fields.0.prefill", "person.nmae")],
        "stages[3] (stage 4).referral_form.fields[0].prefill",
        ["'person.nmae' is not allowed", "did you mean 'person.name'?"],
    ),
    (
        "duplicate category keys",
        [set_at("categories.1.key", "difference-of-opinion")],
        "categories[1].key",
        ["duplicate key 'difference-of-opinion'"],
    ),
    ("empty title", [set_at("stages.0.title", "   ")], "stages[0] (stage 1).title", ["empty"]),
    ("empty name", [set_at("name", "")], "name", ["must not be empty"]),
    (
        "expedite.allowed not a boolean",
        [set_at("expedite.allowed", "sometimes")],
        "expedite.allowed",
        ["'sometimes' must be true or false"],
    ),
    (
        "a stage that is not a table",
        [set_at("stages.1", "stage two")],
        "stages[1]",
        ["'stage two' must be a table of fields"],
    ),
    (
        "title not text",
        [set_at("stages.1.title", 2)],
        "stages[1] (stage 2).title",
        ["2 must be text in quotes"],
    ),
    (
        "resolve_roles not in roles",
        [set_at("stages.3.resolve_roles", ["statutory_partner"])],
        "stages[3] (stage 4).resolve_roles",
        [
            "'statutory_partner' must also be listed in this stage's roles",
            "whoever resolves it acts at the stage",
        ],
    ),
    (
        "unknown role in resolve_roles",
        [set_at("stages.3.resolve_roles", ["independant_chair"])],
        "stages[3] (stage 4).resolve_roles[0]",
        ["'independant_chair' is not allowed", "did you mean 'independent_chair'?"],
    ),
    (
        "duplicate role in escalate_roles",
        [set_at("stages.1.escalate_roles", ["senior_manager", "senior_manager"])],
        "stages[1] (stage 2).escalate_roles",
        ["duplicate role 'senior_manager'"],
    ),
    (
        "escalate_roles acting at neither stage",
        [set_at("stages.1.escalate_roles", ["line_manager", "director"])],
        "stages[1] (stage 2).escalate_roles",
        [
            "'director' acts neither at stage 2 nor at stage 3",
            "whoever escalates a stage acts at it or at the stage it goes to",
        ],
    ),
    (
        "escalate_roles on the final stage",
        [set_at("stages.3.escalate_roles", ["independent_chair"])],
        "stages[3] (stage 4).escalate_roles",
        ["stage 4 is the final stage, so it cannot be escalated", "resolve_roles"],
    ),
    (
        "unknown recipient told of a stage's decisions",
        [set_at("stages.1.on_every_decision", ["raiser"])],
        "stages[1] (stage 2).on_every_decision[0]",
        ["'raiser' is not allowed", "'raising_practitioner'"],
    ),
    (
        "recipient told twice of a stage's decisions",
        [set_at("stages.1.on_every_decision", ["raising_practitioner", "raising_practitioner"])],
        "stages[1] (stage 2).on_every_decision",
        ["duplicate recipient 'raising_practitioner'"],
    ),
    (
        "policy issues sent to nobody",
        [set_at("policy_issues", {"notify": []})],
        "policy_issues.notify",
        ["must not be empty"],
    ),
    (
        "policy issues sent to an unknown recipient",
        [set_at("policy_issues", {"notify": ["independant_chair"]})],
        "policy_issues.notify[0]",
        ["'independant_chair' is not allowed", "did you mean 'independent_chair'?"],
    ),
    (
        "policy issues misspelt field",
        [set_at("policy_issues", {"notfy": ["independent_chair"]})],
        "policy_issues.notfy",
        ["is not a field this format knows", "did you mean 'notify'?"],
    ),
]


@pytest.mark.parametrize(
    ("changes", "where", "words"),
    [pytest.param(c, w, ws, id=i) for i, c, w, ws in MUTATIONS],
)
def test_malformed_definition_is_refused_at_the_field(
    changes: list[Change], where: str, words: list[str]
) -> None:
    found = problems_after(*changes)
    matching = [p for p in found if p.startswith(f"{where}: ")]
    assert matching, f"no problem reported at {where!r}: {found}"
    message = matching[0]
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"
    assert "Value error" not in message and "validation error" not in message
    assert "pydantic" not in message


def test_there_are_at_least_twenty_cases() -> None:
    assert len(MUTATIONS) >= 20


def test_one_change_one_problem() -> None:
    # a bad item in a list is not also reported as the list being "too short"
    assert problems_after(set_at("stages.0.roles", ["practioner"])) == [
        "stages[0] (stage 1).roles[0]: 'practioner' is not allowed; use one of "
        "'practitioner', 'line_manager', 'safeguarding_lead', 'senior_manager', 'director', "
        "'board_representative', 'business_unit', 'independent_chair' or 'statutory_partner' "
        "(did you mean 'practitioner'?)"
    ]
    assert problems_after(set_at("stages", [1])) == [
        "stages[0]: 1 must be a table of fields, not a single value"
    ]


def test_every_problem_is_reported_at_once() -> None:
    found = problems_after(
        drop("name"),
        set_at("region", "wales"),
        set_at("stages.1.start_by.unit", "weeks"),
    )
    assert [p.split(":")[0] for p in found] == [
        "name",
        "region",
        "stages[1] (stage 2).start_by.unit",
    ]


def test_who_acts_and_who_is_told_are_in_the_json_schema() -> None:
    schema = json.loads(library.json_schema())
    stage = schema["$defs"]["Stage"]["properties"]
    for field in ("escalate_roles", "resolve_roles", "on_every_decision"):
        assert stage[field]["description"], field
    assert "notify" in schema["$defs"]["PolicyIssues"]["properties"]
    assert "policy_issues" in schema["properties"]


def test_who_acts_defaults_to_the_stage_roles() -> None:
    procedure = library.parse(MINIMAL, "tiny.toml")
    stage = procedure.stage(1)
    assert stage.escalators == stage.resolvers == stage.roles
    assert procedure.policy_issues.notify == (Recipient.INDEPENDENT_CHAIR,)


def test_final_stage_may_leave_out_on_unresolved() -> None:
    data = copy.deepcopy(BASE)
    assert "on_unresolved" not in data["stages"][3]
    library.from_dict(data)


# ---------------------------------------------------------------- TOML text

MINIMAL = """
key = "tiny"
name = "Tiny procedure"
partnership = "Tiny Board"
version = "1"
effective = 2025-01-01
protects = "adults"
region = "scotland"
guidance = "Talk first."

[source]
title = "Tiny"
publisher = "Tiny Board"
dated = "2025"

[expedite]
allowed = false
prompt = "Call the police if someone is in danger."

[[stages]]
number = 1
title = "Talk"
roles = ["practitioner"]
guidance = "Talk to them."
"""


def test_minimal_toml_is_valid() -> None:
    procedure = library.parse(MINIMAL, "tiny.toml")
    assert procedure.key == "tiny"
    assert procedure.final_stage.number == 1


@pytest.mark.parametrize(
    ("text", "words"),
    [
        pytest.param(
            MINIMAL.replace('name = "Tiny procedure"', 'name = "Tiny procedure'),
            ["this is not valid TOML", "line 3"],
            id="unclosed string",
        ),
        pytest.param(
            MINIMAL.replace("[[stages]]", "[[stages]"),
            ["this is not valid TOML", "line 20"],
            id="unclosed table header",
        ),
        pytest.param(
            MINIMAL.replace('version = "1"', "version = 1\nversion = 2"),
            ["this is not valid TOML"],
            id="key written twice",
        ),
        pytest.param(
            MINIMAL.replace("effective = 2025-01-01", "effective = 2025-13-01"),
            ["this is not valid TOML"],
            id="impossible date",
        ),
    ],
)
def test_bad_toml_syntax_is_refused_with_its_line(text: str, words: list[str]) -> None:
    with pytest.raises(DefinitionError) as caught:
        library.parse(text, "tiny.toml")
    assert caught.value.source == "tiny.toml"
    [problem] = caught.value.problems
    for word in words:
        assert word in problem
    assert str(caught.value).startswith("tiny.toml: this is not valid TOML")


def test_toml_with_stages_as_a_table() -> None:
    text = MINIMAL.replace("[[stages]]", "[stages]")
    with pytest.raises(DefinitionError) as caught:
        library.parse(text, "tiny.toml")
    assert caught.value.problems == [
        "line 20, stages: must be a list (a [ ... ] array, or [[stages]] tables)"
    ]


def test_toml_with_a_quoted_date() -> None:
    text = MINIMAL.replace("effective = 2025-01-01", 'effective = "1st January"')
    with pytest.raises(DefinitionError) as caught:
        library.parse(text, "tiny.toml")
    assert caught.value.problems == [
        "line 6, effective: '1st January' is not a date; write it as YYYY-MM-DD (no quotes)"
    ]


def test_empty_file_lists_every_missing_field() -> None:
    with pytest.raises(DefinitionError) as caught:
        library.parse("", "empty.toml")
    missing = {p.split(":")[0] for p in caught.value.problems}
    assert {"key", "name", "stages", "region", "source"} <= missing
    assert "expedite" not in missing  # optional: a document may say nothing of it
    assert all(p.endswith("is required but missing") for p in caught.value.problems)


# ---------------------------------------------------------------- files


def test_load_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "tiny.toml"
    path.write_text(MINIMAL.replace('region = "scotland"', 'region = "wales"'), encoding="utf-8")
    with pytest.raises(DefinitionError) as caught:
        library.load_file(path)
    assert caught.value.source == str(path)
    assert str(caught.value).startswith(f"{path}: line 8, region: 'wales' is not allowed")


def test_load_file_missing(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError) as caught:
        library.load_file(tmp_path / "nope.toml")
    assert caught.value.problems == ["no such file"]


def test_load_file_directory(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError) as caught:
        library.load_file(tmp_path)
    assert caught.value.problems == ["is a directory, not a definition file"]


def test_load_file_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes(MINIMAL.replace("Talk first.", "Caf\u00e9 first.").encode("latin-1"))
    with pytest.raises(DefinitionError) as caught:
        library.load_file(path)
    [problem] = caught.value.problems
    assert "is not UTF-8 text" in problem
    assert "0xe9" in problem and "line 9" in problem
    assert "save the file as UTF-8" in problem


def test_load_file_with_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "tiny.toml"
    path.write_bytes(b"\xef\xbb\xbf" + MINIMAL.encode("utf-8"))
    assert library.load_file(path).key == "tiny"


# ---------------------------------------------------------------- the CLI


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "escalate", "procedure", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_validate_a_valid_file() -> None:
    result = run_cli("validate", str(CHESHIRE_EAST))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{CHESHIRE_EAST}: valid: cheshire-east-sab, 4 stages"
    assert result.stderr == ""


def test_validate_notes_a_file_name_that_does_not_match_the_key(tmp_path: Path) -> None:
    path = tmp_path / "draft.toml"
    path.write_text(MINIMAL, encoding="utf-8")
    result = run_cli("validate", str(path))
    assert result.returncode == 0
    assert "name the file tiny.toml" in result.stdout


def test_validate_an_invalid_file_names_file_field_and_problem(tmp_path: Path) -> None:
    path = tmp_path / "tiny.toml"
    text = MINIMAL.replace('roles = ["practitioner"]', 'roles = ["practioner"]').replace(
        'region = "scotland"', 'region = "wales"'
    )
    path.write_text(text, encoding="utf-8")
    result = run_cli("validate", str(path))
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0] == f"escalate procedure: {path} is not a valid procedure definition:"
    assert f"  {path}: line 8, region: 'wales' is not allowed" in result.stderr
    assert (
        f"  {path}: line 23, stages[0] (stage 1).roles[0]: 'practioner' is not allowed"
        in result.stderr
    )
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        pytest.param(lambda d: d / "missing.toml", "no such file", id="missing"),
        pytest.param(lambda d: d, "is a directory, not a definition file", id="directory"),
        pytest.param(
            lambda d: (d / "bad.toml", (d / "bad.toml").write_bytes(b'key = "\xff"\n'))[0],
            "is not UTF-8 text",
            id="not utf-8",
        ),
        pytest.param(
            lambda d: (d / "bad.toml", (d / "bad.toml").write_text("key = ", "utf-8"))[0],
            "this is not valid TOML",
            id="bad toml",
        ),
        pytest.param(
            lambda d: (d / "empty.toml", (d / "empty.toml").write_text("", "utf-8"))[0],
            "stages: is required but missing",
            id="empty",
        ),
    ],
)
def test_validate_refuses_without_a_traceback(
    tmp_path: Path, make: Callable[[Path], Path], problem: str
) -> None:
    path = make(tmp_path)
    result = run_cli("validate", str(path))
    assert result.returncode == 1
    assert f"{path}: {problem}" in result.stderr
    assert "Traceback" not in result.stderr


def test_validate_needs_a_file() -> None:
    result = run_cli("validate")
    assert result.returncode == 2
    assert "the following arguments are required: FILE" in result.stderr
    assert "Traceback" not in result.stderr
