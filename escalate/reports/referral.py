"""The referral form at a procedure's final stage (e.g. CESAB Appendix A): which stage
has one, what it is pre-filled with, and who may fill it in.

Fields and their pre-fill sources come from the procedure snapshot kept with the case,
never from code: this module only knows how to read each :class:`Prefill` source.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from escalate.cases import permissions
from escalate.cases.facts import procedure_of
from escalate.cases.models import Case, ContactKind, Event, StageRecord
from escalate.cases.permissions import CaseAction
from escalate.errors import Conflict
from escalate.govuk import text as characters
from escalate.procedures.calendar import format_day
from escalate.procedures.model import PARTNERSHIP_ROLES, FieldKind, Prefill, ReferralForm, Role

if TYPE_CHECKING:
    from escalate.accounts.models import User

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


@dataclass(frozen=True)
class FormAt:
    """The referral form of one case and the stage it belongs to."""

    stage: int
    form: ReferralForm


def form_of(case: Case) -> FormAt | None:
    """The case's referral form, from its procedure snapshot (``None``: it has none)."""
    for stage in procedure_of(case).stages:
        if stage.referral_form is not None:
            return FormAt(stage.number, stage.referral_form)
    return None


def require_form(case: Case) -> FormAt:
    found = form_of(case)
    if found is None:
        raise Conflict("The procedure this case runs under has no referral form.", reason="no_form")
    if case.current_stage < found.stage:
        raise Conflict(
            f"The referral form is completed at stage {found.stage}; this case is at stage "
            f"{case.current_stage}.",
            reason="not_yet",
        )
    return found


def offered_to(user: User | Any, case: Case) -> bool:
    """Whether the case page should offer ``user`` the referral form now."""
    found = form_of(case)
    return (
        found is not None
        and case.current_stage >= found.stage
        and permissions.may_complete_referral(user, case)
    )


def check_may_complete(user: User | Any, case: Case) -> None:
    """Refuse anyone who may not complete the case's referral form
    (:attr:`~escalate.cases.permissions.CaseAction.SUBMIT_REFERRAL`)."""
    permissions.require(user, CaseAction.SUBMIT_REFERRAL, case)


# ---------------------------------------------------------------- pre-filling


def _person_line(name: str, role: Role | None, where: str) -> str:
    parts = [name]
    if role is not None:
        parts.append(role.label)
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
            return _person_line(actor.full_name, role, _agency_of(actor.pk, role, case))
    record = records.get(stage)
    if record is None:
        return ""
    role = Role(record.owner_role)
    return _person_line(record.owner.full_name, role, _agency_of(record.owner_id, role, case))


def _board_members(case: Case, records: dict[int, StageRecord]) -> str:
    from escalate.partnerships.models import Membership

    lines: list[str] = []
    seen: set[int] = set()
    for record in records.values():
        role = Role(record.owner_role)
        if role in BOARD_ROLES and record.owner_id not in seen:
            seen.add(record.owner_id)
            lines.append(
                _person_line(record.owner.full_name, role, _agency_of(record.owner_id, role, case))
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
                    _person_line(m.person.full_name, Role.BOARD_REPRESENTATIVE, m.agency.name)
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
            day = event.at.date()
            what = f"Escalated from stage {event.data.get('from_stage')}"
        else:
            text = event.data.get("text", "")
            day = dt.date.fromisoformat(
                event.data.get("occurred_on") or event.at.date().isoformat()
            )
            what = ContactKind(event.data.get("kind", "note")).label.split(" (")[0]
            if event.data.get("with_whom"):
                what += f" with {event.data['with_whom']}"
        lines.append(f"{format_day(day)}: {what}. {text}".strip())
    return "\n".join(lines[-ATTEMPTS_LISTED:])


def prefill(case: Case, found: FormAt) -> dict[str, str]:
    """Each field's starting value, from the case, its stages and its chronology."""
    records: dict[int, StageRecord] = {
        r.number: r for r in case.stages.select_related("owner").order_by("number")
    }
    events = list(case.events.exclude(action="case.viewed").select_related("actor"))
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
        values[f.key] = value
    return values


def _day(day: dt.date | None) -> str:
    return f"{day.day} {day:%B %Y}" if day else ""


# ---------------------------------------------------------------- dates typed in

_MONTHS = {
    m.lower(): i
    for i, m in enumerate(
        [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ],
        start=1,
    )
}


def parse_day(text: str) -> dt.date | None:
    """A date as people type it: 24 December 2026, 24 Dec 2026, 24/12/2026, 2026-12-24."""
    t = text.strip().lower().replace(",", " ")
    try:
        return dt.date.fromisoformat(t)
    except ValueError:
        pass
    # ASCII digits only (re.ASCII), as every date field: never another script's digits.
    m = re.fullmatch(r"(\d{1,2})[ /.-]+(\d{1,2})[ /.-]+(\d{4})", t, re.ASCII)
    try:
        if m:
            return dt.date(int(m[3]), int(m[2]), int(m[1]))
        m = re.fullmatch(
            r"(?:[a-z]+ )?(\d{1,2}) +([a-z]+) +(\d{4})", re.sub(r"\s+", " ", t), re.ASCII
        )
        if m:
            month = next((n for name, n in _MONTHS.items() if name.startswith(m[2][:3])), None)
            if month and len(m[2]) >= 3:
                return dt.date(int(m[3]), month, int(m[1]))
    except ValueError:
        return None
    return None


def field_errors(found: FormAt, values: dict[str, str]) -> dict[str, list[str]]:
    """What is wrong with the values typed, field by field, in plain English."""
    errors: dict[str, list[str]] = {}
    for f in found.form.fields:
        value = (values.get(f.key) or "").strip()
        label = in_a_sentence(f.label)
        if f.required and not value:
            errors.setdefault(f.key, []).append(f"Enter the {label.removeprefix('the ')}.")
        elif characters.has_unusual_characters(characters.tidy(value)):
            # NUL bytes and control characters: PostgreSQL cannot store the one, and Word
            # files cannot hold the others (see escalate.govuk.text).
            errors.setdefault(f.key, []).append(f"Remove the unusual characters from {label}.")
        elif len(value) > 5000:
            errors.setdefault(f.key, []).append(
                f"{f.label} must be 5,000 characters or fewer; it is {len(value):,}."
            )
        elif (
            value
            and f.kind is FieldKind.DATE
            and value.lower() != "not known"
            and parse_day(value) is None
        ):
            example = "3 March 1961" if "birth" in label else "14 March 2025"
            errors.setdefault(f.key, []).append(
                f"Enter the {label} as a real date, like {example}, or write not known."
            )
    return errors


def in_a_sentence(label: str) -> str:
    """A form's label as it reads inside a sentence: "Date of Birth" is "date of birth";
    abbreviations keep their capitals ("NHS number")."""
    return " ".join(w if w.isupper() and len(w) > 1 else w.lower() for w in label.split())
