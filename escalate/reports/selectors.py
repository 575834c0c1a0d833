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

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.paginator import Page
from django.db.models import Q, QuerySet

from escalate.cases import permissions
from escalate.cases.models import Case, PolicyIssue, PolicyIssueStatus
from escalate.govuk.pagination import page_of
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
    "POLICY_ISSUES_PER_PAGE",
    "SORTS",
    "SUPPRESS_BELOW",
    "Period",
    "PolicyIssuePage",
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
    "policy_issues_page",
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


#: How many policy issues a page of them shows.
POLICY_ISSUES_PER_PAGE = 50


@dataclass(frozen=True)
class PolicyIssuePage:
    """One page of a partnership's policy issues, and which of them the person may
    respond to now."""

    page: Page[PolicyIssue]
    may_respond: frozenset[int]  # the issues' ids


def policy_issues_page(
    user: User | Any,
    partnership: Partnership,
    asked: object = None,
    per_page: int = POLICY_ISSUES_PER_PAGE,
    *,
    holding: PolicyIssue | None = None,
) -> PolicyIssuePage:
    """Page ``asked`` (the ``page`` parameter as it came: none or not a number, the
    first; past the last, the last) of :func:`policy_issues`, or with ``holding`` the
    page that issue is on now (a response to it refused: shown where it is), in the
    same few queries however many there are: how many, the page's issues, and who
    stands where on the cases of its open ones
    (:func:`escalate.cases.permissions.accesses`)."""
    issues = policy_issues(user, partnership)
    if holding is not None:
        before = issues.filter(
            Q(status__lt=holding.status)
            | Q(status=holding.status, raised_at__lt=holding.raised_at)
            | Q(status=holding.status, raised_at=holding.raised_at, id__lt=holding.pk)
        ).count()
        asked = str(before // per_page + 1)
    page = page_of(issues, asked, per_page)
    open_ones = [i for i in page if i.status == PolicyIssueStatus.OPEN]
    access = permissions.accesses(user, [i.case for i in open_ones])
    may = frozenset(
        i.pk
        for i in open_ones
        if access[i.case_id].can(permissions.CaseAction.RESPOND_TO_POLICY_ISSUE)
    )
    return PolicyIssuePage(page, may)


def latest_submission(case: Case) -> ReferralSubmission | None:
    return case.referral_submissions.select_related("submitted_by").first()
