"""Reads for the board: the escalation register and the board's report.

Everything here is for people :func:`escalate.partnerships.permissions.sees_statistics` allows
(the partnership's business unit, independent chair and statutory partners), and
nothing here identifies the person at risk: no names, dates of birth, addresses or
record ids, and no free text that could hold them.

The register lives in :mod:`escalate.reports.register`, the board's report in
:mod:`escalate.reports.report_data` and what they share (periods, working days, who
may see them) in :mod:`escalate.reports.common`; callers import them from here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from escalate.cases.models import Case, PolicyIssue
from escalate.reports.common import (
    FEWER,
    SUPPRESS_BELOW,
    Period,
    WorkingDays,
    median,
    parse_period,
    percentile,
    require_statistics,
)
from escalate.reports.models import ReferralSubmission
from escalate.reports.register import (
    PAGE_SIZE,
    SORTS,
    RegisterFilters,
    RegisterPage,
    RegisterRow,
    StageRow,
    filter_choices,
    iter_register,
    register,
    register_cases,
    register_page,
)
from escalate.reports.report_data import Report, board_report, build_report

if TYPE_CHECKING:
    from escalate.accounts.models import User
    from escalate.partnerships.models import Partnership

__all__ = [
    "FEWER",
    "PAGE_SIZE",
    "SORTS",
    "SUPPRESS_BELOW",
    "Period",
    "RegisterFilters",
    "RegisterPage",
    "RegisterRow",
    "Report",
    "StageRow",
    "WorkingDays",
    "board_report",
    "build_report",
    "filter_choices",
    "iter_register",
    "latest_submission",
    "median",
    "parse_period",
    "percentile",
    "policy_issues",
    "register",
    "register_cases",
    "register_page",
    "require_statistics",
]


# ---------------------------------------------------------------- policy issues


def policy_issues(user: User | Any, partnership: Partnership) -> QuerySet[PolicyIssue]:
    """Every policy issue flagged on the partnership's cases, for its chair, statutory
    partners and business unit; open ones first."""
    require_statistics(user, partnership)
    return (
        PolicyIssue.objects.filter(case__partnership=partnership)
        .select_related("case", "raised_by", "responded_by")
        .order_by("status", "raised_at", "id")
    )


def latest_submission(case: Case) -> ReferralSubmission | None:
    return case.referral_submissions.select_related("submitted_by").first()
