"""Values a board could type that the definition format must refuse rather than take
for something else: two roles called the same, an amount beside a unit that takes
none, invisible control characters, numbers and dates written otherwise or far out of
range. Each refusal names the line and the field, in words someone editing the TOML
can act on; stored snapshots (validated without their text) keep loading."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from escalate.procedures import base, calendar, library
from escalate.procedures.library import DefinitionError
from escalate.procedures.model import Procedure, Role, Unit

CHESHIRE = (library.LIBRARY / "cheshire-east-sab.toml").read_text(encoding="utf-8")
RIVERSIDE = (Path(__file__).parent / "definitions" / "riverside.toml").read_text(encoding="utf-8")


def changed(text: str, old: str, new: str) -> str:
    assert text.count(old) >= 1, old
    return text.replace(old, new, 1)


def line_of(text: str, needle: str) -> int:
    """The line ``needle`` starts on in ``text``."""
    return text[: text.index(needle)].count("\n") + 1


def refused(text: str) -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        library.parse(text, "changed.toml")
    return caught.value.problems


def with_role_names(text: str, names: str) -> str:
    """Cheshire East with a ``[role_names]`` table of ``names``."""
    return changed(text, "[expedite]", f"[role_names]\n{names}\n\n[expedite]")


# ---------------------------------------------------------------- role names


def test_two_roles_given_the_same_name_are_refused_naming_both() -> None:
    text = with_role_names(
        CHESHIRE, 'line_manager = "Team manager"\nsenior_manager = "team  MANAGER"'
    )
    assert refused(text) == [
        f"line {line_of(text, 'senior_manager = ')}, role_names.senior_manager: line_manager "
        "and senior_manager are called 'Team manager' and 'team  MANAGER', the same name "
        "once capitals and spaces are ignored: give each role its own name, so that who "
        "acts and who is told is never in doubt"
    ]


def test_a_role_named_as_another_role_is_usually_called_is_refused() -> None:
    text = with_role_names(CHESHIRE, 'line_manager = "senior manager"')
    assert refused(text) == [
        f"line {line_of(text, 'line_manager = ')}, role_names.line_manager: 'senior manager' "
        "is what senior_manager is usually called, so line_manager and senior_manager would "
        "read the same: give line_manager another name, or name senior_manager differently too"
    ]


def test_a_usual_label_is_free_once_its_role_is_renamed() -> None:
    text = with_role_names(
        CHESHIRE, 'line_manager = "Senior manager"\nsenior_manager = "Head of service"'
    )
    procedure = library.parse(text)
    assert procedure.role_label(Role.LINE_MANAGER) == "Senior manager"
    assert procedure.role_label(Role.SENIOR_MANAGER) == "Head of service"


# ---------------------------------------------------------------- amounts


@pytest.mark.parametrize(
    ("unit", "amount", "why"),
    [
        ("immediately", "0", "it means the anchor day itself"),
        ("same_working_day", "0", "it means the anchor day, or the next working day"),
        ("set_by_owner", "0", "the stage's owner sets the date"),
        ("immediately", "3", "it means the anchor day itself"),
    ],
)
def test_an_amount_beside_a_unit_that_takes_none_is_refused(
    unit: str, amount: str, why: str
) -> None:
    text = changed(RIVERSIDE, f'unit = "{unit}"', f'amount = {amount}\nunit = "{unit}"')
    [problem] = refused(text)
    where = problem.split(": ", 1)[0]
    assert where.startswith(f"line {line_of(text, f'amount = {amount}')}, stages[")
    assert where.endswith(".amount")
    assert problem.endswith(f": leave out amount when the unit is {unit}: {why}")


def test_a_stored_snapshot_with_amount_0_beside_such_a_unit_keeps_loading() -> None:
    procedure = library.parse(RIVERSIDE)
    snapshot = procedure.model_dump(mode="json")
    units = [t["unit"] for s in snapshot["stages"] for t in [s["conclude_by"]] if t]
    assert Unit.SET_BY_OWNER.value in units  # dumped with its amount: 0
    assert library.from_dict(snapshot) == procedure


# ---------------------------------------------------------------- control characters


@pytest.mark.parametrize(
    ("old", "new", "field", "shown"),
    [
        ('guidance = """If', 'guidance = """If \\u0000', "guidance", "U+0000"),
        ('"Challenges must', '"\\u0007Challenges must', "principles[3]", "U+0007"),
        ('source = "This procedure', 'source = "\\u0085This', "out_of_scope[0].source", "U+0085"),
        ('key = "cheshire-east-sab"', 'key = "cheshire\\u001b"', "key", "U+001B"),
        ('protects = "adults"', 'protects = "adults\\u0000"', "protects", "U+0000"),
        ('title = "Cheshire', 'title = "\\u007fCheshire', "source.title", "U+007F"),
        ('label = "Difference', 'label = "\\rDifference', "categories[0].label", "U+000D"),
    ],
)
def test_a_control_character_anywhere_is_refused_at_its_line(
    old: str, new: str, field: str, shown: str
) -> None:
    text = changed(CHESHIRE, old, new)
    assert refused(text) == [
        f"line {line_of(text, new)}, {field}: remove the control character ({shown})"
    ]


def test_a_control_character_in_a_role_name_is_refused() -> None:
    text = with_role_names(CHESHIRE, 'line_manager = "Team\\u0000manager"')
    assert refused(text) == [
        f"line {line_of(text, 'line_manager = ')}, role_names.line_manager: remove the "
        "control character (U+0000)"
    ]


def test_line_breaks_and_tabs_are_text_in_long_text() -> None:
    text = changed(CHESHIRE, 'guidance = """If', 'guidance = """Step 1:\\tIf you\\nfeel it: if')
    assert "Step 1:\tIf you\nfeel it" in library.parse(text).guidance


def test_a_line_refuses_line_breaks_and_tabs() -> None:
    class Titled(base.Frozen):
        title: base.Line

    assert Titled(title="Stage one").title == "Stage one"
    for bad, what in (("Stage\none", "a line break (U+000A)"), ("Stage\tone", "a tab (U+0009)")):
        with pytest.raises(ValueError, match=re.escape(f"holds {what}: write it on one line")):
            Titled(title=bad)


def test_a_stored_snapshot_holding_a_control_character_keeps_loading() -> None:
    """(Stored before control characters were refused: cases under it must still open.)"""
    snapshot = library.parse(CHESHIRE).model_dump(mode="json")
    snapshot["guidance"] += "\u000b(a line break pasted from a word processor)"
    assert "\u000b" in library.from_dict(snapshot).guidance


# ---------------------------------------------------------------- numbers and dates


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ('number = "1"', "'1' must be a whole number, without quotes"),
        (
            'number = "١"',
            "'١' must be a whole number written with the digits 0 to 9, without quotes",
        ),
        (
            'number = "１"',
            "'１' must be a whole number written with the digits 0 to 9, without quotes",
        ),
        ("number = 1.0", "1.0 must be a whole number (write 1)"),
        ("number = true", "true is not a number: write a whole number such as 3"),
        ("number = 1001", "1001 is far too large: no procedure needs a number over 1,000 here"),
    ],
)
def test_a_stage_number_written_otherwise_is_refused(new: str, message: str) -> None:
    text = changed(CHESHIRE, "number = 1", new)
    [problem] = refused(text)
    assert problem.startswith(f"line {line_of(text, new)}, stages[0] (stage ")
    assert problem.endswith(f").number: {message}")


def test_a_huge_number_is_refused_before_it_is_counted_to() -> None:
    text = changed(
        CHESHIRE,
        "[expedite]",
        '[[stage_groups]]\nlabel = "Informal"\nstages = [1, 99999999999999999999999]\n\n[expedite]',
    )
    assert refused(text) == [
        f"line {line_of(text, 'stages = [1, 9')}, stage_groups[0].stages[1]: "
        "99999999999999999999999 is far too large: no procedure needs a number over 1,000 here"
    ]


@pytest.mark.parametrize(
    ("old", "new", "field", "message"),
    [
        ("amount = 5", 'amount = "5"', "amount", "'5' must be a whole number, without quotes"),
        ("amount = 5", "amount = 5.5", "amount", "5.5 must be a whole number"),
        ("hours = 48", "hours = 48.0", "hours", "48.0 must be a whole number (write 48)"),
    ],
)
def test_a_timescale_number_written_otherwise_is_refused(
    old: str, new: str, field: str, message: str
) -> None:
    text = changed(RIVERSIDE, old, new)
    [problem] = refused(text)
    assert problem.startswith(f"line {line_of(text, new)}, stages[0] (stage 1).")
    assert problem.endswith(f".{field}: {message}")


def test_true_or_false_written_otherwise_is_refused() -> None:
    text = changed(CHESHIRE, "allowed = false", 'allowed = "no"')
    assert refused(text) == [
        f"line {line_of(text, 'allowed = ')}, expedite.allowed: 'no' must be true or false"
    ]


@pytest.mark.parametrize(
    ("old", "new", "field", "message"),
    [
        (
            "effective = 2023-04-01",
            "effective = 9999-12-31",
            "effective",
            "9999-12-31 is not a date Escalate can work with: a procedure's dates fall "
            "between 1872 and 2100 (check the year)",
        ),
        (
            "review = 2025-04-01",
            "review = 0001-01-01",
            "review",
            "0001-01-01 is not a date Escalate can work with: a procedure's dates fall "
            "between 1872 and 2100 (check the year)",
        ),
        (
            "effective = 2023-04-01",
            "effective = 2023-04-01T09:00:00",
            "effective",
            "2023-04-01 09:00:00 has a time of day: write the date alone, YYYY-MM-DD",
        ),
        (
            "effective = 2023-04-01",
            'effective = "2023-04-01"',
            "effective",
            "'2023-04-01' is in quotes: write the date without them (2023-04-01)",
        ),
    ],
)
def test_a_date_out_of_range_or_written_otherwise_is_refused(
    old: str, new: str, field: str, message: str
) -> None:
    text = changed(CHESHIRE, old, new)
    assert refused(text) == [f"line {line_of(text, new)}, {field}: {message}"]


def test_the_years_a_definition_may_give_are_those_the_calendar_knows() -> None:
    assert (base.FIRST_YEAR, base.LAST_YEAR) == (calendar.FIRST_YEAR, calendar.LAST_YEAR)


# ---------------------------------------------------------------- stages that do not exist


@pytest.mark.parametrize(
    ("groups", "at", "message"),
    [
        (
            '[[stage_groups]]\nlabel = "A"\nstages = [1, 9]',
            "stage_groups[0].stages",
            "there is no stage 9: this procedure has stages 1 to 4",
        ),
        (
            '[[stage_groups]]\nlabel = "A"\nstages = [1, 2]\n\n'
            '[[stage_groups]]\nlabel = "B"\nstages = [2, 3]',
            "stage_groups[1].stages",
            "stage 2 is already in the group 'A': a stage belongs to one group at most",
        ),
    ],
)
def test_a_stage_group_naming_a_missing_or_grouped_stage_is_refused(
    groups: str, at: str, message: str
) -> None:
    text = changed(CHESHIRE, "[expedite]", f"{groups}\n\n[expedite]")
    [problem] = refused(text)
    assert problem.split(": ", 1) == [problem.split(": ", 1)[0], message]
    assert problem.split(": ", 1)[0].endswith(at)


def test_skipping_beyond_the_last_stage_is_refused() -> None:
    text = changed(RIVERSIDE, "[expedite]", "[expedite]\nskip_up_to = 5")
    text = text.replace("skip_up_to = 3\n", "")
    [problem] = refused(text)
    assert problem == (
        f"line {line_of(text, 'skip_up_to = 5')}, expedite.skip_up_to: there is no stage 5: "
        "this procedure has stages 1 to 4"
    )


def test_every_shipped_definition_stays_valid() -> None:
    for path in sorted(library.LIBRARY.glob("*.toml")):
        assert isinstance(library.load_file(path), Procedure)
