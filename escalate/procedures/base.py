"""Building blocks of the procedure definition format.

The frozen base every part of a definition extends, the text types its fields use and
the problem raised for a field below the model that found it. Pure Python: nothing
here imports Django.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

Slug = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$", min_length=1, max_length=60),
]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


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
    """Base for every part of a definition: unknown fields refused, never mutated."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_enum_values=False)


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
