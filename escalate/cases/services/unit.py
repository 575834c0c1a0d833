"""The unit of change: the one transaction every change to a case goes through.

::

    with change_case(actor, case, CaseAction.RESPOND, expected_version,
                     once=once, what="case.responded") as change:
        change.case.response = Response.AGREE
        change.save("response")
        change.record("case.responded", data={"response": "agree"})
        change.notify([(Recipient.RAISING_PRACTITIONER, 1, "case.responded", "why")])

Entering checks the person is signed in, takes the form's one-time token (``once``),
locks the case row, checks the person may act on the case at all and that it has not
changed since they opened it (``expected_version``), then asks
:mod:`escalate.cases.permissions` whether they may do ``action``. Inside, the service
validates what was asked and changes the case: :meth:`CaseChange.save` writes the
changed fields and bumps the version, :meth:`CaseChange.record` appends the chronology
entry and :meth:`CaseChange.notify` writes the notifications owed to the outbox.
Leaving notes on the token what the form made (:meth:`CaseChange.made`). Any error
rolls all of it back.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import IntegrityError, transaction

from escalate import clock
from escalate.cases import deadlines, permissions
from escalate.cases.errors import AlreadyDone, NotAllowed, NotFound, StaleCase
from escalate.cases.facts import facts_of, procedure_of
from escalate.cases.models import Case, Event, Invitation, StageRecord, Submission
from escalate.cases.permissions import CaseAction, Standing
from escalate.cases.services import new_stage, notices
from escalate.notifications.models import Notification
from escalate.partnerships import permissions as partnership_permissions

if TYPE_CHECKING:
    from escalate.accounts.models import User
    from escalate.procedures import engine
    from escalate.procedures.model import Recipient, Role

# The name the case services have always logged under.
logger = logging.getLogger("escalate.cases.services")

T = TypeVar("T")


def require_active(actor: User | Any) -> None:
    """Refuse anyone not signed in, or whose account can no longer sign in."""
    if not partnership_permissions.is_active_person(actor):
        raise NotAllowed("Sign in to do that.")


def token_hash(token: str) -> str:
    """What is stored of a one-time token or an invitation link's token."""
    return hashlib.sha256(token.encode()).hexdigest()


# ---------------------------------------------------------------- the unit


class CaseChange:
    """One change to one locked case, made inside :func:`change_case`."""

    def __init__(
        self,
        actor: User,
        case: Case,
        standing: Standing,
        action: CaseAction,
        expected_version: int | None,
    ) -> None:
        self.actor = actor
        self.case = case
        self.standing = standing
        self.action = action
        self.expected_version = expected_version
        self.event: Event | None = None
        self.thing: Any = None
        self._saved = False

    def acting_role(self, facts: engine.CaseFacts, **rules: Any) -> Role:
        """The role in which the person makes this move now, or the engine's refusal
        (see :func:`escalate.cases.permissions.acting_role` for ``rules``)."""
        return permissions.acting_role(self.standing, self.action, self.case, facts, **rules)

    def save(self, *fields: str) -> Case:
        """Write the changed ``fields`` of the case and bump its version (once)."""
        if self._saved:
            raise RuntimeError("A change saves the case once.")
        self._saved = True
        return save_case(self.case, self.expected_version, fields)

    def record(
        self,
        action: str,
        *,
        stage: int | None = None,
        data: dict[str, Any] | None = None,
        corrects: Event | None = None,
    ) -> Event:
        """Append the change's chronology entry (saving the case first if :meth:`save`
        was not called: every change bumps the version)."""
        if not self._saved:
            self.save()
        self.event = record_event(
            self.case, self.actor, action, stage=stage, data=data, corrects=corrects
        )
        return self.event

    def notify(
        self,
        owed: Iterable[tuple[Recipient | str, int, str, str]],
        *,
        decided_at: int | None = None,
        invitation: Invitation | None = None,
        resolver: Callable[[Recipient | str, int], Sequence[notices.Addressee]] | None = None,
    ) -> list[Notification]:
        """Write the outbox rows owed for the recorded entry (see :func:`notices.notify`)."""
        if self.event is None:
            raise RuntimeError("Record the change before telling anyone about it.")
        return notices.notify(
            self.case,
            self.actor,
            self.event,
            owed,
            decided_at=decided_at,
            invitation=invitation,
            resolver=resolver,
        )

    def made(self, thing: T) -> T:
        """Note what the change made, for a second sending of its form to be shown."""
        self.thing = thing
        return thing


@contextmanager
def change_case(
    actor: User,
    case: Case | int,
    action: CaseAction,
    expected_version: int | None,
    *,
    once: str = "",
    what: str = "",
) -> Iterator[CaseChange]:
    """Change ``case`` as ``actor`` doing ``action``, in one transaction.

    ``expected_version`` is the version the person saw (``None``: not checked).
    ``once`` is the form's one-time token and ``what`` the dotted name of what the form
    does ("case.responded"): the same form sent twice changes the case once and the
    second raises :class:`~escalate.cases.errors.AlreadyDone`.
    """
    require_active(actor)
    with transaction.atomic():
        taken = take_once(once, actor, what, case)
        locked, standing = lock_case(case, actor, action, expected_version)
        change = CaseChange(actor, locked, standing, action, expected_version)
        where = (locked.current_stage, locked.status)
        yield change
        moved = (change.case.current_stage, change.case.status) != where
        counted_from = change.event is not None and change.event.action in deadlines.RESYNC_EVENTS
        if moved:
            # A stage began or the case closed (new stage's rows, the next stage's
            # start-by, met or forgotten ones): stored deadlines follow.
            deadlines.sync_case_deadlines(change.case)
        elif counted_from:
            # Something a timescale counts from happened (an acknowledgement, a
            # discussion): stored deadlines and the stage's record follow.
            restore_stage_deadlines(change.case, change.case.current_stage)
        note_made(taken, locked, change.thing)


