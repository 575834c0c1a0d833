"""The case page: everything about one case the person may see, and what they may do.

It reads through :mod:`escalate.cases.selectors`, asks :mod:`escalate.cases.permissions`
what to offer, and leaves the shaping to :mod:`escalate.cases.views.presenters`. The
person's access to the case is worked out once and passed to every read and check. A
case that does not exist and one the person may not see get the same 404 page.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from escalate.cases import deadlines, permissions, selectors, services
from escalate.cases.facts import calendar_for, procedure_of
from escalate.cases.models import PolicyIssueStatus
from escalate.cases.permissions import CaseAction
from escalate.cases.views import presenters
from escalate.cases.views.common import load_access
from escalate.reports import referral


@require_safe
@login_required
def case_page(request: HttpRequest, reference: str) -> HttpResponse:
    access = load_access(request, reference)
    if isinstance(access, HttpResponse):
        return access
    case = access.case
    services.record_case_viewed(request.user, case)  # type: ignore[arg-type]
    procedure = procedure_of(case)
    records = {r.number: r for r in access.stages}
    allowed = permissions.allowed_actions(access, case)
    events = list(selectors.chronology(access, case))
    categories = {c.key: c.label for c in procedure.categories}
    views = (
        list(selectors.case_views(access, case)[:50]) if CaseAction.VIEW_AUDIT in allowed else None
    )
    issues = list(case.policy_issues.select_related("raised_by", "responded_by"))
    calendar = calendar_for(case.partnership)
    stages = presenters.stage_rows(
        case,
        procedure,
        records,
        selectors.stage_statuses(case, stages=access.stages, calendar=calendar),
        selectors.projected_deadlines(case, access.stages, calendar=calendar),
        deadlines.for_case(case, calendar=calendar),
    )
    return render(
        request,
        "cases/case/page.html",
        {
            "case": case,
            "procedure": procedure,
            "stages": stages,
            "current": records.get(case.current_stage),
            "allowed": {a.value for a in allowed},
            "actions_offered": presenters.offered_actions(case, allowed, procedure),
            "events": presenters.event_rows(events),
            "categories": [categories.get(k, k) for k in case.categories],
            "agreed_actions": list(
                case.agreed_actions.select_related("agency", "owner", "completed_by")
            ),
            "policy_issues": issues,
            "open_issue_status": PolicyIssueStatus.OPEN,
            "case_status_class": presenters.CASE_STATUS_TAGS.get(case.status, ""),
            "views": views,
            "sees_person": access.can_view,
            "is_final_stage": case.current_stage == len(procedure.stages),
            "referral_offered": referral.offered_to(access, case),
            "failed_invitation": selectors.failed_invitation(access, case),
            "may_resend_invitation": CaseAction.RESEND_INVITATION in allowed,
        },
    )
