"""Every event a case can have, declared once.

An event is something that happened to a case, named by a dotted key
(``"case.escalated"``). It may be written in the case's chronology, owed to someone as
an email (the outbox), or both. Each is declared here with how it reads in the
chronology, what happened and the subject line's words for an email (both may say
``{stage}``), and whether the email may wait for a person's daily digest (the notices
the procedure requires never wait).

The engine's notices use these keys (:func:`notice_of`), and so do the chronology, the
emails and their delivery. A key not declared here (an old row) still reads sensibly:
see :func:`get`. Pure Python: nothing here imports Django.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from escalate.procedures.vocabulary import Action

#: What an email says happened when the event is not one emails are written for.
CHANGED = "The case has changed"
#: The subject line's words in that case.
UPDATED = "case updated"


@dataclass(frozen=True)
class EventKind:
    """One kind of event: its key and how it reads."""

    key: str
    #: How it reads in a chronology: "Escalated".
    label: str
    #: What happened, for an email ("The case has been escalated to stage {stage}"); empty
    #: when no email is written for it.
    happened: str = ""
    #: The subject line's words after the case reference ("escalated to stage {stage}").
    subject: str = ""
    #: Whether its email may wait for the recipient's daily digest. The notices the
    #: procedure requires are always sent at once, whatever the person chose.
    digest: bool = True

    def happened_words(self, stage: int | None) -> str:
        return (self.happened or CHANGED).format(stage=stage or "")

    def subject_words(self, stage: int | None) -> str:
        return (self.subject or UPDATED).format(stage=stage if stage is not None else "")


def _at_once(key: str, label: str, happened: str, subject: str) -> EventKind:
    """A notice that is always emailed at once, never held for a digest."""
    return EventKind(key, label, happened, subject, digest=False)


_DECLARED: tuple[EventKind, ...] = (
    # The challenge and the procedure's decisions (required notices: never held back).
    _at_once(
        "case.raised", "Raised", "A professional challenge has been raised", "challenge raised"
    ),
    _at_once(
        "case.escalated",
        "Escalated",
        "The case has been escalated to stage {stage}",
        "escalated to stage {stage}",
    ),
    _at_once(
        "case.expedited",
        "Expedited",
        "The case has been expedited to stage {stage}",
        "expedited to stage {stage}",
    ),
    _at_once("case.resolved", "Resolved", "The case has been resolved", "resolved"),
    _at_once("case.withdrawn", "Withdrawn", "The case has been withdrawn", "withdrawn"),
    _at_once(
        "case.referred_to_panel",
        "Referred to a panel",
        "The case has been referred to a panel",
        "referred to a panel",
    ),
    _at_once(
        "escalation.notice_given",
        "Notice of intention to escalate given",
        "The agency that raised the challenge has given notice that it intends to escalate "
        "it beyond stage {stage}",
        "notice of intention to escalate",
    ),
    EventKind("consultation.recorded", "Consultation before skipping stages recorded"),
    EventKind(
        "timescale.set",
        "Timescale set by the stage's owner",
        "The owner of stage {stage} has set a timescale",
        "timescale set at stage {stage}",
    ),
    # The chronology's entries for moving a case on (their emails are the notices above).
    EventKind("stage.escalated", "Escalated"),
    EventKind("stage.expedited", "Expedited"),
    EventKind("panel.referred", "Referred to a panel"),
    EventKind("checklist.ticked", "Required action ticked off"),
    # The other professional and the invitation.
    EventKind("invitation.accepted", "Invitation accepted"),
    _at_once(
        "invitation.refused",
        "Invitation link refused: followed by someone it was not sent to",
        "Someone other than the professional you invited tried to use the invitation link",
        "invitation link refused",
    ),
    EventKind("invitation.resent", "Invitation sent again"),
    EventKind(
        "case.acknowledged",
        "Acknowledged by the other professional",
        "The challenge has been acknowledged",
        "challenge acknowledged",
    ),
    EventKind(
        "case.responded",
        "Responded to by the other professional",
        "The professional challenged has responded",
        "response received",
    ),
    EventKind(
        "case.response_corrected",
        "Response corrected",
        "The professional challenged has corrected their response",
        "response corrected",
    ),
    # What is recorded besides decisions.
    EventKind("contact.recorded", "Contact recorded"),
    EventKind("meeting.recorded", "Meeting recorded"),
    EventKind("note.recorded", "Note recorded"),
    EventKind("action.agreed", "Action agreed"),
    EventKind("action.completed", "Agreed action done"),
    EventKind(
        "policy_issue.flagged",
        "Policy issue flagged",
        "A policy issue has been flagged",
        "policy issue flagged",
    ),
    EventKind(
        "policy_issue.responded",
        "Policy issue responded to",
        "A policy issue has been responded to",
        "policy issue responded to",
    ),
    EventKind("debrief.recorded", "Debrief recorded"),
    EventKind("learning.recorded", "Learning recorded"),
    # Any of the case's forms (its key from when only a referral form was known); the
    # email's reason names the form by its title.
    EventKind(
        "referral.submitted",
        "Form submitted",
        "A form on the case has been submitted",
        "form submitted",
    ),
    EventKind("case.viewed", "Viewed"),
    # Reminders of deadlines and agreed actions.
    EventKind(
        "reminder.due_soon",
        "Reminder: deadline one working day away",
        "Stage {stage} deadline is one working day away",
        "reminder, stage {stage} deadline tomorrow",
    ),
    EventKind(
        "reminder.due_today",
        "Reminder: deadline today",
        "Stage {stage} deadline is today",
        "reminder, stage {stage} deadline today",
    ),
    EventKind(
        "reminder.overdue",
        "Reminder: deadline passed",
        "Stage {stage} deadline has passed",
        "stage {stage} deadline passed",
    ),
    EventKind(
        "reminder.overdue_manager",
        "Reminder: deadline passed, line manager told",
        "Stage {stage} deadline has passed: you are the owner's manager",
        "stage {stage} deadline passed",
    ),
    EventKind(
        "reminder.action_due",
        "Reminder: agreed action due",
        "An agreed action is due",
        "agreed action due",
    ),
    # Not the procedure's, but never held back: an email could not be sent.
    _at_once(
        "notification.failed",
        "Email could not be sent",
        "An email about this case could not be sent",
        "an email could not be sent",
    ),
)

#: Every declared event by key.
REGISTRY: Mapping[str, EventKind] = {kind.key: kind for kind in _DECLARED}
if len(REGISTRY) != len(_DECLARED):  # pragma: no cover - a key declared twice
    raise RuntimeError("An event key is declared twice in escalate.procedures.events.")

#: The keys whose emails are always sent at once, never held for a daily digest.
SENT_AT_ONCE: frozenset[str] = frozenset(k.key for k in _DECLARED if not k.digest)

#: The chronology entry each of the engine's moves writes. A note (``record``) is
#: written by its kind: ``contact.recorded``, ``meeting.recorded`` or ``note.recorded``.
_RECORDED_AS: Mapping[Action, str] = {
    Action.RAISE: "case.raised",
    Action.RECORD: "contact.recorded",
    Action.TICK: "checklist.ticked",
    Action.RESOLVE: "case.resolved",
    Action.ESCALATE: "stage.escalated",
    Action.EXPEDITE: "stage.expedited",
    Action.REFER_TO_PANEL: "panel.referred",
    Action.WITHDRAW: "case.withdrawn",
    Action.GIVE_NOTICE: "escalation.notice_given",
    Action.RECORD_CONSULTATION: "consultation.recorded",
}

#: What the engine's notices of each move say happened. Noting and ticking tell nobody.
_NOTICES: Mapping[Action, str] = {
    Action.RAISE: "case.raised",
    Action.RESOLVE: "case.resolved",
    Action.ESCALATE: "case.escalated",
    Action.EXPEDITE: "case.expedited",
    Action.REFER_TO_PANEL: "case.referred_to_panel",
    Action.WITHDRAW: "case.withdrawn",
    Action.GIVE_NOTICE: "escalation.notice_given",
}


def known(key: str) -> bool:
    return key in REGISTRY


def get(key: str) -> EventKind:
    """The declared event, or for a key not declared (an old row) one that reads as its
    key in words ("stage.reopened": "Stage reopened"), with the emails' general words,
    and that may wait for a digest."""
    found = REGISTRY.get(key)
    if found is not None:
        return found
    words = " ".join(key.replace("_", " ").split(".")).strip()
    return EventKind(key, words[:1].upper() + words[1:] if words else "Changed")


def label(key: str) -> str:
    """How the event reads in a chronology."""
    return get(key).label


def happened(key: str, stage: int | None = None) -> str:
    """What happened, for an email: 'The case has been escalated to stage 2'."""
    return get(key).happened_words(stage)


def subject(key: str, stage: int | None = None) -> str:
    """The subject line's words after the reference: 'escalated to stage 2'."""
    return get(key).subject_words(stage)


def may_wait_for_digest(key: str) -> bool:
    """Whether an email of this event may wait for the recipient's daily digest."""
    return key not in SENT_AT_ONCE


def recorded_as(action: Action) -> str:
    """The chronology entry the engine's ``action`` writes ("stage.escalated")."""
    return _RECORDED_AS[action]


def notice_of(action: Action) -> str:
    """What the engine's notices of ``action`` say happened ("case.escalated").

    Raises :class:`KeyError` for a move that tells nobody (a note, a tick)."""
    return _NOTICES[action]
