"""Reading procedure definitions from TOML, with messages people can act on."""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from escalate.procedures import model, schema
from escalate.procedures.base import FROM_TEXT
from escalate.procedures.model import DefinitionProblem, Procedure
from escalate.procedures.positions import Lines

LIBRARY = Path(__file__).parent / "library"

#: The largest definition file read (the shipped ones are under 30 KB): the web's upload
#: limit too (``escalate.partnerships.definition_text``), so a file the CLI reads is one
#: the web would take. A larger file is refused before it is read whole.
MAX_FILE_BYTES = 256 * 1024

#: How deeply tables and lists may nest in a definition. The format itself needs 6
#: (stages, a stage, its deadlines, one deadline, its timescale); anything far deeper is
#: a mistake or an attack, refused before it can exhaust Python's stack.
MAX_NESTING = 32

_TOO_DEEP = (
    f"nests tables, lists or dotted keys more than {MAX_NESTING} levels deep; a procedure "
    "definition needs only a few levels"
)


@dataclass(frozen=True)
class Problem:
    """One reason a definition cannot be used: the TOML line it is on (when known), the
    field (``stages[1] (stage 2).conclude_by.amount``; empty for the whole file) and
    what is wrong, for a web page to show beside the text."""

    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        """As the command line prints it: "line 42, stages[1].title: must not be empty".
        A problem without a field (bad TOML, not UTF-8) already says its line."""
        if not self.field:
            return self.message
        where = f"line {self.line}, {self.field}" if self.line else self.field
        return f"{where}: {self.message}"


class DefinitionError(Exception):
    """A procedure definition that cannot be used, and every reason why: ``problems``
    as one line of words each, ``located`` the same as :class:`Problem` s."""

    def __init__(self, source: str, problems: Sequence[str | Problem]) -> None:
        self.source = source
        self.located: tuple[Problem, ...] = tuple(
            p if isinstance(p, Problem) else Problem(None, "", p) for p in problems
        )
        self.problems = [str(p) for p in self.located]
        super().__init__("\n".join(f"{source}: {p}" for p in self.problems))


#: tomllib's position of a syntax error: "(at line 3, column 10)".
_AT_LINE = re.compile(r"\(at line (\d+), column \d+\)")


def parse(text: str, source: str = "<definition>") -> Procedure:
    if _bracket_depth(text) > MAX_NESTING:
        raise DefinitionError(source, [_TOO_DEEP])
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        at = _AT_LINE.search(str(exc))
        line = int(at.group(1)) if at else None
        raise DefinitionError(
            source, [Problem(line, "", f"this is not valid TOML: {exc}")]
        ) from None
    except RecursionError:  # deeper than the scan saw (it cannot see every TOML form)
        raise DefinitionError(source, [_TOO_DEEP]) from None
    except ValueError:  # a number too long for Python to read (over 4,300 digits)
        run = re.search(r"\d{4301,}", text)
        line = text.count("\n", 0, run.start()) + 1 if run else None
        where = f" on line {line}" if line else ""
        raise DefinitionError(
            source,
            [Problem(line, "", f"a number{where} is too long: no timescale needs so many digits")],
        ) from None
    return from_dict(data, source, text=text)


def from_dict(
    data: dict[str, Any], source: str = "<definition>", *, text: str | None = None
) -> Procedure:
    """Validate parsed data; ``text``, the TOML it was read from, gives each problem
    its line. Without ``text`` the data is taken to have been validated before (a
    stored snapshot): held to the rules it was stored under, so that it keeps loading
    (see :data:`~escalate.procedures.base.FROM_TEXT`)."""
    if _nesting(data) > MAX_NESTING:
        raise DefinitionError(source, [_TOO_DEEP])
    try:
        return Procedure.model_validate(data, context={FROM_TEXT: text is not None})
    except RecursionError:
        raise DefinitionError(source, [_TOO_DEEP]) from None
    except ValidationError as exc:
        errors = exc.errors()
        # A list with a bad item is also reported as "too short" (pydantic counts only
        # the good items); the bad item says all there is to say.
        deeper = [tuple(e["loc"]) for e in errors if e["type"] not in ("too_short",)]
        errors = [
            e
            for e in errors
            if e["type"] != "too_short"
            or not any(
                len(d) > len(e["loc"]) and d[: len(e["loc"])] == tuple(e["loc"]) for d in deeper
            )
        ]
        lines = Lines(text) if text is not None else None
        raise DefinitionError(source, [_problem(e, data, lines) for e in errors]) from None


