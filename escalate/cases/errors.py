"""The case layer's errors: the shared ones (:mod:`escalate.errors`) and those only
cases raise, and how the engine's refusals become them.

Views and the API map them to HTTP: :class:`NotAllowed` to 403, :class:`NotFound` to
404, :class:`Conflict` to 409 and :class:`Invalid` to 400 (with a message per field).
"""

from __future__ import annotations

from escalate.errors import AlreadyDone, CaseError, Conflict, Invalid, NotAllowed, NotFound
from escalate.procedures.engine import RefusalCode, Refused

__all__ = [
    "AlreadyDone",
    "CaseError",
    "ChronologyIsAppendOnly",
    "Conflict",
    "Invalid",
    "NotAllowed",
    "NotFound",
    "StaleCase",
    "from_refusal",
]


class StaleCase(Conflict):
    """The case changed since the person opened it."""


class ChronologyIsAppendOnly(Exception):
    """Chronology entries are never changed or deleted; record a correction instead."""

    def __init__(self) -> None:
        super().__init__(
            "The chronology is append-only: entries cannot be changed or deleted. "
            "Record a correction that points at the entry instead."
        )


def from_refusal(refused: Refused, *, field: str = "__all__") -> CaseError:
    """Translate the engine's :class:`Refused` into a domain error.

    ``FORBIDDEN`` becomes :class:`NotAllowed`; ``WRONG_STAGE`` and ``CLOSED`` become
    :class:`Conflict` (its reason the code's value); ``INVALID`` becomes
    :class:`Invalid` on ``field``.
    """
    code = refused.code
    if code is RefusalCode.FORBIDDEN:
        return NotAllowed(refused.reason)
    if code is RefusalCode.INVALID:
        return Invalid({field: refused.reason})
    return Conflict(refused.reason, reason=code.value)
