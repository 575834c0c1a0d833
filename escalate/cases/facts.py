"""What the engine needs to know about a stored case.

A case runs the procedure it was raised under: :func:`procedure_of` rebuilds it from
the case's stored procedure version (never from the library), :func:`facts_of` turns the stored
stages into the engine's :class:`CaseFacts`, and :func:`calendar_for` gives the
partnership's working days.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from escalate.procedures import engine, events, routes
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


#: The case column that stores from which stage each partnership-level role is involved.
INVOLVEMENT_FIELDS: dict[Role, str] = {
    Role.BOARD_REPRESENTATIVE: "board_representative_from",
    Role.BUSINESS_UNIT: "business_unit_from",
    Role.INDEPENDENT_CHAIR: "independent_chair_from",
    Role.STATUTORY_PARTNER: "statutory_partner_from",
}


def procedure_of(case: Case) -> Procedure:
    """The procedure the case was raised under: its stored version, parsed once per
    process (:func:`escalate.partnerships.versions.procedure_for_case`), never the
    library as it is now."""
    from escalate.partnerships.versions import procedure_for_case

    return procedure_for_case(case)


#: The chronology entries that meet a procedure's conditions on a move.
NOTICE_GIVEN = events.recorded_as(engine.Action.GIVE_NOTICE)
CONSULTED = events.recorded_as(engine.Action.RECORD_CONSULTATION)


def facts_of(
    case: Case,
    stages: Iterable[StageRecord] | None = None,
    *,
    procedure: Procedure | None = None,
) -> engine.CaseFacts:
    """The engine's facts of ``case``. Given its ``procedure``, and where that procedure
    puts conditions on a move (notice before escalating, a consultation before a skip),
    whether they are met, from the chronology (one query, only for such procedures)."""
    records = list(stages if stages is not None else case.stages.all())
    consulted, noticed = conditions_met(case, procedure) if procedure else ((), ())
    return engine.CaseFacts(
        consulted=frozenset(consulted),
        notice_given=frozenset(noticed),
        arose=case.concern_arose_on,
        stage_started={s.number: s.started_on for s in records},
        current_stage=case.current_stage,
        status=engine.CaseStatus(case.status),
        immediate_risk=case.immediate_risk,
        kinds=frozenset(k for k in (case.kinds or []) if isinstance(k, str)),
        person=routes.person_group(case.subject_type),
        stage_concluded={s.number: s.concluded_on for s in records if s.concluded_on},
        checklist_done={s.number: frozenset(s.checklist_done) for s in records},
        panel_referred=frozenset(case.panel_referred),
    )


def conditions_met(case: Case, procedure: Procedure) -> tuple[set[Role], set[int]]:
    """Whom the case's people recorded consulting at its current stage (before a skip)
    and the stages at which notice of escalation was given, from its chronology."""
    needed = procedure.expedite.skip_needs_consultation
    if needed is None and not any(s.notice_before_escalation for s in procedure.stages):
        return set(), set()
    from escalate.cases.models import Event

    consulted: set[Role] = set()
    noticed: set[int] = set()
    for action, stage, data in Event.objects.filter(
        case=case, action__in=[NOTICE_GIVEN, CONSULTED]
    ).values_list("action", "stage", "data"):
        if action == NOTICE_GIVEN and stage is not None:
            noticed.add(stage)
        elif stage == case.current_stage and (data or {}).get("consulted_role") in _ROLE_VALUES:
            consulted.add(Role(data["consulted_role"]))
    return consulted, noticed


_ROLE_VALUES = frozenset(r.value for r in Role)


def calendar_for(partnership: Partnership) -> WorkingCalendar:
    """Working days for the partnership: its region's bank holidays, less those marked
    as working days there, and its region's extra days off."""
    return calendar_for_region(partnership.region)


def calendar_for_region(region: str) -> WorkingCalendar:
    """One region's working days (see :func:`calendars_for_regions`)."""
    return calendars_for_regions([region])[region]


def calendars_for_regions(regions: Iterable[str]) -> dict[str, WorkingCalendar]:
    """Each region's working days, in two queries: its bank holidays, its extra days off
    and the listed bank holidays that are working days there (worked out by
    :func:`escalate.partnerships.calendars.calendars_for_regions`, which a draft's
    preview uses too)."""
    from escalate.partnerships import calendars

    return calendars.calendars_for_regions(regions)


def involved_from(procedure: Procedure, role: Role) -> int | None:
    """The first stage at which a partnership-level role is involved in a case.

    Involved means: the role acts at the stage, or the procedure tells it of something
    at that stage (the stage beginning, every decision made there, a resolution there, a
    panel referral there). Being told that a stage was *not* resolved involves it from
    the next stage, the one it is told about. Told of every decision at every stage
    (the procedure's ``on_every_decision``) involves it from stage 1.

    Being told of a policy issue (``policy_issues.notify``) involves an agency's board
    representatives from the stage at which one is flagged on the case: see
    :func:`involved_by_policy_issue`. ``None``: never involved.
    """
    recipient = LEVEL_ROLES[role]
    if recipient in procedure.on_every_decision:
        return 1
    for stage in procedure.stages:
        told_here = (
            recipient in stage.notify_on_start
            or recipient in stage.on_every_decision
            or any(recipient in duty.recipients for duty in stage.on_resolved)
            or (stage.panel is not None and recipient in stage.panel.notify)
        )
        if role in stage.roles or told_here:
            return stage.number
        if stage.on_unresolved is not None and recipient in stage.on_unresolved.notify:
            return stage.number + 1
    return None


def involved_by_policy_issue(procedure: Procedure, case: Case) -> dict[str, int]:
    """The involvement columns a policy issue flagged now on ``case`` lowers.

    Warrington sends policy issues "via the relevant representative to the WSAB
    Independent Chair": the agency's board representatives are told of one flagged at
    stage 1 or 2, before they are otherwise involved, and must be able to open the issue
    and its case from then on. Only the case they are told about opens to them; the
    partnership's own people (business unit, chair, statutory partners) see every policy
    issue of their partnership on its own page, so being told opens no case to them.
    """
    lowered: dict[str, int] = {}
    for role in (Role.BOARD_REPRESENTATIVE,):
        if LEVEL_ROLES[role] not in procedure.policy_issues.notify:
            continue
        field = INVOLVEMENT_FIELDS[role]
        now = getattr(case, field)
        if now is None or now > case.current_stage:
            lowered[field] = case.current_stage
    return lowered


def prefills_needed(procedure: Procedure) -> set[str]:
    """Case facts the procedure's forms ask for (any stage's and the outcome form), e.g.
    ``person.date_of_birth``."""
    return {f.prefill.value for at in procedure.case_forms for f in at.form.fields if f.prefill}
