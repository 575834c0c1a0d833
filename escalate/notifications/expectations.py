"""What an email about a case says is now expected of its recipient, by when and how
that date was worked out (:func:`expected_of`), for :mod:`escalate.notifications.emails`.

From, in turn: a policy issue (a response is needed from the chair or statutory
partners, from nobody else); a closed case; the stored deadline a reminder is about
(:class:`~escalate.cases.models.CaseDeadline`: exactly what it asks of its owner, a
stage's owner or a role's holders such as Cheshire East's chair, or of their line
manager); the deadlines of a role the recipient holds; the stage they own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.urls import NoReverseMatch, reverse

from escalate.cases.models import CaseDeadline, CaseStatus, PolicyIssue, PolicyIssueStatus
from escalate.cases.models.deadlines import ACT_BY, CONCLUDE_BY, START_BY
from escalate.notifications.models import RecipientKind
from escalate.procedures.calendar import format_day
from escalate.procedures.model import POLICY_RESPONDERS, Role

if TYPE_CHECKING:
    from escalate.cases.models import Case, StageRecord
    from escalate.notifications.models import Notification


def sentence(text: str) -> str:
    """``text`` ending in one full stop: the emails print it as a sentence, and a
    procedure's own words often end in a full stop already."""
    text = text.strip()
    return text if not text or text.endswith((".", "!", "?")) else f"{text}."


@dataclass(frozen=True)
class Expected:
    """What the recipient is now expected to do, by when (None: nothing) and how that
    date was worked out (empty: not said)."""

    text: str
    by: dt.date | None = None
    how: str = ""
    #: Where to do it, when not on the case page (a policy issue's response).
    link: str = ""
    link_text: str = ""

    @property
    def by_text(self) -> str:
        return format_day(self.by) if self.by else ""


#: The reminders of a deadline (not of an agreed action).
DEADLINE_REMINDERS = frozenset(
    {"reminder.due_soon", "reminder.due_today", "reminder.overdue", "reminder.overdue_manager"}
)
MANAGER_REMINDER = "reminder.overdue_manager"

#: The role a recipient told as a role's holders holds.
ROLE_OF_RECIPIENT: dict[str, Role] = {
    RecipientKind.SAFEGUARDING_LEADS: Role.SAFEGUARDING_LEAD,
    RecipientKind.SENIOR_MANAGERS: Role.SENIOR_MANAGER,
    RecipientKind.BOARD_REPRESENTATIVES: Role.BOARD_REPRESENTATIVE,
    RecipientKind.BUSINESS_UNIT: Role.BUSINESS_UNIT,
    RecipientKind.INDEPENDENT_CHAIR: Role.INDEPENDENT_CHAIR,
    RecipientKind.STATUTORY_PARTNERS: Role.STATUTORY_PARTNER,
}


def _record(case: Case, number: int | None) -> StageRecord | None:
    if not number:
        return None
    return case.stages.filter(number=number).select_related("owner").first()


def _is_final(case: Case) -> bool:
    from escalate.cases.facts import procedure_of

    try:
        return case.current_stage >= len(procedure_of(case).stages)
    except Exception:  # noqa: BLE001 - the words are a nicety; never fail an email for it
        return False


def _named(role: Role, case: Case) -> str:
    """The role as the case's procedure names it, mid-sentence ("head of service")."""
    from escalate.cases.facts import procedure_of
    from escalate.procedures.skips import role_name

    try:
        return role_name(procedure_of(case), role)
    except Exception:  # noqa: BLE001 - the words are a nicety; never fail an email for it
        return role.label.lower()


def _the(role: Role, case: Case) -> str:
    return f"the {_named(role, case)}"


def policy_issues_url(case: Case) -> str:
    """The partnership's policy issues page, where the chair and statutory partners
    respond (they may not be able to open the case itself)."""
    try:
        path = reverse("reports:policy_issues", args=[case.partnership.slug])
    except NoReverseMatch:  # the board pages not (yet) installed
        path = f"/board/{case.partnership.slug}/policy-issues/"
    return f"{settings.BASE_URL}{path}"


# ---------------------------------------------------------------- stored deadlines


def reminded_deadline(notification: Notification) -> CaseDeadline | None:
    """The stored deadline a reminder is about: one of its stage, due on its date, that
    its ``why`` names (the reminders of a stage's act-by, from its stage record, name
    none; nor does a reminder of an agreed action)."""
    n = notification
    if n.event not in DEADLINE_REMINDERS or n.due_on is None or n.stage is None:
        return None
    named = [
        d
        for d in CaseDeadline.objects.filter(case_id=n.case_id, stage=n.stage, due=n.due_on)
        .exclude(key=ACT_BY)
        .select_related("owner_stage")
        if d.name in n.why
    ]
    return max(named, key=lambda d: len(d.name), default=None)


