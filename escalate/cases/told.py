"""Who is told of a change: before it is made (what an action page says will happen)
and after (what the confirmation says happened). Reads only: nothing here writes.

Before: :func:`will_be_told` asks the procedure engine which notices the move owes
(:func:`escalate.procedures.engine.apply` on the case's facts, whose result is thrown
away), or, for a change the engine does not rule on, the service's own ``*_owed``
function (:func:`~escalate.cases.services.invitations.response_owed`,
:func:`~escalate.cases.services.records.policy_issue_owed`, ...: the one the service
notifies with), and resolves them with the resolver the service uses
(:class:`escalate.cases.services.notices.Resolver`), as :func:`~escalate.cases.services.
notices.notify` would: each person once, never the person acting, the business unit
when nobody holds a role. Whoever the form itself chooses (the new owner of a stage,
its counterpart) is said in words. After: :func:`were_told` reads the outbox rows the
change wrote. Both name each person with their part in the case ("Sam Smith (line
manager, Cheshire East Council)").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from escalate import clock
from escalate.cases import permissions, selectors
from escalate.cases.errors import CaseError
from escalate.cases.facts import facts_of, procedure_of
from escalate.cases.models import Case, Event, PolicyIssue, StageRecord
from escalate.cases.permissions import ENGINE_ACTIONS, CaseAction
from escalate.cases.services import invitations, notices, records
from escalate.notifications.models import Notification, RecipientKind
from escalate.partnerships.models import Membership, PartnershipRole
from escalate.procedures import engine
from escalate.procedures.model import PARTNERSHIP_ROLES, Procedure, Recipient, Role
from escalate.procedures.skips import role_name

if TYPE_CHECKING:
    from escalate.accounts.models import User

#: The reason put to the engine for a move that needs one (expediting, withdrawing):
#: the preview never keeps it, and the notices owed do not depend on it.
_PREVIEW_REASON = "(what will happen)"

#: The role each recipient stands for, where it is one.
_RECIPIENT_ROLES: dict[str, Role] = {
    Recipient.SAFEGUARDING_LEADS.value: Role.SAFEGUARDING_LEAD,
    Recipient.SENIOR_MANAGERS.value: Role.SENIOR_MANAGER,
    Recipient.BOARD_REPRESENTATIVES.value: Role.BOARD_REPRESENTATIVE,
    Recipient.BUSINESS_UNIT.value: Role.BUSINESS_UNIT,
    Recipient.INDEPENDENT_CHAIR.value: Role.INDEPENDENT_CHAIR,
    Recipient.STATUTORY_PARTNERS.value: Role.STATUTORY_PARTNER,
    Recipient.OWNER_LINE_MANAGER.value: Role.LINE_MANAGER,
}


@dataclass(frozen=True)
class Told:
    """One person (or address) told: their name, their part in the case and why."""

    name: str
    part: str
    why: str = ""
    email: str = ""

    @property
    def text(self) -> str:
        return f"{self.name} ({self.part})" if self.part else self.name


@dataclass(frozen=True)
class Group:
    """Who one move tells: the people known now and, in words, those the form chooses.
    ``heading`` says which move, where a page offers several (expediting to stage 3 or 4)."""

    people: tuple[Told, ...]
    chosen_on_form: tuple[str, ...] = ()
    heading: str = ""

    @property
    def nobody(self) -> bool:
        return not self.people and not self.chosen_on_form


# ---------------------------------------------------------------- words for people


def role_label(role: Role, procedure: Procedure | None = None) -> str:
    """A role as one person holds it, in lower case ("statutory partner"), named as
    ``procedure`` names it where it does ("head of service")."""
    if procedure is not None and role in procedure.role_names.given():
        return role_name(procedure, role)
    if role is Role.STATUTORY_PARTNER:
        return "statutory partner"
    return role.label.lower()


class _Parts:
    """Each person's part in one case, from their roles in its agencies and partnership
    (one query each, for everyone at once)."""

    def __init__(self, case: Case, records: dict[int, StageRecord], users: Iterable[Any]) -> None:
        self.case = case
        self.records = records
        self.procedure = procedure_of(case)
        ids = {u.pk for u in users if u is not None}
        agencies = {
            case.raising_agency_id: case.raising_agency,
            case.other_agency_id: case.other_agency,
        }
        self.agency_roles: dict[int, list[tuple[Role, str]]] = {}
        for person, agency, role in Membership.objects.filter(
            person_id__in=ids, agency_id__in=list(agencies)
        ).values_list("person_id", "agency_id", "role"):
            self.agency_roles.setdefault(person, []).append((Role(role), agencies[agency].name))
        self.partnership_roles: dict[int, set[Role]] = {}
        for person, role in PartnershipRole.objects.filter(
            person_id__in=ids, partnership_id=case.partnership_id
        ).values_list("person_id", "role"):
            if role in {r.value for r in Role}:
                self.partnership_roles.setdefault(person, set()).add(Role(role))

    def held(self, user: Any, role: Role) -> str:
        """ "safeguarding lead, Agency X", if ``user`` holds ``role`` in the case."""
        if role in PARTNERSHIP_ROLES:
            if role in self.partnership_roles.get(user.pk, set()):
                return f"{self.named(role)}, {self.case.partnership.name}"
            return ""
        where = [a for r, a in self.agency_roles.get(user.pk, []) if r is role]
        return f"{self.named(role)}, {' and '.join(dict.fromkeys(where))}" if where else ""

    def named(self, role: Role) -> str:
        return role_label(role, self.procedure)

    def address(self, email: str) -> tuple[str, str]:
        """The name and part of an address nobody signs in with."""
        case = self.case
        for agency in (case.raising_agency, case.other_agency):
            if agency.safeguarding_email and agency.safeguarding_email.lower() == email:
                return email, f"safeguarding address, {agency.name}"
        if case.partnership.business_unit_email.lower() == email:
            return email, f"business unit's address, {case.partnership.name}"
        if case.other_professional_email.lower() == email:
            return case.other_professional_name or email, (
                f"the professional challenged, {case.other_agency.name}"
            )
        for record in self.records.values():
            if record.counterpart_email and record.counterpart_email.lower() == email:
                return record.counterpart_name or email, (
                    f"counterpart at stage {record.number}, {case.other_agency.name}"
                )
        return email, ""

    def part(self, kind: str, stage: int | None, user: Any, email: str) -> tuple[str, str]:
        """The name and part of someone told as ``kind`` about stage ``stage``."""
        case = self.case
        if user is None:
            return self.address(email)
        name = user.full_name or email
        role = _RECIPIENT_ROLES.get(kind)
        if role is not None:
            found = self.held(user, role)
            if found:
                return name, found
        record = self.records.get(stage) if stage is not None else None
        if kind == Recipient.STAGE_OWNER.value and record is not None and record.owner_role:
            return name, self.owner_part(record)
        if user.pk == case.raised_by_id:
            return name, f"raised the challenge, {case.raising_agency.name}"
        if user.pk == case.other_professional_id:
            return name, f"the professional challenged, {case.other_agency.name}"
        for r in sorted(self.records.values(), key=lambda r: -r.number):
            if r.owner_id == user.pk:
                return name, self.owner_part(r)
            if r.counterpart_id == user.pk:
                return name, f"counterpart at stage {r.number}, {case.other_agency.name}"
        if kind == Recipient.OWNER_LINE_MANAGER.value:
            return name, "line manager"
        held = self.agency_roles.get(user.pk) or []
        if held:
            first, where = held[0]
            return name, f"{self.named(first)}, {where}"
        return name, ""

    def owner_part(self, record: StageRecord) -> str:
        role = Role(record.owner_role)
        where = (
            self.case.partnership.name
            if role in PARTNERSHIP_ROLES
            else self.case.raising_agency.name
        )
        return f"{self.named(role)}, {where}"


# ---------------------------------------------------------------- before: who will be told


def will_be_told(
    user: User | Any,
    case: Case,
    action: CaseAction,
    *,
    issue: PolicyIssue | None = None,
    correcting: bool = False,
) -> list[Group] | None:
    """Who ``user`` doing ``action`` on ``case`` now would tell, one group per move the
    page offers (expediting: one per stage it may go to). None: the move cannot be
    worked out now (the service will say why when it is tried)."""
    try:
        if action is CaseAction.EXPEDITE:
            targets = selectors.expedite_targets(case)
            procedure = procedure_of(case)
            return [
                _group(
                    user,
                    case,
                    _engine_owed(user, case, action, n),
                    target=n,
                    heading=f"If you expedite the case to stage {n}: {procedure.stage(n).title}",
                )
                for n in targets
            ] or None
        if action in ENGINE_ACTIONS:
            target = case.current_stage + 1 if action is CaseAction.ESCALATE else None
            return [_group(user, case, _engine_owed(user, case, action, target), target=target)]
        owing = _owing(case, action, issue=issue, correcting=correcting)
    except (CaseError, engine.Refused):
        return None
    if owing is None:
        return None
    return [_group(user, case, owing.owed, resolver=owing.resolver)]


def _owing(
    case: Case, action: CaseAction, *, issue: PolicyIssue | None, correcting: bool
) -> notices.Owing | None:
    """What the changes the engine does not rule on owe, from the very functions their
    services notify with (:mod:`escalate.cases.services.invitations` and
    :mod:`~escalate.cases.services.records`). None: the action tells nobody (or, for a
    response to a policy issue, no issue was given)."""
    if action is CaseAction.ACKNOWLEDGE:
        return invitations.acknowledgement_owed(case)
    if action is CaseAction.RESPOND:
        return invitations.response_owed(case, correcting=correcting)
    if action is CaseAction.RESEND_INVITATION:
        return invitations.resend_owed(case)
    if action is CaseAction.FLAG_POLICY_ISSUE:
        return records.policy_issue_owed(case)
    if action is CaseAction.RESPOND_TO_POLICY_ISSUE and issue is not None:
        return records.policy_response_owed(issue)
    return None


def _engine_owed(
    user: User | Any, case: Case, action: CaseAction, to_stage: int | None
) -> list[notices.Owed]:
    """What the engine says the move owes, from the case's facts now."""
    access = permissions.access(user, case)
    procedure = procedure_of(case)
    facts = facts_of(case, access.stages, procedure=procedure)
    role = permissions.acting_role(
        access.standing, action, case, facts, to_stage=to_stage, reason=_PREVIEW_REASON
    )
    moved = engine.apply(
        procedure,
        facts,
        ENGINE_ACTIONS[action],
        role,
        on=clock.today(),
        to_stage=to_stage,
        reason=_PREVIEW_REASON,
    )
    return notices.from_engine(moved.notices)


