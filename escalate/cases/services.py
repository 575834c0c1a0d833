"""Every change to a case, and the only code that writes the case tables.

Each service takes the acting person first and, in one transaction:

1. locks the case row and checks the version the person saw (``expected_version``);
2. asks :mod:`escalate.cases.permissions` whether they may, and the procedure engine
   whether the move is legal now (its refusals become domain errors);
3. validates what was asked, naming the field of every problem, before writing anything;
4. changes the case, bumps its version and appends a chronology entry;
5. writes the notifications the procedure says are owed to the outbox.

Dates come from :mod:`escalate.clock`. Nothing here sends email.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Max

from escalate import clock
from escalate.cases import permissions
from escalate.cases.errors import (
    AlreadyDone,
    Conflict,
    Invalid,
    NotAllowed,
    NotFound,
    StaleCase,
    from_refusal,
)
from escalate.cases.facts import (
    calendar_for,
    facts_of,
    involved_from,
    prefills_needed,
    procedure_of,
    snapshot,
)
from escalate.cases.models import (
    ADDRESS_MAX,
    EMAIL_MAX,
    LONG_TEXT_MAX,
    NAME_MAX,
    RECORD_ID_MAX,
    SHORT_TEXT_MAX,
    THEME_MAX,
    THEMES_MAX,
    VIEWED,
    VIEWED_WHAT,
    AgreedAction,
    Case,
    CaseStatus,
    Conclusion,
    ContactKind,
    Event,
    Invitation,
    Notification,
    PolicyIssue,
    PolicyIssueStatus,
    RecipientKind,
    ReferenceCounter,
    Response,
    StageRecord,
    SubjectType,
    Submission,
)
from escalate.cases.permissions import CaseAction, Standing
from escalate.core import text as characters
from escalate.procedures import engine
from escalate.procedures.model import Procedure, Protects, Recipient, Role

if TYPE_CHECKING:
    from escalate.accounts.models import User
    from escalate.partnerships.models import Agency, Partnership

logger = logging.getLogger(__name__)
security_log = logging.getLogger("escalate.security")

#: How long the other professional's invitation link works.
INVITATION_DAYS = 30
#: A concern that arose longer ago than this is refused as a likely typing mistake.
OLDEST_CONCERN_DAYS = 366
OLDEST_PERSON_YEARS = 130

#: Chronology actions for the engine's moves.
STAGE_EVENTS: dict[engine.Action, str] = {
    engine.Action.ESCALATE: "stage.escalated",
    engine.Action.EXPEDITE: "stage.expedited",
    engine.Action.RESOLVE: "case.resolved",
    engine.Action.WITHDRAW: "case.withdrawn",
    engine.Action.REFER_TO_PANEL: "panel.referred",
}
#: Notification events (what happened, in the past tense) for the engine's notice events.
NOTICE_EVENTS: dict[str, str] = {
    "case.raised": "case.raised",
    "case.raise": "case.raised",
    "case.escalate": "case.escalated",
    "case.expedite": "case.expedited",
    "case.expedited": "case.expedited",
    "case.resolve": "case.resolved",
    "case.withdraw": "case.withdrawn",
    "case.refer_to_panel": "case.referred_to_panel",
}


# ---------------------------------------------------------------- inputs


@dataclass(frozen=True)
class ActionInput:
    """An action agreed between the agencies, to be checked back on."""

    what: str
    agency: Agency
    due_on: dt.date
    owner: User | None = None
    owner_name: str = ""


# ---------------------------------------------------------------- validation


@dataclass
class _Form:
    """Collects every problem with what was asked, by field, before anything is written."""

    errors: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def ok(self, name: str) -> bool:
        return name not in self.errors

    def text(
        self, name: str, value: str | None, *, label: str, limit: int, required: bool = True
    ) -> str:
        text = characters.tidy((value or "").strip())
        if required and not text:
            self.add(name, f"Enter {label}.")
        elif characters.has_unusual_characters(text):
            # The forms refuse these first; this keeps callers that skip them (an API,
            # a command) from storing what would break exports or PostgreSQL.
            self.add(name, f"Remove the unusual characters from {label}.")
        elif len(text) > limit:
            self.add(
                name,
                f"{label[:1].upper()}{label[1:]} must be {limit:,} characters or fewer; "
                f"it is {len(text):,}.",
            )
        return text

    def email(self, name: str, value: str | None, *, label: str, required: bool = True) -> str:
        address = self.text(name, value, label=label, limit=EMAIL_MAX, required=required)
        if address and self.ok(name):
            try:
                validate_email(address)
            except ValidationError:
                self.add(name, f"Enter {label} as a valid email address, like name@example.org.")
        return address.lower()

    def date(
        self,
        name: str,
        value: dt.date | None,
        *,
        label: str,
        required: bool = True,
        not_after: dt.date | None = None,
        not_before: dt.date | None = None,
        after_words: str = "in the future",
        before_words: str = "",
    ) -> dt.date | None:
        if value is None:
            if required:
                self.add(name, f"Enter {label}.")
            return None
        if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
            self.add(name, f"Enter {label} as a date.")
            return None
        if not_after is not None and value > not_after:
            self.add(name, f"{label[:1].upper()}{label[1:]} cannot be {after_words}.")
        if not_before is not None and value < not_before:
            words = before_words or f"before {not_before}"
            self.add(name, f"{label[:1].upper()}{label[1:]} cannot be {words}.")
        return value

    def check(self) -> None:
        if self.errors:
            raise Invalid(self.errors)


# ---------------------------------------------------------------- helpers


def _require_active(actor: User | Any) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise NotAllowed("Sign in to do that.")


def _once(token: str, actor: User, what: str, case: Case | int | None = None) -> Submission | None:
    """Take a form's one-time token, in the caller's transaction, before anything else.

    The token's hash is unique in the database: a second sending of the same form waits
    for the first to commit, then finds the token taken and raises :class:`AlreadyDone`
    naming what the first made (so the whole second transaction is rolled back). If the
    first is rolled back (bad input, say), the token is free again. No token (a caller
    that is not a form): nothing is taken.
    """
    if not token:
        return None
    digest = _hash(token)
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


def _made(submission: Submission | None, case: Case, made: Any = None) -> None:
    """Note on a taken token what its form made, for a second sending to be shown."""
    if submission is None:
        return
    submission.case = case
    submission.object_id = getattr(made, "pk", None) if made is not None else None
    submission.save(update_fields=["case", "object_id"])


def _lock(
    case: Case | int,
    actor: User,
    action: CaseAction,
    expected_version: int | None,
) -> tuple[Case, Standing]:
    """Lock the case row for the rest of the transaction, check the person may act on
    it at all, then that it has not changed since they opened it."""
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


def _save(case: Case, expected_version: int | None, fields: Iterable[str] = ()) -> Case:
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


def _event(
    case: Case,
    actor: User | None,
    action: str,
    *,
    stage: int | None = None,
    data: dict[str, Any] | None = None,
    corrects: Event | None = None,
) -> Event:
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


def _stage_records(case: Case) -> dict[int, StageRecord]:
    return {s.number: s for s in case.stages.select_related("owner", "counterpart")}


def _deadline_fields(
    procedure: Procedure, case: Case, facts: engine.CaseFacts, number: int
) -> dict[str, Any]:
    """start_by, conclude_by and act_by of one stage, and how each was worked out."""
    calendar = calendar_for(case.partnership)
    stages = engine.stage_deadlines(
        procedure, calendar, arose=facts.arose, stage_started=facts.stage_started
    )
    here = stages[number - 1]
    act = engine.act_by(procedure, calendar, facts, number)
    explained: dict[str, Any] = {
        "start_by": here.start_by.as_json() if here.start_by else None,
        "conclude_by": here.conclude_by.as_json() if here.conclude_by else None,
        "act_by": act.as_json() if act else None,
        "other": [d.as_json() for d in here.other],
    }
    return {
        "start_by": here.start_by.due if here.start_by else None,
        "conclude_by": here.conclude_by.due if here.conclude_by else None,
        "act_by": act.due if act else None,
        "deadlines": explained,
    }


@dataclass(frozen=True)
class _Owner:
    user: User
    role: Role


def _check_owner(
    form: _Form,
    case_partnership: Partnership,
    raising_agency: Agency,
    procedure: Procedure,
    number: int,
    owner: User | None,
    owner_role: Role | str | None,
) -> _Owner | None:
    """The new stage owner must hold one of the stage's owner roles: an agency role in
    the raising agency, or a partnership role in the partnership."""
    from escalate.partnerships.models import Membership, PartnershipRole

    stage = procedure.stage(number)
    if owner is None:
        form.add("owner", f"Choose who owns stage {number} ({stage.title}).")
        return None
    if not owner.is_active:
        form.add("owner", f"{owner} can no longer sign in, so cannot own stage {number}.")
        return None
    held = {
        Role(r)
        for r in Membership.objects.filter(person=owner, agency=raising_agency).values_list(
            "role", flat=True
        )
    } | {
        Role(r)
        for r in PartnershipRole.objects.filter(
            person=owner, partnership=case_partnership
        ).values_list("role", flat=True)
        if r in {p.value for p in Role}
    }
    where = {
        role: (
            case_partnership.name if role in permissions.PARTNERSHIP_ROLES else raising_agency.name
        )
        for role in stage.owners
    }
    if owner_role:
        try:
            role = Role(owner_role)
        except ValueError:
            form.add("owner_role", f"{owner_role!r} is not a role.")
            return None
        try:
            engine.check_owner(procedure, number, role)
        except engine.Refused as refused:
            form.add("owner_role", refused.reason)
            return None
        if role not in held:
            form.add(
                "owner",
                f"{owner} is not {_a(role.label)} {role.label.lower()} in {where[role]}.",
            )
            return None
        return _Owner(owner, role)
    for role in stage.owners:
        if role in held:
            return _Owner(owner, role)
    wanted = " or ".join(
        f"{_a(r.label).lower()} {r.label.lower()} in {where[r]}" for r in stage.owners
    )
    form.add(
        "owner", f"The owner of stage {number} ({stage.title}) must be {wanted}; {owner} is not."
    )
    return None


def _counterpart(
    form: _Form,
    other_agency: Agency,
    owner_role: Role | None,
    name: str,
    email: str,
) -> tuple[str, str, User | None]:
    """The named person in the other agency opposite the stage owner.

    When none is given, the other agency's only holder of the owner's role is taken (the
    opposite manager); otherwise it stays blank and the other agency's safeguarding
    address is told instead.
    """
    from escalate.accounts.models import User
    from escalate.partnerships.models import Membership

    name = form.text(
        "counterpart_name", name, label="the counterpart's name", limit=NAME_MAX, required=False
    )
    address = form.email(
        "counterpart_email", email, label="the counterpart's email address", required=False
    )
    if address and not name:
        form.add("counterpart_name", "Enter the counterpart's name as well as their email address.")
    if name and not address:
        form.add("counterpart_email", "Enter the counterpart's email address.")
    if name and address:
        user = User.objects.filter(
            email__iexact=address, is_active=True, memberships__agency=other_agency
        ).first()
        return name, address, user
    if owner_role is not None and owner_role not in permissions.PARTNERSHIP_ROLES:
        opposite = list(
            Membership.objects.filter(
                agency=other_agency, role=owner_role.value, person__is_active=True
            ).select_related("person")[:2]
        )
        if len(opposite) == 1:
            person = opposite[0].person
            return person.full_name, person.email, person
    return "", "", None


def _a(words: str) -> str:
    return "An" if words[:1].lower() in "aeiou" else "A"


# ---------------------------------------------------------------- notifications


@dataclass(frozen=True)
class _Addressee:
    email: str
    user: User | None
    kind: str


def _people(users: Iterable[User], kind: str) -> list[_Addressee]:
    return [_Addressee(u.email.lower(), u, kind) for u in users if u.is_active]


class _Resolver:
    """Turns the engine's recipients into people and addresses for one case."""

    def __init__(self, case: Case, decided_at: int) -> None:
        self.case = case
        self.decided_at = decided_at  # the stage at which the decision was made
        self.stages = _stage_records(case)

    def __call__(self, recipient: Recipient | str, stage: int) -> list[_Addressee]:
        from escalate.partnerships.models import Membership, PartnershipRole

        case, kind = self.case, str(recipient)
        record = self.stages.get(stage)
        agencies = [case.raising_agency_id, case.other_agency_id]

        def members(role: Role) -> list[_Addressee]:
            found = Membership.objects.filter(
                agency_id__in=agencies, role=role.value, person__is_active=True
            ).select_related("person")
            return _people([m.person for m in found], kind)

        def partnership_people(role: Role) -> list[_Addressee]:
            found = PartnershipRole.objects.filter(
                partnership_id=case.partnership_id, role=role.value, person__is_active=True
            ).select_related("person")
            return _people([p.person for p in found], kind)

        if recipient == Recipient.STAGE_OWNER:
            return _people([record.owner], kind) if record else []
        if recipient == Recipient.RAISING_PRACTITIONER:
            return _people([case.raised_by], kind)
        if recipient == Recipient.OTHER_PROFESSIONAL:
            return [self.other_professional(kind)]
        if recipient == Recipient.COUNTERPART:
            if record and record.counterpart_email:
                return [_Addressee(record.counterpart_email.lower(), record.counterpart, kind)]
            if case.other_agency.safeguarding_email:
                return [_Addressee(case.other_agency.safeguarding_email.lower(), None, kind)]
            return [self.other_professional(kind)]
        if recipient == Recipient.OWNER_LINE_MANAGER:
            deciding = self.stages.get(self.decided_at)
            manager = deciding.owner.line_manager if deciding else None
            return _people([manager], kind) if manager else []
        if recipient == Recipient.SAFEGUARDING_LEADS:
            leads = members(Role.SAFEGUARDING_LEAD)
            covered = {
                m.agency_id
                for m in Membership.objects.filter(
                    agency_id__in=agencies,
                    role=Role.SAFEGUARDING_LEAD.value,
                    person__is_active=True,
                )
            }
            for agency in (case.raising_agency, case.other_agency):
                if agency.pk not in covered and agency.safeguarding_email:
                    leads.append(_Addressee(agency.safeguarding_email.lower(), None, kind))
            return leads
        if recipient == Recipient.SENIOR_MANAGERS:
            return members(Role.SENIOR_MANAGER)
        if recipient == Recipient.BOARD_REPRESENTATIVES:
            return members(Role.BOARD_REPRESENTATIVE)
        if recipient == Recipient.BUSINESS_UNIT:
            return [
                *partnership_people(Role.BUSINESS_UNIT),
                _Addressee(case.partnership.business_unit_email.lower(), None, kind),
            ]
        if recipient == Recipient.INDEPENDENT_CHAIR:
            return partnership_people(Role.INDEPENDENT_CHAIR)
        if recipient == Recipient.STATUTORY_PARTNERS:
            return partnership_people(Role.STATUTORY_PARTNER)
        if recipient == Recipient.ALL_INVOLVED:
            everyone = [*_people([case.raised_by], kind), self.other_professional(kind)]
            for r in self.stages.values():
                everyone += _people([r.owner], kind)
                if r.counterpart_email:
                    everyone.append(_Addressee(r.counterpart_email.lower(), r.counterpart, kind))
            return everyone
        raise ValueError(f"unknown recipient {recipient!r}")  # pragma: no cover

    def other_professional(self, kind: str) -> _Addressee:
        case = self.case
        return _Addressee(case.other_professional_email.lower(), case.other_professional, kind)