def _asks(d: CaseDeadline) -> str:
    """What a deadline asks for, as done: "the case is escalated to stage 4 (or the
    disagreement resolved)"."""
    if d.key == START_BY:
        return f"the case is escalated to stage {d.stage} (or the disagreement resolved)"
    if d.key == CONCLUDE_BY:
        return f"stage {d.stage} is concluded: the disagreement resolved or escalated"
    return f"“{d.label}” (stage {d.stage}) is done"


def deadline_expected(notification: Notification, d: CaseDeadline) -> Expected:
    """What a reminder of stored deadline ``d`` expects of its recipient: exactly what,
    by which date, and how the date was worked out."""
    n, role, day = notification, d.owner_role, format_day(d.due)
    owner = f"the owner of stage {d.owner_stage.number}" if d.owner_stage else "its owner"
    who = _the(role, n.case) if role is not None else owner
    if n.event == MANAGER_REMINDER:
        if n.recipient_kind == RecipientKind.OWNER_LINE_MANAGER:
            lead = f"Check with {who}, who reports to you, that"
        else:
            lead = f"No line manager is recorded for {who}. Check with them that"
        return Expected(f"{lead} {_asks(d)} now: it was due by {day}.", d.due, d.explanation)
    if role is not None:
        if n.recipient_kind == RecipientKind.BUSINESS_UNIT and role is not Role.BUSINESS_UNIT:
            return Expected(
                f"No {_named(role, n.case)} is registered for this case, so this comes to "
                f"you: make sure “{d.label}” (stage {d.stage}) is done by {day}, and ask "
                f"your administrator to register {_the(role, n.case)}.",
                d.due,
                d.explanation,
            )
        return Expected(
            f"As {_the(role, n.case)}, this is yours to do at stage {d.stage}: "
            f"{sentence(d.label)} Do it by {day}.",
            d.due,
            d.explanation,
        )
    number = d.owner_stage.number if d.owner_stage else d.stage
    if d.key == START_BY and d.stage > number:
        task = (
            f"Stage {d.stage} must start by {day}: resolve the disagreement, or escalate "
            f"it to stage {d.stage}, by then."
        )
    elif d.key == CONCLUDE_BY:
        task = f"It must be concluded by {day}: resolve the disagreement or escalate it."
    else:
        task = f"“{d.label}” is due by {day}."
    return Expected(f"You own stage {number}. {task}", d.due, d.explanation)


def _roles_of(notification: Notification) -> set[str]:
    """The roles the recipient holds in the case (its partnership's, and its agencies'),
    or is told as."""
    from escalate.partnerships.models import Membership, PartnershipRole

    n, case = notification, notification.case
    roles = (
        {ROLE_OF_RECIPIENT[n.recipient_kind].value}
        if n.recipient_kind in ROLE_OF_RECIPIENT
        else set()
    )
    if n.recipient_id is not None:
        roles |= set(
            PartnershipRole.objects.filter(
                person_id=n.recipient_id, partnership_id=case.partnership_id
            ).values_list("role", flat=True)
        )
        roles |= set(
            Membership.objects.filter(
                person_id=n.recipient_id,
                agency_id__in=[case.raising_agency_id, case.other_agency_id],
            ).values_list("role", flat=True)
        )
    return roles


def role_deadlines(notification: Notification) -> list[CaseDeadline]:
    """The case's deadlines not met yet that name a role the recipient holds in it
    (Cheshire East's chair's recommendation), soonest first."""
    roles = _roles_of(notification)
    if not roles:
        return []
    return list(
        CaseDeadline.objects.open()
        .filter(case_id=notification.case_id, role__in=sorted(roles))
        .order_by("due", "stage", "key")
    )


def _with_role_deadlines(
    expected: Expected, owed: list[CaseDeadline], owns: bool, case: Case
) -> Expected:
    """``expected`` with the role's deadlines first, each with its date and how it was
    worked out; the email's date is the soonest (of them and, for a stage's owner, the
    stage's own), and how that one was worked out is said under it."""
    first = owed[0]
    stage_first = owns and expected.by is not None and expected.by < first.due
    lines = []
    for d in owed:
        role = d.owner_role
        assert role is not None  # role_deadlines gives only these
        how = "" if d is first and not stage_first else f" ({d.explanation})"
        lines.append(
            f"As {_the(role, case)}, this is yours to do at stage {d.stage}: "
            f"{sentence(d.label)} Do it by {format_day(d.due)}{how}."
        )
    if owns:
        lines.append(expected.text)
    if stage_first:
        return Expected(" ".join(lines), expected.by)
    return Expected(" ".join(lines), first.due, first.explanation)


