"""Cases: one professional disagreement each, with its stages, agreed actions, policy
issues, invitation and append-only chronology. The notification outbox about a case
is :class:`escalate.notifications.models.Notification`.

Only :mod:`escalate.cases.services` writes these tables. Whatever the database can
enforce (choices, lengths, dates in order, one record per stage) it enforces.

By topic: :mod:`.limits` (text lengths and the database check for them),
:mod:`.choices`, :mod:`.case` (the case and its reference numbers), :mod:`.stages`
(stages, agreed actions, policy issues), :mod:`.access` (the invitation, forms sent
once), :mod:`.chronology` and :mod:`.deadlines` (every deadline of a case, stored).
Import from here: ``from escalate.cases.models import Case``.
"""

from __future__ import annotations

from escalate.cases.models.access import (
    Invitation,
    Submission,
)
from escalate.cases.models.case import (
    Case,
    ReferenceCounter,
)
from escalate.cases.models.choices import (
    CaseStatus,
    Conclusion,
    ContactKind,
    PolicyIssueStatus,
    Response,
    SubjectType,
)
from escalate.cases.models.chronology import (
    VIEWED,
    VIEWED_WHAT,
    Event,
    EventQuerySet,
)
from escalate.cases.models.deadlines import CaseDeadline
from escalate.cases.models.limits import (
    ADDRESS_MAX,
    EMAIL_MAX,
    LONG_TEXT_MAX,
    NAME_MAX,
    RECORD_ID_MAX,
    ROLE_CHOICES,
    SHORT_TEXT_MAX,
    THEME_MAX,
    THEMES_MAX,
    max_length_check,
)
from escalate.cases.models.stages import (
    AgreedAction,
    PolicyIssue,
    StageRecord,
)

__all__ = [
    "ADDRESS_MAX",
    "AgreedAction",
    "Case",
    "CaseDeadline",
    "CaseStatus",
    "Conclusion",
    "ContactKind",
    "EMAIL_MAX",
    "Event",
    "EventQuerySet",
    "Invitation",
    "LONG_TEXT_MAX",
    "NAME_MAX",
    "PolicyIssue",
    "PolicyIssueStatus",
    "RECORD_ID_MAX",
    "ROLE_CHOICES",
    "ReferenceCounter",
    "Response",
    "SHORT_TEXT_MAX",
    "StageRecord",
    "SubjectType",
    "Submission",
    "THEMES_MAX",
    "THEME_MAX",
    "VIEWED",
    "VIEWED_WHAT",
    "max_length_check",
]
