"""What a case's timescales count from besides its stages' days: when the other
professional acknowledged, each stage's first discussion and escalation, and the dates
stage owners set (:class:`~escalate.procedures.deadlines.CaseEvents`), read from what
the case app records. For :mod:`escalate.cases.deadlines`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.utils import timezone

from escalate.cases.models import Case, Conclusion, Event, StageRecord
from escalate.cases.models.deadlines import CONCLUDE_BY, START_BY, OwnerTimescale
from escalate.procedures import deadlines as engine_deadlines
from escalate.procedures.deadlines import CaseEvents
from escalate.procedures.model import Procedure, Timescale

#: Chronology entries that are a discussion at a stage (``first_discussion``).
DISCUSSIONS = ("meeting.recorded", "contact.recorded")

#: Chronology entries after which a case's stored deadlines must be worked out again:
#: what a timescale may count from happened (stage changes are kept in step already).
RESYNC_EVENTS = frozenset({"case.acknowledged", *DISCUSSIONS})


def timescale_of(procedure: Procedure, number: int, key: str) -> Timescale | None:
    """The definition's timescale for stage ``number``'s deadline ``key`` (None for an
    act-by, which stands for another)."""
    stage = procedure.stage(number)
    if key == START_BY:
        return stage.start_by
    if key == CONCLUDE_BY:
        return stage.conclude_by
    return next((d.timescale for d in stage.other_deadlines if d.key == key), None)


def is_soft(procedure: Procedure, number: int, key: str) -> bool:
    """Whether stage ``number``'s deadline ``key`` is a target the procedure softens."""
    t = timescale_of(procedure, number, key)
    return t is not None and t.where_possible


def act_by_is_soft(procedure: Procedure, number: int, own: bool) -> bool:
    """Whether stage ``number``'s act-by is soft (the engine's one rule:
    :func:`escalate.procedures.deadlines.act_by_is_soft`)."""
    return engine_deadlines.act_by_is_soft(procedure, number, own=own)


def case_events(case: Case, records: Sequence[StageRecord] | None = None) -> CaseEvents:
    """When what a timescale may count from happened on ``case`` (the other
    professional's acknowledgement, each stage's first discussion, each stage's
    escalation) and the dates its stages' owners set. Two queries.

    A discussion recorded at a stage but dated before the stage started (a meeting
    noted late, at the stage after) predates the stage: it is not the stage's first
    discussion, so its timescales do not count from it."""
    records = list(records if records is not None else StageRecord.objects.filter(case=case))
    started = {r.number: r.started_on for r in records}
    first: dict[int, dt.date] = {}
    rows = Event.objects.filter(case_id=case.pk, action__in=DISCUSSIONS, stage__isnull=False)
    for stage, data, at in rows.values_list("stage", "data", "at"):
        assert stage is not None
        day = _day((data or {}).get("occurred_on")) or timezone.localdate(at)
        began = started.get(stage)
        if began is not None and day < began:
            continue
        if stage not in first or day < first[stage]:
            first[stage] = day
    acknowledged = case.acknowledged_at
    return CaseEvents(
        acknowledged=timezone.localdate(acknowledged) if acknowledged else None,
        first_discussion=first,
        escalated={
            r.number: r.concluded_on
            for r in records
            if r.concluded_on and r.conclusion == Conclusion.ESCALATED
        },
        set_by_owner={
            (stage, key): due
            for stage, key, due in OwnerTimescale.objects.filter(case_id=case.pk).values_list(
                "stage", "key", "due"
            )
        },
    )


def _day(value: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
