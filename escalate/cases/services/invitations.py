"""The other professional: their invitation link (made, sent again, accepted or refused
when someone else follows it), and their acknowledgement of and response to the
challenge."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from typing import TYPE_CHECKING

from django.db import transaction

from escalate import clock
from escalate.cases.errors import Conflict, NotAllowed, NotFound
from escalate.cases.models import LONG_TEXT_MAX, Case, Event, Invitation, Response, StageRecord
from escalate.cases.permissions import CaseAction
from escalate.cases.services import notices
from escalate.cases.services.unit import (
    change_case,
    record_event,
    require_active,
    save_case,
    token_hash,
)
from escalate.cases.services.validation import Form
from escalate.notifications.models import Notification
from escalate.procedures.model import Recipient

if TYPE_CHECKING:
    from escalate.accounts.models import User
    from escalate.partnerships.models import Agency

security_log = logging.getLogger("escalate.security")

#: How long the other professional's invitation link works.
INVITATION_DAYS = 30


def new_invitation(case: Case, agency: Agency, email: str) -> tuple[Invitation, str]:
    """The other professional's invitation to a newly raised case, and its link's token."""
    token = secrets.token_urlsafe(32)
    now = clock.now()
    invitation = Invitation.objects.create(
        case=case,
        agency=agency,
        email=email,
        token_hash=token_hash(token),
        created_at=now,
        expires_at=now + dt.timedelta(days=INVITATION_DAYS),
    )
    return invitation, token


def new_invitation_token(invitation: Invitation) -> str:
    """A fresh token for an invitation's link, for the email that carries it.

    Only a hash is stored, so the link is made when the email is sent; making a new one
    stops any earlier link working. Refused once the invitation has been used.
    """
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        written = Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).update(
            token_hash=token_hash(token),
            expires_at=clock.now() + dt.timedelta(days=INVITATION_DAYS),
        )
    if not written:
        raise Conflict("This invitation has already been used.", reason="used")
    return token


def mask_email(address: str) -> str:
    """An address as it may be shown to someone it does not belong to: enough for its
    owner to recognise it, not enough to learn it ("p***@example.org")."""
    local, _, domain = (address or "").partition("@")
    if not domain:
        return "***"
    return f"{local[:1]}***@{domain}"


def accept_invitation(actor: User, token: str) -> Case:
    """The other professional follows their link: tie the case to them.

    The link is bound to the person it was sent to: only someone signed in with the
    invitation's email address (whose account proves they own it) can accept it, and
    only while it is unused, unexpired and they work in the agency the challenge was
    raised with. Anyone else who follows it (a forwarded link) is refused, the attempt
    goes in the chronology and the person who raised the challenge is told.
    """
    require_active(actor)
    invitation = (
        Invitation.objects.select_related("agency")
        .filter(token_hash=token_hash(token or ""))
        .first()
    )
    if invitation is None:
        raise NotFound("This invitation link is not valid. Ask for a new one.")
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update().select_related("agency").get(pk=invitation.pk)
        )
        if _is_addressee(actor, invitation):
            return _accept(actor, invitation)
        # Recorded and told (committed with this transaction), then refused.
        refused = _refuse_invitation(actor, invitation)
    raise refused


def _is_addressee(actor: User, invitation: Invitation) -> bool:
    return actor.email.strip().lower() == invitation.email.strip().lower()


def _refuse_invitation(actor: User, invitation: Invitation) -> NotAllowed:
    """Someone other than the invitation's addressee followed its link."""
    case = Case.objects.select_for_update().get(pk=invitation.case_id)
    told_before = (
        Event.objects.filter(case=case, action="invitation.refused", actor=actor)
        .filter(data__invitation=invitation.pk)
        .exists()
    )
    # Not a change to the case (the version stays), but part of its record.
    event = record_event(
        case,
        actor,
        "invitation.refused",
        data={
            "invitation": invitation.pk,
            "tried_by": actor.email.lower(),
            "reason": "The invitation link was followed by someone signed in with a "
            "different email address from the one it was sent to, so it was refused.",
        },
    )
    if not told_before:
        notices.notify(
            case,
            actor,
            event,
            [
                (
                    Recipient.RAISING_PRACTITIONER,
                    case.current_stage,
                    "invitation.refused",
                    "someone other than the professional you invited followed the invitation "
                    "link, so it was refused: it only works for the address it was sent to",
                )
            ],
        )
    security_log.warning(
        "invitation.refused user=%s case=%s invitation=%s",
        actor.pk,
        case.reference,
        invitation.pk,
    )
    return NotAllowed(
        f"This invitation was sent to {mask_email(invitation.email)}, and only that person "
        "can use it, signed in with that email address. You are signed in with a different "
        "one. If it was sent to you at that address, sign out and sign in with it. If it "
        "was passed on to you, contact the person who raised the challenge: we have told "
        "them someone else tried to use the link."
    )