# ---------------------------------------------------------------- what is expected


def _already_answered(notification: Notification) -> bool:
    """Whether the policy issue an email is about has been responded to since (the
    email may have waited for a daily digest)."""
    event = notification.source_event
    issue = (event.data or {}).get("issue") if event is not None else None
    if not isinstance(issue, int):
        return False
    return (
        PolicyIssue.objects.filter(pk=issue, case_id=notification.case_id)
        .exclude(status=PolicyIssueStatus.OPEN)
        .exists()
    )


def _policy_expected(notification: Notification) -> Expected | None:
    """What an email about a policy issue expects: a response from the chair or
    statutory partners, nothing from the others."""
    n = notification
    if n.event == "policy_issue.responded":
        return Expected(
            "Nothing more is needed from you: read the response to the policy issue you "
            "flagged on the case page."
        )
    if n.event != "policy_issue.flagged":
        return None
    if _already_answered(n):
        return Expected(
            "This policy issue has already been responded to: nothing more is needed from "
            "you. The response is on the partnership's policy issues page.",
            link=policy_issues_url(n.case),
            link_text="See the policy issues page",
        )
    responders = {r.value for r in POLICY_RESPONDERS}
    if _roles_of(n) & responders:
        return Expected(
            "A response to this policy issue is needed from you. Sign in, read the policy "
            "issue and respond to it on the partnership's policy issues page.",
            link=policy_issues_url(n.case),
            link_text="Respond on the policy issues page",
        )
    if n.recipient_kind == RecipientKind.BUSINESS_UNIT:
        return Expected(
            "Add it to the partnership's list of policy issues. The response is for the "
            "independent chair or the statutory partners, not you; you can follow it on "
            "the policy issues page.",
            link=policy_issues_url(n.case),
            link_text="See the policy issues page",
        )
    return Expected(
        "No response is needed from you: the independent chair or the statutory partners "
        "respond to it. Make sure they have what they need about it."
    )


def expected_of(notification: Notification) -> Expected:
    """What the procedure now expects of this recipient: from the stored deadline a
    reminder is about, the deadlines of a role they hold, or the stage record."""
    case = notification.case
    event = notification.event
    policy = _policy_expected(notification)
    if policy is not None:
        return policy
    current = _record(case, case.current_stage)
    act_by = notification.due_on or (current.act_by if current else None)
    if case.status != CaseStatus.OPEN:
        if case.status == CaseStatus.RESOLVED:
            return Expected(
                "Nothing more is needed from you on this stage. Check any agreed actions "
                "and the debrief on the case page."
            )
        return Expected("Nothing more is needed from you: the case is closed.")
    if event == "reminder.action_due":
        return Expected(
            "Check the agreed action has been done and record it on the case page.",
            notification.due_on,
        )
    reminded = reminded_deadline(notification)
    if reminded is not None:
        return deadline_expected(notification, reminded)
    if event == MANAGER_REMINDER:
        if notification.recipient_kind == RecipientKind.OWNER_LINE_MANAGER:
            lead = f"Check with the owner of stage {notification.stage}, who reports to you,"
        else:
            lead = (
                f"No line manager is recorded for the owner of stage {notification.stage}. "
                "Check with them"
            )
        return Expected(f"{lead} that the disagreement is resolved or escalated now.", act_by)
    if event == "invitation.refused":
        return Expected(
            "Check that the professional you invited has the email: the link works only for "
            "their address. If someone else should take part, contact them."
        )
    is_owner = (
        current is not None
        and notification.recipient_id is not None
        and notification.recipient_id == current.owner_id
    ) or notification.recipient_kind == RecipientKind.STAGE_OWNER
    owed = [] if event in DEADLINE_REMINDERS else role_deadlines(notification)
    if is_owner:
        by = f" by {format_day(act_by)}" if act_by else ""
        if _is_final(case):
            work = (
                f"You own stage {case.current_stage}, the last stage. Resolve the "
                f"disagreement and record the outcome{by}."
            )
        else:
            work = (
                f"You own stage {case.current_stage}. Work with the other agency to resolve "
                f"the disagreement, or escalate it to the next stage{by}."
            )
        mine = Expected(work, act_by)
        return _with_role_deadlines(mine, owed, owns=True, case=notification.case) if owed else mine
    if owed:
        return _with_role_deadlines(Expected(""), owed, owns=False, case=notification.case)
    if notification.recipient_kind == RecipientKind.OTHER_PROFESSIONAL and not case.response:
        if case.acknowledged_at is None:
            return Expected(
                "Sign in, read the challenge, acknowledge it and say whether you agree.", act_by
            )
        return Expected("Sign in and say whether you agree with the challenge.", act_by)
    return Expected("You do not need to do anything now. This is to keep you informed.")
