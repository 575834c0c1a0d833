"""What the dashboard's lists hold: a case as a list shows it, and each thing waiting
for a person with how urgent it is. (The lists themselves: :mod:`escalate.cases.dashboard`.)"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from escalate.cases.models import CaseStatus

#: Calendar days before its due date that something counts as due soon.
DUE_SOON_DAYS = 3


@dataclass(frozen=True)
class ListedCase:
    """What a list of cases shows of one (not the procedure it follows, nor the details
    of the person at risk)."""

    pk: int
    reference: str
    current_stage: int
    status: str
    raising_agency_name: str
    other_agency_name: str

    def get_status_display(self) -> str:
        return str(CaseStatus(self.status).label)


@dataclass(frozen=True)
class ActionItem:
    """Something waiting for one person, with the day it is due by."""

    kind: str  # "stage" | "respond" | "agreed_action" | "policy_issue" | "deadline"
    case: ListedCase
    label: str
    due: dt.date | None
    overdue: bool
    agreed_action_id: int | None = None
    policy_issue_id: int | None = None
    #: Due by a "where possible" target that has passed: chased, never overdue.
    target_passed: bool = False

    def urgency(self, today: dt.date) -> str:
        """ "none" (no fixed timescale), "overdue", "target_passed" (a "where possible"
        target passed: chased, never overdue), "due_soon" (within DUE_SOON_DAYS) or
        "on_time"."""
        if self.due is None:
            return "none"
        if self.overdue:
            return "overdue"
        if self.target_passed:
            return "target_passed"
        if (self.due - today).days <= DUE_SOON_DAYS:
            return "due_soon"
        return "on_time"
