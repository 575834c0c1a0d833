"""Checking what a person raising a challenge asked, step by step, before the case is
made (:func:`escalate.cases.services.raising.raise_case`). Each step puts every problem
it finds on the form, by field."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from escalate.cases.errors import NotAllowed, from_refusal
from escalate.cases.facts import prefills_needed
from escalate.cases.models import (
    ADDRESS_MAX,
    LONG_TEXT_MAX,
    NAME_MAX,
    RECORD_ID_MAX,
    SHORT_TEXT_MAX,
    SubjectType,
)
from escalate.cases.services.new_stage import Counterpart, Owner, check_owner, counterpart
from escalate.cases.services.validation import Form
from escalate.procedures import engine, routes, skips
from escalate.procedures.model import Procedure, Protects, Role

if TYPE_CHECKING:
    from escalate.accounts.models import User
    from escalate.partnerships.models import Agency, Partnership

#: A concern that arose longer ago than this is refused as a likely typing mistake.
OLDEST_CONCERN_DAYS = 366
OLDEST_PERSON_YEARS = 130

#: Who a procedure is about, by what it protects.
SUBJECTS: dict[Protects, list[SubjectType]] = {
    Protects.ADULTS: [SubjectType.ADULT],
    Protects.CHILDREN: [SubjectType.CHILD, SubjectType.FAMILY],
    Protects.BOTH: list(SubjectType),
}


@dataclass(frozen=True)
class OtherProfessional:
    """The professional challenged, as named by the person raising."""

    agency: Agency
    name: str
    email: str


@dataclass(frozen=True)
class Person:
    """The person at risk: only what the procedure needs."""

    subject_type: SubjectType | str
    name: str
    date_of_birth: dt.date | None
    address: str
    record_id: str
    views: str
    knows: bool | None
    #: The kinds of case the person raising it said apply (the procedure's routes).
    kinds: tuple[str, ...] = ()


@dataclass(frozen=True)
class Concern:
    """The disagreement, and whether someone is at immediate risk."""

    categories: list[str]
    disagreement: str
    outcome_sought: str
    arose_on: dt.date | None
    immediate_risk: bool
    referral_made: bool | None
    referral_made_on: dt.date | None


@dataclass(frozen=True)
class Start:
    """Where the case starts, who owns that stage, and the role the engine is asked in."""

    procedure: Procedure
    raising_agency: Agency
    stage: int
    reason: str
    engine_role: Role
    owner: Owner | None
    #: Whom the person raising consulted first, where the procedure needs it to skip.
    consulted: str = ""


def roles_in_raising_agency(actor: User, raising_agency: Agency) -> set[Role]:
    """The roles the person raising holds in the agency they raise for (none: refused)."""
    from escalate.partnerships.models import Membership

    member_roles = {
        Role(r)
        for r in Membership.objects.filter(person=actor, agency=raising_agency).values_list(
            "role", flat=True
        )
    }
    if not member_roles:
        raise NotAllowed("You can only raise a challenge on behalf of an agency you work in.")
    return member_roles


def check_agencies(
    form: Form, partnership: Partnership, raising_agency: Agency, other_agency: Agency
) -> None:
    """Both agencies are the partnership's, and they are two."""
    partnership_agencies = set(partnership.agencies.values_list("pk", flat=True))
    if raising_agency.pk not in partnership_agencies:
        form.add("raising_agency", f"{raising_agency} is not a member of {partnership}.")
    if other_agency.pk == raising_agency.pk:
        form.add(
            "other_agency",
            "Choose the other agency: a challenge is between two different agencies.",
        )
    elif other_agency.pk not in partnership_agencies:
        form.add("other_agency", f"{other_agency} is not a member of {partnership}.")


def check_other_professional(
    form: Form, actor: User, agency: Agency, name: str, email: str
) -> OtherProfessional:
    checked_name = form.text(
        "other_professional_name", name, label="the other professional's name", limit=NAME_MAX
    )
    address = form.email(
        "other_professional_email", email, label="the other professional's email address"
    )
    if address and address == actor.email.lower():
        form.add("other_professional_email", "Enter the other professional's email, not yours.")
    return OtherProfessional(agency, checked_name, address)


