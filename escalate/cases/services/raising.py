"""Raising a challenge: what was asked is checked step by step (:mod:`.raise_checks`),
then the case, its first stage, the other professional's invitation, the chronology's
first entry and the notifications owed are made in one transaction.

Raising makes a case rather than changing one, so it takes the steps of
:func:`~escalate.cases.services.unit.change_case` itself, without a lock to take.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Max

from escalate import clock
from escalate.cases import deadlines
from escalate.cases.facts import involved_from
from escalate.cases.models import Case, ReferenceCounter, StageRecord, SubjectType
from escalate.cases.services import notices
from escalate.cases.services import raise_checks as checks
from escalate.cases.services.invitations import new_invitation
from escalate.cases.services.new_stage import Counterpart, deadline_fields
from escalate.cases.services.unit import note_made, record_event, require_active, take_once
from escalate.cases.services.validation import Form
from escalate.partnerships import versions
from escalate.procedures import engine, events
from escalate.procedures.model import Role

if TYPE_CHECKING:
    from escalate.accounts.models import User
    from escalate.partnerships.models import Agency, Partnership, ProcedureVersion


def raise_case(
    actor: User,
    *,
    partnership: Partnership,
    raising_agency: Agency,
    other_agency: Agency,
    other_professional_name: str,
    other_professional_email: str,
    subject_type: SubjectType | str,
    person_name: str,
    person_knows: bool | None,
    categories: Sequence[str],
    disagreement: str,
    outcome_sought: str,
    concern_arose_on: dt.date | None,
    person_date_of_birth: dt.date | None = None,
    person_address: str = "",
    person_record_id: str = "",
    person_views: str = "",
    kinds: Sequence[str] = (),
    immediate_risk: bool = False,
    referral_made: bool | None = None,
    referral_made_on: dt.date | None = None,
    start_stage: int = 1,
    expedite_reason: str = "",
    owner: User | None = None,
    owner_role: Role | str | None = None,
    counterpart_name: str = "",
    counterpart_email: str = "",
    consulted: str = "",
    once: str = "",
) -> Case:
    """Raise a challenge with another agency's professional, under the version of the
    partnership's procedure in force today (kept with the case for good).

    The case starts at stage 1, owned by the person raising it, with the other
    professional as counterpart; where the procedure allows it and someone is at
    immediate risk, it may start at a later stage, owned by ``owner`` (``consulted``:
    whom the person raising consulted first, where the procedure needs that to skip
    stages; ``kinds``: the kinds of case they said apply, of the procedure's routes).
    ``once`` is the
    journey's one-time token: raising twice with it makes one case (:class:`AlreadyDone`).
    """
    require_active(actor)
    today = clock.today()
    # The same version the checks below read (through ``partnership.procedure``).
    in_force = versions.in_force(partnership, today)
    procedure = in_force.procedure
    form = Form()
    member_roles = checks.roles_in_raising_agency(actor, raising_agency)
    checks.check_agencies(form, partnership, raising_agency, other_agency)
    other = checks.check_other_professional(
        form, actor, other_agency, other_professional_name, other_professional_email
    )
    person = checks.check_person(
        form,
        procedure,
        today,
        subject_type=subject_type,
        name=person_name,
        date_of_birth=person_date_of_birth,
        address=person_address,
        record_id=person_record_id,
        views=person_views,
        knows=person_knows,
        kinds=kinds,
    )
    concern = checks.check_concern(
        form,
        procedure,
        today,
        categories=categories,
        disagreement=disagreement,
        outcome_sought=outcome_sought,
        arose_on=concern_arose_on,
        immediate_risk=immediate_risk,
        referral_made=referral_made,
        referral_made_on=referral_made_on,
    )
    start = checks.check_start(
        form,
        actor,
        partnership,
        raising_agency,
        member_roles,
        stage=start_stage,
        reason=expedite_reason,
        owner=owner,
        owner_role=owner_role,
        consulted=consulted,
    )
    outcome = checks.ask_engine(form, procedure, start, concern, today, person)
    form.check()
    assert outcome is not None
    opposite = checks.first_counterpart(form, start, other, counterpart_name, counterpart_email)
    ready = _Ready(
        actor,
        partnership,
        in_force.version,
        today,
        other,
        person,
        concern,
        start,
        opposite,
        outcome,
    )
    with transaction.atomic():
        taken = take_once(once, actor, events.recorded_as(engine.Action.RAISE))
        case = _create(ready)
        note_made(taken, case, case)
    return case


@dataclass(frozen=True)
class _Ready:
    """Everything checked: what the case is made from."""

    actor: User
    partnership: Partnership
    definition: ProcedureVersion
    today: dt.date
    other: checks.OtherProfessional
    person: checks.Person
    concern: checks.Concern
    start: checks.Start
    opposite: Counterpart
    outcome: engine.Outcome


# ---------------------------------------------------------------- making the case


def _create(ready: _Ready) -> Case:
    """The case, its first stage, the invitation, the first chronology entry and the
    notifications owed (in the caller's transaction)."""
    start, other, owner = ready.start, ready.other, ready.start.owner
    assert owner is not None and ready.concern.arose_on is not None
    assert ready.person.knows is not None
    procedure, number, opposite = start.procedure, start.stage, ready.opposite
    case = _new_case(ready)
    facts = ready.outcome.facts
    StageRecord.objects.create(
        case=case,
        number=number,
        started_on=facts.stage_started[number],
        owner=owner.user,
        owner_role=owner.role.value,
        counterpart_name=opposite.name,
        counterpart_email=opposite.email,
        counterpart=opposite.user,
        **deadline_fields(procedure, case, facts, number),
    )
    deadlines.sync_case_deadlines(case, procedure)
    invitation, _token = new_invitation(case, other.agency, other.email)
    event = record_event(
        case,
        ready.actor,
        events.recorded_as(engine.Action.RAISE),
        stage=number,
        data={
            "procedure": procedure.key,
            "procedure_version": procedure.version,
            "raising_agency": start.raising_agency.name,
            "other_agency": other.agency.name,
            "categories": ready.concern.categories,
            "start_stage": number,
            "owner": owner.user.full_name,
            "owner_role": owner.role.value,
            "immediate_risk": ready.concern.immediate_risk,
            "expedite_reason": start.reason,
            **({"consulted": start.consulted} if start.consulted and number > 1 else {}),
            **({"kinds": list(ready.person.kinds)} if ready.person.kinds else {}),
        },
    )
    notices.notify(
        case,
        ready.actor,
        event,
        notices.from_engine(ready.outcome.notices),
        # Raising, even straight at a later stage, is decided at stage 1 (by the person
        # raising it), as expediting from stage 1 would be.
        decided_at=1,
        invitation=invitation,
    )
    return case


def _new_case(ready: _Ready) -> Case:
    partnership, person, concern = ready.partnership, ready.person, ready.concern
    start, other, year = ready.start, ready.other, ready.today.year
    procedure = start.procedure
    arose_on, knows = concern.arose_on, person.knows
    assert arose_on is not None and knows is not None  # the form was checked first
    sequence = next_sequence(partnership, year)
    return Case.objects.create(
        reference=f"{partnership.reference_prefix}-{year}-{sequence:04d}",
        partnership=partnership,
        year=year,
        sequence=sequence,
        definition=ready.definition,
        procedure_key=procedure.key,
        procedure_version=procedure.version,
        board_representative_from=involved_from(procedure, Role.BOARD_REPRESENTATIVE),
        business_unit_from=involved_from(procedure, Role.BUSINESS_UNIT),
        independent_chair_from=involved_from(procedure, Role.INDEPENDENT_CHAIR),
        statutory_partner_from=involved_from(procedure, Role.STATUTORY_PARTNER),
        subject_type=person.subject_type,
        person_name=person.name,
        person_date_of_birth=person.date_of_birth,
        person_address=person.address,
        person_record_id=person.record_id,
        person_views=person.views,
        person_knows=knows,
        raised_by=ready.actor,
        raising_agency=start.raising_agency,
        other_agency=other.agency,
        other_professional_name=other.name,
        other_professional_email=other.email,
        other_professional=ready.opposite.user if start.stage == 1 else None,
        categories=concern.categories,
        kinds=list(person.kinds),
        disagreement=concern.disagreement,
        outcome_sought=concern.outcome_sought,
        concern_arose_on=arose_on,
        immediate_risk=concern.immediate_risk,
        referral_made=concern.referral_made,
        referral_made_on=concern.referral_made_on,
        current_stage=start.stage,
        raised_at=clock.now(),
        raised_on=ready.today,
    )


def next_sequence(partnership: Partnership, year: int) -> int:
    """The next case number for the partnership this year, safe under concurrency: the
    counter row is locked until the case is saved."""
    ReferenceCounter.objects.bulk_create(
        [ReferenceCounter(partnership=partnership, year=year, last=0)], ignore_conflicts=True
    )
    counter = ReferenceCounter.objects.select_for_update().get(partnership=partnership, year=year)
    highest = (
        Case.objects.filter(partnership=partnership, year=year).aggregate(n=Max("sequence"))["n"]
        or 0
    )
    counter.last = max(counter.last, highest) + 1
    counter.save(update_fields=["last"])
    return counter.last
