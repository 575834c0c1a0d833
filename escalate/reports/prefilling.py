"""What each field of a case's form starts as: the case fact its ``prefill`` names,
read from the case, its stages and its chronology (see :mod:`escalate.reports.referral`).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.utils import timezone

from escalate.cases.facts import procedure_of
from escalate.cases.models import Case, CaseStatus, ContactKind, Event, StageRecord
from escalate.procedures.calendar import format_day
from escalate.procedures.model import PARTNERSHIP_ROLES, Prefill, Role

if TYPE_CHECKING:
    from escalate.reports.referral import FormAt

#: Roles that count as board or partnership members on the form.
BOARD_ROLES = frozenset(
    {
        Role.BOARD_REPRESENTATIVE,
        Role.BUSINESS_UNIT,
        Role.INDEPENDENT_CHAIR,
        Role.STATUTORY_PARTNER,
    }
)
#: How many chronology entries the "how resolution was attempted" summary lists.
ATTEMPTS_LISTED = 30


def _person_line(case: Case, name: str, role: Role | None, where: str) -> str:
    """ "Name, Head of service, Agency": the role in the case's procedure's own name."""
    parts = [name]
    if role is not None:
        parts.append(procedure_of(case).role_label(role))
    if where:
        parts.append(where)
    return ", ".join(parts)


def _agency_of(user_id: int, role: Role | None, case: Case) -> str:
    from escalate.partnerships.models import Membership

    if role in PARTNERSHIP_ROLES:
        return case.partnership.name
    agency_ids = list(
        Membership.objects.filter(
            person_id=user_id, agency_id__in=[case.raising_agency_id, case.other_agency_id]
        ).values_list("agency_id", flat=True)
    )
    if case.other_agency_id in agency_ids and case.raising_agency_id not in agency_ids:
        return case.other_agency.name
    return case.raising_agency.name


def _escalated_by(
    case: Case, stage: int, events: list[Event], records: dict[int, StageRecord]
) -> str:
    """Who escalated the concern at ``stage``: the chronology's escalation out of it,
    else the stage's owner."""
    for event in events:
        if event.action in ("stage.escalated", "stage.expedited") and (
            event.data.get("from_stage") == stage
        ):
            actor = event.actor
            if actor is None:
                continue
            try:
                role: Role | None = Role(event.data.get("role", ""))
            except ValueError:
                role = None
            return _person_line(case, actor.full_name, role, _agency_of(actor.pk, role, case))
    return _stage_owner(case, records.get(stage))


def _board_members(case: Case, records: dict[int, StageRecord]) -> str:
    from escalate.partnerships.models import Membership

    lines: list[str] = []
    seen: set[int] = set()
    for record in records.values():
        role = Role(record.owner_role)
        if role in BOARD_ROLES and record.owner_id not in seen:
            seen.add(record.owner_id)
            lines.append(
                _person_line(
                    case, record.owner.full_name, role, _agency_of(record.owner_id, role, case)
                )
            )
    gate = case.board_representative_from
    if gate is not None and case.current_stage >= gate:
        reps = (
            Membership.objects.filter(
                agency_id__in=[case.raising_agency_id, case.other_agency_id],
                role=Role.BOARD_REPRESENTATIVE.value,
                person__is_active=True,
            )
            .select_related("person", "agency")
            .order_by("agency__name", "person__full_name")
        )
        for m in reps:
            if m.person_id not in seen:
                seen.add(m.person_id)
                lines.append(
                    _person_line(case, m.person.full_name, Role.BOARD_REPRESENTATIVE, m.agency.name)
                )
    return "\n".join(lines)


def _attempts(events: list[Event]) -> str:
    kinds = {f"{k}.recorded" for k in ContactKind.values} | {"stage.escalated"}
    lines = []
    for event in events:
        if event.action not in kinds:
            continue
        if event.action == "stage.escalated":
            text = event.data.get("summary", "")
            day = timezone.localdate(event.at)
            what = f"Escalated from stage {event.data.get('from_stage')}"
        else:
            text = event.data.get("text", "")
            day = dt.date.fromisoformat(
                event.data.get("occurred_on") or timezone.localdate(event.at).isoformat()
            )
            what = ContactKind(event.data.get("kind", "note")).label.split(" (")[0]
            if event.data.get("with_whom"):
                what += f" with {event.data['with_whom']}"
        lines.append(f"{format_day(day)}: {what}. {text}".strip())
    return "\n".join(lines[-ATTEMPTS_LISTED:])


def _stage_owner(case: Case, record: StageRecord | None) -> str:
    if record is None:
        return ""
    role = Role(record.owner_role)
    return _person_line(case, record.owner.full_name, role, _agency_of(record.owner_id, role, case))


def _agencies(case: Case) -> str:
    raising, other = case.raising_agency.name, case.other_agency.name
    return raising if raising == other else f"{raising} and {other}"


def prefill(case: Case, found: FormAt) -> dict[str, str]:
    """Each field's starting value, from the case, its stages and its chronology. The
    ``stage.`` facts are the form's own stage's (the outcome form's: the stage the case
    resolved at, whose outcome the ``outcome.`` facts are)."""
    records: dict[int, StageRecord] = {
        r.number: r for r in case.stages.select_related("owner").order_by("number")
    }
    events = list(case.events.exclude(action="case.viewed").select_related("actor"))
    own = records.get(found.stage) if found.stage is not None else None
    resolved = own if found.is_outcome and case.status == CaseStatus.RESOLVED else None
    values: dict[str, str] = {}
    for f in found.form.fields:
        source = f.prefill
        value = ""
        if source is Prefill.PERSON_NAME:
            value = case.person_name
        elif source is Prefill.PERSON_DATE_OF_BIRTH:
            value = _day(case.person_date_of_birth)
        elif source is Prefill.PERSON_ADDRESS:
            value = case.person_address
        elif source is Prefill.STAGE_2_ESCALATED_BY:
            value = _escalated_by(case, 2, events, records)
        elif source is Prefill.STAGE_3_ESCALATED_BY:
            value = _escalated_by(case, 3, events, records)
        elif source is Prefill.STAGE_3_CONCLUDED_ON:
            record = records.get(3)
            value = _day(record.concluded_on if record else None)
        elif source is Prefill.BOARD_MEMBERS_INVOLVED:
            value = _board_members(case, records)
        elif source is Prefill.DISAGREEMENT_SUMMARY:
            value = case.disagreement
            if case.outcome_sought:
                value += f"\n\nOutcome sought: {case.outcome_sought}"
        elif source is Prefill.RESOLUTION_ATTEMPTS:
            value = _attempts(events)
        elif source is Prefill.CASE_REFERENCE:
            value = case.reference
        elif source is Prefill.CASE_RAISED_ON:
            value = _day(case.raised_on)
        elif source is Prefill.AGENCIES:
            value = _agencies(case)
        elif source is Prefill.STAGE_OWNER:
            value = _stage_owner(case, own)
        elif source is Prefill.STAGE_STARTED_ON:
            value = _day(own.started_on if own else None)
        elif source is Prefill.OUTCOME_SUMMARY:
            value = resolved.outcome if resolved else ""
        elif source is Prefill.OUTCOME_ON:
            value = _day(resolved.concluded_on if resolved else None)
        values[f.key] = value
    return values


def _day(day: dt.date | None) -> str:
    return f"{day.day} {day:%B %Y}" if day else ""
