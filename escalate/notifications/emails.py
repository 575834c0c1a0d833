"""What each email says: built from templates when it is sent.

An email names the case by its reference, says what happened, what is now expected of
the recipient and by when, and links to the case. It never names the person at risk:
not in the subject, not in the body. Details are behind the link, after signing in.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse

from escalate.cases.models import Response
from escalate.notifications.expectations import Expected as Expected  # re-exported
from escalate.notifications.expectations import expected_of
from escalate.notifications.expectations import sentence as sentence  # re-exported
from escalate.notifications.models import DELIVERY_FAILED_EVENT
from escalate.procedures import events
from escalate.procedures.calendar import format_day

if TYPE_CHECKING:
    from escalate.accounts.models import User
    from escalate.cases.models import Case
    from escalate.notifications.models import AccountEmail, Notification


def happened(event: str, stage: int | None) -> str:
    """What happened, in words (from :mod:`escalate.procedures.events`)."""
    return events.happened(event, stage)


def case_url(case: Case) -> str:
    return f"{settings.BASE_URL}/cases/{case.reference}/"


def invitation_url(token: str) -> str:
    try:
        path = reverse("cases:invitation", args=[token])
    except NoReverseMatch:  # the case pages not (yet) installed
        path = f"/cases/invitation/{token}/"
    return f"{settings.BASE_URL}{path}"


def subject_label(case: Case) -> str:
    """The label the case's procedure puts on every email about it ("OFFICIAL-SENSITIVE"),
    or none. It comes from the definition (one short line, checked when it is loaded),
    never from anything typed about the case."""
    from escalate.cases.facts import procedure_of

    return procedure_of(case).email_subject_label or ""


def labelled(subject: str, *labels: str) -> str:
    """``subject`` after the labels it must carry ("OFFICIAL-SENSITIVE: Escalate ...")."""
    wanted = list(dict.fromkeys(label for label in labels if label))
    return f"{' '.join(wanted)}: {subject}" if wanted else subject


def _stage_title(case: Case, number: int | None) -> str:
    from escalate.cases.facts import procedure_of

    if not number:
        return ""
    try:
        return procedure_of(case).stage(number).title
    except Exception:  # noqa: BLE001 - a title is a nicety; never fail an email for it
        return ""


def happened_in(notification: Notification) -> str:
    """What happened, in words; for a response, whether they agree (never their
    reasons: those stay behind signing in)."""
    words = happened(notification.event, notification.stage or notification.case.current_stage)
    event = notification.source_event
    data = (event.data or {}) if event is not None else {}
    if notification.event == "case.responded" and data.get("response"):
        return f"{words}: they {_agree_words(data.get('response'))} with the challenge"
    if notification.event == "case.response_corrected" and data.get("now"):
        now, was = _agree_words(data.get("now")), _agree_words(data.get("was"))
        if now == was:
            return f"{words}: they still {now} with the challenge, and changed their reason"
        return f"{words}: they now {now} with the challenge (before, they said they {was})"
    return words


def _agree_words(value: object) -> str:
    return "agree" if value == Response.AGREE else "disagree"


def context_for(notification: Notification, *, invitation_link: str = "") -> dict[str, Any]:
    case = notification.case
    stage = notification.stage or case.current_stage
    expected = expected_of(notification)
    return {
        "reference": case.reference,
        "partnership": case.partnership.name,
        "happened": happened_in(notification),
        "subject_words": events.subject(notification.event, stage),
        "stage": stage,
        "stage_title": _stage_title(case, stage),
        "why": sentence(notification.why),
        "expected": expected,
        # How the date was worked out, unless the reason they are told says so already.
        "how": expected.how if expected.how and expected.how not in notification.why else "",
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
    subject = labelled(subject, subject_label(notification.case))
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
        "why": sentence(notification.why),
        "failed_url": admin_url("notifications_failednotification_changelist"),
    }
    subject = f"Escalate {case.reference}: {events.subject(DELIVERY_FAILED_EVENT)}"
    subject = labelled(subject, subject_label(case))
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
    # A digest is about several cases: it carries the label of each one that has one.
    subject = labelled(subject, *(subject_label(n.case) for n in notifications))
    return _message(subject, person.email, "digest", context)
