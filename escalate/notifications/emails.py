"""What each email says: built from templates when it is sent.

An email names the case by its reference, says what happened, what is now expected of
the recipient and by when, and links to the case. It never names the person at risk:
not in the subject, not in the body. Details are behind the link, after signing in.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse

from escalate.cases.models import CaseStatus
from escalate.notifications.models import DELIVERY_FAILED_EVENT, RecipientKind
from escalate.procedures.calendar import format_day

if TYPE_CHECKING:
    from escalate.accounts.models import User
    from escalate.cases.models import Case, StageRecord
    from escalate.notifications.models import AccountEmail, Notification

#: What happened, per outbox event ({stage} is the notification's stage).
HAPPENED: dict[str, str] = {
    "case.raised": "A professional challenge has been raised",
    "case.escalated": "The case has been escalated to stage {stage}",
    "case.expedited": "The case has been expedited to stage {stage}",
    "case.resolved": "The case has been resolved",
    "referral.submitted": "The final-stage referral form has been submitted to the board",
    "case.withdrawn": "The case has been withdrawn",
    "case.referred_to_panel": "The case has been referred to a panel",
    "case.acknowledged": "The challenge has been acknowledged",
    "case.responded": "The professional challenged has responded",
    "policy_issue.flagged": "A policy issue has been flagged",
    "policy_issue.responded": "A policy issue has been responded to",
    "reminder.due_soon": "Stage {stage} deadline is one working day away",
    "reminder.due_today": "Stage {stage} deadline is today",
    "reminder.overdue": "Stage {stage} deadline has passed",
    "reminder.overdue_manager": "Stage {stage} deadline has passed: you are the owner's manager",
    "reminder.action_due": "An agreed action is due",
    "notification.failed": "An email about this case could not be sent",
    "invitation.refused": (
        "Someone other than the professional you invited tried to use the invitation link"
    ),
}

#: Subject lines: the reference and a few words. Never the person at risk.
SUBJECTS: dict[str, str] = {
    "case.raised": "challenge raised",
    "case.escalated": "escalated to stage {stage}",
    "case.expedited": "expedited to stage {stage}",
    "case.resolved": "resolved",
    "referral.submitted": "referral form submitted",
    "case.withdrawn": "withdrawn",
    "case.referred_to_panel": "referred to a panel",
    "case.acknowledged": "challenge acknowledged",
    "case.responded": "response received",
    "policy_issue.flagged": "policy issue flagged",
    "policy_issue.responded": "policy issue responded to",
    "reminder.due_soon": "reminder, stage {stage} deadline tomorrow",
    "reminder.due_today": "reminder, stage {stage} deadline today",
    "reminder.overdue": "stage {stage} deadline passed",
    "reminder.overdue_manager": "stage {stage} deadline passed",
    "reminder.action_due": "agreed action due",
    "notification.failed": "an email could not be sent",
    "invitation.refused": "invitation link refused",
}


def happened(event: str, stage: int | None) -> str:
    return HAPPENED.get(event, "The case has changed").format(stage=stage or "")


def case_url(case: Case) -> str:
    return f"{settings.BASE_URL}/cases/{case.reference}/"


def invitation_url(token: str) -> str:
    try:
        path = reverse("cases:invitation", args=[token])
    except NoReverseMatch:  # the case pages not (yet) installed
        path = f"/cases/invitation/{token}/"
    return f"{settings.BASE_URL}{path}"


@dataclass(frozen=True)
class Expected:
    """What the recipient is now expected to do, and by when (None: nothing)."""

    text: str
    by: dt.date | None = None

    @property
    def by_text(self) -> str:
        return format_day(self.by) if self.by else ""


def _record(case: Case, number: int | None) -> StageRecord | None:
    if not number:
        return None
    return case.stages.filter(number=number).select_related("owner").first()


def _stage_title(case: Case, number: int | None) -> str:
    from escalate.cases.facts import procedure_of

    if not number:
        return ""
    try:
        return procedure_of(case).stage(number).title
    except Exception:  # noqa: BLE001 - a title is a nicety; never fail an email for it
        return ""


def expected_of(notification: Notification) -> Expected:
    """What the procedure now expects of this recipient, from the stage record."""
    case = notification.case
    event = notification.event
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
    if event == "reminder.overdue_manager":
        return Expected(
            "Check with the stage owner, who reports to you, that the disagreement is "
            "resolved or escalated now.",
            act_by,
        )
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
    if is_owner:
        return Expected(
            f"You own stage {case.current_stage}. Work with the other agency to resolve the "
            "disagreement, or escalate it to the next stage.",
            act_by,
        )
    if notification.recipient_kind == RecipientKind.OTHER_PROFESSIONAL and not case.response:
        if case.acknowledged_at is None:
            return Expected(
                "Sign in, read the challenge, acknowledge it and say whether you agree.", act_by
            )
        return Expected("Sign in and say whether you agree with the challenge.", act_by)
    return Expected("You do not need to do anything now. This is to keep you informed.")


def context_for(notification: Notification, *, invitation_link: str = "") -> dict[str, Any]:
    case = notification.case
    stage = notification.stage or case.current_stage
    expected = expected_of(notification)
    return {
        "reference": case.reference,
        "partnership": case.partnership.name,
        "happened": happened(notification.event, stage),
        "subject_words": SUBJECTS.get(notification.event, "case updated").format(stage=stage),
        "stage": stage,
        "stage_title": _stage_title(case, stage),
        "why": notification.why,
        "expected": expected,
        "case_url": case_url(case),
        "invitation_link": invitation_link,
        "notifications_url": f"{settings.BASE_URL}/notifications/",
    }


def _message(
    subject: str, to: str, template: str, context: dict[str, Any]
) -> EmailMultiAlternatives:
    text = render_to_string(f"notifications/email/{template}.txt", context)
    html = render_to_string(f"notifications/email/{template}.html", context)
    message = EmailMultiAlternatives(
        subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[to]
    )
    message.attach_alternative(html, "text/html")
    return message


def hours_tried() -> str:
    """How long a failing email is tried again before it is marked failed, in words."""
    hours = int(getattr(settings, "NOTIFICATION_GIVE_UP_HOURS", 72))
    return f"{hours} hour{'s' if hours != 1 else ''}"


def admin_url(name: str) -> str:
    """A page of the administration site, e.g. the failed notifications."""
    try:
        path = reverse(f"admin:{name}")
    except NoReverseMatch:
        path = "/admin/"
    return f"{settings.BASE_URL}{path}"


def build(notification: Notification, *, invitation_link: str = "") -> EmailMultiAlternatives:
    """The email for one outbox row."""
    if notification.event == DELIVERY_FAILED_EVENT:
        return build_delivery_failed(notification)
    context = context_for(notification, invitation_link=invitation_link)
    subject = f"Escalate {context['reference']}: {context['subject_words']}"
    return _message(subject, notification.email, "notification", context)


def build_delivery_failed(notification: Notification) -> EmailMultiAlternatives:
    """Tells an administrator or business unit that an email about a case could not be
    sent: the reference, who it was for (by role) and where to try again. Never the
    person at risk."""
    case = notification.case
    context = {
        "reference": case.reference,
        "partnership": case.partnership.name,
        "happened": happened(notification.event, None),
        "why": notification.why,
        "failed_url": admin_url("notifications_failednotification_changelist"),
    }
    subject = f"Escalate {case.reference}: {SUBJECTS[DELIVERY_FAILED_EVENT]}"
    return _message(subject, notification.email, "delivery_failed", context)


# ---------------------------------------------------------------- account emails


class NoLongerOwed(Exception):
    """An account email that must not be sent any more (the account was switched off,
    or its address changed): it is marked failed at once, and nobody is told."""


def build_account_email(row: AccountEmail) -> EmailMultiAlternatives:
    """The email for one account-email row, made now: a password reset carries a token
    made at this moment, so none is ever stored."""
    from escalate.notifications.models import AccountEmailKind

    if row.kind == AccountEmailKind.PASSWORD_RESET:
        return _password_reset(row)
    if row.kind == AccountEmailKind.DELIVERY_FAILED:
        return _account_delivery_failed(row)
    raise NoLongerOwed(f"No email is known for {row.kind!r}.")


def _password_reset(row: AccountEmail) -> EmailMultiAlternatives:
    from urllib.parse import urlsplit

    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    person = row.person
    if person is None or not person.is_active or person.email.lower() != row.email.lower():
        raise NoLongerOwed(
            "The account was switched off, or its email address changed, before the email "
            "could be sent."
        )
    base = urlsplit(settings.BASE_URL)
    context = {
        "email": row.email,
        "domain": base.netloc,
        "site_name": "Escalate",
        "protocol": base.scheme,
        "base_url": settings.BASE_URL,
        "uid": urlsafe_base64_encode(force_bytes(person.pk)),
        "user": person,
        "token": default_token_generator.make_token(person),
    }
    subject = "".join(
        render_to_string("registration/password_reset_subject.txt", context).splitlines()
    )
    body = render_to_string("registration/password_reset_email.txt", context)
    return EmailMultiAlternatives(
        subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[row.email]
    )


def _account_delivery_failed(row: AccountEmail) -> EmailMultiAlternatives:
    if row.person is not None and not row.person.is_active:
        raise NoLongerOwed("The administrator's account was switched off.")
    context = {
        "partnership": row.partnership.name if row.partnership else "",
        "failed_url": admin_url("notifications_failedaccountemail_changelist"),
        "hours": hours_tried(),
    }
    return _message(
        "Escalate: an email about an account could not be sent",
        row.email,
        "account_delivery_failed",
        context,
    )


def build_digest(person: User, notifications: list[Notification], day: dt.date) -> Any:
    items = [
        {
            "reference": n.case.reference,
            "happened": happened(n.event, n.stage),
            "when": n.created_at,
            "case_url": case_url(n.case),
        }
        for n in notifications
    ]
    context = {
        "items": items,
        "day": format_day(day),
        "notifications_url": f"{settings.BASE_URL}/notifications/",
    }
    count = len(items)
    subject = f"Escalate: your daily digest, {count} update{'s' if count != 1 else ''}"
    return _message(subject, person.email, "digest", context)