def check_person(
    form: Form,
    procedure: Procedure,
    today: dt.date,
    *,
    subject_type: SubjectType | str,
    name: str,
    date_of_birth: dt.date | None,
    address: str,
    record_id: str,
    views: str,
    knows: bool | None,
    kinds: Sequence[str] | object = (),
) -> Person:
    allowed_subjects = SUBJECTS[procedure.protects]
    if subject_type not in SubjectType.values:
        form.add("subject_type", "Say whether this is about an adult, a child or a family.")
    elif SubjectType(subject_type) not in allowed_subjects:
        form.add(
            "subject_type",
            f"{procedure.name} is about {procedure.protects.value}: choose "
            + " or ".join(s.label.lower() for s in allowed_subjects)
            + ".",
        )
    checked_name = form.text("person_name", name, label="the person's name", limit=NAME_MAX)
    needed = prefills_needed(procedure)
    dob = form.date(
        "person_date_of_birth",
        date_of_birth,
        label="their date of birth",
        required=False,
        not_after=today,
        not_before=_years_before(today, OLDEST_PERSON_YEARS),
        before_words=f"more than {OLDEST_PERSON_YEARS} years ago",
    )
    if dob is not None and "person.date_of_birth" not in needed:
        form.add(
            "person_date_of_birth",
            f"{procedure.name} does not need their date of birth: leave it out.",
        )
    checked_address = form.text(
        "person_address", address, label="their address", limit=ADDRESS_MAX, required=False
    )
    if checked_address and "person.address" not in needed:
        form.add("person_address", f"{procedure.name} does not need their address: leave it out.")
    checked_record_id = form.text(
        "person_record_id",
        record_id,
        label="your agency's record number",
        limit=RECORD_ID_MAX,
        required=False,
    )
    checked_views = form.text(
        "person_views", views, label="their views and wishes", limit=LONG_TEXT_MAX, required=False
    )
    if knows is None:
        form.add("person_knows", "Say whether they know about this disagreement.")
    chosen = check_kinds(form, procedure, subject_type, kinds)
    return Person(
        subject_type,
        checked_name,
        dob,
        checked_address,
        checked_record_id,
        checked_views,
        knows,
        chosen,
    )


def check_kinds(
    form: Form, procedure: Procedure, subject_type: SubjectType | str, kinds: object
) -> tuple[str, ...]:
    """The kinds of case ticked (the procedure's routes): each one it lists, once, and
    for whom the case is about."""
    given = kinds if isinstance(kinds, list | tuple) else [kinds] if kinds else []
    chosen = tuple(dict.fromkeys(str(k) for k in given))
    if chosen and not procedure.routes:
        form.add("kinds", f"{procedure.name} lists no kinds of case to choose: leave it out.")
        return ()
    try:
        routes.check_kinds(procedure, chosen, routes.person_group(str(subject_type)))
    except engine.Refused as refused:
        form.add("kinds", refused.reason)
        return ()
    return chosen


def check_concern(
    form: Form,
    procedure: Procedure,
    today: dt.date,
    *,
    categories: Sequence[str],
    disagreement: str,
    outcome_sought: str,
    arose_on: dt.date | None,
    immediate_risk: bool,
    referral_made: bool | None,
    referral_made_on: dt.date | None,
) -> Concern:
    keys = [c.key for c in procedure.categories]
    chosen = list(dict.fromkeys(categories or []))
    unknown = [c for c in chosen if c not in keys]
    if unknown:
        form.add(
            "categories",
            f"{', '.join(repr(c) for c in unknown)} {'is' if len(unknown) == 1 else 'are'} not "
            f"a category of {procedure.name}; choose from: {', '.join(keys)}.",
        )
    elif keys and not chosen:
        form.add("categories", "Choose at least one category for the disagreement.")
    what = form.text(
        "disagreement", disagreement, label="what the disagreement is about", limit=LONG_TEXT_MAX
    )
    sought = form.text(
        "outcome_sought", outcome_sought, label="the outcome you are seeking", limit=LONG_TEXT_MAX
    )
    arose = form.date(
        "concern_arose_on",
        arose_on,
        label="the date the concern arose",
        not_after=today,
        not_before=today - dt.timedelta(days=OLDEST_CONCERN_DAYS),
        before_words="more than a year ago; check the date",
    )
    if immediate_risk and referral_made is None:
        form.add(
            "referral_made",
            "Say whether a safeguarding referral or front-door contact has been made."
            + (f" {procedure.expedite.prompt}" if procedure.expedite.prompt else ""),
        )
    if referral_made:
        form.date(
            "referral_made_on",
            referral_made_on,
            label="the date the referral or contact was made",
            not_after=today,
        )
    elif referral_made_on is not None:
        form.add("referral_made_on", "Only give a referral date if a referral was made.")
    return Concern(
        chosen,
        what,
        sought,
        arose,
        immediate_risk,
        referral_made,
        referral_made_on if referral_made else None,
    )