def restore_stage_deadlines(case: Case, number: int) -> None:
    """Work stage ``number``'s deadlines out again from what has happened on the case
    (an acknowledgement, a first discussion, a date its owner set): every stored
    deadline of the case, and the conclude-by and act-by on the stage's record (which
    the register reads), with how each was worked out. A stage not reached: only the
    stored deadlines."""
    deadlines.sync_case_deadlines(case)
    records = list(StageRecord.objects.filter(case=case))
    record = next((r for r in records if r.number == number), None)
    if record is None:
        return
    procedure = procedure_of(case)
    worked = new_stage.deadline_fields(
        procedure, case, facts_of(case, records, procedure=procedure), number
    )
    record.conclude_by = worked["conclude_by"]
    record.act_by = worked["act_by"]
    explained = dict(record.deadlines or {})
    for key in ("conclude_by", "act_by", "other"):
        explained[key] = worked["deadlines"][key]
    record.deadlines = explained
    record.save(update_fields=["conclude_by", "act_by", "deadlines"])


# ---------------------------------------------------------------- its steps


def take_once(
    token: str, actor: User, what: str, case: Case | int | None = None
) -> Submission | None:
    """Take a form's one-time token, in the caller's transaction, before anything else.

    The token's hash is unique in the database: a second sending of the same form waits
    for the first to commit, then finds the token taken and raises :class:`AlreadyDone`
    naming what the first made (so the whole second transaction is rolled back). If the
    first is rolled back (bad input, say), the token is free again. No token (a caller
    that is not a form): nothing is taken.
    """
    if not token:
        return None
    digest = token_hash(token)
    try:
        with transaction.atomic():
            return Submission.objects.create(
                token_hash=digest,
                person=actor,
                made_at=clock.now(),
                what=what,
                case_id=case.pk if isinstance(case, Case) else case,
            )
    except IntegrityError:
        pass
    first = Submission.objects.filter(token_hash=digest).select_related("case").first()
    if first is None or first.person_id != actor.pk:  # pragma: no cover - a guessed token
        raise AlreadyDone("This form has already been sent.") from None
    raise AlreadyDone(
        "This form has already been sent; nothing was saved twice.",
        what=first.what,
        case_reference=first.case.reference if first.case else "",
        object_id=first.object_id,
    ) from None


def note_made(submission: Submission | None, case: Case, made: Any = None) -> None:
    """Note on a taken token what its form made, for a second sending to be shown."""
    if submission is None:
        return
    submission.case = case
    submission.object_id = getattr(made, "pk", None) if made is not None else None
    submission.save(update_fields=["case", "object_id"])


def lock_case(
    case: Case | int,
    actor: User,
    action: CaseAction,
    expected_version: int | None,
) -> tuple[Case, Standing]:
    """Lock the case row for the rest of the transaction, check the person may act on
    it at all, then that it has not changed since they opened it, then ``action``."""
    pk = case.pk if isinstance(case, Case) else case
    try:
        # On PostgreSQL this waits for anyone else changing the case; SQLite runs every
        # write transaction IMMEDIATE, so writers queue for the whole database.
        locked = Case.objects.select_for_update().get(pk=pk)
    except Case.DoesNotExist:
        raise NotFound("There is no such case.") from None
    s = permissions.standing(actor, locked)
    if not s.can_view and action is not CaseAction.RESPOND_TO_POLICY_ISSUE:
        raise NotAllowed("You do not have access to this case.")
    if expected_version is not None and locked.version != expected_version:
        changes = list(
            Event.objects.filter(case=locked, version__gt=expected_version)
            .case_changes()
            .select_related("actor")
        )
        listed = "; ".join(e.describe() for e in changes) if s.can_view else ""
        raise StaleCase(
            "This case changed since you opened it"
            + (f": {listed}" if listed else "")
            + ". Nothing you entered has been saved; look at the case again and redo it "
            "if it is still needed.",
            changes=changes if s.can_view else (),
            reason="stale",
        )
    refused = permissions.refusal(s, action, locked)
    if refused is not None:
        raise refused
    return locked, s


def save_case(case: Case, expected_version: int | None, fields: Iterable[str] = ()) -> Case:
    """Write the changed fields and bump the version, only if no one else has."""
    current = case.version
    if expected_version is not None and current != expected_version:  # pragma: no cover
        raise StaleCase("This case changed since you opened it.", reason="stale")
    updates = {f: getattr(case, f) for f in fields}
    written = Case.objects.filter(pk=case.pk, version=current).update(
        version=current + 1, **updates
    )
    if written != 1:  # pragma: no cover - the row lock makes this impossible
        raise StaleCase("This case changed since you opened it.", reason="stale")
    case.version = current + 1
    return case


def record_event(
    case: Case,
    actor: User | None,
    action: str,
    *,
    stage: int | None = None,
    data: dict[str, Any] | None = None,
    corrects: Event | None = None,
) -> Event:
    """Append a chronology entry at the case's current version."""
    event = Event(
        case=case,
        at=clock.now(),
        actor=actor,
        action=action,
        stage=stage if stage is not None else case.current_stage,
        data=data or {},
        corrects=corrects,
        version=case.version,
    )
    event.save()
    logger.info(
        "case %s: %s (version %s) by user %s",
        case.reference,
        action,
        case.version,
        actor.pk if actor else None,
    )
    return event
