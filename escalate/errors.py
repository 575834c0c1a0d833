"""The errors every part of Escalate raises when it refuses something, and how the
web, the API and the command line answer them.

:class:`NotAllowed` is a 403, :class:`NotFound` a 404, :class:`Conflict` a 409 and
:class:`Invalid` a 400 with a message per field. Messages are written for the person who
asked, and never contain the personal details of the person at risk.

A bottom layer: it imports nothing of Escalate's, so any app (accounts, partnerships,
notifications, reports, cases) may raise these without depending on another.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


class CaseError(Exception):
    """Base of every refusal: ``status_code`` is how the web answers it."""

    status_code = 400
    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class NotAllowed(CaseError):
    """The person may not do this (or see this case) at all."""

    status_code = 403
    code = "forbidden"


class NotFound(CaseError):
    status_code = 404
    code = "not_found"


class Conflict(CaseError):
    """Not possible in the case's current state: wrong stage, closed, or changed since
    the person opened it (``changes`` then lists what happened in the meantime)."""

    status_code = 409
    code = "conflict"

    def __init__(self, message: str, *, changes: Sequence[Any] = (), reason: str = "") -> None:
        super().__init__(message)
        self.changes = list(changes)
        self.reason = reason or "conflict"


class AlreadyDone(Conflict):
    """The same form was sent before (its one-time token is taken): nothing was made this
    time. ``case_reference`` and ``object_id`` point at what the first sending made, when
    it was this person's; otherwise both are empty."""

    def __init__(
        self,
        message: str,
        *,
        what: str = "",
        case_reference: str = "",
        object_id: int | None = None,
    ) -> None:
        super().__init__(message, reason="done")
        self.what = what
        self.case_reference = case_reference
        self.object_id = object_id


class Invalid(CaseError):
    """Bad input: ``errors`` maps each field to what is wrong with it."""

    status_code = 400
    code = "invalid"

    def __init__(self, errors: Mapping[str, str | Sequence[str]]) -> None:
        self.errors: dict[str, list[str]] = {
            field: [problems] if isinstance(problems, str) else list(problems)
            for field, problems in errors.items()
        }
        message = " ".join(
            f"{_field_label(field)}: {problem}"
            for field, problems in self.errors.items()
            for problem in problems
        )
        super().__init__(message)


def _field_label(field: str) -> str:
    return "Problem" if field == "__all__" else field.replace("_", " ").capitalize()
