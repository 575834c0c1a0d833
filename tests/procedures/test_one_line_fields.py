"""Names, titles and labels (what a heading, a checkbox or an email subject shows) are
one line: a line break in one is refused at its line and field, in words someone editing
the TOML can act on, and the JSON Schema refuses it too. Prose (guidance, sources)
keeps its paragraphs, every shipped definition still loads, and a stored snapshot from
before the rule keeps loading."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from test_definition_refusals import line_of, refused

from escalate.procedures import library, schema
from escalate.procedures.base import ONE_LINE_PATTERN

HERE = Path(__file__).parent
DEFINITIONS = {
    "riverside": HERE / "definitions" / "riverside.toml",
    "stage_forms": HERE.parent / "reports" / "stage_forms.toml",
    **{path.stem: path for path in sorted(library.LIBRARY.glob("*.toml"))},
}

LINE_BREAK = "holds a line break (U+000A): write it on one line"


def one_line(what: str) -> str:
    """naming.py's own words for a role's name, a group's label, the subject label."""
    return (
        "contains a control character (U+000A: a line break, tab, NUL byte or similar); "
        f"{what} must be one line of plain text"
    )


#: Each one-line field: the definition, the TOML line it is written on, the field as a
#: refusal names it and what the refusal says.
FIELDS = [
    ("cheshire-east-sab", 'name = "CESAB Multi-agency', "name", LINE_BREAK),
    ("riverside", 'partnership = "Riverside', "partnership", LINE_BREAK),
    ("riverside", 'version = "3.1"', "version", LINE_BREAK),
    ("riverside", 'title = "Riverside Safeguarding', "source.title", LINE_BREAK),
    ("riverside", 'publisher = "Riverside', "source.publisher", LINE_BREAK),
    ("cheshire-east-sab", 'dated = "April 2023"', "source.dated", LINE_BREAK),
    ("riverside", 'label = "Difference of', "categories[0].label", LINE_BREAK),
    ("riverside", 'label = "The child is looked', "routes[0].label", LINE_BREAK),
    ("riverside", 'go_to = "Named officer', "routes[0].go_to", LINE_BREAK),
    ("stage_forms", 'title = "Outcome record"', "outcome_form.title", LINE_BREAK),
    ("stage_forms", 'label = "Lessons for', "outcome_form.fields[5].label", LINE_BREAK),
    ("stage_forms", 'title = "Step 3 summary', "stages[2] (stage 3).form.title", LINE_BREAK),
    (
        "stage_forms",
        'submit_to = "Both agencies',
        "stages[2] (stage 3).form.submit_to",
        LINE_BREAK,
    ),
    (
        "stage_forms",
        'label = "Manager at step 3"',
        "stages[2] (stage 3).form.fields[0].label",
        LINE_BREAK,
    ),
    (
        "cheshire-east-sab",
        'label = "Name of Adult at risk"',
        "stages[3] (stage 4).referral_form.fields[0].label",
        LINE_BREAK,
    ),
    (
        "cheshire-east-sab",
        'title = "Form for submitting',
        "stages[3] (stage 4).referral_form.title",
        LINE_BREAK,
    ),
    (
        "riverside",
        'senior_manager = "Head of service"',
        "role_names.senior_manager",
        one_line("a role's name"),
    ),
    ("riverside", 'label = "Informal"', "stage_groups[0].label", one_line("a group's label")),
    (
        "riverside",
        'email_subject_label = "OFFICIAL-SENSITIVE"',
        "email_subject_label",
        one_line("the subject label"),
    ),
]

#: The one-line fields of a stage.
STAGE_FIELDS = [
    ("riverside", 'title = "Practitioner to', "stages[0] (stage 1).title"),
    ("riverside", 'label = "Acknowledge the', "stages[0] (stage 1).other_deadlines[0].label"),
    ("riverside", 'text = "Tell your safeguarding', "stages[0] (stage 1).checklist[0].text"),
    ("shropshire-sscp", 'informs = "their Director', "stages[4] (stage 5).checklist[0].informs"),
    ("hammersmith-fulham-sab", 'name = "High-Risk Panel"', "stages[2] (stage 3).panel.name"),
    ("riverside", 'adults = "Safeguarding Adults', "stages[3] (stage 4).forum_for.adults"),
    ("riverside", 'children = "Children', "stages[3] (stage 4).forum_for.children"),
]


def text_of(name: str) -> str:
    return DEFINITIONS[name].read_text(encoding="utf-8")


def broken(text: str, start: str, breaks: str = "\\n") -> tuple[str, str]:
    """``text`` with the value on the line starting ``start`` given a second line
    (``breaks``, as TOML writes it), and that line as it now reads."""
    assert text.count(start) == 1, start
    if start.count('"') == 2:  # the whole value: the line up to its closing quote
        start = start[:-1]
    line = re.search(re.escape(start) + r'[^"\n]*"', text)
    assert line, start
    new = f'{line[0][:-1]}{breaks}second line"'
    return text.replace(line[0], new, 1), new


