"""The case page: everything about one case the person may see, and what they may do.

It reads through :mod:`escalate.cases.selectors`, asks :mod:`escalate.cases.permissions`
what to offer, and leaves the shaping to :mod:`escalate.cases.views.presenters`. The
person's access to the case is worked out once and passed to every read and check. A
case that does not exist and one the person may not see get the same 404 page.

Showing the page writes nothing: the view is spooled (:mod:`escalate.cases.services.viewing`),
and a long chronology shows its latest entries with a link to the whole of it.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from escalate.cases import deadlines, permissions, selectors
from escalate.cases.facts import calendar_for, procedure_of
from escalate.cases.models import Case, Event, PolicyIssueStatus
from escalate.cases.permissions import CaseAccess, CaseAction
from escalate.cases.services import viewing
from escalate.cases.views import presenters
from escalate.cases.views.common import load_access
from escalate.reports import referral

#: How many of the latest chronology entries the case page shows (the rest are a link
#: away: ``?chronology=all``).
LATEST_ENTRIES = 25

#: How many of the latest views the business unit is shown.
LATEST_VIEWS = 50


@require_safe
@login_required
def case_page(request: HttpRequest, reference: str) -> HttpResponse:
    access = load_access(request, reference)
    if isinstance(access, HttpResponse):
        return access
    case = access.case
    # In the read log without a write: spooled, stored in bulk by the background work.
    viewing.spool_view(access)
    procedure = procedure_of(case)
    records = {r.number: r for r in access.stages}
    allowed = permissions.allowed_actions(access, case)
    whole = request.GET.get("chronology") == "all"
    events, more = chronology(access, case, whole=whole)
    categories = {c.key: c.label for c in procedure.categories}
    views = (
        viewing.views_of(case, selectors.case_views(access, case)[:LATEST_VIEWS], LATEST_VIEWS)
        if CaseAction.VIEW_AUDIT in allowed
        else None
    )
    issues = list(case.policy_issues.select_related("raised_by", "responded_by"))
    calendar = calendar_for(case.partnership)
    stored = deadlines.for_case(case, calendar=calendar)
    open_ids = (
        list(deadlines.open_deadlines().filter(case=case).values_list("pk", flat=True))
        if case.is_open
        else []
    )
    stages = presenters.stage_rows(
        case,
        procedure,
        records,
        selectors.stage_statuses(case, stages=access.stages, calendar=calendar),
        selectors.projected_deadlines(case, access.stages, calendar=calendar)
        if presenters.needs_projection(procedure, records)
        else {},
        stored,
    )
    whole_url = reverse("cases:case", args=[case.reference]) + "?chronology=all"
    return render(
        request,
        "cases/case/page.html",
        {
            "case": case,
            "procedure": procedure,
            "stages": stages,
            "current": records.get(case.current_stage),
            "next_due": presenters.next_due(stored, open_ids, access.stages),
            "allowed": {a.value for a in allowed},
            "actions_offered": presenters.offered_actions(case, allowed, procedure),
            "events": presenters.event_rows(events, "" if whole else whole_url),
            "more_events": more,
            "latest_entries": LATEST_ENTRIES,
            "whole_chronology_url": whole_url,
            "whole_chronology": whole,
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


def chronology(access: CaseAccess, case: Case, *, whole: bool) -> tuple[list[Event], bool]:
    """The chronology entries the page shows, oldest first: all of them when asked for,
    else the latest :data:`LATEST_ENTRIES` (one query either way); and whether there
    are earlier ones not shown."""
    entries = selectors.chronology(access, case)
    if whole:
        return list(entries), False
    latest = list(entries.order_by("-at", "-id")[: LATEST_ENTRIES + 1])
    more = len(latest) > LATEST_ENTRIES
    return latest[:LATEST_ENTRIES][::-1], more
