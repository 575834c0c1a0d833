"""Timescales a stage's owner sets for a case, where the procedure lets them: a
timescale the owner sets (``unit = "set_by_owner"``: "within a timescale the Chair
sets"), or a shorter one that protects the person (``owner_may_shorten``: "10 working
days, or a timescale that protects the person, whichever is shorter": never longer).

The date is stored (:class:`~escalate.cases.models.deadlines.OwnerTimescale`), the
stage's stored deadlines are worked out again from it (and chased like any other), the
chronology says who set it and why, and the raising practitioner and the other
professional are told.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from escalate import clock
from escalate.cases import deadlines
from escalate.cases.facts import calendar_for, procedure_of
from escalate.cases.models import LONG_TEXT_MAX, Case, StageRecord
from escalate.cases.models.deadlines import CONCLUDE_BY, OwnerTimescale
from escalate.cases.permissions import CaseAction
from escalate.cases.services.unit import change_case, restore_stage_deadlines
from escalate.cases.services.validation import Form
from escalate.procedures.calendar import format_day
from escalate.procedures.deadlines import CaseEvents, deadline_for
from escalate.procedures.model import Procedure, Recipient, Timescale
from escalate.procedures.timescales import in_words

if TYPE_CHECKING:
    from escalate.accounts.models import User

#: Who may set a timescale (the owner of the stage being worked, while the case is
#: open) is :mod:`escalate.cases.permissions`' to say.
ACTION = CaseAction.SET_TIMESCALE
EVENT = "timescale.set"


@dataclass(frozen=True)
class Settable:
    """A deadline of the stage being worked whose date its owner may set."""

    stage: int
    key: str
    label: str
    timescale: Timescale
    #: For "whichever is shorter": the latest date the owner may set (None: any date;
    #: or not yet known, when what it counts from has not happened).
    latest: dt.date | None
    #: The date set now, if any.
    current: dt.date | None

    @property
    def shorter_only(self) -> bool:
        return self.timescale.owner_may_shorten

    @property
    def words(self) -> str:
        return in_words(self.timescale)


def settable(case: Case, procedure: Procedure | None = None) -> list[Settable]:
    """The deadlines of ``case``'s current stage whose date its owner may set."""
    procedure = procedure or procedure_of(case)
    n = case.current_stage
    stage = procedure.stage(n)
    records = list(StageRecord.objects.filter(case=case))
    events = deadlines.case_events(case, records)
    started = {r.number: r.started_on for r in records}.get(n)
    calendar = calendar_for(case.partnership)
    found = []
    named = [(CONCLUDE_BY, "Conclude by", stage.conclude_by)] if stage.conclude_by else []
    named += [(d.key, d.label, d.timescale) for d in stage.other_deadlines]
    for key, label, t in named:
        if not t.counted_by_owner:
            continue
        latest = None
        if t.owner_may_shorten:
            latest, _ = deadline_for(
                t,
                calendar,
                arose=case.concern_arose_on,
                stage_started=started,
                stage_number=n,
                events=CaseEvents(events.acknowledged, events.first_discussion, events.escalated),
                key=key,
            )
        found.append(Settable(n, key, label, t, latest, events.set_by_owner.get((n, key))))
    return found


def set_timescale(
    actor: User,
    case: Case,
    *,
    key: str,
    due: dt.date | None,
    why: str,
    expected_version: int,
    once: str = "",
) -> Case:
    """Set the date of one of the current stage's deadlines that the procedure lets its
    owner set. Refused: anyone but the stage's owner, a closed case, a deadline the
    owner may not set, a date in the past or not a working day, and for "whichever is
    shorter" a date later than the procedure's own (who may: ``permissions``)."""
    form = Form()
    reason = form.text("why", why, label="why you set this timescale", limit=LONG_TEXT_MAX)
    with change_case(actor, case, ACTION, expected_version, once=once, what=EVENT) as change:
        case = change.case
        n = case.current_stage
        today = clock.today()
        choices = {s.key: s for s in settable(case)}
        chosen = choices.get(key)
        if chosen is None:
            form.add(
                "key",
                f"Choose a deadline of stage {n} that the procedure lets its owner set."
                if choices
                else f"The procedure sets every timescale of stage {n}: none is yours to set.",
            )
        day = form.date("due", due, label="the date", not_before=today, before_words="in the past")
        calendar = calendar_for(case.partnership)
        if day is not None and form.ok("due") and not calendar.is_working_day(day):
            form.add("due", f"{format_day(day)} is not a working day: choose a working day.")
        if chosen is not None and day is not None and form.ok("due"):
            _check_shorter(form, chosen, day)
        form.check()
        assert chosen is not None and day is not None
        OwnerTimescale.objects.update_or_create(
            case=case,
            stage=n,
            key=key,
            defaults={"due": day, "why": reason, "set_by": actor, "set_at": clock.now()},
        )
        change.record(
            EVENT,
            stage=n,
            data={"key": key, "label": chosen.label, "due": day.isoformat(), "why": reason},
        )
        restore_stage_deadlines(case, n)
        why_told = f"the owner of stage {n} set the date for “{chosen.label}”: {format_day(day)}"
        change.notify(
            [
                (Recipient.RAISING_PRACTITIONER, n, EVENT, why_told),
                (Recipient.OTHER_PROFESSIONAL, n, EVENT, why_told),
            ]
        )
        return change.made(case)


def _check_shorter(form: Form, chosen: Settable, day: dt.date) -> None:
    if not chosen.shorter_only:
        return
    latest = chosen.latest
    if latest is None:
        form.add(
            "due",
            "This timescale cannot be shortened yet: what it counts from has not happened.",
        )
    elif day > latest:
        form.add(
            "due",
            f"The date must be on or before {format_day(latest)}: the procedure allows "
            f"{in_words(chosen.timescale.model_copy(update={'owner_may_shorten': False}))} "
            "at most, and lets you set only a shorter timescale that protects the person.",
        )
