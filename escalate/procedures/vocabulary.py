"""The engine's vocabulary: a case's facts as the engine sees them, and what it answers.

Statuses, actions, deadlines, moves, notices, outcomes and refusals. Pure Python:
nothing here imports Django.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from escalate.procedures.model import Protects, Recipient, Role


class RefusalCode(StrEnum):
    """Why the engine refused a move, for callers to tell apart."""

    #: Possible now, but not by this role.
    FORBIDDEN = "forbidden"
    #: Not possible at this stage of this procedure.
    WRONG_STAGE = "wrong_stage"
    #: The case is resolved or withdrawn.
    CLOSED = "closed"
    #: Something missing or wrong in what was asked.
    INVALID = "invalid"
    #: A skip of stages by a role the procedure does not let skip (``skip_roles``).
    SKIP_ROLE = "skip_role"
    #: A skip further than the procedure allows (``skip_up_to``).
    SKIP_TOO_FAR = "skip_too_far"
    #: A skip before the consultation the procedure needs is recorded.
    NEEDS_CONSULTATION = "needs_consultation"
    #: An escalation before the notice the procedure needs is recorded.
    NEEDS_NOTICE = "needs_notice"
    #: A move up the stages of a case that goes elsewhere instead (``[[routes]]``).
    ROUTED = "routed"
    #: Any other refusal.
    REFUSED = "refused"


class Refused(Exception):
    """A move the procedure does not allow, with the reason in plain English."""

    def __init__(self, reason: str, *, code: RefusalCode = RefusalCode.REFUSED) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = RefusalCode(code)


class CaseStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"
    WITHDRAWN = "withdrawn"


class StageStatus(StrEnum):
    NOT_REACHED = "not_reached"
    IN_PROGRESS = "in_progress"
    OVERDUE = "overdue"
    CONCLUDED = "concluded"
    SKIPPED = "skipped"


class Action(StrEnum):
    RAISE = "raise"
    RECORD = "record"
    TICK = "tick"
    RESOLVE = "resolve"
    ESCALATE = "escalate"
    EXPEDITE = "expedite"
    REFER_TO_PANEL = "refer_to_panel"
    WITHDRAW = "withdraw"
    #: Tell the other organisation the case is to be escalated (``notice_before_escalation``).
    GIVE_NOTICE = "give_notice"
    #: Record the consultation a skip needs first (``skip_needs_consultation``).
    RECORD_CONSULTATION = "record_consultation"


#: Moves still open once a case is closed: notes, corrections and check-backs.
ALLOWED_WHEN_CLOSED: frozenset[Action] = frozenset({Action.RECORD})


@dataclass(frozen=True)
class CaseFacts:
    """What the engine needs to know about a case. Immutable: moves return new facts."""

    arose: dt.date
    stage_started: Mapping[int, dt.date] = field(default_factory=dict)
    current_stage: int = 1
    status: CaseStatus = CaseStatus.OPEN
    immediate_risk: bool = False
    stage_concluded: Mapping[int, dt.date] = field(default_factory=dict)
    checklist_done: Mapping[int, frozenset[str]] = field(default_factory=dict)
    panel_referred: frozenset[int] = frozenset()
    #: Roles consulted (and recorded as consulted) at the current stage, before a skip.
    consulted: frozenset[Role] = frozenset()
    #: Stages at which notice of the intention to escalate was recorded.
    notice_given: frozenset[int] = frozenset()
    #: The kinds of case the person raising it said apply (``[[routes]]`` keys).
    kinds: frozenset[str] = frozenset()
    #: Whom the case is about: adults or children (None: not known).
    person: Protects | None = None


@dataclass(frozen=True)
class Deadline:
    key: str
    label: str
    due: dt.date | None
    explanation: str
    role: Role | None = None

    def as_json(self) -> dict[str, str | None]:
        return {
            "key": self.key,
            "label": self.label,
            "due": self.due.isoformat() if self.due else None,
            "explanation": self.explanation,
        }


@dataclass(frozen=True)
class StageDeadlines:
    number: int
    title: str
    start_by: Deadline | None
    conclude_by: Deadline | None
    other: tuple[Deadline, ...] = ()

    @property
    def all(self) -> tuple[Deadline, ...]:
        return tuple(d for d in (self.start_by, self.conclude_by) if d) + self.other


@dataclass(frozen=True)
class Notice:
    """A notification the procedure says is owed."""

    recipient: Recipient
    #: What happened: a key of :mod:`escalate.procedures.events` ("case.escalated").
    event: str
    stage: int
    why: str


@dataclass(frozen=True)
class Move:
    """Something that may happen next, and who may do it."""

    action: Action
    roles: tuple[Role, ...]
    to_stage: int | None = None
    needs_reason: bool = False
    label: str = ""


@dataclass(frozen=True)
class Outcome:
    facts: CaseFacts
    notices: tuple[Notice, ...]