def _group(
    user: User | Any,
    case: Case,
    owed: Iterable[notices.Owed],
    *,
    target: int | None = None,
    heading: str = "",
    resolver: notices.Resolve | None = None,
) -> Group:
    """The people ``owed`` comes to, as :func:`~escalate.cases.services.notices.notify`
    would write them: each once (the first reason), never ``user``, and the business unit
    for a role nobody holds. On a move to stage ``target`` (not begun yet), its owner and
    counterpart are the form's to choose."""
    standard = notices.Resolver(case, case.current_stage)
    resolve: notices.Resolve = resolver or standard
    actor = (getattr(user, "email", "") or "").lower()
    seen: set[str] = set()
    found: list[tuple[notices.Addressee, int, str]] = []
    chosen: list[str] = []
    for recipient, stage, _event, why in owed:
        if target is not None and stage == target and target not in standard.stages:
            words = _chosen_on_form(case, recipient, target, why)
            if words:
                chosen.append(words)
                continue
        people = list(resolve(recipient, stage))
        if not people:
            label = RecipientKind(str(recipient)).label.lower()
            email = case.partnership.business_unit_email.lower()
            people = [notices.Addressee(email, None, str(recipient))]
            why = (
                f"no {label} is registered for this partnership, so the business unit is "
                f"told instead: {why}"
            )
        for person in people:
            if person.email in seen or person.email == actor:
                continue
            seen.add(person.email)
            found.append((person, stage, why))
    parts = _Parts(case, standard.stages, [p.user for p, _s, _w in found])
    told = []
    for person, stage, why in found:
        name, part = parts.part(person.kind, stage, person.user, person.email)
        told.append(Told(name, part, why, person.email))
    return Group(tuple(told), tuple(chosen), heading)


