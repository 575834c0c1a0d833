"""Building blocks of the procedure definition format.

The frozen base every part of a definition extends, the text types its fields use and
the problem raised for a field below the model that found it. Pure Python: nothing
here imports Django.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
import unicodedata
from functools import cache
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    GetJsonSchemaHandler,
    StringConstraints,
    ValidationInfo,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

#: The validation context key that says where a definition comes from: ``True`` for
#: TOML text (:func:`escalate.procedures.library.parse`), held to every rule; ``False``
#: for data validated before, such as a stored snapshot, held only to the rules it was
#: stored under so that it keeps loading. Left out (a model validated directly): every
#: rule but those for text alone.
FROM_TEXT = "from_text"

#: The years a definition's dates may fall in: those whose bank holidays Escalate knows
#: (:data:`escalate.procedures.calendar.FIRST_YEAR` and ``LAST_YEAR``).
FIRST_YEAR, LAST_YEAR = 1872, 2100

#: The largest whole number a field with no limit of its own accepts (a stage's number,
#: a group's stages, ``skip_up_to``): far beyond any procedure, short of numbers that
#: would take the checks an age to count up to.
MAX_NUMBER = 1000

#: The control characters text may hold: line breaks and tabs (one-line text, such as
#: a :data:`Line`, refuses them too).
_ALLOWED_CONTROLS = frozenset("\n\t")

Slug = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$", min_length=1, max_length=60),
]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


def from_text(info: ValidationInfo) -> bool:
    """Whether the definition being validated was read from TOML text just now."""
    return bool((info.context or {}).get(FROM_TEXT))


def _stored(info: ValidationInfo) -> bool:
    """Whether the definition being validated was validated before (a stored snapshot)."""
    return (info.context or {}).get(FROM_TEXT) is False


def control_character(value: str, *, one_line: bool = False) -> str | None:
    """The first control character in ``value`` (NUL, escape, C1 controls...) as
    "U+0000", or None. Line breaks and tabs are text unless ``one_line``."""
    for ch in value:
        if unicodedata.category(ch) == "Cc" and (one_line or ch not in _ALLOWED_CONTROLS):
            return f"U+{ord(ch):04X}"
    return None


#: The line breaks one-line text refuses, beside the tab, by what they are called.
_LINE_BREAKS = {
    "\n": "a line break",
    "\r": "a line break",
    "\v": "a line break",
    "\f": "a line break",
    "\x85": "a line break",
    "\u2028": "a line break",
    "\u2029": "a line break",
    "\t": "a tab",
}

#: One-line text in the JSON Schema: after any spaces or line breaks around it (which
#: are stripped), no line break or tab, and not blank. (ECMA-262 and Python alike.)
ONE_LINE_PATTERN = r"^\s*\S(?:[^\n\r\t\v\f\x85\u2028\u2029]*\S)?\s*$"


def _one_line(value: str, info: ValidationInfo) -> str:
    if _stored(info):
        return value  # stored before titles had to be one line: it keeps loading
    for ch in value:
        shown = f"U+{ord(ch):04X}"
        if ch in _LINE_BREAKS:
            raise ValueError(f"holds {_LINE_BREAKS[ch]} ({shown}): write it on one line")
        if unicodedata.category(ch) == "Cc":
            raise ValueError(f"holds a control character ({shown}): write it on one line")
    return value


class OneLineInSchema:
    """Says in the JSON Schema that text is one line: :data:`ONE_LINE_PATTERN`."""

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        found = handler(core_schema)
        found["pattern"] = ONE_LINE_PATTERN
        return found


#: Marks one-line text for the JSON Schema (:class:`OneLineInSchema`).
ONE_LINE_IN_SCHEMA = OneLineInSchema()

#: Text that must fit on one line (a name, a title, a label, shown in a heading or an
#: email subject): no line breaks or tabs, refused at the field's line (text stored
#: before this rule keeps loading). Prose (guidance, sources) is :data:`Text`.
Line = Annotated[Text, AfterValidator(_one_line), ONE_LINE_IN_SCHEMA]


class DefinitionProblem(ValueError):
    """A validation problem that belongs to a field below the model that found it.

    ``at`` is the path from that model to the field, such as ``("stages", 1, "number")``;
    :mod:`escalate.procedures.library` adds it to the location it reports.
    """

    def __init__(self, message: str, *, at: tuple[str | int, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.at = at


class Frozen(BaseModel):
    """Base for every part of a definition: unknown fields refused, never mutated, and
    every value written as what it is (see :func:`check_values`)."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_enum_values=False)

    @model_validator(mode="before")
    @classmethod
    def _values_as_written(cls, data: Any, info: ValidationInfo) -> Any:
        if isinstance(data, dict):
            check_values(cls.model_fields, data, text=from_text(info), stored=_stored(info))
        return data


