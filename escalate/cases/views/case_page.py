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

from escalate.cases import selectors
from escalate.cases.facts import calendar_for, procedure_of
from escalate.cases.models import PolicyIssueStatus
from escalate.cases.permissions import CaseAction
from escalate.cases.services import viewing
from escalate.cases.views import presenters, route_rows
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
    allowed = access.allowed
    whole = request.GET.get("chronology") == "all"
    events, more = selectors.latest_chronology(access, case, None if whole else LATEST_ENTRIES)
    categories = {c.key: c.label for c in procedure.categories}
    views = (
        viewing.views_of(case, selectors.case_views(access, case)[:LATEST_VIEWS], LATEST_VIEWS)
        if CaseAction.VIEW_AUDIT in allowed
        else None
    )
    calendar = calendar_for(case.partnership)
    stored = selectors.stored_deadlines(access, case, calendar=calendar)
    happened = selectors.deadline_events(case, access.stages, procedure=procedure)
    stages = presenters.stage_rows(
        case,
        procedure,
        records,
        selectors.stage_statuses(case, stages=access.stages, calendar=calendar, events=happened),
        selectors.projected_deadlines(case, access.stages, calendar=calendar, events=happened)
        if presenters.needs_projection(procedure, records)
        else {},
        stored.rows,
        may_tick=CaseAction.TICK in allowed,
    )
    whole_url = reverse("cases:case", args=[case.reference]) + "?chronology=all"
    return render(
        request,
        "cases/case/page.html",
        {
            "case": case,
            "procedure": procedure,
            "procedure_link": presenters.procedure_link(case, procedure),
            "case_routes": route_rows.case_routes(case, procedure),
            "stages": stages,
            "current": records.get(case.current_stage),
            "next_due": presenters.next_due(stored.rows, stored.open_ids, access.stages, procedure),
            "allowed": {a.value for a in allowed},
            "actions_offered": presenters.offered_actions(case, allowed, procedure),
            "events": presenters.event_rows(events, "" if whole else whole_url),
            "more_events": more,
            "latest_entries": LATEST_ENTRIES,
            "whole_chronology_url": whole_url,
            "whole_chronology": whole,
            "categories": [categories.get(k, k) for k in case.categories],
            "agreed_actions": list(selectors.agreed_actions(access, case)),
            "policy_issues": list(selectors.case_policy_issues(access, case)),
            "open_issue_status": PolicyIssueStatus.OPEN,
            "case_status_class": presenters.CASE_STATUS_TAGS.get(case.status, ""),
            "views": views,
            "sees_person": access.can_view,
            "is_final_stage": case.current_stage == len(procedure.stages),
            "forms_offered": referral.offered(access, case),
            "failed_invitation": selectors.failed_invitation(access, case),
            "may_resend_invitation": CaseAction.RESEND_INVITATION in allowed,
        },
    )