def _bracket_depth(text: str) -> int:
    """The deepest nesting of [ ] and { } in TOML text, outside strings and comments,
    counted without recursion (tomllib recurses once per level)."""
    deepest = depth = 0
    i, end = 0, len(text)
    while i < end:
        char = text[i]
        if char == "#":
            newline = text.find("\n", i)
            i = end if newline < 0 else newline
        elif char in "\"'":
            fence = char * 3 if text.startswith(char * 3, i) else char
            i += len(fence)
            while i < end and not text.startswith(fence, i):
                if char == '"' and text[i] == "\\":
                    i += 1  # an escaped character, such as \" inside "..."
                elif len(fence) == 1 and text[i] == "\n":
                    break  # a one-line string ends at the line's end at the latest
                i += 1
            i += len(fence)
            continue
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth = max(depth - 1, 0)
        i += 1
    return deepest


def _nesting(data: object) -> int:
    """How deeply tables and lists nest in parsed data, counted without recursion."""
    deepest = 0
    stack: list[tuple[object, int]] = [(data, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: list[object] = list(node.values())
        elif isinstance(node, list | tuple):
            children = list(node)
        else:
            continue
        deepest = max(deepest, depth + 1)
        if deepest > MAX_NESTING:
            return deepest
        stack.extend((child, depth + 1) for child in children)
    return deepest


def load_file(path: Path | str) -> Procedure:
    path = Path(path)
    try:
        with path.open("rb") as file:
            raw = file.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise DefinitionError(str(path), ["no such file"]) from None
    except IsADirectoryError:
        raise DefinitionError(str(path), ["is a directory, not a definition file"]) from None
    except PermissionError:
        raise DefinitionError(str(path), ["cannot be read: permission denied"]) from None
    except OSError as exc:
        raise DefinitionError(str(path), [f"cannot be read: {exc.strerror or exc}"]) from None
    if len(raw) > MAX_FILE_BYTES:
        raise DefinitionError(
            str(path),
            [
                f"is larger than {MAX_FILE_BYTES // 1024} KB, far more than any procedure "
                "needs: is it the right file?"
            ],
        )
    try:
        text = raw.decode("utf-8-sig")  # tolerate the byte-order mark some editors add
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DefinitionError(
            str(path),
            [
                Problem(
                    line,
                    "",
                    f"is not UTF-8 text (byte 0x{raw[exc.start]:02x} on line {line} is not "
                    "UTF-8); save the file as UTF-8",
                )
            ],
        ) from None
    return parse(text, str(path))


@cache
def load_library() -> dict[str, Procedure]:
    """Every definition shipped in ``library/``, by key."""
    procedures: dict[str, Procedure] = {}
    for path in sorted(LIBRARY.glob("*.toml")):
        procedure = load_file(path)
        if procedure.key != path.stem:
            raise DefinitionError(
                str(path),
                [Problem(None, "key", f"{procedure.key!r} must match the file name {path.stem!r}")],
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
    """The definition format's JSON Schema, every field described."""
    return json.dumps(schema.json_schema(), indent=2)


# ---------------------------------------------------------------- messages


def _problem(error: Any, data: dict[str, Any], lines: Lines | None) -> Problem:
    """One pydantic error as where it is and what is wrong, in plain English."""
    loc_parts = tuple(error["loc"])
    cause = (error.get("ctx") or {}).get("error")
    if isinstance(cause, DefinitionProblem):
        loc_parts += cause.at
    field = _location(loc_parts, data)
    message = _describe(error, loc_parts)
    if field == "(definition)" and error["type"] == "value_error":
        field = ""  # a problem of the whole definition says so itself
    line = lines.line_of(loc_parts) if lines is not None else None
    return Problem(line, field, message)


def _describe(error: Any, loc_parts: tuple[Any, ...]) -> str:
    """What is wrong, in plain English (the field is said apart)."""
    kind = error["type"]
    given = error.get("input")
    ctx = error.get("ctx") or {}
    cause = ctx.get("error")

    if kind == "missing":
        return "is required but missing"
    if kind == "extra_forbidden":
        name = str(loc_parts[-1]) if loc_parts else ""
        hint = _closest(name, _known_fields(loc_parts[:-1]))
        return "is not a field this format knows" + (
            f"; did you mean {hint!r}?" if hint else " (check the spelling)"
        )
    if kind == "enum":
        expected = ctx.get("expected", "")
        hint = _closest(str(given), _enum_values(expected))
        return f"{given!r} is not allowed; use one of {expected}" + (
            f" (did you mean {hint!r}?)" if hint else ""
        )
    if kind == "string_pattern_mismatch":
        return (
            f"{given!r} must be lower-case letters and digits, joined by single hyphens "
            "or underscores (for example 'cheshire-east-sab')"
        )
    if kind == "string_too_long":
        return f"is too long; keep it to {ctx.get('max_length')} characters"
    if kind == "greater_than_equal":
        return f"{given!r} must be {ctx.get('ge')} or more"
    if kind == "less_than_equal":
        return f"{given!r} must be {ctx.get('le')} or less"
    if kind in ("too_short", "string_too_short"):
        return "must not be empty"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"{given!r} must be a whole number"
    if kind in ("bool_type", "bool_parsing"):
        return f"{given!r} must be true or false"
    if kind == "string_type":
        return f"{given!r} must be text in quotes"
    if kind in ("tuple_type", "list_type"):
        return f"must be a list (a [ ... ] array, or [[{_last_name(loc_parts)}]] tables)"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"{given!r} must be a table of fields, not a single value"
    if kind == "value_error":
        message = cause.message if isinstance(cause, DefinitionProblem) else str(cause or "")
        message = message or error["msg"]
        return message
    if kind.startswith("date"):
        shown = given.isoformat() if isinstance(given, dt.date | dt.time) else repr(given)
        return f"{shown} is not a date; write it as YYYY-MM-DD (no quotes)"
    return f"{error['msg'][:1].lower()}{error['msg'][1:]}"


def _location(loc: tuple[Any, ...], data: Any) -> str:
    """stages[2] (stage 3).conclude_by.unit: list positions count from 0; stage numbers
    are shown as written, when there is one."""
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


def _last_name(loc: tuple[Any, ...]) -> str:
    names = [p for p in loc if isinstance(p, str)]
    return ".".join(names) or "items"


def _known_fields(loc: tuple[Any, ...]) -> list[str]:
    """The field names allowed where ``loc`` points (the table holding the unknown one)."""
    current: type[BaseModel] | None = Procedure
    for piece in loc:
        if current is None:
            break
        if isinstance(piece, int):
            continue
        info = current.model_fields.get(str(piece))
        current = _model_in(info.annotation) if info else None
    if current is None:
        return sorted({name for m in _all_models() for name in m.model_fields})
    return list(current.model_fields)


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found:
            return found
    return None


def _all_models() -> list[type[BaseModel]]:
    return [
        v
        for v in vars(model).values()
        if isinstance(v, type) and issubclass(v, model.Frozen) and v is not model.Frozen
    ]


def _enum_values(expected: str) -> list[str]:
    return [part.strip(" '\"") for part in expected.replace(" or ", ",").split(",") if part]


def _closest(word: str, choices: list[str]) -> str | None:
    found = difflib.get_close_matches(word, choices, n=1, cutoff=0.75)
    return found[0] if found else None