def check_values(
    fields: dict[str, FieldInfo], data: dict[str, Any], *, text: bool, stored: bool
) -> None:
    """Refuse, before anything else, values pydantic would quietly take for others:

    - a control character in any text (NUL, escape, U+0080 to U+009F; TOML's ``\\u``
      escapes write them invisibly), unless ``stored``;
    - a whole number or true/false written otherwise (``amount = "5"``, ``5.0``,
      ``true``; ``allowed = "no"``), a number with no limit of its own past
      :data:`MAX_NUMBER`;
    - a date outside :data:`FIRST_YEAR` to :data:`LAST_YEAR` or with a time of day, and
      (in ``text``) a date in quotes.

    Raises :class:`DefinitionProblem` at the field (and its position in a list)."""
    for name, value in data.items():
        field = fields.get(name)
        if field is None:
            continue  # an unknown field: reported as such
        items = list(enumerate(value)) if isinstance(value, list | tuple) else [(None, value)]
        kind = _kind_of(field)
        for i, item in items:
            at: tuple[str | int, ...] = (name,) if i is None else (name, i)
            if isinstance(item, str) and not stored:
                found = control_character(item)
                if found:
                    raise DefinitionProblem(f"remove the control character ({found})", at=at)
            if kind is not None:
                problem = _as_written(kind, item, field, text=text)
                if problem:
                    raise DefinitionProblem(problem, at=at)


def _as_written(kind: type, value: object, field: FieldInfo, *, text: bool) -> str | None:
    """What is wrong with ``value`` for a field of ``kind`` (int, bool or date)."""
    if kind is bool:
        if isinstance(value, bool):
            return None
        return f"{value!r} must be true or false"
    if kind is int:
        if isinstance(value, bool):
            return f"{str(value).lower()} is not a number: write a whole number such as 3"
        if isinstance(value, str):
            if any(ch.isdigit() and not ("0" <= ch <= "9") for ch in value):
                return (
                    f"{value!r} must be a whole number written with the digits 0 to 9, "
                    "without quotes"
                )
            return f"{value!r} must be a whole number, without quotes"
        if isinstance(value, float):
            whole = f" (write {int(value)})" if value.is_integer() else ""
            return f"{value!r} must be a whole number{whole}"
        capped = not any(hasattr(m, "le") or hasattr(m, "lt") for m in field.metadata)
        if isinstance(value, int) and capped and value > MAX_NUMBER:
            return f"{value} is far too large: no procedure needs a number over {MAX_NUMBER:,} here"
        return None
    if isinstance(value, dt.datetime):
        return f"{value.isoformat(sep=' ')} has a time of day: write the date alone, YYYY-MM-DD"
    if isinstance(value, str) and text:
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            return None  # not a date at all: reported as such
        return f"{value!r} is in quotes: write the date without them ({day.isoformat()})"
    if isinstance(value, dt.date) and not FIRST_YEAR <= value.year <= LAST_YEAR:
        return (
            f"{value.isoformat()} is not a date Escalate can work with: a procedure's dates "
            f"fall between {FIRST_YEAR} and {LAST_YEAR} (check the year)"
        )
    return None


@cache
def _kind(annotation: Any) -> type | None:
    """int, bool or date, for a field of that type (optional, or a tuple of them)."""
    if annotation in (int, bool, dt.date):
        return typing.cast(type, annotation)
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        given = [a for a in args if a is not type(None)]
        return _kind(given[0]) if len(given) == 1 else None
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return _kind(args[0])
    return None


def _kind_of(field: FieldInfo) -> type | None:
    annotation: Any = field.annotation
    try:
        return _kind(annotation)
    except TypeError:  # an annotation that cannot be hashed: none of these
        return None


def refuse_duplicates(what: str, values: list[str] | list[int]) -> None:
    """Values must be unique within a list: name the first one given twice."""
    seen: set[str | int] = set()
    for v in values:
        if v in seen:
            raise ValueError(f"duplicate {what} {v!r}")
        seen.add(v)


def refuse_duplicate_keys(field: str, keys: list[str]) -> None:
    """Keys must be unique within a list of tables; point at the second use."""
    seen: set[str] = set()
    for i, key in enumerate(keys):
        if key in seen:
            raise DefinitionProblem(
                f"duplicate key {key!r}: each entry in {field} needs its own key",
                at=(i, "key"),
            )
        seen.add(key)


def listed(values: list[int] | list[str], last: str = "and") -> str:
    """'1, 2 and 3' (or with ``last`` = 'or': '1, 2 or 3')."""
    words = [str(v) for v in values]
    if len(words) < 2:
        return "".join(words)
    return f"{', '.join(words[:-1])} {last} {words[-1]}"
