"""Reading cases: every query here goes through :mod:`escalate.cases.permissions`.

Reads about one case take ``who``: the person, or their
:class:`~escalate.cases.permissions.CaseAccess` to the case (from :func:`case_access`),
which saves working their standing out again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet

from escalate import clock
from escalate.cases import dashboard, deadlines, permissions
from escalate.cases.deadlines import DeadlineRow
from escalate.cases.errors import NotAllowed, NotFound
from escalate.cases.facts import calendar_for, facts_of, procedure_of
from escalate.cases.models import (
    VIEWED,
    AgreedAction,
    Case,
    CaseStatus,
    Event,
    PolicyIssue,
    StageRecord,
    Submission,
)
from escalate.cases.permissions import CaseAccess, CaseAction
from escalate.notifications.models import Notification, NotificationStatus
from escalate.partnerships import permissions as partnership_permissions
from escalate.partnerships.models import Membership, PartnershipRole
from escalate.procedures import engine
from escalate.procedures.calendar import WorkingCalendar
from escalate.procedures.deadlines import CaseEvents
from escalate.procedures.deadlines_plan import NO_EVENTS
from escalate.procedures.model import PARTNERSHIP_ROLES, Anchor, ChecklistItem, Procedure, Role

if TYPE_CHECKING:
    from escalate.accounts.models import User
    from escalate.partnerships.models import Agency, Partnership


def cases_for(
    user: User | Any,
    *,
    status: CaseStatus | str | None = None,
    partnership: Partnership | None = None,
) -> QuerySet[Case]:
    """The cases ``user`` may see, newest first."""
    cases = permissions.visible_cases(user).select_related(
        "partnership", "raising_agency", "other_agency", "raised_by"
    )
    if status:
        cases = cases.filter(status=status)
    if partnership is not None:
        cases = cases.filter(partnership=partnership)
    return cases.order_by("-raised_at", "-id")


#: What a case reference can look like ("CE-2026-0001"); anything else is not one.
REFERENCE = re.compile(r"[A-Za-z0-9]+(-[A-Za-z0-9]+)*")


def get_case(user: User | Any, *, reference: str | None = None, pk: int | None = None) -> Case:
    """One case, if ``user`` may see it (:class:`NotFound` / :class:`NotAllowed`)."""
    return case_access(user, reference=reference, pk=pk).case


def case_access(
    user: User | Any, *, reference: str | None = None, pk: int | None = None
) -> CaseAccess:
    """One case with ``user``'s access to it, if they may see it (:class:`NotFound` /
    :class:`NotAllowed`). References are found in any case ("ce-2026-0001")."""
    if reference is not None:
        # References are capitals (the prefix must be): an exact match uses the index.
        reference = reference.strip().upper()
        if len(reference) > 20 or not REFERENCE.fullmatch(reference):
            raise NotFound("There is no such case.")
    lookup = Q(reference=reference) if reference else Q(pk=pk)
    case = (
        Case.objects.select_related("partnership", "raising_agency", "other_agency", "raised_by")
        .filter(lookup)
        .first()
    )
    if case is None:
        raise NotFound("There is no such case.")
    found = permissions.access(user, case)
    if not found.can_view:
        raise NotAllowed("You do not have access to this case.")
    return found


def chronology(
    who: User | CaseAccess | Any, case: Case, *, include_views: bool = False
) -> QuerySet[Event]:
    """The case's chronology, oldest first (views of the case left out unless asked)."""
    access = permissions.access(who, case)
    if not access.can_view:
        raise NotAllowed("You do not have access to this case.")
    if include_views and not access.can(CaseAction.VIEW_AUDIT):
        raise NotAllowed("Only the partnership's business unit can see who viewed a case.")
    events = Event.objects.filter(case=case).select_related("actor", "corrects")
    if not include_views:
        events = events.exclude(action=VIEWED)
    return events.order_by("at", "id")


def case_views(who: User | CaseAccess | Any, case: Case) -> QuerySet[Event]:
    """Who opened the case and when: for the business unit."""
    if not permissions.can(who, CaseAction.VIEW_AUDIT, case):
        raise NotAllowed("Only the partnership's business unit can see who viewed a case.")
    return (
        Event.objects.filter(case=case, action=VIEWED)
        .select_related("actor")
        .order_by("-at", "-id")
    )


def latest_chronology(
    who: User | CaseAccess | Any, case: Case, count: int | None
) -> tuple[list[Event], bool]:
    """The chronology entries a page shows, oldest first: the latest ``count`` (all of
    them for None), in one query either way; and whether there are earlier ones not
    shown."""
    entries = chronology(who, case)
    if count is None:
        return list(entries), False
    latest = list(entries.order_by("-at", "-id")[: count + 1])
    return latest[:count][::-1], len(latest) > count