def _notify(
    case: Case,
    actor: User | None,
    source: Event,
    owed: Iterable[tuple[Recipient | str, int, str, str]],
    *,
    decided_at: int | None = None,
    invitation: Invitation | None = None,
    resolver: Callable[[Recipient | str, int], list[_Addressee]] | None = None,
) -> list[Notification]:
    """Write one outbox row per person owed a notification.

    ``owed`` holds (recipient, stage, event, why). A person is told once per change
    (the first reason wins) and never about their own action. A recipient nobody holds
    (no chair registered, say) is passed to the business unit, saying so.
    """
    resolve = resolver or _Resolver(case, decided_at or case.current_stage)
    actor_email = actor.email.lower() if actor else None
    seen: set[str] = set()
    rows: list[Notification] = []
    now = clock.now()
    for recipient, stage, event, why in owed:
        people = resolve(recipient, stage)
        if not people:
            people = [
                _Addressee(case.partnership.business_unit_email.lower(), None, str(recipient))
            ]
            label = RecipientKind(str(recipient)).label.lower()
            why = (
                f"no {label} is registered for this partnership, so the business unit is "
                f"told instead: {why}"
            )
        for person in people:
            if person.email in seen or person.email == actor_email:
                continue
            seen.add(person.email)
            rows.append(
                Notification(
                    case=case,
                    source_event=source,
                    invitation=(invitation if recipient == Recipient.OTHER_PROFESSIONAL else None),
                    recipient=person.user,
                    email=person.email,
                    recipient_kind=person.kind,
                    event=event,
                    stage=stage,
                    why=why[:SHORT_TEXT_MAX],
                    created_at=now,
                )
            )
    return Notification.objects.bulk_create(rows)