def _accept(actor: User, invitation: Invitation) -> Case:
    if invitation.accepted_at is not None:
        raise Conflict("This invitation link has already been used.", reason="used")
    if clock.now() >= invitation.expires_at:
        raise Conflict(
            "This invitation link has expired. Ask the person who raised the challenge, "
            "or the partnership's business unit, to send it again.",
            reason="expired",
        )
    if not actor.memberships.filter(agency_id=invitation.agency_id).exists():
        raise NotAllowed(
            f"This invitation is for someone working in {invitation.agency}. Ask your "
            "administrator to add you to that agency first."
        )
    case = Case.objects.select_for_update().get(pk=invitation.case_id)
    if case.other_professional_id not in (None, actor.pk):
        raise Conflict(
            "Someone else in your agency has already taken part in this challenge. "
            "Ask them, or the person who raised it, to involve you.",
            reason="taken",
        )
    previous = case.other_professional_email
    case.other_professional = actor
    case.other_professional_name = actor.full_name or case.other_professional_name
    case.other_professional_email = actor.email.lower()
    save_case(
        case,
        None,
        ["other_professional", "other_professional_name", "other_professional_email"],
    )
    now = clock.now()
    invitation.accepted_at = now
    invitation.accepted_by = actor
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    StageRecord.objects.filter(case=case, number=1, counterpart_email__iexact=previous).update(
        counterpart=actor,
        counterpart_name=case.other_professional_name,
        counterpart_email=case.other_professional_email,
    )
    record_event(
        case,
        actor,
        "invitation.accepted",
        data={"invited": previous, "accepted_by": actor.email.lower()},
    )
    return case


def resend_invitation(
    actor: User, case: Case, *, expected_version: int, once: str = ""
) -> Notification:
    """Send the other professional's invitation again (when the first email could not be
    sent, or never arrived), to the address it names. The new email carries a new link,
    which stops any earlier one working, and gets a fresh expiry."""
    with change_case(
        actor,
        case,
        CaseAction.RESEND_INVITATION,
        expected_version,
        once=once,
        what="invitation.resent",
    ) as change:
        invitation = (
            Invitation.objects.select_for_update()
            .filter(case=change.case, accepted_at__isnull=True)
            .order_by("-created_at", "-id")
            .first()
        )
        if invitation is None:  # pragma: no cover - permissions.refusal says so first
            raise Conflict("The invitation has already been accepted.", reason="done")
        change.record("invitation.resent", data={"to": invitation.email})
        rows = change.notify(resend_owed(change.case).owed, invitation=invitation)
        return change.made(rows[0])


def resend_owed(case: Case) -> notices.Owing:
    """Who sending the invitation again tells: the other professional, at the address
    the invitation names."""
    why = (
        "a professional challenge has been raised with you and the invitation to take "
        "part has been sent again"
    )
    return notices.Owing(((Recipient.OTHER_PROFESSIONAL, case.current_stage, "case.raised", why),))


# ---------------------------------------------------------------- the other professional


def acknowledge(actor: User, case: Case, *, expected_version: int, once: str = "") -> Case:
    """The other professional confirms they have received the challenge."""
    with change_case(
        actor, case, CaseAction.ACKNOWLEDGE, expected_version, once=once, what="case.acknowledged"
    ) as change:
        case = change.case
        _bind_other_professional(case, actor)
        case.acknowledged_at = clock.now()
        change.save("acknowledged_at", "other_professional")
        change.record("case.acknowledged")
        change.notify(acknowledgement_owed(case).owed)
    return case


def acknowledgement_owed(case: Case) -> notices.Owing:
    """Who the other professional's acknowledgement tells: the person who raised it."""
    why = "the professional they challenged acknowledged it"
    return notices.Owing(
        ((Recipient.RAISING_PRACTITIONER, case.current_stage, "case.acknowledged", why),)
    )


def response_owed(case: Case, *, correcting: bool = False) -> notices.Owing:
    """Who the other professional's response (or, ``correcting``, its correction) tells:
    the person who raised the challenge and the current stage's owner."""
    event = "case.response_corrected" if correcting else "case.responded"
    why = (
        "the professional they challenged corrected their response"
        if correcting
        else "the professional they challenged responded"
    )
    here = case.current_stage
    return notices.Owing(
        (
            (Recipient.RAISING_PRACTITIONER, here, event, why),
            (Recipient.STAGE_OWNER, here, event, why),
        )
    )