def schema_errors(text: str) -> list[tuple[tuple[Any, ...], str]]:
    """Where, and by which keyword, the JSON Schema refuses the definition ``text``."""
    jsonschema = pytest.importorskip("jsonschema")
    found = schema.json_schema()
    data = json.loads(json.dumps(tomllib.loads(text), default=lambda d: d.isoformat()))
    checker = jsonschema.validators.validator_for(found)(found)
    return [
        (tuple(e.absolute_path), str(e.validator))
        for e in _leaves(checker.iter_errors(data))
        if (e.validator, e.validator_value) != ("type", "null")  # an optional table's "or none"
    ]


def _leaves(errors: Any) -> list[Any]:
    """The errors themselves, not the "none of anyOf" that holds them."""
    return [leaf for e in errors for leaf in (_leaves(e.context) if e.context else [e])]


def json_path(field: str) -> tuple[Any, ...]:
    """``stages[1] (stage 2).form.title`` as a JSON path: ("stages", 1, "form", "title")."""
    parts = re.findall(r"\[(\d+)\]|([a-z_]+)", re.sub(r" \(stage \d+\)", "", field))
    return tuple(int(i) if i else name for i, name in parts)


def all_fields() -> list[Any]:
    return [pytest.param(*f, id=f[2]) for f in FIELDS] + [
        pytest.param(*f, LINE_BREAK, id=f[2]) for f in STAGE_FIELDS
    ]


# ---------------------------------------------------------------- refused


@pytest.mark.parametrize(("name", "start", "field", "message"), all_fields())
def test_a_line_break_in_a_one_line_field_is_refused_at_its_line(
    name: str, start: str, field: str, message: str
) -> None:
    text, new = broken(text_of(name), start)
    assert refused(text) == [f"line {line_of(text, new)}, {field}: {message}"]


@pytest.mark.parametrize(("name", "start", "field", "message"), all_fields())
def test_the_json_schema_refuses_the_line_break_the_format_refuses(
    name: str, start: str, field: str, message: str
) -> None:
    text, _ = broken(text_of(name), start)
    assert schema_errors(text) == [(json_path(field), "pattern")]


@pytest.mark.parametrize(
    ("breaks", "shown"),
    [("\\t", "a tab (U+0009)"), ("\\u2028", "a line break (U+2028)")],
    ids=["tab", "line separator"],
)
def test_a_tab_or_a_unicode_line_separator_is_refused_too(breaks: str, shown: str) -> None:
    text, new = broken(text_of("riverside"), 'go_to = "Named officer', breaks)
    assert refused(text) == [
        f"line {line_of(text, new)}, routes[0].go_to: holds {shown}: write it on one line"
    ]
    assert schema_errors(text) == [(("routes", 0, "go_to"), "pattern")]


def test_a_title_written_over_two_lines_in_triple_quotes_is_refused_at_its_first() -> None:
    old = 'title = "Outcome record"'
    text = text_of("stage_forms").replace(old, 'title = """Outcome\nrecord"""')
    first = line_of(text, 'title = """Outcome')
    assert refused(text) == [f"line {first}, outcome_form.title: {LINE_BREAK}"]


# ---------------------------------------------------------------- still taken


def test_line_breaks_around_a_title_are_trimmed_by_the_format_and_the_schema_alike() -> None:
    old = 'title = "Outcome record"'
    text = text_of("stage_forms").replace(old, 'title = """\nOutcome record\n"""')
    procedure = library.parse(text)
    assert procedure.outcome_form is not None
    assert procedure.outcome_form.title == "Outcome record"
    assert schema_errors(text) == []


def test_prose_keeps_its_paragraphs() -> None:
    procedure = library.get("cheshire-east-sab")
    assert "\n\n" in procedure.guidance
    text, _ = broken(text_of("riverside"), 'how = "')
    [how] = [r.how for r in library.parse(text).routes if r.how]
    assert "\nsecond line" in how


@pytest.mark.parametrize("name", sorted(DEFINITIONS))
def test_every_shipped_and_test_definition_still_loads_and_meets_the_schema(name: str) -> None:
    text = text_of(name)
    assert library.parse(text, name).stages
    assert schema_errors(text) == []


def test_a_stored_snapshot_with_a_line_break_in_a_title_keeps_loading() -> None:
    """(Published before titles had to be one line: cases under it must still open.)"""
    snapshot = library.parse(text_of("riverside")).model_dump(mode="json")
    snapshot["name"] = "Riverside\nprocedure"
    snapshot["categories"][0]["label"] = "Difference of\nopinion"
    procedure = library.from_dict(snapshot)
    assert procedure.name == "Riverside\nprocedure"


# ---------------------------------------------------------------- the schema says so


def test_the_schema_says_in_words_which_fields_are_one_line() -> None:
    found = schema.json_schema()
    name = found["properties"]["name"]
    assert name["pattern"] == ONE_LINE_PATTERN
    assert name["description"].endswith(schema.ONE_LINE)
    dated = found["$defs"]["Source"]["properties"]["dated"]
    assert dated["description"].endswith(schema.ONE_LINE)
    guidance = found["properties"]["guidance"]
    assert "pattern" not in guidance
    assert schema.ONE_LINE not in guidance["description"]