def check_start(
    form: Form,
    actor: User,
    partnership: Partnership,
    raising_agency: Agency,
    member_roles: set[Role],
    *,
    stage: int,
    reason: str,
    owner: User | None,
    owner_role: Role | str | None,
    consulted: str = "",
) -> Start:
    """Where the case starts, and who owns that stage: the person raising it at stage 1;
    at a later stage (someone at immediate risk), the owner they name, and whom they
    consulted first where the procedure needs that to skip stages."""
    procedure = partnership.procedure
    if not 1 <= stage <= len(procedure.stages):
        form.add("start_stage", f"{procedure.name} has stages 1 to {len(procedure.stages)}.")
        stage = 1
    checked_reason = form.text(
        "expedite_reason", reason, label="the reason", limit=SHORT_TEXT_MAX, required=False
    )
    first = procedure.stage(stage)
    if stage == 1:
        role = (
            Role.PRACTITIONER
            if Role.PRACTITIONER in first.owners
            else next((r for r in first.owners if r in member_roles), None)
        )
        if role is None:
            raise NotAllowed(
                f"Stage 1 of {procedure.name} is owned by "
                + " or ".join(r.label.lower() for r in first.owners)
                + f"; you are not one in {raising_agency}."
            )
        stage_owner: Owner | None = Owner(actor, role)
    else:
        # In a role the procedure lets skip stages, where it names them and they hold one.
        ordered = sorted(member_roles, key=list(Role).index)
        skippers = [r for r in ordered if r in procedure.expedite.skip_roles]
        role = (skippers or ordered)[0]
        stage_owner = check_owner(
            form, partnership, raising_agency, procedure, stage, owner, owner_role
        )
    who = form.text(
        "consulted",
        consulted,
        label="the name of the person you consulted",
        limit=200,
        required=False,
    )
    needed = procedure.expedite.skip_needs_consultation
    skipping = stage > 1 and procedure.expedite.allowed and skips.reachable(procedure, stage)
    if skipping and needed is not None and not who and form.ok("consulted"):
        try:
            skips.check_consulted(procedure, frozenset(), stage, raising=True)
        except engine.Refused as refused:
            form.add("consulted", refused.reason)
    return Start(procedure, raising_agency, stage, checked_reason, role, stage_owner, who)


def ask_engine(
    form: Form,
    procedure: Procedure,
    start: Start,
    concern: Concern,
    today: dt.date,
    person: Person | None = None,
) -> engine.Outcome | None:
    """The engine's ruling on raising (its deadlines and notices), once the date the
    concern arose is good. Its refusals of what was typed go on the form; other
    refusals are raised once the form's own problems have been."""
    if concern.arose_on is None or not form.ok("concern_arose_on"):
        return None
    try:
        return engine.raise_case(
            procedure,
            start.engine_role,
            arose=concern.arose_on,
            on=today,
            start_stage=start.stage,
            immediate_risk=concern.immediate_risk,
            reason=start.reason,
            consulted=_consulted(procedure, start),
            kinds=frozenset(person.kinds if person else ()),
            person=routes.person_group(str(person.subject_type)) if person else None,
        )
    except engine.Refused as refused:
        if refused.code is engine.RefusalCode.INVALID:
            form.add("expedite_reason" if start.stage > 1 else "concern_arose_on", refused.reason)
            return None
        if refused.code is engine.RefusalCode.ROUTED:
            form.add("start_stage", refused.reason)
            return None
        if refused.code is engine.RefusalCode.NEEDS_CONSULTATION:
            if form.ok("consulted"):  # (check_start may have said so already)
                form.add("consulted", refused.reason)
            return None
        form.check()
        raise from_refusal(refused) from None


def _consulted(procedure: Procedure, start: Start) -> frozenset[Role]:
    """The role consulted before raising straight at a later stage: the one the
    procedure asks for, once the person raising names whom they consulted."""
    needed = procedure.expedite.skip_needs_consultation
    return frozenset({needed}) if needed is not None and start.consulted else frozenset()


def first_counterpart(
    form: Form,
    start: Start,
    other: OtherProfessional,
    name: str,
    email: str,
) -> Counterpart:
    """Opposite the first stage's owner: the other professional at stage 1; at a later
    stage, the counterpart named (or the other agency's only holder of the owner's role)."""
    from escalate.accounts.models import User

    if start.stage == 1:
        user = User.objects.filter(
            email__iexact=other.email, is_active=True, memberships__agency=other.agency
        ).first()
        return Counterpart(other.name, other.email, user)
    assert start.owner is not None
    found = counterpart(form, other.agency, start.owner.role, name, email)
    form.check()
    return found


def _years_before(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` earlier; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)