def _chosen_on_form(case: Case, recipient: Recipient | str, target: int, why: str) -> str:
    """Who the form chooses, in words: the new stage's owner and its counterpart. Where
    the procedure has the new owner tell someone Escalate cannot email (Shropshire's
    Assistant Director: "Inform their Director (or equivalent)"), it says so."""
    if recipient == Recipient.STAGE_OWNER:
        words = f"The person you choose below as the owner of stage {target} ({why})"
        for whom in procedure_of(case).stage(target).told_by_owner:
            words += (
                f". Escalate does not email {whom}: the procedure says the owner of stage "
                f"{target} must inform them"
            )
        return words
    if recipient == Recipient.COUNTERPART:
        other = case.other_agency.name
        return (
            f"The counterpart in {other} you name below; if you name nobody, the person "
            f"opposite the new owner there, or {other}'s safeguarding address"
        )
    return ""


# ---------------------------------------------------------------- after: who was told


def last_event_id(case: Case) -> int:
    """The newest chronology entry of ``case`` (0: none): note it before a change, to
    read afterwards who the change told."""
    found = Event.objects.filter(case=case).order_by("-id").values_list("id", flat=True).first()
    return found or 0


def were_told(case: Case, actor: User | Any, since: int) -> list[Told]:
    """Who the change ``actor`` just made told: the outbox rows written for the
    chronology entries they added after entry ``since``."""
    rows = list(
        Notification.objects.filter(
            case_id=case.pk, source_event__actor_id=actor.pk, source_event_id__gt=since
        )
        .select_related("recipient")
        .order_by("id")
    )
    records = notices.stage_records(case) if rows else {}
    parts = _Parts(case, records, [r.recipient for r in rows])
    told = []
    for row in rows:
        name, part = parts.part(row.recipient_kind, row.stage, row.recipient, row.email.lower())
        told.append(Told(name, part, row.why, row.email))
    return told


def in_words(told: Sequence[Told]) -> str:
    """What a confirmation says of who was told."""
    if not told:
        return "Nobody else needed to be told."
    names = [t.text for t in told]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"We have told {listed} by email."


# ---------------------------------------------------------------- when resolved


@dataclass(frozen=True)
class Duty:
    """One thing the procedure expects when a stage resolves the disagreement."""

    text: str
    #: Escalate emails those the duty names when the stage is resolved.
    emailed: bool


@dataclass(frozen=True)
class WhenResolved:
    procedure: str
    version: str
    stage: int
    title: str
    duties: tuple[Duty, ...]


def when_resolved(case: Case) -> WhenResolved:
    """What the procedure says must happen when the case's current stage resolves the
    disagreement, in its own words (its ``on_resolved`` duties, in order)."""
    procedure = procedure_of(case)
    stage = procedure.stage(case.current_stage)
    return WhenResolved(
        procedure.name,
        procedure.version,
        stage.number,
        stage.title,
        tuple(Duty(d.text, bool(d.recipients)) for d in stage.on_resolved),
    )
