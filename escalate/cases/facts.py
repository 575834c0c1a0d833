"""What the engine needs to know about a stored case.

A case runs the procedure it was raised under: :func:`procedure_of` rebuilds it from
the case's frozen snapshot (never from the library), :func:`facts_of` turns the stored
stages into the engine's :class:`CaseFacts`, and :func:`calendar_for` gives the
partnership's working days.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from escalate.procedures import engine, library
from escalate.procedures.calendar import WorkingCalendar
from escalate.procedures.model import Procedure, Recipient, Role

if TYPE_CHECKING:
    from escalate.cases.models import Case, StageRecord
    from escalate.partnerships.models import Partnership

#: Partnership-level roles whose involvement starts at some stage of a procedure, and the
#: recipient that tells them.
LEVEL_ROLES: dict[Role, Recipient] = {
    Role.BOARD_REPRESENTATIVE: Recipient.BOARD_REPRESENTATIVES,
    Role.BUSINESS_UNIT: Recipient.BUSINESS_UNIT,
    Role.INDEPENDENT_CHAIR: Recipient.INDEPENDENT_CHAIR,
    Role.STATUTORY_PARTNER: Recipient.STATUTORY_PARTNERS,
}


def snapshot(procedure: Procedure) -> dict[str, Any]:
    """The definition as JSON, to keep with a case for good."""
    data: dict[str, Any] = procedure.model_dump(mode="json")
    return data


def procedure_of(case: Case) -> Procedure:
    """The procedure the case was raised under, from its snapshot."""
    text = json.dumps(case.procedure_snapshot, sort_keys=True)
    return _parse(text, f"the procedure kept with case {case.reference}")


@lru_cache(maxsize=64)
def _parse(text: str, source: str) -> Procedure:
    return library.from_dict(json.loads(text), source)


def facts_of(case: Case, stages: Iterable[StageRecord] | None = None) -> engine.CaseFacts:
    records = list(stages if stages is not None else case.stages.all())
    return engine.CaseFacts(
        arose=case.concern_arose_on,
        stage_started={s.number: s.started_on for s in records},
        current_stage=case.current_stage,
        status=engine.CaseStatus(case.status),
        immediate_risk=case.immediate_risk,
        stage_concluded={s.number: s.concluded_on for s in records if s.concluded_on},
        checklist_done={s.number: frozenset(s.checklist_done) for s in records},
        panel_referred=frozenset(case.panel_referred),
    )


def calendar_for(partnership: Partnership) -> WorkingCalendar:
    """Working days for the partnership: its region's bank holidays, less those marked
    as working days there, and its region's extra days off."""
    return calendar_for_region(partnership.region)


def calendar_for_region(region: str) -> WorkingCalendar:
    """One region's working days (see :func:`calendars_for_regions`)."""
    return calendars_for_regions([region])[region]


def calendars_for_regions(regions: Iterable[str]) -> dict[str, WorkingCalendar]:
    """Each region's working days, in two queries: its bank holidays, its extra days off
    (:class:`~escalate.partnerships.models.NonWorkingDay`) and the listed bank holidays
    that are working days there
    (:class:`~escalate.partnerships.models.WorkedBankHoliday`)."""
    from escalate.partnerships.models import NonWorkingDay, WorkedBankHoliday

    wanted = sorted(set(regions))
    extra: dict[str, list[dt.date]] = {r: [] for r in wanted}
    worked: dict[str, list[dt.date]] = {r: [] for r in wanted}
    for found, model in ((extra, NonWorkingDay), (worked, WorkedBankHoliday)):
        rows = model.objects.filter(region__in=wanted).values_list("region", "date")
        for region, day in rows:
            found[region].append(day)
    return {r: WorkingCalendar.for_region(r, extra[r], worked[r]) for r in wanted}


def involved_from(procedure: Procedure, role: Role) -> int | None:
    """The first stage at which a partnership-level role is involved in a case.

    Involved means: the role acts at the stage, or the procedure tells it of something
    at that stage (the stage beginning, a resolution there, a panel referral there, or
    every decision). Being told that a stage was *not* resolved involves it from the
    next stage, the one it is told about. ``None``: never involved.
    """
    recipient = LEVEL_ROLES[role]
    if recipient in procedure.on_every_decision:
        return 1
    for stage in procedure.stages:
        told_here = (
            recipient in stage.notify_on_start
            or any(recipient in duty.recipients for duty in stage.on_resolved)
            or (stage.panel is not None and recipient in stage.panel.notify)
        )
        if role in stage.roles or told_here:
            return stage.number
        if stage.on_unresolved is not None and recipient in stage.on_unresolved.notify:
            return stage.number + 1
    return None


def prefills_needed(procedure: Procedure) -> set[str]:
    """Case facts the procedure's referral forms ask for (e.g. ``person.date_of_birth``)."""
    return {
        f.prefill.value
        for stage in procedure.stages
        if stage.referral_form
        for f in stage.referral_form.fields
        if f.prefill
    }
