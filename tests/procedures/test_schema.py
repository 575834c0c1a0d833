"""``escalate procedure schema`` covers the whole definition format and explains every
field of it."""

from __future__ import annotations

import json
import tomllib
from typing import Any

import pytest
from pydantic import BaseModel

from escalate.procedures import library, model, schema
from escalate.procedures.model import Procedure


def the_schema() -> dict[str, Any]:
    found: dict[str, Any] = json.loads(library.json_schema())
    return found


def models_of_the_format() -> set[type[BaseModel]]:
    """Every model a definition is made of, found by walking the fields from Procedure."""
    found: set[type[BaseModel]] = set()
    todo: list[type[BaseModel]] = [Procedure]
    while todo:
        current = todo.pop()
        if current in found:
            continue
        found.add(current)
        for info in current.model_fields.values():
            todo += _models_in(info.annotation)
    return found


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in getattr(annotation, "__args__", ()) for m in _models_in(arg)]


def test_every_model_of_the_format_is_in_the_schema() -> None:
    defined = set(the_schema()["$defs"]) | {"Procedure"}
    names = {m.__name__ for m in models_of_the_format()}
    assert names <= defined
    # and every part of a definition declared beside the model is reached from it
    parts = {
        v.__name__
        for v in vars(model).values()
        if isinstance(v, type) and issubclass(v, model.Frozen) and v is not model.Frozen
    }
    assert parts <= names


def test_every_field_of_every_model_has_a_description() -> None:
    found = the_schema()
    undescribed = [
        f"{name}.{field}"
        for name, definition in [("Procedure", found), *found["$defs"].items()]
        for field, prop in definition.get("properties", {}).items()
        if not prop.get("description", "").strip()
    ]
    assert undescribed == []


def test_every_model_and_choice_list_has_a_description() -> None:
    assert the_schema()["description"].strip()
    bare = [n for n, d in the_schema()["$defs"].items() if not d.get("description", "").strip()]
    assert bare == []


def test_described_fields_all_exist() -> None:
    """No description is kept here for a field the format no longer has."""
    by_name = {m.__name__: m for m in models_of_the_format()}
    for name, fields in schema.FIELD_WORDS.items():
        assert name in by_name, name
        assert set(fields) <= set(by_name[name].model_fields), name


def test_a_description_written_on_the_field_wins() -> None:
    stage = the_schema()["$defs"]["Stage"]["properties"]
    declared = model.Stage.model_fields["roles"].description
    assert declared and stage["roles"]["description"] == declared


def test_the_command_line_prints_the_described_schema() -> None:
    import io

    from escalate.procedures import cli

    out = io.StringIO()
    assert cli.main(["schema"], out=out) == 0
    assert json.loads(out.getvalue()) == the_schema()


@pytest.mark.parametrize("path", sorted(library.LIBRARY.glob("*.toml")), ids=lambda p: p.stem)
def test_every_seed_is_valid_against_the_json_schema(path: Any) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    # TOML dates are dates; in JSON they are YYYY-MM-DD text.
    as_json = json.loads(json.dumps(data, default=lambda d: d.isoformat()))
    jsonschema.validate(as_json, the_schema())