def respond(
    actor: User,
    case: Case,
    *,
    agrees: bool,
    reason: str = "",
    expected_version: int,
    once: str = "",
) -> Case:
    """The other professional agrees or disagrees with the challenge (with a reason
    when they disagree), once: a second response is refused. To change it, they correct
    it (:func:`correct_response`), saying why."""
    form = Form()
    why = _response_reason(form, agrees, reason)
    with change_case(
        actor, case, CaseAction.RESPOND, expected_version, once=once, what="case.responded"
    ) as change:
        case = change.case
        if case.response:
            raise Conflict(
                f"You have already responded to this challenge: you said you "
                f"{_agree_words(case.response)} with it. If that was wrong, or your view "
                "has changed, correct your response instead and say why.",
                reason="responded",
            )
        form.check()
        _bind_other_professional(case, actor)
        now = clock.now()
        if case.acknowledged_at is None:
            case.acknowledged_at = now
        case.response = Response.AGREE if agrees else Response.DISAGREE
        case.response_reason = why
        case.responded_at = now
        change.save(
            "acknowledged_at",
            "response",
            "response_reason",
            "responded_at",
            "other_professional",
        )
        change.record("case.responded", data={"response": case.response, "reason": why})
        change.notify(response_owed(case).owed)
    return case


def correct_response(
    actor: User,
    case: Case,
    *,
    agrees: bool,
    reason: str = "",
    why_changed: str,
    expected_version: int,
    once: str = "",
) -> Case:
    """The other professional corrects their response while the case is open: what it
    is now (with a reason when they disagree) and why it changed (always). The
    chronology keeps the first response and adds the correction, saying what it was and
    what it is now; the person who raised the challenge and the stage's owner are told."""
    form = Form()
    why = _response_reason(form, agrees, reason)
    changed = form.text(
        "why_changed",
        why_changed,
        label="why your response has changed",
        limit=LONG_TEXT_MAX,
    )
    with change_case(
        actor,
        case,
        CaseAction.RESPOND,
        expected_version,
        once=once,
        what="case.response_corrected",
    ) as change:
        case = change.case
        if not case.response:
            raise Conflict(
                "You have not responded to this challenge yet, so there is nothing to "
                "correct. Respond to it first.",
                reason="not_responded",
            )
        now_response = Response.AGREE if agrees else Response.DISAGREE
        was, was_reason = case.response, case.response_reason
        if form.ok("reason") and (now_response, why) == (was, was_reason):
            form.add(
                "response",
                "Your correction is the same as your response. Change whether you agree, "
                "or your reason.",
            )
        form.check()
        _bind_other_professional(case, actor)
        case.response, case.response_reason = now_response, why
        change.save("response", "response_reason", "other_professional")
        previous = (
            Event.objects.filter(
                case=case, action__in=("case.responded", "case.response_corrected")
            )
            .order_by("-at", "-id")
            .first()
        )
        change.record(
            "case.response_corrected",
            data={
                "text": _correction_words(was, was_reason, now_response, why, changed),
                "was": was,
                "was_reason": was_reason,
                "now": now_response,
                "now_reason": why,
                "why_changed": changed,
            },
            corrects=previous,
        )
        change.notify(response_owed(case, correcting=True).owed)
    return case


def _response_reason(form: Form, agrees: bool, reason: str) -> str:
    """A response's reason: needed when they disagree."""
    return form.text(
        "reason",
        reason,
        label="why you disagree" if not agrees else "your reason",
        limit=LONG_TEXT_MAX,
        required=not agrees,
    )


def _agree_words(response: str) -> str:
    return "agree" if response == Response.AGREE else "disagree"


def _correction_words(was: str, was_reason: str, now: str, reason: str, why: str) -> str:
    """A correction as the chronology shows it: what the response was, what it is now,
    and why it changed."""

    def said(response: str, because: str) -> str:
        words = f"{_agree_words(response)}s with the challenge"
        return f"{words}, because “{because}”" if because else words

    return (
        f"The response was: {said(was, was_reason)}. It is now: {said(now, reason)}. "
        f"Why it changed: {why}"
    )


def _bind_other_professional(case: Case, actor: User) -> None:
    if case.other_professional_id is None:
        case.other_professional = actor