def agreed_actions(who: User | CaseAccess | Any, case: Case) -> QuerySet[AgreedAction]:
    """The actions agreed on the case, soonest due first, with their agency and people."""
    if not permissions.can_view(who, case):
        raise NotAllowed("You do not have access to this case.")
    return case.agreed_actions.select_related("agency", "owner", "completed_by").order_by(
        "due_on", "id"
    )


def case_policy_issues(who: User | CaseAccess | Any, case: Case) -> QuerySet[PolicyIssue]:
    """The policy issues flagged on the case, oldest first, with who raised and answered
    each."""
    if not permissions.can_view(who, case):
        raise NotAllowed("You do not have access to this case.")
    return case.policy_issues.select_related("raised_by", "responded_by").order_by(
        "raised_at", "id"
    )


@dataclass(frozen=True)
class StoredDeadlines:
    """A case's stored deadlines with their status (:func:`deadlines.for_case`), and the
    ids of those still being worked towards (:func:`deadlines.open_deadlines`)."""

    rows: list[DeadlineRow]
    open_ids: frozenset[int]


def stored_deadlines(
    who: User | CaseAccess | Any, case: Case, *, calendar: WorkingCalendar | None = None
) -> StoredDeadlines:
    """Every stored deadline of the case, and which are open (none on a closed case):
    one query, and one for the calendar when not given."""
    if not permissions.can_view(who, case):
        raise NotAllowed("You do not have access to this case.")
    rows = deadlines.for_case(case, calendar=calendar)
    return StoredDeadlines(rows, frozenset(r.deadline.pk for r in rows if r.is_open))


def stages(who: User | CaseAccess | Any, case: Case) -> QuerySet[StageRecord]:
    if not permissions.can_view(who, case):
        raise NotAllowed("You do not have access to this case.")
    return case.stages.select_related("owner", "counterpart").order_by("number")


def failed_invitation(who: User | CaseAccess | Any, case: Case) -> Notification | None:
    """The other professional's invitation email, when it could not be sent and nobody
    has accepted the invitation yet: for the person who raised the case and anyone who
    may send it again. (None: nothing to show this person.)"""
    if not case.is_open:
        return None
    access = permissions.access(who, case)
    may_resend = permissions.refusal(access, CaseAction.RESEND_INVITATION, case) is None
    # Once every invitation is accepted there is nothing to show (asked once a request).
    if not (access.standing.is_raiser or may_resend) or not access.awaits_acceptance:
        return None
    latest = (
        Notification.objects.filter(
            case=case, invitation__isnull=False, invitation__accepted_at__isnull=True
        )
        .order_by("-created_at", "-id")
        .first()
    )
    if latest is None or latest.status != NotificationStatus.FAILED:
        return None
    return latest


def submitted(user: User | Any, token: str) -> Submission | None:
    """What ``user``'s form with this one-time token made, if it was sent already."""
    if not token or not partnership_permissions.is_active_person(user):
        return None
    digest = hashlib.sha256(token.encode()).hexdigest()
    return Submission.objects.filter(token_hash=digest, person=user).select_related("case").first()


#: Anchors counted from the case's own days (no event of the case needed).
_OWN_DAYS = frozenset({Anchor.CONCERN_AROSE, Anchor.STAGE_STARTED})


def counts_from_events(procedure: Procedure) -> bool:
    """Whether some timescale of ``procedure`` counts from an event of a case (the other
    professional acknowledging, a stage escalated, a first discussion) or is set or may
    be shortened by a stage's owner: then a case's deadlines need its
    :class:`CaseEvents`."""
    for stage in procedure.stages:
        every = [stage.start_by, stage.conclude_by, *(d.timescale for d in stage.other_deadlines)]
        if any(t is not None and (t.anchor not in _OWN_DAYS or t.counted_by_owner) for t in every):
            return True
    return False


def deadline_events(
    case: Case,
    stages: Iterable[StageRecord] | None = None,
    *,
    procedure: Procedure | None = None,
) -> CaseEvents:
    """What ``case``'s timescales count from besides its stages' days, and the dates its
    stages' owners set (:func:`escalate.cases.deadlines.case_events`): two queries, and
    none when its procedure counts no timescale from them. ``stages``: the case's stage
    records, when the caller has them already. Read it once to pass to
    :func:`stage_statuses` and :func:`projected_deadlines`."""
    if not counts_from_events(procedure or procedure_of(case)):
        return NO_EVENTS
    return deadlines.case_events(case, list(stages) if stages is not None else None)