def _owed(
    notices: Iterable[engine.Notice], fallback_event: str
) -> list[tuple[Recipient, int, str, str]]:
    return [
        (n.recipient, n.stage, NOTICE_EVENTS.get(n.event, fallback_event), n.why) for n in notices
    ]


# ---------------------------------------------------------------- raising


def _years_before(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` earlier; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


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
    immediate_risk: bool = False,
    referral_made: bool | None = None,
    referral_made_on: dt.date | None = None,
    start_stage: int = 1,
    expedite_reason: str = "",
    owner: User | None = None,
    owner_role: Role | str | None = None,
    counterpart_name: str = "",
    counterpart_email: str = "",
    once: str = "",
) -> Case:
    """Raise a challenge with another agency's professional, under the partnership's
    procedure as it is today (kept with the case for good).

    The case starts at stage 1, owned by the person raising it, with the other
    professional as counterpart; where the procedure allows it and someone is at
    immediate risk, it may start at a later stage, owned by ``owner``. ``once`` is the
    journey's one-time token: raising twice with it makes one case (:class:`AlreadyDone`).
    """
    from escalate.accounts.models import User
    from escalate.partnerships.models import Membership

    _require_active(actor)
    today = clock.today()
    procedure = partnership.procedure
    form = _Form()

    member_roles = {
        Role(r)
        for r in Membership.objects.filter(person=actor, agency=raising_agency).values_list(
            "role", flat=True
        )
    }
    if not member_roles:
        raise NotAllowed("You can only raise a challenge on behalf of an agency you work in.")
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

    other_name = form.text(
        "other_professional_name",
        other_professional_name,
        label="the other professional's name",
        limit=NAME_MAX,
    )
    other_email = form.email(
        "other_professional_email",
        other_professional_email,
        label="the other professional's email address",
    )
    if other_email and other_email == actor.email.lower():
        form.add("other_professional_email", "Enter the other professional's email, not yours.")

    # The person at risk: only what the procedure needs.
    allowed_subjects = {
        Protects.ADULTS: [SubjectType.ADULT],
        Protects.CHILDREN: [SubjectType.CHILD, SubjectType.FAMILY],
        Protects.BOTH: list(SubjectType),
    }[procedure.protects]
    if subject_type not in SubjectType.values:
        form.add("subject_type", "Say whether this is about an adult, a child or a family.")
    elif SubjectType(subject_type) not in allowed_subjects:
        form.add(
            "subject_type",
            f"{procedure.name} is about {procedure.protects.value}: choose "
            + " or ".join(s.label.lower() for s in allowed_subjects)
            + ".",
        )
    name = form.text("person_name", person_name, label="the person's name", limit=NAME_MAX)
    needed = prefills_needed(procedure)
    dob = form.date(
        "person_date_of_birth",
        person_date_of_birth,
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
    address = form.text(
        "person_address", person_address, label="their address", limit=ADDRESS_MAX, required=False
    )
    if address and "person.address" not in needed:
        form.add("person_address", f"{procedure.name} does not need their address: leave it out.")
    record_id = form.text(
        "person_record_id",
        person_record_id,
        label="your agency's record number",
        limit=RECORD_ID_MAX,
        required=False,
    )
    views = form.text(
        "person_views",
        person_views,
        label="their views and wishes",
        limit=LONG_TEXT_MAX,
        required=False,
    )
    if person_knows is None:
        form.add("person_knows", "Say whether they know about this disagreement.")

    # The disagreement.
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
        concern_arose_on,
        label="the date the concern arose",
        not_after=today,
        not_before=today - dt.timedelta(days=OLDEST_CONCERN_DAYS),
        before_words="more than a year ago; check the date",
    )
    if immediate_risk and referral_made is None:
        form.add(
            "referral_made",
            "Say whether a safeguarding referral or front-door contact has been made. "
            + procedure.expedite.prompt,
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

    # Where it starts, and who owns that stage.
    if not 1 <= start_stage <= len(procedure.stages):
        form.add("start_stage", f"{procedure.name} has stages 1 to {len(procedure.stages)}.")
        start_stage = 1
    reason = form.text(
        "expedite_reason", expedite_reason, label="the reason", limit=SHORT_TEXT_MAX, required=False
    )
    first = procedure.stage(start_stage)
    if start_stage == 1:
        role_for_engine = (
            Role.PRACTITIONER
            if Role.PRACTITIONER in first.owners
            else next((r for r in first.owners if r in member_roles), None)
        )
        if role_for_engine is None:
            raise NotAllowed(
                f"Stage 1 of {procedure.name} is owned by "
                + " or ".join(r.label.lower() for r in first.owners)
                + f"; you are not one in {raising_agency}."
            )
        stage_owner: _Owner | None = _Owner(actor, role_for_engine)
    else:
        role_for_engine = sorted(member_roles, key=list(Role).index)[0]
        stage_owner = _check_owner(
            form, partnership, raising_agency, procedure, start_stage, owner, owner_role
        )

    outcome: engine.Outcome | None = None
    if arose is not None and form.ok("concern_arose_on"):
        try:
            outcome = engine.raise_case(
                procedure,
                role_for_engine,
                arose=arose,
                on=today,
                start_stage=start_stage,
                immediate_risk=immediate_risk,
                reason=reason,
            )
        except engine.Refused as refused:
            if refused.code == "invalid":
                form.add(
                    "expedite_reason" if start_stage > 1 else "concern_arose_on", refused.reason
                )
            else:
                form.check()
                raise from_refusal(refused) from None
    form.check()
    assert arose is not None and stage_owner is not None and person_knows is not None
    assert outcome is not None

    if start_stage == 1:
        cp_name, cp_email = other_name, other_email
        cp_user = User.objects.filter(
            email__iexact=other_email, is_active=True, memberships__agency=other_agency
        ).first()
    else:
        cp_name, cp_email, cp_user = _counterpart(
            form, other_agency, stage_owner.role, counterpart_name, counterpart_email
        )
        form.check()

    with transaction.atomic():
        taken = _once(once, actor, "case.raised")
        year = today.year
        sequence = _next_sequence(partnership, year)
        case = Case.objects.create(
            reference=f"{partnership.reference_prefix}-{year}-{sequence:04d}",
            partnership=partnership,
            year=year,
            sequence=sequence,
            procedure_key=procedure.key,
            procedure_version=procedure.version,
            procedure_snapshot=snapshot(procedure),
            board_representative_from=involved_from(procedure, Role.BOARD_REPRESENTATIVE),
            business_unit_from=involved_from(procedure, Role.BUSINESS_UNIT),
            independent_chair_from=involved_from(procedure, Role.INDEPENDENT_CHAIR),
            statutory_partner_from=involved_from(procedure, Role.STATUTORY_PARTNER),
            subject_type=subject_type,
            person_name=name,
            person_date_of_birth=dob,
            person_address=address,
            person_record_id=record_id,
            person_views=views,
            person_knows=person_knows,
            raised_by=actor,
            raising_agency=raising_agency,
            other_agency=other_agency,
            other_professional_name=other_name,
            other_professional_email=other_email,
            other_professional=cp_user if start_stage == 1 else None,
            categories=chosen,
            disagreement=what,
            outcome_sought=sought,
            concern_arose_on=arose,
            immediate_risk=immediate_risk,
            referral_made=referral_made,
            referral_made_on=referral_made_on if referral_made else None,
            current_stage=start_stage,
            raised_at=clock.now(),
            raised_on=today,
        )
        facts = outcome.facts
        StageRecord.objects.create(
            case=case,
            number=start_stage,
            started_on=facts.stage_started[start_stage],
            owner=stage_owner.user,
            owner_role=stage_owner.role.value,
            counterpart_name=cp_name,
            counterpart_email=cp_email,
            counterpart=cp_user,
            **_deadline_fields(procedure, case, facts, start_stage),
        )
        invitation, _token = _new_invitation(case, other_agency, other_email)
        event = _event(
            case,
            actor,
            "case.raised",
            stage=start_stage,
            data={
                "procedure": procedure.key,
                "procedure_version": procedure.version,
                "raising_agency": raising_agency.name,
                "other_agency": other_agency.name,
                "categories": chosen,
                "start_stage": start_stage,
                "owner": stage_owner.user.full_name,
                "owner_role": stage_owner.role.value,
                "immediate_risk": immediate_risk,
                "expedite_reason": reason,
            },
        )
        _notify(
            case,
            actor,
            event,
            _owed(outcome.notices, "case.raised"),
            decided_at=start_stage,
            invitation=invitation,
        )
        _made(taken, case, case)
    return case


def _next_sequence(partnership: Partnership, year: int) -> int:
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


# ---------------------------------------------------------------- invitations


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_invitation(case: Case, agency: Agency, email: str) -> tuple[Invitation, str]:
    token = secrets.token_urlsafe(32)
    now = clock.now()
    invitation = Invitation.objects.create(
        case=case,
        agency=agency,
        email=email,
        token_hash=_hash(token),
        created_at=now,
        expires_at=now + dt.timedelta(days=INVITATION_DAYS),
    )
    return invitation, token


def new_invitation_token(invitation: Invitation) -> str:
    """A fresh token for an invitation's link, for the email that carries it.

    Only a hash is stored, so the link is made when the email is sent; making a new one
    stops any earlier link working. Refused once the invitation has been used.
    """
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        written = Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).update(
            token_hash=_hash(token),
            expires_at=clock.now() + dt.timedelta(days=INVITATION_DAYS),
        )
    if not written:
        raise Conflict("This invitation has already been used.", reason="used")
    return token


def mask_email(address: str) -> str:
    """An address as it may be shown to someone it does not belong to: enough for its
    owner to recognise it, not enough to learn it ("p***@example.org")."""
    local, _, domain = (address or "").partition("@")
    if not domain:
        return "***"
    return f"{local[:1]}***@{domain}"


def _is_addressee(actor: User, invitation: Invitation) -> bool:
    return actor.email.strip().lower() == invitation.email.strip().lower()


def accept_invitation(actor: User, token: str) -> Case:
    """The other professional follows their link: tie the case to them.

    The link is bound to the person it was sent to: only someone signed in with the
    invitation's email address (whose account proves they own it) can accept it, and
    only while it is unused, unexpired and they work in the agency the challenge was
    raised with. Anyone else who follows it (a forwarded link) is refused, the attempt
    goes in the chronology and the person who raised the challenge is told.
    """
    _require_active(actor)
    invitation = (
        Invitation.objects.select_related("agency").filter(token_hash=_hash(token or "")).first()
    )
    if invitation is None:
        raise NotFound("This invitation link is not valid. Ask for a new one.")
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update().select_related("agency").get(pk=invitation.pk)
        )
        if _is_addressee(actor, invitation):
            return _accept(actor, invitation)
        # Recorded and told (committed with this transaction), then refused.
        refused = _refuse_invitation(actor, invitation)
    raise refused


def _refuse_invitation(actor: User, invitation: Invitation) -> NotAllowed:
    """Someone other than the invitation's addressee followed its link."""
    case = Case.objects.select_for_update().get(pk=invitation.case_id)
    told_before = (
        Event.objects.filter(case=case, action="invitation.refused", actor=actor)
        .filter(data__invitation=invitation.pk)
        .exists()
    )
    # Not a change to the case (the version stays), but part of its record.
    event = _event(
        case,
        actor,
        "invitation.refused",
        data={
            "invitation": invitation.pk,
            "tried_by": actor.email.lower(),
            "reason": "The invitation link was followed by someone signed in with a "
            "different email address from the one it was sent to, so it was refused.",
        },
    )
    if not told_before:
        _notify(
            case,
            actor,
            event,
            [
                (
                    Recipient.RAISING_PRACTITIONER,
                    case.current_stage,
                    "invitation.refused",
                    "someone other than the professional you invited followed the invitation "
                    "link, so it was refused: it only works for the address it was sent to",
                )
            ],
        )
    security_log.warning(
        "invitation.refused user=%s case=%s invitation=%s",
        actor.pk,
        case.reference,
        invitation.pk,
    )
    return NotAllowed(
        f"This invitation was sent to {mask_email(invitation.email)}, and only that person "
        "can use it, signed in with that email address. You are signed in with a different "
        "one. If it was sent to you at that address, sign out and sign in with it. If it "
        "was passed on to you, contact the person who raised the challenge: we have told "
        "them someone else tried to use the link."
    )


def _accept(actor: User, invitation: Invitation) -> Case:
    if invitation.accepted_at is not None:
        raise Conflict("This invitation link has already been used.", reason="used")
    if clock.now() >= invitation.expires_at:
        raise Conflict(
            "This invitation link has expired. Ask the person who raised the challenge, "
            "or the partnership's business unit, to send it again.",
            reason="expired",
        )
    if not actor.memberships.filter(agency_id=invitation.agency_id).exists():
        raise NotAllowed(
            f"This invitation is for someone working in {invitation.agency}. Ask your "
            "administrator to add you to that agency first."
        )
    case = Case.objects.select_for_update().get(pk=invitation.case_id)
    if case.other_professional_id not in (None, actor.pk):
        raise Conflict(
            "Someone else in your agency has already taken part in this challenge. "
            "Ask them, or the person who raised it, to involve you.",
            reason="taken",
        )
    previous = case.other_professional_email
    case.other_professional = actor
    case.other_professional_name = actor.full_name or case.other_professional_name
    case.other_professional_email = actor.email.lower()
    _save(
        case,
        None,
        ["other_professional", "other_professional_name", "other_professional_email"],
    )
    now = clock.now()
    invitation.accepted_at = now
    invitation.accepted_by = actor
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    StageRecord.objects.filter(case=case, number=1, counterpart_email__iexact=previous).update(
        counterpart=actor,
        counterpart_name=case.other_professional_name,
        counterpart_email=case.other_professional_email,
    )
    _event(
        case,
        actor,
        "invitation.accepted",
        data={"invited": previous, "accepted_by": actor.email.lower()},
    )
    return case


def resend_invitation(
    actor: User, case: Case, *, expected_version: int, once: str = ""
) -> Notification:
    """Send the other professional's invitation again (when the first email could not be
    sent, or never arrived), to the address it names. The new email carries a new link,
    which stops any earlier one working, and gets a fresh expiry."""
    _require_active(actor)
    with transaction.atomic():
        taken = _once(once, actor, "invitation.resent", case)
        case, s = _lock(case, actor, CaseAction.RESEND_INVITATION, expected_version)
        invitation = (
            Invitation.objects.select_for_update()
            .filter(case=case, accepted_at__isnull=True)
            .order_by("-created_at", "-id")
            .first()
        )
        if invitation is None:  # pragma: no cover - permissions.refusal says so first
            raise Conflict("The invitation has already been accepted.", reason="done")
        _save(case, expected_version)
        event = _event(case, actor, "invitation.resent", data={"to": invitation.email})
        rows = _notify(
            case,
            actor,
            event,
            [
                (
                    Recipient.OTHER_PROFESSIONAL,
                    case.current_stage,
                    "case.raised",
                    "a professional challenge has been raised with you and the invitation "
                    "to take part has been sent again",
                )
            ],
            invitation=invitation,
        )
        _made(taken, case, rows[0])
    return rows[0]


# ---------------------------------------------------------------- the other professional


def acknowledge(actor: User, case: Case, *, expected_version: int, once: str = "") -> Case:
    """The other professional confirms they have received the challenge."""
    _require_active(actor)
    with transaction.atomic():
        taken = _once(once, actor, "case.acknowledged", case)
        case, s = _lock(case, actor, CaseAction.ACKNOWLEDGE, expected_version)
        _bind_other_professional(case, actor)
        case.acknowledged_at = clock.now()
        _save(case, expected_version, ["acknowledged_at", "other_professional"])
        event = _event(case, actor, "case.acknowledged")
        _notify(
            case,
            actor,
            event,
            [
                (
                    Recipient.RAISING_PRACTITIONER,
                    case.current_stage,
                    "case.acknowledged",
                    "the professional they challenged acknowledged it",
                )
            ],
        )
        _made(taken, case)
    return case


def respond(
    actor: User,
    case: Case,
    *,
    agrees: bool,
    reason: str = "",
    expected_version: int,
    once: str = "",
) -> Case:
    """The other professional agrees or disagrees with the challenge (with a reason
    when they disagree). They may change their response while the case is open."""
    _require_active(actor)
    form = _Form()
    why = form.text(
        "reason",
        reason,
        label="why you disagree" if not agrees else "your reason",
        limit=LONG_TEXT_MAX,
        required=not agrees,
    )
    with transaction.atomic():
        taken = _once(once, actor, "case.responded", case)
        case, s = _lock(case, actor, CaseAction.RESPOND, expected_version)
        form.check()
        _bind_other_professional(case, actor)
        now = clock.now()
        if case.acknowledged_at is None:
            case.acknowledged_at = now
        case.response = Response.AGREE if agrees else Response.DISAGREE
        case.response_reason = why
        case.responded_at = now
        _save(
            case,
            expected_version,
            [
                "acknowledged_at",
                "response",
                "response_reason",
                "responded_at",
                "other_professional",
            ],
        )
        event = _event(
            case, actor, "case.responded", data={"response": case.response, "reason": why}
        )
        why_told = "the professional they challenged responded"
        _notify(
            case,
            actor,
            event,
            [
                (Recipient.RAISING_PRACTITIONER, case.current_stage, "case.responded", why_told),
                (Recipient.STAGE_OWNER, case.current_stage, "case.responded", why_told),
            ],
        )
        _made(taken, case)
    return case


def _bind_other_professional(case: Case, actor: User) -> None:
    if case.other_professional_id is None:
        case.other_professional = actor


# ---------------------------------------------------------------- recording


def record_contact(
    actor: User,
    case: Case,
    *,
    kind: ContactKind | str,
    text: str,
    occurred_on: dt.date | None = None,
    with_whom: str = "",
    corrects: Event | None = None,
    expected_version: int,
    once: str = "",
) -> Event:
    """Record a contact, meeting or note in the chronology; ``corrects`` points at an
    earlier entry this one puts right (entries are never edited). Open or closed."""
    _require_active(actor)
    today = clock.today()
    form = _Form()
    if kind not in ContactKind.values:
        form.add("kind", "Choose contact, meeting or note.")
    body = form.text(
        "text", text, label="what happened or what you want to note", limit=LONG_TEXT_MAX
    )
    whom = form.text(
        "with_whom", with_whom, label="who it was with", limit=SHORT_TEXT_MAX, required=False
    )
    with transaction.atomic():
        what = f"{kind}.recorded" if kind in ContactKind.values else "contact.recorded"
        taken = _once(once, actor, what, case)
        case, s = _lock(case, actor, CaseAction.RECORD_CONTACT, expected_version)
        when = form.date(
            "occurred_on",
            occurred_on or today,
            label="the date it happened",
            not_after=today,
            not_before=case.concern_arose_on,
            before_words="before the concern arose",
        )
        if corrects is not None and (corrects.case_id != case.pk or corrects.action == VIEWED):
            form.add("corrects", "Choose an entry in this case's chronology to correct.")
        form.check()
        permissions.acting_role(s, CaseAction.RECORD_CONTACT, case, facts_of(case))
        _save(case, expected_version)
        assert when is not None
        event = _event(
            case,
            actor,
            f"{kind}.recorded",
            data={
                "kind": str(kind),
                "text": body,
                "occurred_on": when.isoformat(),
                "with_whom": whom,
            },
            corrects=corrects,
        )
        _made(taken, case, event)
        return event


def tick_required_action(
    actor: User, case: Case, *, item: str, expected_version: int, once: str = ""
) -> Case:
    """Tick off one of the current stage's required actions."""
    _require_active(actor)
    with transaction.atomic():
        taken = _once(once, actor, "checklist.ticked", case)
        case, s = _lock(case, actor, CaseAction.TICK, expected_version)
        procedure, records = procedure_of(case), _stage_records(case)
        facts = facts_of(case, records.values())
        role = permissions.acting_role(s, CaseAction.TICK, case, facts, item=item, field="item")
        engine.apply(procedure, facts, engine.Action.TICK, role, on=clock.today(), item=item)
        record = records[case.current_stage]
        if item in record.checklist_done:
            raise Conflict("That required action is already ticked off.", reason="done")
        record.checklist_done = [*record.checklist_done, item]
        record.save(update_fields=["checklist_done"])
        _save(case, expected_version)
        text = next(c.text for c in procedure.stage(case.current_stage).checklist if c.key == item)
        _event(
            case, actor, "checklist.ticked", data={"item": item, "text": text, "role": role.value}
        )
        _made(taken, case)
    return case


def _validate_actions(
    form: _Form, case: Case, actions: Sequence[ActionInput], today: dt.date, prefix: str
) -> None:
    from escalate.partnerships.models import Membership

    agencies = set(case.partnership.agencies.values_list("pk", flat=True))
    for i, a in enumerate(actions):
        name = f"{prefix}[{i}]" if prefix != "agreed_action" else ""

        def key(f: str) -> str:
            return f"{name}.{f}" if name else f  # noqa: B023

        form.text(key("what"), a.what, label="what was agreed", limit=SHORT_TEXT_MAX)
        if a.agency is None or a.agency.pk not in agencies:
            form.add(key("agency"), f"Choose an agency in {case.partnership}.")
        form.date(
            key("due_on"),
            a.due_on,
            label="the date it is due",
            not_before=today,
            before_words="in the past",
        )
        if a.owner is None:
            form.text(key("owner_name"), a.owner_name, label="who will do it", limit=NAME_MAX)
        elif (
            a.agency is not None
            and not Membership.objects.filter(person=a.owner, agency=a.agency).exists()
        ):
            form.add(key("owner"), f"{a.owner} does not work in {a.agency}.")


def _create_actions(
    case: Case, actor: User, actions: Sequence[ActionInput], today: dt.date
) -> list[AgreedAction]:
    return [
        AgreedAction.objects.create(
            case=case,
            stage=case.current_stage,
            what=a.what.strip(),
            agency=a.agency,
            owner=a.owner,
            owner_name=(a.owner.full_name if a.owner else a.owner_name.strip()),
            due_on=a.due_on,
            agreed_on=today,
            recorded_by=actor,
        )
        for a in actions
    ]


def add_agreed_action(
    actor: User,
    case: Case,
    *,
    what: str,
    agency: Agency,
    due_on: dt.date,
    owner: User | None = None,
    owner_name: str = "",
    expected_version: int,
    once: str = "",
) -> AgreedAction:
    """Record an action agreed between the agencies, to be checked back on."""
    _require_active(actor)
    today = clock.today()
    with transaction.atomic():
        taken = _once(once, actor, "action.agreed", case)
        case, s = _lock(case, actor, CaseAction.ADD_AGREED_ACTION, expected_version)
        form = _Form()
        _validate_actions(
            form,
            case,
            [ActionInput(what, agency, due_on, owner, owner_name)],
            today,
            "agreed_action",
        )
        form.check()
        (action,) = _create_actions(
            case, actor, [ActionInput(what, agency, due_on, owner, owner_name)], today
        )
        _save(case, expected_version)
        _event(case, actor, "action.agreed", data=_action_data(action))
        _made(taken, case, action)
    return action


def _action_data(action: AgreedAction) -> dict[str, Any]:
    return {
        "action": action.pk,
        "what": action.what,
        "agency": action.agency.name,
        "owner": action.owner_display,
        "due_on": action.due_on.isoformat(),
    }


def complete_agreed_action(
    actor: User,
    action: AgreedAction,
    *,
    done_on: dt.date | None = None,
    note: str = "",
    expected_version: int,
    once: str = "",
) -> AgreedAction:
    """Check back: record that an agreed action was done (also after the case closed)."""
    _require_active(actor)
    today = clock.today()
    with transaction.atomic():
        taken = _once(once, actor, "action.completed", action.case_id)
        case, s = _lock(action.case_id, actor, CaseAction.COMPLETE_AGREED_ACTION, expected_version)
        action = AgreedAction.objects.select_for_update().get(pk=action.pk, case=case)
        if action.done_on is not None:
            raise Conflict(
                f"This action was already recorded as done on {action.done_on:%d %B %Y}.",
                reason="done",
            )
        form = _Form()
        when = form.date(
            "done_on",
            done_on or today,
            label="the date it was done",
            not_after=today,
            not_before=action.agreed_on,
            before_words="before it was agreed",
        )
        text = form.text("note", note, label="the note", limit=SHORT_TEXT_MAX, required=False)
        form.check()
        action.done_on = when
        action.completed_by = actor
        action.completion_note = text
        action.save(update_fields=["done_on", "completed_by", "completion_note"])
        _save(case, expected_version)
        assert when is not None
        _event(
            case,
            actor,
            "action.completed",
            stage=action.stage,
            data={**_action_data(action), "done_on": when.isoformat(), "note": text},
        )
        _made(taken, case, action)
    return action


# ---------------------------------------------------------------- stage moves


def resolve(
    actor: User,
    case: Case,
    *,
    outcome: str,
    agreed_actions: Sequence[ActionInput] = (),
    expected_version: int,
    once: str = "",
) -> Case:
    """Record that the current stage resolved the disagreement, with the outcome and any
    actions agreed. Closes the case."""
    _require_active(actor)
    today = clock.today()
    form = _Form()
    result = form.text("outcome", outcome, label="the outcome", limit=LONG_TEXT_MAX)
    with transaction.atomic():
        taken = _once(once, actor, "case.resolved", case)
        case, s = _lock(case, actor, CaseAction.RESOLVE, expected_version)
        procedure, records = procedure_of(case), _stage_records(case)
        facts = facts_of(case, records.values())
        role = permissions.acting_role(s, CaseAction.RESOLVE, case, facts)
        _validate_actions(form, case, agreed_actions, today, "agreed_actions")
        form.check()
        moved = _apply(procedure, facts, engine.Action.RESOLVE, role, today)
        here = case.current_stage
        record = records[here]
        record.conclusion, record.outcome, record.concluded_on = Conclusion.RESOLVED, result, today
        record.save(update_fields=["conclusion", "outcome", "concluded_on"])
        actions = _create_actions(case, actor, agreed_actions, today)
        case.status, case.closed_on = CaseStatus.RESOLVED, today
        _save(case, expected_version, ["status", "closed_on"])
        event = _event(
            case,
            actor,
            "case.resolved",
            stage=here,
            data={
                "role": role.value,
                "outcome": result,
                "agreed_actions": [_action_data(a) for a in actions],
            },
        )
        _notify(case, actor, event, _owed(moved.notices, "case.resolved"), decided_at=here)
        _made(taken, case)
    return case


def escalate(
    actor: User,
    case: Case,
    *,
    owner: User | None,
    summary: str,
    owner_role: Role | str | None = None,
    counterpart_name: str = "",
    counterpart_email: str = "",
    to_stage: int | None = None,
    expected_version: int,
    once: str = "",
) -> Case:
    """Move an unresolved case to the next stage, naming its new owner (who must hold
    one of that stage's owner roles) and, optionally, the counterpart opposite them.
    ``summary`` says what was tried and why it did not resolve the disagreement."""
    return _move(
        actor,
        case,
        engine.Action.ESCALATE,
        CaseAction.ESCALATE,
        owner=owner,
        owner_role=owner_role,
        text=summary,
        text_field="summary",
        text_label="what was tried and why it did not resolve the disagreement",
        counterpart_name=counterpart_name,
        counterpart_email=counterpart_email,
        to_stage=to_stage,
        expected_version=expected_version,
        once=once,
    )


def expedite(
    actor: User,
    case: Case,
    *,
    to_stage: int,
    reason: str,
    owner: User | None,
    owner_role: Role | str | None = None,
    counterpart_name: str = "",
    counterpart_email: str = "",
    expected_version: int,
    once: str = "",
) -> Case:
    """Skip to a later stage because someone is at immediate risk, where the procedure
    allows it; ``reason`` says why."""
    return _move(
        actor,
        case,
        engine.Action.EXPEDITE,
        CaseAction.EXPEDITE,
        owner=owner,
        owner_role=owner_role,
        text=reason,
        text_field="reason",
        text_label="why someone is at immediate risk",
        counterpart_name=counterpart_name,
        counterpart_email=counterpart_email,
        to_stage=to_stage,
        expected_version=expected_version,
        once=once,
    )


def _move(
    actor: User,
    case: Case,
    move: engine.Action,
    action: CaseAction,
    *,
    owner: User | None,
    owner_role: Role | str | None,
    text: str,
    text_field: str,
    text_label: str,
    counterpart_name: str,
    counterpart_email: str,
    to_stage: int | None,
    expected_version: int,
    once: str = "",
) -> Case:
    _require_active(actor)
    today = clock.today()
    form = _Form()
    with transaction.atomic():
        taken = _once(once, actor, STAGE_EVENTS[move], case)
        case, s = _lock(case, actor, action, expected_version)
        procedure, records = procedure_of(case), _stage_records(case)
        facts = facts_of(case, records.values())
        here = case.current_stage
        target = to_stage if to_stage is not None else here + 1
        role = permissions.acting_role(
            s,
            action,
            case,
            facts,
            to_stage=target,
            reason=text or "",
            field="to_stage" if move is engine.Action.ESCALATE else text_field,
        )
        words = form.text(text_field, text, label=text_label, limit=SHORT_TEXT_MAX)
        new_owner = _check_owner(
            form, case.partnership, case.raising_agency, procedure, target, owner, owner_role
        )
        cp_name, cp_email, cp_user = _counterpart(
            form,
            case.other_agency,
            new_owner.role if new_owner else None,
            counterpart_name,
            counterpart_email,
        )
        form.check()
        assert new_owner is not None
        moved = _apply(procedure, facts, move, role, today, to_stage=target, reason=words)

        left = records[here]
        left.conclusion = (
            Conclusion.ESCALATED if move is engine.Action.ESCALATE else Conclusion.EXPEDITED
        )
        left.outcome, left.concluded_on = words, today
        left.save(update_fields=["conclusion", "outcome", "concluded_on"])
        StageRecord.objects.create(
            case=case,
            number=target,
            started_on=moved.facts.stage_started[target],
            owner=new_owner.user,
            owner_role=new_owner.role.value,
            counterpart_name=cp_name,
            counterpart_email=cp_email,
            counterpart=cp_user,
            **_deadline_fields(procedure, case, moved.facts, target),
        )
        case.current_stage = target
        case.immediate_risk = moved.facts.immediate_risk
        _save(case, expected_version, ["current_stage", "immediate_risk"])
        event = _event(
            case,
            actor,
            STAGE_EVENTS[move],
            stage=target,
            data={
                "from_stage": here,
                "to_stage": target,
                "role": role.value,
                text_field: words,
                "owner": new_owner.user.full_name,
                "owner_role": new_owner.role.value,
                "counterpart": cp_name,
            },
        )
        _notify(
            case,
            actor,
            event,
            _owed(moved.notices, NOTICE_EVENTS[f"case.{move.value}"]),
            decided_at=here,
        )
        _made(taken, case)
    return case


def _apply(
    procedure: Procedure,
    facts: engine.CaseFacts,
    move: engine.Action,
    role: Role,
    today: dt.date,
    **kwargs: Any,
) -> engine.Outcome:
    try:
        return engine.apply(procedure, facts, move, role, on=today, **kwargs)
    except engine.Refused as refused:
        raise from_refusal(refused) from None


def refer_to_panel(
    actor: User, case: Case, *, details: str, expected_version: int, once: str = ""
) -> Case:
    """Refer the case to the current stage's panel (the High-Risk Panel, say)."""
    _require_active(actor)
    form = _Form()
    words = form.text(
        "details", details, label="why the case is being referred", limit=SHORT_TEXT_MAX
    )
    with transaction.atomic():
        taken = _once(once, actor, "panel.referred", case)
        case, s = _lock(case, actor, CaseAction.REFER_TO_PANEL, expected_version)
        procedure, records = procedure_of(case), _stage_records(case)
        facts = facts_of(case, records.values())
        role = permissions.acting_role(s, CaseAction.REFER_TO_PANEL, case, facts)
        form.check()
        moved = _apply(procedure, facts, engine.Action.REFER_TO_PANEL, role, clock.today())
        panel = procedure.stage(case.current_stage).panel
        assert panel is not None
        case.panel_referred = sorted(moved.facts.panel_referred)
        _save(case, expected_version, ["panel_referred"])
        event = _event(
            case,
            actor,
            "panel.referred",
            data={"panel": panel.name, "details": words, "role": role.value},
        )
        _notify(
            case,
            actor,
            event,
            _owed(moved.notices, "case.referred_to_panel"),
            decided_at=case.current_stage,
        )
        _made(taken, case)
    return case


def withdraw(
    actor: User, case: Case, *, reason: str, expected_version: int, once: str = ""
) -> Case:
    """Withdraw the challenge, saying why. Closes the case."""
    _require_active(actor)
    today = clock.today()
    form = _Form()
    words = form.text(
        "reason", reason, label="why the challenge is being withdrawn", limit=SHORT_TEXT_MAX
    )
    with transaction.atomic():
        taken = _once(once, actor, "case.withdrawn", case)
        case, s = _lock(case, actor, CaseAction.WITHDRAW, expected_version)
        procedure, records = procedure_of(case), _stage_records(case)
        facts = facts_of(case, records.values())
        role = permissions.acting_role(
            s, CaseAction.WITHDRAW, case, facts, reason=words, field="reason"
        )
        form.check()
        moved = _apply(procedure, facts, engine.Action.WITHDRAW, role, today, reason=words)
        here = case.current_stage
        record = records[here]
        record.conclusion, record.outcome, record.concluded_on = Conclusion.WITHDRAWN, words, today
        record.save(update_fields=["conclusion", "outcome", "concluded_on"])
        case.status, case.closed_on, case.withdrawn_reason = CaseStatus.WITHDRAWN, today, words
        _save(case, expected_version, ["status", "closed_on", "withdrawn_reason"])
        event = _event(
            case, actor, "case.withdrawn", stage=here, data={"reason": words, "role": role.value}
        )
        _notify(case, actor, event, _owed(moved.notices, "case.withdrawn"), decided_at=here)
        _made(taken, case)
    return case


# ---------------------------------------------------------------- policy issues


def flag_policy_issue(
    actor: User, case: Case, *, text: str, expected_version: int, once: str = ""
) -> PolicyIssue:
    """Flag a gap in policy or procedure the case showed up, for the chair."""
    _require_active(actor)
    form = _Form()
    body = form.text("text", text, label="the policy issue", limit=LONG_TEXT_MAX)
    with transaction.atomic():
        taken = _once(once, actor, "policy_issue.flagged", case)
        case, s = _lock(case, actor, CaseAction.FLAG_POLICY_ISSUE, expected_version)
        form.check()
        issue = PolicyIssue.objects.create(
            case=case, stage=case.current_stage, text=body, raised_by=actor, raised_at=clock.now()
        )
        _save(case, expected_version)
        event = _event(case, actor, "policy_issue.flagged", data={"issue": issue.pk, "text": body})
        why = "a policy issue was flagged for the chair's attention"
        from escalate.partnerships.models import PartnershipRole

        has_chair = PartnershipRole.objects.filter(
            partnership_id=case.partnership_id,
            role=Role.INDEPENDENT_CHAIR.value,
            person__is_active=True,
        ).exists()
        owed: list[tuple[Recipient | str, int, str, str]] = [
            (
                Recipient.INDEPENDENT_CHAIR if has_chair else Recipient.STATUTORY_PARTNERS,
                case.current_stage,
                "policy_issue.flagged",
                why,
            ),
            (Recipient.BUSINESS_UNIT, case.current_stage, "policy_issue.flagged", why),
        ]
        _notify(case, actor, event, owed)
        _made(taken, case, issue)
    return issue


def respond_to_policy_issue(
    actor: User,
    issue: PolicyIssue,
    *,
    response: str,
    expected_version: int | None = None,
    once: str = "",
) -> PolicyIssue:
    """The chair (or statutory partners) respond to a flagged policy issue.

    The chair usually cannot open the case, so the case's version is not checked: the
    issue's own status stops two responses. ``expected_version`` is accepted and ignored.
    """
    _require_active(actor)
    form = _Form()
    body = form.text("response", response, label="the response", limit=LONG_TEXT_MAX)
    with transaction.atomic():
        taken = _once(once, actor, "policy_issue.responded", issue.case_id)
        case, s = _lock(issue.case_id, actor, CaseAction.RESPOND_TO_POLICY_ISSUE, None)
        issue = PolicyIssue.objects.select_for_update().get(pk=issue.pk, case=case)
        if issue.status != PolicyIssueStatus.OPEN:
            raise Conflict("This policy issue has already been responded to.", reason="done")
        form.check()
        issue.status, issue.response = PolicyIssueStatus.RESPONDED, body
        issue.responded_by, issue.responded_at = actor, clock.now()
        issue.save(update_fields=["status", "response", "responded_by", "responded_at"])
        _save(case, None)
        event = _event(
            case, actor, "policy_issue.responded", data={"issue": issue.pk, "response": body}
        )
        raised_by = issue.raised_by
        _notify(
            case,
            actor,
            event,
            [
                (
                    "person",
                    issue.stage,
                    "policy_issue.responded",
                    "the policy issue they flagged has a response",
                )
            ],
            resolver=lambda _r, _s: _people([raised_by], RecipientKind.PERSON.value),
        )
        _made(taken, case, issue)
    return issue


# ---------------------------------------------------------------- afterwards


def record_debrief(
    actor: User,
    case: Case,
    *,
    offered_on: dt.date | None = None,
    held_on: dt.date | None = None,
    expected_version: int,
    once: str = "",
) -> Case:
    """Record that the staff involved were offered, or had, a debrief."""
    _require_active(actor)
    today = clock.today()
    with transaction.atomic():
        taken = _once(once, actor, "debrief.recorded", case)
        case, s = _lock(case, actor, CaseAction.RECORD_DEBRIEF, expected_version)
        form = _Form()
        if offered_on is None and held_on is None:
            form.add("offered_on", "Enter the date a debrief was offered or held.")
        offered = form.date(
            "offered_on",
            offered_on,
            label="the date it was offered",
            required=False,
            not_after=today,
            not_before=case.raised_on,
            before_words="before the case was raised",
        )
        held = form.date(
            "held_on",
            held_on,
            label="the date it was held",
            required=False,
            not_after=today,
            not_before=case.raised_on,
            before_words="before the case was raised",
        )
        if offered and held and held < offered:
            form.add("held_on", "The debrief cannot be held before it was offered.")
        form.check()
        fields = []
        if offered:
            case.debrief_offered_on = offered
            fields.append("debrief_offered_on")
        if held:
            case.debrief_held_on = held
            fields.append("debrief_held_on")
            if case.debrief_offered_on is None:
                case.debrief_offered_on = held
                fields.append("debrief_offered_on")
        _save(case, expected_version, fields)
        _event(
            case,
            actor,
            "debrief.recorded",
            data={
                "offered_on": offered.isoformat() if offered else None,
                "held_on": held.isoformat() if held else None,
            },
        )
        _made(taken, case)
    return case


def record_learning(
    actor: User,
    case: Case,
    *,
    why_not_earlier: str,
    themes: Sequence[str],
    good_practice: str = "",
    expected_version: int,
    once: str = "",
) -> Case:
    """At closure: why it was not resolved earlier, its themes and good practice seen."""
    _require_active(actor)
    form = _Form()
    why = form.text(
        "why_not_earlier",
        why_not_earlier,
        label="why it was not resolved at an earlier stage",
        limit=LONG_TEXT_MAX,
    )
    cleaned: list[str] = []
    for i, theme in enumerate(themes or []):
        t = form.text(f"themes[{i}]", theme, label="the theme", limit=THEME_MAX)
        if t and t.lower() not in {c.lower() for c in cleaned}:
            cleaned.append(t)
    if not cleaned and form.ok("themes"):
        form.add("themes", "Enter at least one theme.")
    if len(cleaned) > THEMES_MAX:
        form.add("themes", f"Enter at most {THEMES_MAX} themes.")
    good = form.text(
        "good_practice",
        good_practice,
        label="the good practice noticed",
        limit=LONG_TEXT_MAX,
        required=False,
    )
    with transaction.atomic():
        taken = _once(once, actor, "learning.recorded", case)
        case, s = _lock(case, actor, CaseAction.RECORD_LEARNING, expected_version)
        form.check()
        case.learning_why_not_earlier = why
        case.learning_themes = cleaned
        case.learning_good_practice = good
        case.learning_recorded_at = clock.now()
        case.learning_recorded_by = actor
        _save(
            case,
            expected_version,
            [
                "learning_why_not_earlier",
                "learning_themes",
                "learning_good_practice",
                "learning_recorded_at",
                "learning_recorded_by",
            ],
        )
        _event(
            case,
            actor,
            "learning.recorded",
            data={"why_not_earlier": why, "themes": cleaned, "good_practice": good},
        )
        _made(taken, case)
    return case


# ---------------------------------------------------------------- viewing


def record_case_viewed(actor: User, case: Case, *, what: str = "") -> Event:
    """Note who opened the case (or, with ``what``, which other page or file showing
    the person at risk) and when (not a change: the version stays)."""
    if what and what not in VIEWED_WHAT:
        raise ValueError(f"unknown kind of view: {what!r}")
    _require_active(actor)
    if not permissions.can_view(actor, case):
        raise NotAllowed("You do not have access to this case.")
    current = Case.objects.only("version").get(pk=case.pk).version
    event = Event(
        case=case,
        at=clock.now(),
        actor=actor,
        action=VIEWED,
        stage=case.current_stage,
        data={"what": what} if what else {},
        version=current,
    )
    event.save()
    return event
