"""A definition nested absurdly deep is refused in plain words, never a RecursionError."""

from __future__ import annotations

import json

import pytest

from escalate.procedures import library
from escalate.procedures.library import MAX_NESTING, DefinitionError

SHIPPED = (library.LIBRARY / "warrington-sab.toml").read_text(encoding="utf-8")
DEEP = 500

NESTED = {
    "arrays": f"readings = {'[' * DEEP}{']' * DEEP}\n",
    "inline tables": f"x = {'{a = ' * DEEP}1{'}' * DEEP}\n",
    "dotted keys": ".".join(["a"] * DEEP) + " = 1\n",
    "table headers": f"[{'.'.join(['a'] * DEEP)}]\nb = 1\n",
}


@pytest.mark.parametrize("tail", NESTED.values(), ids=NESTED.keys())
def test_deep_nesting_is_refused_naming_the_file(tail: str) -> None:
    text = 'key = "deep"\n' + tail
    with pytest.raises(DefinitionError) as refused:
        library.parse(text, "deep.toml")
    assert refused.value.source == "deep.toml"
    assert refused.value.problems == [
        f"nests tables, lists or dotted keys more than {MAX_NESTING} levels deep; a "
        "procedure definition needs only a few levels"
    ]


def test_deep_nesting_in_stored_data_is_refused() -> None:
    data = json.loads(json.dumps(library.get("warrington-sab").model_dump(mode="json")))
    node: list[object] = []
    data["readings"] = node
    for _ in range(DEEP):
        child: list[object] = []
        node.append(child)
        node = child
    with pytest.raises(DefinitionError, match="levels deep"):
        library.from_dict(data, "stored")


def test_brackets_inside_strings_and_comments_are_not_nesting() -> None:
    brackets = "[{" * DEEP
    text = SHIPPED.replace(
        "\nreadings = [",
        f'\n# {brackets}\nreadings = [\n  "{brackets}",\n  """{brackets}\n{brackets}""",\n'
        f'  \'{brackets}\',\n  "an escaped quote \\" then {brackets}",',
        1,
    )
    assert text != SHIPPED
    procedure = library.parse(text, "brackets.toml")
    assert procedure.readings[0] == brackets
    assert procedure.readings[3].startswith('an escaped quote " then [{')


def test_every_shipped_definition_is_well_within_the_limit() -> None:
    for path in sorted(library.LIBRARY.glob("*.toml")):
        library.parse(path.read_text(encoding="utf-8"), str(path))