def stage_statuses(
    case: Case,
    on: dt.date | None = None,
    *,
    stages: Iterable[StageRecord] | None = None,
    calendar: WorkingCalendar | None = None,
    events: CaseEvents | None = None,
) -> dict[int, engine.StageStatus]:
    """Each stage's status today (for showing a case someone may already see), counted
    from the case's events as its stored deadlines are (a stage whose conclude-by counts
    from the acknowledgement is overdue once that has passed). ``stages``, ``calendar``,
    ``events``: the case's stage records, its partnership's working days and its
    :func:`deadline_events`, when the caller has them already."""
    records = list(stages) if stages is not None else list(case.stages.all())
    procedure = procedure_of(case)
    return engine.stage_statuses(
        procedure,
        calendar or calendar_for(case.partnership),
        facts_of(case, records),
        on or clock.today(),
        events if events is not None else deadline_events(case, records, procedure=procedure),
    )


def projected_deadlines(
    case: Case,
    stages: Iterable[StageRecord] | None = None,
    *,
    calendar: WorkingCalendar | None = None,
    events: CaseEvents | None = None,
) -> dict[int, list[dict[str, Any]]]:
    """Each stage's deadlines as the procedure sets them from what is known now (the
    case's stages and its events: the other professional's acknowledgement, each
    stage's escalation and first discussion, the dates owners set), by stage number,
    each in the shape a stage record keeps them (``label``, ``due`` as an ISO date or
    None, ``explanation``): for stages whose record keeps none yet. ``stages``,
    ``calendar``, ``events``: as for :func:`stage_statuses`. (For showing a case someone
    may already see.)"""
    records = list(stages) if stages is not None else list(case.stages.all())
    procedure = procedure_of(case)
    facts = facts_of(case, records)
    return {
        d.number: [deadline.as_json() for deadline in d.all]
        for d in engine.stage_deadlines(
            procedure,
            calendar or calendar_for(case.partnership),
            arose=facts.arose,
            stage_started=facts.stage_started,
            events=(
                events
                if events is not None
                else deadline_events(case, records, procedure=procedure)
            ),
        )
    }


def outstanding_required_actions(case: Case) -> list[ChecklistItem]:
    """The current stage's required actions not yet ticked off, in the procedure's order."""
    return engine.outstanding(procedure_of(case), facts_of(case), case.current_stage)


def expedite_targets(case: Case) -> list[int]:
    """The later stages the case may be expedited to now, lowest first (none when the
    procedure or the case's state does not allow expediting)."""
    return [
        m.to_stage
        for m in engine.next_moves(procedure_of(case), facts_of(case))
        if m.action is engine.Action.EXPEDITE and m.to_stage
    ]


# ---------------------------------------------------------------- needs your action


# What needs a person's action, a page at a time: escalate.cases.dashboard.
ActionItem = dashboard.ActionItem
DUE_SOON_DAYS = dashboard.DUE_SOON_DAYS
needs_action = dashboard.needs_action


def policy_issues_for(user: User | Any) -> QuerySet[PolicyIssue]:
    """Policy issues on cases ``user`` sees, and every one in partnerships where they
    respond to them (chair, statutory partners)."""
    responds = partnership_permissions.policy_responder_partnerships(user)
    return (
        PolicyIssue.objects.filter(
            Q(case__in=permissions.visible_cases(user)) | Q(case__partnership__in=responds)
        )
        .select_related(
            "case",
            "case__partnership",
            "case__raising_agency",
            "case__other_agency",
            "raised_by",
            "responded_by",
        )
        .order_by("raised_at", "id")
    )


@dataclass(frozen=True)
class OwnerCandidate:
    person: User
    role: Role
    where: str


def owner_candidates(
    partnership: Partnership, raising_agency: Agency, roles: Iterable[Role]
) -> list[OwnerCandidate]:
    """People who may own a stage with these owner roles: agency roles held in the
    raising (escalating) agency, partnership roles held in the partnership; active people
    only, by role then name."""
    found: list[OwnerCandidate] = []
    for role in roles:
        if role in PARTNERSHIP_ROLES:
            holders: Iterable[PartnershipRole | Membership] = PartnershipRole.objects.filter(
                partnership=partnership, role=role.value, person__is_active=True
            ).select_related("person")
            where = partnership.name
        else:
            holders = Membership.objects.filter(
                agency=raising_agency, role=role.value, person__is_active=True
            ).select_related("person")
            where = raising_agency.name
        people = sorted((h.person for h in holders), key=lambda p: p.full_name)
        found += [OwnerCandidate(person, role, where) for person in people]
    return found
