"""Reading procedure definitions from TOML, with messages people can act on."""

from __future__ import annotations

import json
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from escalate.procedures.model import Procedure

LIBRARY = Path(__file__).parent / "library"


class DefinitionError(Exception):
    """A procedure definition that cannot be used, and every reason why."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__("\n".join(f"{source}: {p}" for p in problems))


def parse(text: str, source: str = "<definition>") -> Procedure:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DefinitionError(source, [f"this is not valid TOML: {exc}"]) from None
    return from_dict(data, source)


def from_dict(data: dict[str, Any], source: str = "<definition>") -> Procedure:
    try:
        return Procedure.model_validate(data)
    except ValidationError as exc:
        raise DefinitionError(source, [_describe(e, data) for e in exc.errors()]) from None


def load_file(path: Path | str) -> Procedure:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DefinitionError(str(path), ["no such file"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DefinitionError(str(path), [f"cannot be read: {exc}"]) from None
    return parse(text, str(path))


@cache
def load_library() -> dict[str, Procedure]:
    """Every definition shipped in ``library/``, by key."""
    procedures: dict[str, Procedure] = {}
    for path in sorted(LIBRARY.glob("*.toml")):
        procedure = load_file(path)
        if procedure.key != path.stem:
            raise DefinitionError(
                str(path), [f"key {procedure.key!r} must match the file name {path.stem!r}"]
            )
        procedures[procedure.key] = procedure
    return procedures


def get(key: str) -> Procedure:
    try:
        return load_library()[key]
    except KeyError:
        known = ", ".join(load_library()) or "none"
        raise KeyError(f"there is no procedure called {key!r} (known: {known})") from None


def json_schema() -> str:
    return json.dumps(Procedure.model_json_schema(), indent=2)


def _describe(error: Any, data: dict[str, Any]) -> str:
    loc = _location(error["loc"], data)
    kind = error["type"]
    given = error.get("input")
    if kind == "missing":
        return f"{loc}: is required but missing"
    if kind == "extra_forbidden":
        return f"{loc}: is not a field this format knows (check the spelling)"
    if kind == "enum":
        expected = error.get("ctx", {}).get("expected", "")
        return f"{loc}: {given!r} is not allowed; use one of {expected}"
    if kind == "string_pattern_mismatch":
        return (
            f"{loc}: {given!r} must be lower-case letters, digits and single hyphens "
            "(for example 'cheshire-east-sab')"
        )
    if kind == "greater_than_equal":
        limit = error.get("ctx", {}).get("ge")
        return f"{loc}: {given!r} must be {limit} or more"
    if kind == "less_than_equal":
        limit = error.get("ctx", {}).get("le")
        return f"{loc}: {given!r} must be {limit} or less"
    if kind in ("too_short", "string_too_short"):
        return f"{loc}: must not be empty"
    if kind == "value_error":
        message = str(error.get("ctx", {}).get("error", error["msg"]))
        return f"{loc}: {message}" if loc != "(definition)" else message
    if kind.startswith("date"):
        return f"{loc}: {given!r} is not a date; write it as YYYY-MM-DD"
    return f"{loc}: {error['msg'].lower()}"


def _location(loc: tuple[Any, ...], data: Any) -> str:
    """stages[2].conclude_by.unit, with stage positions shown as their numbers if known."""
    parts: list[str] = []
    node = data
    for piece in loc:
        if isinstance(piece, int):
            label = f"[{piece}]"
            if isinstance(node, list) and piece < len(node):
                item = node[piece]
                if isinstance(item, dict) and "number" in item and parts[-1:] == ["stages"]:
                    label = f"[{piece}] (stage {item['number']})"
                node = item
            else:
                node = None
            parts.append(label)
        else:
            parts.append(("." if parts else "") + str(piece))
            node = node.get(piece) if isinstance(node, dict) else None
    return "".join(parts) or "(definition)"
