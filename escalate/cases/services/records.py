"""What is recorded on a case besides its decisions: contacts, meetings and notes;
policy issues flagged for the chair and their responses; debriefs; the learning at
closure; and who viewed the case."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from escalate import clock
from escalate.cases import permissions
from escalate.cases.errors import Conflict, NotAllowed
from escalate.cases.facts import facts_of, involved_by_policy_issue, procedure_of
from escalate.cases.models import (
    LONG_TEXT_MAX,
    SHORT_TEXT_MAX,
    THEME_MAX,
    THEMES_MAX,
    VIEWED,
    VIEWED_WHAT,
    Case,
    ContactKind,
    Event,
    PolicyIssue,
    PolicyIssueStatus,
)
from escalate.cases.permissions import CaseAction
from escalate.cases.services import notices
from escalate.cases.services.unit import change_case, require_active
from escalate.cases.services.validation import Form
from escalate.notifications.models import RecipientKind
from escalate.procedures.model import Recipient, Role

if TYPE_CHECKING:
    from escalate.accounts.models import User


def record_contact(
    actor: User,
    case: Case,
    *,
    kind: ContactKind | str,
    text: str,
    occurred_on: dt.date | None = None,
    with_whom: str = "",
    corrects: Event | None = None,
    expected_version: int,
    once: str = "",
) -> Event:
    """Record a contact, meeting or note in the chronology; ``corrects`` points at an
    earlier entry this one puts right (entries are never edited). Open or closed."""
    today = clock.today()
    form = Form()
    if kind not in ContactKind.values:
        form.add("kind", "Choose contact, meeting or note.")
    body = form.text(
        "text", text, label="what happened or what you want to note", limit=LONG_TEXT_MAX
    )
    whom = form.text(
        "with_whom", with_whom, label="who it was with", limit=SHORT_TEXT_MAX, required=False
    )
    what = f"{kind}.recorded" if kind in ContactKind.values else "contact.recorded"
    with change_case(
        actor, case, CaseAction.RECORD_CONTACT, expected_version, once=once, what=what
    ) as change:
        case = change.case
        when = form.date(
            "occurred_on",
            occurred_on or today,
            label="the date it happened",
            not_after=today,
            not_before=case.concern_arose_on,
            before_words="before the concern arose",
        )
        if corrects is not None and (corrects.case_id != case.pk or corrects.action == VIEWED):
            form.add("corrects", "Choose an entry in this case's chronology to correct.")
        form.check()
        change.acting_role(facts_of(case))
        assert when is not None
        event = change.record(
            f"{kind}.recorded",
            data={
                "kind": str(kind),
                "text": body,
                "occurred_on": when.isoformat(),
                "with_whom": whom,
            },
            corrects=corrects,
        )
        return change.made(event)


# ---------------------------------------------------------------- policy issues


def flag_policy_issue(
    actor: User, case: Case, *, text: str, expected_version: int, once: str = ""
) -> PolicyIssue:
    """Flag a gap in policy or procedure the case showed up, for the chair."""
    form = Form()
    body = form.text("text", text, label="the policy issue", limit=LONG_TEXT_MAX)
    with change_case(
        actor,
        case,
        CaseAction.FLAG_POLICY_ISSUE,
        expected_version,
        once=once,
        what="policy_issue.flagged",
    ) as change:
        case = change.case
        form.check()
        lowered = involved_by_policy_issue(procedure_of(case), case)
        for field, stage in lowered.items():
            setattr(case, field, stage)
        if lowered:
            change.save(*lowered)
        issue = PolicyIssue.objects.create(
            case=case, stage=case.current_stage, text=body, raised_by=actor, raised_at=clock.now()
        )
        change.record("policy_issue.flagged", data={"issue": issue.pk, "text": body})
        change.notify(policy_issue_owed(case).owed)
        return change.made(issue)


def policy_issue_owed(case: Case) -> notices.Owing:
    """Who flagging a policy issue on ``case`` tells: whom the procedure sends policy
    issues to (Warrington: "via the relevant representative to the WSAB Independent
    Chair"; the statutory partners instead of a chair nobody holds), then the business
    unit, which keeps the partnership's list of them."""
    from escalate.partnerships.models import PartnershipRole

    has_chair = PartnershipRole.objects.filter(
        partnership_id=case.partnership_id,
        role=Role.INDEPENDENT_CHAIR.value,
        person__is_active=True,
    ).exists()
    told: list[Recipient] = [
        Recipient.STATUTORY_PARTNERS if r is Recipient.INDEPENDENT_CHAIR and not has_chair else r
        for r in procedure_of(case).policy_issues.notify
    ]
    why = "a policy issue was flagged for the chair's attention"
    here = case.current_stage
    return notices.Owing(
        tuple((r, here, "policy_issue.flagged", why) for r in [*told, Recipient.BUSINESS_UNIT])
    )


def policy_response_owed(issue: PolicyIssue) -> notices.Owing:
    """Who a response to a policy issue tells: whoever flagged it."""
    raised_by = issue.raised_by
    why = "the policy issue they flagged has a response"
    return notices.Owing(
        (("person", issue.stage, "policy_issue.responded", why),),
        resolver=lambda _r, _s: notices.people([raised_by], RecipientKind.PERSON.value),
    )


def respond_to_policy_issue(
    actor: User,
    issue: PolicyIssue,
    *,
    response: str,
    expected_version: int | None = None,
    once: str = "",
) -> PolicyIssue:
    """The chair (or statutory partners) respond to a flagged policy issue.

    The chair usually cannot open the case, so the case's version is not checked: the
    issue's own status stops two responses. ``expected_version`` is accepted and ignored.
    """
    form = Form()
    body = form.text("response", response, label="the response", limit=LONG_TEXT_MAX)
    with change_case(
        actor,
        issue.case_id,
        CaseAction.RESPOND_TO_POLICY_ISSUE,
        None,
        once=once,
        what="policy_issue.responded",
    ) as change:
        issue = PolicyIssue.objects.select_for_update().get(pk=issue.pk, case=change.case)
        if issue.status != PolicyIssueStatus.OPEN:
            raise Conflict("This policy issue has already been responded to.", reason="done")
        form.check()
        issue.status, issue.response = PolicyIssueStatus.RESPONDED, body
        issue.responded_by, issue.responded_at = actor, clock.now()
        issue.save(update_fields=["status", "response", "responded_by", "responded_at"])
        change.record("policy_issue.responded", data={"issue": issue.pk, "response": body})
        owing = policy_response_owed(issue)
        change.notify(owing.owed, resolver=owing.resolver)
        return change.made(issue)


# ---------------------------------------------------------------- afterwards


def record_debrief(
    actor: User,
    case: Case,
    *,
    offered_on: dt.date | None = None,
    held_on: dt.date | None = None,
    expected_version: int,
    once: str = "",
) -> Case:
    """Record that the staff involved were offered, or had, a debrief."""
    today = clock.today()
    with change_case(
        actor, case, CaseAction.RECORD_DEBRIEF, expected_version, once=once, what="debrief.recorded"
    ) as change:
        case = change.case
        form = Form()
        if offered_on is None and held_on is None:
            form.add("offered_on", "Enter the date a debrief was offered or held.")
        offered = form.date(
            "offered_on",
            offered_on,
            label="the date it was offered",
            required=False,
            not_after=today,
            not_before=case.raised_on,
            before_words="before the case was raised",
        )
        held = form.date(
            "held_on",
            held_on,
            label="the date it was held",
            required=False,
            not_after=today,
            not_before=case.raised_on,
            before_words="before the case was raised",
        )
        if offered and held and held < offered:
            form.add("held_on", "The debrief cannot be held before it was offered.")
        form.check()
        fields: list[str] = []
        if offered:
            case.debrief_offered_on = offered
            fields.append("debrief_offered_on")
        if held:
            case.debrief_held_on = held
            fields.append("debrief_held_on")
            if case.debrief_offered_on is None:
                case.debrief_offered_on = held
                fields.append("debrief_offered_on")
        change.save(*fields)
        change.record(
            "debrief.recorded",
            data={
                "offered_on": offered.isoformat() if offered else None,
                "held_on": held.isoformat() if held else None,
            },
        )
    return case


def record_learning(
    actor: User,
    case: Case,
    *,
    why_not_earlier: str,
    themes: Sequence[str],
    good_practice: str = "",
    expected_version: int,
    once: str = "",
) -> Case:
    """At closure: why it was not resolved earlier, its themes and good practice seen."""
    form = Form()
    why = form.text(
        "why_not_earlier",
        why_not_earlier,
        label="why it was not resolved at an earlier stage",
        limit=LONG_TEXT_MAX,
    )
    cleaned: list[str] = []
    for i, theme in enumerate(themes or []):
        t = form.text(f"themes[{i}]", theme, label="the theme", limit=THEME_MAX)
        if t and t.lower() not in {c.lower() for c in cleaned}:
            cleaned.append(t)
    if not cleaned and form.ok("themes"):
        form.add("themes", "Enter at least one theme.")
    if len(cleaned) > THEMES_MAX:
        form.add("themes", f"Enter at most {THEMES_MAX} themes.")
    good = form.text(
        "good_practice",
        good_practice,
        label="the good practice noticed",
        limit=LONG_TEXT_MAX,
        required=False,
    )
    with change_case(
        actor,
        case,
        CaseAction.RECORD_LEARNING,
        expected_version,
        once=once,
        what="learning.recorded",
    ) as change:
        case = change.case
        form.check()
        case.learning_why_not_earlier = why
        case.learning_themes = cleaned
        case.learning_good_practice = good
        case.learning_recorded_at = clock.now()
        case.learning_recorded_by = actor
        change.save(
            "learning_why_not_earlier",
            "learning_themes",
            "learning_good_practice",
            "learning_recorded_at",
            "learning_recorded_by",
        )
        change.record(
            "learning.recorded",
            data={"why_not_earlier": why, "themes": cleaned, "good_practice": good},
        )
    return case


# ---------------------------------------------------------------- viewing


def record_case_viewed(actor: User, case: Case, *, what: str = "") -> Event:
    """Note who opened the case (or, with ``what``, which other page or file showing
    the person at risk) and when (not a change: the version stays)."""
    if what and what not in VIEWED_WHAT:
        raise ValueError(f"unknown kind of view: {what!r}")
    require_active(actor)
    if not permissions.can_view(actor, case):
        raise NotAllowed("You do not have access to this case.")
    current = Case.objects.only("version").get(pk=case.pk).version
    event = Event(
        case=case,
        at=clock.now(),
        actor=actor,
        action=VIEWED,
        stage=case.current_stage,
        data={"what": what} if what else {},
        version=current,
    )
    event.save()
    return event
