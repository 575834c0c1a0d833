"""A definition's problems name the TOML line they are on, for the command line (one line
each: "line 42, stages[1].conclude_by.amount: ...") and as located problems for a page."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from escalate.procedures import library
from escalate.procedures.library import DefinitionError, Problem
from escalate.procedures.positions import Lines

TINY = """\
key = "tiny"
name = "Tiny procedure"
partnership = "Tiny Board"
version = "1"
effective = 2025-01-01
protects = "adults"
region = "scotland"
guidance = "Talk first. [[stages]] = not a table # nor a comment"

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
guidance = \"\"\"Talk to them.
[[stages]]
number = 7\"\"\"
start_by = { amount = 1, unit = "working_days", anchor = "concern_arose" }

[stages.on_unresolved]
text = "Ask your manager."

[[stages]]
number = 2
title = "Managers"
roles = [
  "line_manager",
  "safeguarding_lead",
]
guidance = "Managers talk."
conclude_by.amount = 5
conclude_by.unit = "working_days"
conclude_by.anchor = "stage_started"
"""


def line_of(text: str, words: str) -> int:
    """The line of ``text`` that holds ``words`` (exactly one does)."""
    found = [n for n, line in enumerate(text.splitlines(), 1) if words in line]
    assert len(found) == 1, (words, found)
    return found[0]


def refused(text: str) -> DefinitionError:
    with pytest.raises(DefinitionError) as caught:
        library.parse(text, "tiny.toml")
    assert caught.value.source == "tiny.toml"
    return caught.value


def test_the_example_is_valid() -> None:
    procedure = library.parse(TINY, "tiny.toml")
    assert [s.number for s in procedure.stages] == [1, 2]
    assert procedure.stage(1).guidance.endswith("number = 7")


def test_a_top_level_value_is_placed_on_its_line() -> None:
    error = refused(TINY.replace('region = "scotland"', 'region = "wales"'))
    [problem] = error.located
    assert problem == Problem(
        7,
        "region",
        "'wales' is not allowed; use one of 'england-and-wales', 'scotland' or 'northern-ireland'",
    )
    assert error.problems == [f"line 7, region: {problem.message}"]


def test_a_value_in_a_table_is_placed_on_its_line() -> None:
    text = TINY.replace('publisher = "Tiny Board"', "publisher = 3")
    [problem] = refused(text).located
    assert (problem.line, problem.field) == (line_of(text, "publisher = 3"), "source.publisher")


def test_a_value_in_an_inline_table_is_placed_on_the_line_of_that_table() -> None:
    text = TINY.replace('unit = "working_days", anchor', 'unit = "weeks", anchor')
    [problem] = refused(text).located
    assert problem.field == "stages[0] (stage 1).start_by.unit"
    assert problem.line == line_of(text, "start_by = {")


def test_a_dotted_key_in_the_second_stage_is_placed_on_its_line() -> None:
    text = TINY.replace("conclude_by.amount = 5", "conclude_by.amount = 999")
    error = refused(text)
    [problem] = error.located
    assert problem.field == "stages[1] (stage 2).conclude_by.amount"
    assert problem.line == line_of(text, "conclude_by.amount = 999")
    assert error.problems == [
        f"line {problem.line}, stages[1] (stage 2).conclude_by.amount: 999 must be 365 or less"
    ]


def test_an_item_of_a_list_written_over_several_lines_is_placed_on_its_own_line() -> None:
    text = TINY.replace('  "safeguarding_lead",', '  "safeguardinglead",')
    [problem] = refused(text).located
    assert problem.field == "stages[1] (stage 2).roles[1]"
    assert problem.line == line_of(text, '"safeguardinglead"')


def test_a_missing_field_is_placed_at_the_header_of_the_table_it_belongs_in() -> None:
    text = TINY.replace('title = "Managers"\n', "")
    [problem] = refused(text).located
    assert problem.field == "stages[1] (stage 2).title"
    assert problem.message == "is required but missing"
    headers = [n for n, line in enumerate(text.splitlines(), 1) if line == "[[stages]]"]
    # The second stage's header: not the first's, nor the line inside stage 1's guidance.
    assert len(headers) == 3
    assert problem.line == headers[2]


def test_a_missing_field_of_a_sub_table_is_placed_at_that_tables_header() -> None:
    text = TINY.replace('text = "Ask your manager."\n', 'txet = "Ask your manager."\n')
    located = refused(text).located
    assert {(p.field, p.line) for p in located} == {
        ("stages[0] (stage 1).on_unresolved.txet", line_of(text, "txet =")),
        ("stages[0] (stage 1).on_unresolved.text", line_of(text, "[stages.on_unresolved]")),
    }


def test_a_problem_a_model_finds_below_itself_is_placed_at_the_field_it_names() -> None:
    # The stages' validator finds this; it names stage 2's number.
    text = TINY.replace("number = 2", "number = 1")
    [problem] = refused(text).located
    assert problem.field == "stages[1] (stage 1).number"
    numbers = [n for n, line in enumerate(text.splitlines(), 1) if line == "number = 1"]
    assert problem.line == numbers[1]


def test_a_field_missing_from_the_top_of_the_file_has_no_line() -> None:
    error = refused(TINY.replace('name = "Tiny procedure"\n', ""))
    assert error.located == (Problem(None, "name", "is required but missing"),)
    assert error.problems == ["name: is required but missing"]


def test_every_problem_is_one_line_and_matches_its_located_form() -> None:
    text = (
        TINY.replace('region = "scotland"', 'region = "wales"')
        .replace('"safeguarding_lead",', '"safeguardinglead",')
        .replace('title = "Managers"\n', "")
    )
    error = refused(text)
    assert len(error.problems) == len(error.located) == 3
    for words, problem in zip(error.problems, error.located, strict=True):
        assert "\n" not in words
        assert words == f"line {problem.line}, {problem.field}: {problem.message}"
    assert str(error).splitlines() == [f"tiny.toml: {p}" for p in error.problems]


def test_bad_toml_keeps_tomllibs_words_and_gives_its_line() -> None:
    text = TINY.replace('title = "Talk"', 'title = "Talk')
    [problem] = refused(text).located
    assert problem.line == line_of(text, 'title = "Talk')
    assert problem.field == ""
    assert problem.message.startswith("this is not valid TOML: ")
    assert f"line {problem.line}" in problem.message
    assert refused(text).problems == [problem.message]  # said once, not twice


def test_stored_data_without_its_text_has_no_lines() -> None:
    import tomllib

    data = tomllib.loads(TINY.replace('region = "scotland"', 'region = "wales"'))
    with pytest.raises(DefinitionError) as caught:
        library.from_dict(data, "stored")
    assert [p.line for p in caught.value.located] == [None]
    assert caught.value.problems[0].startswith("region: ")


def test_load_file_gives_lines_too(tmp_path: Path) -> None:
    path = tmp_path / "tiny.toml"
    path.write_text(TINY.replace("prompt = ", "promt = "), encoding="utf-8")
    with pytest.raises(DefinitionError) as caught:
        library.load_file(path)
    fields = {(p.field, p.line) for p in caught.value.located}
    assert ("expedite.promt", line_of(TINY, "prompt = ")) in fields


def test_a_file_that_is_not_utf8_is_located_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes(TINY.replace("Talk first.", "Caf\u00e9 first.").encode("latin-1"))
    with pytest.raises(DefinitionError) as caught:
        library.load_file(path)
    [problem] = caught.value.located
    assert (problem.line, problem.field) == (8, "")
    assert caught.value.problems == [problem.message]


def test_the_command_line_prints_one_line_per_problem_with_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from escalate.procedures import cli

    path = tmp_path / "tiny.toml"
    path.write_text(
        TINY.replace('region = "scotland"', 'region = "wales"').replace(
            "conclude_by.amount = 5", "conclude_by.amount = 999"
        ),
        encoding="utf-8",
    )
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    assert cli.main(["validate", str(path)], out=io.StringIO()) == 1
    lines = err.getvalue().splitlines()
    assert lines[1:] == [
        f"  {path}: line 7, region: 'wales' is not allowed; use one of 'england-and-wales', "
        "'scotland' or 'northern-ireland'",
        f"  {path}: line {line_of(TINY, 'conclude_by.amount')}, stages[1] (stage 2)"
        ".conclude_by.amount: 999 must be 365 or less",
    ]


# ---------------------------------------------------------------- the finder itself


def test_the_finder_places_every_value_of_every_shipped_definition_on_its_line() -> None:
    import tomllib

    for path in sorted(library.LIBRARY.glob("*.toml")):
        text = path.read_text(encoding="utf-8")
        lines = Lines(text)
        written = text.splitlines()
        stack: list[tuple[object, tuple[str | int, ...]]] = [(tomllib.loads(text), ())]
        while stack:
            node, at = stack.pop()
            if at and isinstance(at[-1], str):
                line = lines.line_of(at)
                assert line is not None, (path.name, at)
                assert at[-1] in written[line - 1], (path.name, at, line)
            if isinstance(node, dict):
                stack += [(v, (*at, k)) for k, v in node.items()]
            elif isinstance(node, list):
                stack += [(v, (*at, i)) for i, v in enumerate(node)]


def test_quoted_keys_and_strings_full_of_toml_punctuation_do_not_mislead_it() -> None:
    text = (
        "a = 'x = [ { # '\n"
        '"b.c" = """\n[[d]]\ne = 1 """\n'
        "[[d]]\n"
        "e = [1, [2,\n  3]]\n"
        "f = { g = { h = 'i' } }\n"
    )
    lines = Lines(text)
    assert lines.line_of(("a",)) == 1
    assert lines.line_of(("b.c",)) == 2
    assert lines.line_of(("d", 0)) == 5
    assert lines.line_of(("d", 1)) is None or lines.line_of(("d", 1)) == 5
    assert lines.line_of(("d", 0, "e", 1, 1)) == 7
    assert lines.line_of(("d", 0, "f", "g", "h")) == 8
    assert lines.line_of(("d", 0, "missing")) == 5
    assert lines.line_of(("nothing",)) is None


def test_text_the_finder_cannot_follow_gives_no_lines_rather_than_wrong_ones() -> None:
    lines = Lines('a = 1\n= "no key"\nb = 2\n')
    assert lines.line_of(("a",)) is None
    assert lines.line_of(("b",)) is None


def test_a_number_too_long_to_read_is_refused_with_its_line() -> None:
    text = 'key = "x"\nname = "y"\nversion = 1' + "0" * 4400 + "\n"
    with pytest.raises(library.DefinitionError) as caught:
        library.parse(text, "long.toml")
    assert "a number on line 3 is too long" in str(caught.value)
    assert [p.line for p in caught.value.located] == [3]
