"""A procedure definition as a board writes it (TOML text typed, pasted or uploaded):
what may be stored, and the problems found in it, each with its line and field where
the library can say (``DefinitionError.located``; else its plain messages).

Nothing here stores anything: :mod:`escalate.partnerships.versions` does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypedDict

from escalate.govuk import text as characters
from escalate.procedures import library
from escalate.procedures.model import Procedure

#: The longest definition kept (the shipped ones are under 25,000 characters).
MAX_CHARACTERS = 200_000
#: The largest file that may be uploaded: the largest the CLI reads too.
MAX_UPLOAD_BYTES = library.MAX_FILE_BYTES


class Problem(TypedDict):
    """One thing wrong with a draft, as stored with it."""

    line: int | None
    field: str
    message: str


@dataclass(frozen=True)
class Reading:
    """A definition read: the procedure if it is usable, else what is wrong with it."""

    procedure: Procedure | None
    problems: list[Problem]


def refusal(text: str) -> str:
    """Why ``text`` cannot be kept as a definition at all ("" when it can): too long,
    or holding characters no definition may (NUL bytes and other control characters)."""
    if len(text) > MAX_CHARACTERS:
        return f"The definition must be {MAX_CHARACTERS:,} characters or fewer"
    if characters.has_unusual_characters(text):
        return "Remove the unusual characters from the definition"
    return ""


def tidy(text: object) -> str:
    """Other programs' line breaks made new lines; Windows' line ends made plain ones
    (so line numbers count as an editor does); blank lines before the first left out
    (a browser drops a text box's first new line, which would move every line)."""
    lines = characters.tidy(text).replace("\r\n", "\n").replace("\r", "\n")
    return lines.lstrip("\n")


def prepared(text: object) -> tuple[str, str]:
    """``text`` as a definition is kept (:func:`tidy`), and why it cannot be kept at all
    ("" when it can: :func:`refusal`). Every definition stored, typed or uploaded on the
    authoring pages or imported at the command line, comes through here."""
    tidied = tidy(text)
    return tidied, refusal(tidied)


def read(text: str, source: str = "the definition") -> Reading:
    """Parse ``text``: the procedure, or every problem found."""
    if not text.strip():
        return Reading(None, [Problem(line=None, field="", message="The definition is empty")])
    try:
        return Reading(library.parse(text, source), [])
    except library.DefinitionError as error:
        return Reading(None, problems_of(error))


def problems_of(error: library.DefinitionError) -> list[Problem]:
    """The problems of a definition error: located ones (line and field) when the
    library gives them, else its messages."""
    located: Any = getattr(error, "located", None)
    if located:
        return [
            Problem(
                line=_line(getattr(p, "line", None)),
                field=str(getattr(p, "field", "") or ""),
                message=str(getattr(p, "message", p)),
            )
            for p in located
        ]
    return [Problem(line=None, field="", message=str(p)) for p in error.problems]


def _line(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def decode_upload(raw: bytes) -> tuple[str, str]:
    """An uploaded file's text and what is wrong with it ("" when nothing): it must be
    small enough, UTF-8 and plain text."""
    if len(raw) > MAX_UPLOAD_BYTES:
        return "", f"The file must be smaller than {MAX_UPLOAD_BYTES // 1024} KB"
    if not raw.strip():
        return "", "The selected file is empty"
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return "", (
            f"The selected file must be saved as UTF-8 text (line {line} is not): "
            "save it as UTF-8 and upload it again"
        )
    text, problem = prepared(text)
    if problem:
        return "", problem.replace("the definition", "the file").replace(
            "The definition", "The file"
        )
    return text, ""


def described(problem: Problem) -> str:
    """One problem in words: "Line 12, stages[1].title: ..." (as much as is known)."""
    where = []
    if problem.get("line"):
        where.append(f"Line {problem['line']}")
    if problem.get("field"):
        where.append(str(problem["field"]))
    message = str(problem.get("message", ""))
    return f"{', '.join(where)}: {message}" if where else message


def printable_name(name: str) -> str:
    """An uploaded file's name, safe to keep in the record: its last part, without
    characters that are refused elsewhere, at most 100 characters."""
    last = characters.printable(name).replace("\\", "/").rsplit("/", 1)[-1].strip()
    return (last or "a file")[:100]
